/**
 * `npm run bench`: how many alerts per second falco-triage accepts, against a baseline
 * measured in the same run: a bare node:http server doing one XADD per alert (the least
 * any durable webhook receiver must do).
 *
 * Every server is its own process, started the way a user starts it (the compiled
 * program, default settings: default Slack pacing, default roles), against the same
 * Redis and the project's Slack emulator (in this process). The load generator
 * (bench/load.ts) is a separate process per run. Each variant is warmed up, then the
 * variants are measured in interleaved rounds (the order rotates every round) so drift
 * in the machine's load hits them alike; medians and ranges are printed, and one
 * machine-readable `BENCH_SUMMARY {...}` line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Keys } from '../src/incidents/keys.js';
import { projectRoot } from '../src/project-root.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { startSlackEmulator } from '../test/helpers/slack-emulator.js';
import { BENCH_TOKEN, FINGERPRINTS, type LoadResult } from './load.js';
import { stormBench } from './storm.js';
import { freePort } from '../test/helpers/free-port.js';

const TOTAL = Number(process.env.BENCH_ALERTS ?? 20_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = projectRoot();

interface Variant {
  id: string;
  label: string;
  /** Whether the engine runs: the run then lasts until it has recorded every alert. */
  engine: boolean;
  proc?: ChildProcess;
  port?: number;
  /** The stream the variant writes to (emptied between runs when nothing reads it). */
  stream: string;
  /** Resident memory of the server and its child processes after the last round. */
  rssMiB?: number;
}

interface Run extends LoadResult {
  /** Alerts per second from the first request to the last alert recorded as an incident. */
  e2eRps?: number;
  ratio?: number;
}

async function main(): Promise<void> {
  const prefix = uniquePrefix('bench');
  // A Redis of the bench's own when redis-server is installed, so other work on a shared
  // Redis does not land in the figures (BENCH_REDIS_URL picks one instead).
  const redis = await benchRedis();
  const REDIS_URL = redis.url;
  const admin = new Redis(REDIS_URL);
  const emu = await startSlackEmulator();
  const botEnv = (p: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: emu.token,
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: emu.apiUrl,
    SLACK_DEFAULT_CHANNEL: 'C0BENCH0001',
    REDIS_URL,
    REDIS_KEY_PREFIX: p,
    INGEST_TOKEN: BENCH_TOKEN,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  });
  const variants: Variant[] = [
    {
      id: 'baseline',
      label: 'baseline: node:http + 1 XADD per alert',
      engine: false,
      stream: `${prefix}baseline`,
    },
    {
      id: 'ingest_only',
      label: 'falco-triage --role ingest (auth + zod + XADD, no engine)',
      engine: false,
      stream: new Keys(`${prefix}ingest:`).alertStream,
    },
    {
      id: 'default',
      label: 'falco-triage, default `npm start` (engine + publisher in a child process)',
      engine: true,
      stream: new Keys(`${prefix}default:`).alertStream,
    },
    {
      id: 'single_process',
      label: 'falco-triage, SINGLE_PROCESS=true (engine on the ingest thread)',
      engine: true,
      stream: new Keys(`${prefix}single:`).alertStream,
    },
  ];
  const main = join(root, 'dist', 'src', 'main.js');
  const start = async (v: Variant, args: string[], env: NodeJS.ProcessEnv) => {
    v.port = await freePort();
    v.proc = spawn(process.execPath, args, {
      cwd: root,
      env: { ...env, PORT: String(v.port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitReady(v.port, v.id === 'baseline' ? '/' : '/readyz');
  };
  let next = 0;
  const runs = new Map<string, Run[]>(variants.map((v) => [v.id, []]));
  try {
    await start(variants[0]!, [join(root, 'bench', 'baseline-server.js')], {
      PATH: process.env.PATH,
      REDIS_URL,
      STREAM_KEY: variants[0]!.stream,
    });
    await start(variants[1]!, [main, '--role', 'ingest'], botEnv(`${prefix}ingest:`));
    await start(variants[2]!, [main], botEnv(`${prefix}default:`));
    await start(variants[3]!, [main], {
      ...botEnv(`${prefix}single:`),
      SINGLE_PROCESS: 'true',
    });

    const measure = async (v: Variant, n: number): Promise<Run> => {
      if (!v.engine) await admin.xtrim(v.stream, 'MAXLEN', 0);
      const started = performance.now();
      const r = await load(v.port!, n, next);
      next += n;
      if (!v.engine) return r;
      // End to end: until the engine has recorded (and so deleted) every entry.
      while ((await admin.xlen(v.stream)) > 0) await new Promise((res) => setTimeout(res, 10));
      return { ...r, e2eRps: n / ((performance.now() - started) / 1000) };
    };

    process.stderr.write(`warming up each variant with ${WARMUP} alerts...\n`);
    for (const v of variants) await measure(v, WARMUP);
    for (let round = 0; round < ROUNDS; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      const results = new Map<string, Run>();
      for (const v of order) results.set(v.id, await measure(v, TOTAL));
      const base = results.get('baseline')!.rps;
      for (const [id, r] of results) runs.get(id)!.push({ ...r, ratio: r.rps / base });
      process.stderr.write(
        `round ${round + 1}/${ROUNDS}: ${[...results].map(([id, r]) => `${id} ${fmt(r.rps)}/s`).join(', ')}\n`,
      );
    }
    for (const v of variants) v.rssMiB = residentMiB(v.proc!.pid!);
  } finally {
    for (const v of variants) v.proc?.kill('SIGTERM');
    await Promise.all(
      variants.map((v) =>
        v.proc && v.proc.exitCode === null
          ? new Promise((r) => v.proc!.once('exit', r))
          : Promise.resolve(),
      ),
    );
    await emu.close();
    await deletePrefix(admin, prefix);
    admin.disconnect();
    redis.proc?.kill('SIGTERM');
  }

  const report = formatReport(variants, runs, redis.label);
  process.stdout.write(`\n${report}\n`);
  if (process.argv.includes('--readme')) writeReadme(report);

  // ---- Storms (issue 10): Slack calls per 1,000 alerts; bench/storm.ts, its own README markers ----
  await stormBench();
}

function formatReport(variants: Variant[], runs: Map<string, Run[]>, redis: string): string {
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
  };
  const range = (xs: number[], f: (n: number) => string) => {
    const s = stat(xs);
    return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
  };
  const pct = (n: number) => `${Math.round(n * 100)}%`;
  const ms = (n: number) => n.toFixed(1);
  const lines = [
    `falco-triage bench: ${TOTAL.toLocaleString('en-US')} alerts per run, ${ROUNDS} interleaved rounds after a ${WARMUP.toLocaleString('en-US')}-alert warm-up of each variant; load generator in its own process, ${CONCURRENCY} keep-alive connections; ${FINGERPRINTS} fingerprints; default Slack pacing; ${redis}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}.`,
    'Each cell: median (min–max) over the rounds. "vs baseline": the variant\'s rate divided by the baseline\'s in the same round.',
    '',
    '| server | accepted alerts/s | vs baseline | p99 accept latency, ms | end-to-end alerts/s (sent -> incident recorded) | errors | resident memory after, MiB |',
    '|---|---|---|---|---|---|---|',
  ];
  const summary: Record<string, number> = {
    alerts: TOTAL,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
  };
  for (const v of variants) {
    const rs = runs.get(v.id)!;
    const e2e = rs.map((r) => r.e2eRps).filter((x): x is number => x !== undefined);
    lines.push(
      `| ${v.label} | ${range(
        rs.map((r) => r.rps),
        fmt,
      )} | ${
        v.id === 'baseline'
          ? '–'
          : range(
              rs.map((r) => r.ratio!),
              pct,
            )
      } | ${range(
        rs.map((r) => r.p99Ms),
        ms,
      )} | ${e2e.length ? range(e2e, fmt) : '–'} | ${rs.reduce((n, r) => n + r.errors, 0)} | ${Math.round(v.rssMiB ?? 0)} |`,
    );
    const s = stat(rs.map((r) => r.rps));
    summary[`${v.id}_rps`] = Math.round(s.median);
    summary[`${v.id}_p99_ms`] = Number(ms(stat(rs.map((r) => r.p99Ms)).median));
    if (v.id !== 'baseline') {
      const ratio = stat(rs.map((r) => r.ratio!));
      summary[`${v.id}_ratio`] = Number(ratio.median.toFixed(3));
      summary[`${v.id}_ratio_min`] = Number(ratio.min.toFixed(3));
    }
    if (e2e.length) summary[`${v.id}_e2e_rps`] = Math.round(stat(e2e).median);
    summary[`${v.id}_errors`] = rs.reduce((n, r) => n + r.errors, 0);
  }
  const base = stat(runs.get('baseline')!.map((r) => r.rps));
  summary.baseline_spread = Number(((base.max - base.min) / base.median).toFixed(3));
  lines.push(
    '',
    `Noise: the baseline's own rate varied by ${pct(summary.baseline_spread)} of its median across the rounds.`,
    '',
    `BENCH_SUMMARY ${JSON.stringify(summary)}`,
  );
  return lines.join('\n');
}

async function benchRedis(): Promise<{ url: string; label: string; proc?: ChildProcess }> {
  if (process.env.BENCH_REDIS_URL)
    return { url: process.env.BENCH_REDIS_URL, label: 'Redis at BENCH_REDIS_URL' };
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const started = await new Promise<boolean>((resolve) => {
    proc.once('error', () => resolve(false));
    proc.once('spawn', () => resolve(true));
  });
  if (!started)
    return { url: REDIS_URL, label: `Redis at REDIS_URL (no redis-server to start one)` };
  const url = `redis://127.0.0.1:${port}`;
  // Commands queue until the server answers; ioredis retries the connection meanwhile.
  const probe = new Redis(url, { retryStrategy: () => 100 });
  probe.on('error', () => undefined);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('the bench Redis did not start')), 10_000).unref(),
  );
  await Promise.race([probe.ping(), timeout]);
  probe.disconnect();
  return { url, label: 'a redis-server of its own on this machine, no persistence', proc };
}

/** VmRSS of a process and its children, in MiB (Linux /proc; 0 where unreadable). */
function residentMiB(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return kb / 1024 + children.reduce((n, c) => n + residentMiB(c), 0);
  } catch {
    return 0;
  }
}

function load(port: number, n: number, first: number): Promise<LoadResult> {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bench', 'load.ts'),
      String(port),
      '/falco',
      String(n),
      String(CONCURRENCY),
      String(first),
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return Promise.resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
}

async function waitReady(port: number, path: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      if (path === '/' || res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `npm run bench -- --readme`: the output goes, unedited, between the README's markers. */
function writeReadme(report: string): void {
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no bench markers');
  const when = `Measured on ${new Date().toISOString().slice(0, 10)} with \`npm run bench\`, Redis on the same machine:`;
  writeFileSync(
    path,
    `${readme.slice(0, a + start.length)}\n${when}\n\n${report.trim()}\n${readme.slice(b)}`,
  );
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
