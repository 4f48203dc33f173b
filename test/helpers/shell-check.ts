import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ShellBlock {
  /** Where the block comes from, for messages. */
  id: string;
  content: string;
}

/** shellcheck is a hard requirement of the guidance tests: say how to get it rather than skip. */
export async function requireShellcheck(): Promise<string> {
  try {
    const { stdout } = await run('shellcheck', ['--version']);
    return /version: (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    throw new Error(
      'shellcheck is not installed: apt-get install shellcheck (Debian/Ubuntu) or brew install shellcheck; .ci/run installs it',
    );
  }
}

/**
 * Runs `bash -n` and `shellcheck` over every block, each as its own script, in two
 * processes in all (not one per block), and returns the problems per block id.
 */
export async function checkShellBlocks(blocks: ShellBlock[]): Promise<Map<string, string[]>> {
  const problems = new Map<string, string[]>();
  if (blocks.length === 0) return problems;
  const dir = mkdtempSync(join(tmpdir(), 'ft-sh-'));
  try {
    const files = blocks.map((b, i) => {
      const f = join(dir, `b${i}.sh`);
      writeFileSync(f, `#!/usr/bin/env bash\n${b.content}\n`);
      return f;
    });
    const add = (i: number, msg: string) => {
      const id = blocks[i]!.id;
      problems.set(id, [...(problems.get(id) ?? []), msg]);
    };
    // bash -n for each file, in one bash process.
    const script = 'for f in "$@"; do bash -n "$f" 2>&1 | sed "s|^|$f: |"; done';
    const { stdout: syntax } = await run('bash', ['-c', script, 'bash', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const line of syntax.split('\n').filter(Boolean)) {
      const m = /b(\d+)\.sh: (.*)$/.exec(line);
      if (m) add(Number(m[1]), `bash -n: ${m[2]}`);
    }
    // shellcheck over batches of files; exit status 1 just means findings.
    for (let start = 0; start < files.length; start += 500) {
      const batch = files.slice(start, start + 500);
      let out = '';
      try {
        ({ stdout: out } = await run('shellcheck', ['-s', 'bash', '-f', 'json1', ...batch], {
          maxBuffer: 64 * 1024 * 1024,
        }));
      } catch (err) {
        const e = err as { stdout?: string; code?: number };
        if (e.code !== 1 || !e.stdout) throw err;
        out = e.stdout;
      }
      const parsed = JSON.parse(out || '{"comments":[]}') as {
        comments: Array<{
          file: string;
          line: number;
          code: number;
          level: string;
          message: string;
        }>;
      };
      for (const c of parsed.comments) {
        const m = /b(\d+)\.sh$/.exec(c.file);
        if (m)
          add(Number(m[1]), `shellcheck SC${c.code} (${c.level}) line ${c.line - 1}: ${c.message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}
