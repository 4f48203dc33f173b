/**
 * The fault suite (npm run faults): runs every scripts/faults/*.scenario.ts in a process
 * of its own, one after the other, and prints a table from the `FAULT-RESULT {json}`
 * line each prints last ({scenario, pass, summary, ...measures}). A scenario that exits
 * without that line counts as an error. Exit code 1 when any scenario did not pass.
 *
 *   npm run faults                 every scenario
 *   npm run faults -- sigkill      those whose file name contains "sigkill"
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const dir = import.meta.dirname;
const SCENARIO_TIMEOUT_MS = 15 * 60_000;

interface Row {
  file: string;
  status: 'PASS' | 'FAIL' | 'ERROR';
  seconds: number;
  summary: string;
}

function runScenario(file: string): Promise<Row> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, file)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let result: Record<string, unknown> | undefined;
    let bad: string | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('FAULT-RESULT ')) {
        try {
          result = JSON.parse(line.slice('FAULT-RESULT '.length)) as typeof result;
          bad = undefined;
        } catch {
          bad = 'unreadable FAULT-RESULT line';
        }
      }
      process.stdout.write(`  [${file}] ${line}\n`);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      if (!result || bad)
        return resolve({
          file,
          status: 'ERROR',
          seconds,
          summary: bad ?? `no FAULT-RESULT line (exit ${code ?? signal})`,
        });
      resolve({
        file,
        status: (result.pass ?? result.ok) === true ? 'PASS' : 'FAIL',
        seconds,
        summary: typeof result.summary === 'string' ? result.summary : scalars(result),
      });
    });
  });
}

const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.scenario.ts') && (!filter || f.includes(filter)))
  .sort();
const rows: Row[] = [];
for (const file of files) {
  process.stdout.write(`== ${file}\n`);
  rows.push(await runScenario(file));
}
const name = (f: string) => f.replace(/\.scenario\.ts$/, '');
process.stdout.write('\n| Scenario | Result | Time | Measured |\n|---|---|---|---|\n');
for (const r of rows)
  process.stdout.write(
    `| ${name(r.file)} | ${r.status} | ${r.seconds.toFixed(0)} s | ${r.summary} |\n`,
  );
process.exitCode = rows.every((r) => r.status === 'PASS') ? 0 : 1;

/** A result without a summary: its top-level numbers and words (samples and nested parts left out). */
function scalars(result: Record<string, unknown>): string {
  return Object.entries(result)
    .filter(([k, v]) => k !== 'scenario' && k !== 'ok' && k !== 'pass' && typeof v !== 'object')
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}
