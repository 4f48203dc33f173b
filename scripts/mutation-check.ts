/**
 * A small mutation check (npm run mutation): applies one-line mutations to the modules
 * that decide incident state, dedupe, escaping and auth, runs the tests that should
 * notice, and counts the mutants they kill. A surviving mutant is a change in behaviour
 * no test asserts.
 *
 * Mutants are found by text, not line number, so the list keeps working while those
 * files change; a pattern that no longer matches is skipped with a note (update it).
 * Everything runs in a copy of the working tree under the system temp directory: a
 * mutant is never written into the real tree, and the copy's file is restored after
 * each run and the copy deleted at the end, even on failure or Ctrl-C.
 *
 *   npm run mutation                 every mutant
 *   npm run mutation -- --only text  those whose file or name contains "text"
 */
import { spawn, execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MUTANTS, type Mutant } from './mutants.js';

const root = join(import.meta.dirname, '..');
const TEST_TIMEOUT_MS = 180_000;

type Outcome = 'killed' | 'survived' | 'skipped';

async function main(): Promise<number> {
  const only = argValue('--only');
  const mutants = MUTANTS.filter((m) => !only || m.file.includes(only) || m.name.includes(only));
  const copy = copyTree();
  const cleanup = () => rmSync(copy, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    // The tests must pass unmutated, or a "kill" would mean nothing.
    const suites = [...new Set(mutants.map((m) => m.tests.join(' ')))];
    for (const suite of suites) {
      if (!(await testsPass(copy, suite.split(' ')))) {
        console.error(`the unmutated tree fails ${suite}; fix that first`);
        return 2;
      }
    }
    const results: { m: Mutant; outcome: Outcome; note?: string }[] = [];
    for (const m of mutants) {
      const r = await runMutant(copy, m);
      results.push({ m, ...r });
      const mark =
        r.outcome === 'killed' ? 'killed  ' : r.outcome === 'survived' ? 'SURVIVED' : 'skipped ';
      console.log(`${mark} ${m.file}: ${m.name}${r.note ? ` (${r.note})` : ''}`);
    }
    const killed = results.filter((r) => r.outcome === 'killed').length;
    const survived = results.filter((r) => r.outcome === 'survived').length;
    const skipped = results.filter((r) => r.outcome === 'skipped').length;
    const score = killed + survived === 0 ? 0 : (100 * killed) / (killed + survived);
    console.log(
      `\nMutation score: ${killed} of ${killed + survived} mutants killed (${score.toFixed(0)} %), ${survived} survived, ${skipped} skipped`,
    );
    return 0;
  } finally {
    cleanup();
  }
}

async function runMutant(copy: string, m: Mutant): Promise<{ outcome: Outcome; note?: string }> {
  const path = join(copy, m.file);
  const original = readFileSync(path, 'utf8');
  const at = original.indexOf(m.find);
  if (at < 0)
    return { outcome: 'skipped', note: 'pattern no longer matches; update scripts/mutants.ts' };
  if (original.indexOf(m.find, at + 1) >= 0)
    return { outcome: 'skipped', note: 'pattern matches more than once; make it unique' };
  try {
    writeFileSync(path, original.slice(0, at) + m.replace + original.slice(at + m.find.length));
    return { outcome: (await testsPass(copy, m.tests)) ? 'survived' : 'killed' };
  } finally {
    writeFileSync(path, original);
  }
}

/** Runs test files in the copy; true when they all pass. */
function testsPass(cwd: string, tests: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=60000', ...tests],
      { cwd, stdio: 'ignore', env: process.env },
    );
    // A mutant that hangs a test (a loop that never ends) counts as killed.
    const timer = setTimeout(() => child.kill('SIGKILL'), TEST_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** The tracked and new files of the working tree, with node_modules linked, not copied. */
function copyTree(): string {
  const copy = mkdtempSync(join(tmpdir(), 'falco-triage-mutation-'));
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    try {
      cpSync(join(root, f), join(copy, f));
    } catch {
      // Deleted in the working tree but still in the index.
    }
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

process.exitCode = await main();
