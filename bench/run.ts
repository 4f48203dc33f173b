/**
 * `npm run bench`: alerts per second through falco-triage's ingest and incident
 * engine, against a baseline measured in the same run: a bare node:http server doing
 * one XADD per alert with ioredis (the least any durable webhook receiver must do).
 *
 * Both servers run in this process and receive the same requests from the same load
 * generator (keep-alive HTTP, fixed concurrency), on the same Redis.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { startBot } from '../src/bot.js';
import { projectRoot } from '../src/project-root.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { startSlackEmulator } from '../test/helpers/slack-emulator.js';

const TOTAL = Number(process.env.BENCH_ALERTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const FINGERPRINTS = 50;
/** Rounds of the two ingest-only measurements, interleaved; the median is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOKEN = 'bench-ingest-token-0123456789abcdef';

function alertBody(i: number): string {
  return JSON.stringify({
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
    output: `00:00:00.000000000: Notice A shell was spawned in a container with an attached terminal | user=root process=bash command=bash -i container_id=c${i % FINGERPRINTS}`,
    output_fields: {
      'container.id': `c0ffee${String(i % FINGERPRINTS).padStart(6, '0')}`,
      'k8s.ns.name': 'default',
      'k8s.pod.name': `web-${i % FINGERPRINTS}`,
      'proc.cmdline': 'bash -i',
      'proc.name': 'bash',
      'user.name': 'root',
      'user.loginuid': -1,
      'proc.tty': 34816,
    },
    source: 'syscall',
    tags: ['maturity_stable', 'container', 'shell', 'mitre_execution', 'T1059'],
    hostname: 'bench-node',
  });
}

async function load(
  port: number,
  path: string,
): Promise<{ seconds: number; rps: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const bodies = Array.from({ length: TOTAL }, (_, i) => alertBody(i));
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < TOTAL) {
      const body = bodies[next++]!;
      const status = await new Promise<number>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${TOKEN}`,
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
      if (status !== 202) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, rps: TOTAL / seconds, errors };
}

async function baseline(prefix: string): Promise<{ server: Server; port: number; redis: Redis }> {
  const redis = new Redis(REDIS_URL);
  const key = `${prefix}baseline`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      redis.xadd(key, '*', 'alert', body).then(
        () => res.writeHead(202).end('{"accepted":1}'),
        () => res.writeHead(503).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, redis };
}

async function main(): Promise<void> {
  const prefix = uniquePrefix('bench');
  const admin = new Redis(REDIS_URL);
  const rows: string[][] = [];
  try {
    // 1. Baseline and 2a. POST /falco alone (worker stopped), interleaved round by round
    // so drift in the machine's load hits both alike; the median round is reported.
    const b = await baseline(prefix);
    await load(b.port, '/warmup').catch(() => undefined);

    // 2. falco-triage: ingest (auth, validation, stream) with the engine and publisher running.
    const emu = await startSlackEmulator();
    const config = loadConfig({
      SLACK_BOT_TOKEN: emu.token,
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_API_URL: emu.apiUrl,
      SLACK_DEFAULT_CHANNEL: 'C0BENCH0001',
      REDIS_URL,
      REDIS_KEY_PREFIX: `${prefix}bot:`,
      INGEST_TOKEN: TOKEN,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      CHANNEL_POST_INTERVAL_MS: '0',
      UPDATE_COALESCE_MS: '1000',
    });
    const ingestOnly = await startBot(
      { ...config, redis: { ...config.redis, keyPrefix: `${prefix}ingest:` } },
      createLogger({ level: 'error', format: 'json' }),
    );
    await ingestOnly.engine.stop();
    const baseRounds: Awaited<ReturnType<typeof load>>[] = [];
    const aloneRounds: Awaited<ReturnType<typeof load>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await admin.del(`${prefix}baseline`);
      baseRounds.push(await load(b.port, '/falco'));
      await admin.del(ingestOnly.keys.alertStream);
      aloneRounds.push(await load(ingestOnly.port, '/falco'));
    }
    await ingestOnly.stop();
    b.server.close();
    b.redis.disconnect();
    const base = median(baseRounds);
    const alone = median(aloneRounds);
    rows.push(['baseline: node:http + 1 XADD per alert', fmt(base.rps), '–', `${base.errors}`]);
    rows.push([
      'falco-triage: POST /falco alone, worker stopped (auth + zod + XADD)',
      fmt(alone.rps),
      '–',
      `${alone.errors}`,
    ]);

    // 2b. The whole bot: ingest while the worker turns alerts into incidents (same Redis).
    const bot = await startBot(config, createLogger({ level: 'error', format: 'json' }));
    const started = process.hrtime.bigint();
    const ours = await load(bot.port, '/falco');
    // End to end: until the engine has recorded every alert as an occurrence.
    for (;;) {
      const open = await bot.store.listOpen({ limit: 1000 });
      const recorded = open.reduce((n, i) => n + i.occurrences, 0);
      if (recorded >= TOTAL) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const e2eSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const incidents = (await bot.store.listOpen({ limit: 1000 })).length;
    await bot.stop();
    await emu.close();
    rows.push([
      'falco-triage: POST /falco with the incident engine running',
      fmt(ours.rps),
      fmt(TOTAL / e2eSeconds),
      `${ours.errors}`,
    ]);
    const report =
      `\nfalco-triage bench: ${TOTAL.toLocaleString('en-US')} alerts per run (ingest-only rows: median of ${ROUNDS} interleaved runs), ${CONCURRENCY} concurrent keep-alive connections, ${FINGERPRINTS} fingerprints (${incidents} incidents), Node ${process.version}\n\n` +
      `| server | ingest alerts/s | end-to-end alerts/s (ingest -> incident recorded) | errors |\n|---|---|---|---|\n` +
      rows.map((r) => `| ${r.join(' | ')} |`).join('\n') +
      `\n\nPOST /falco alone = ${((alone.rps / base.rps) * 100).toFixed(0)}% of the baseline's rate; with the engine recording incidents in the same Redis = ${((ours.rps / base.rps) * 100).toFixed(0)}%.\n`;
    process.stdout.write(report);
    if (process.argv.includes('--readme')) writeReadme(report);
  } finally {
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
}

/** `npm run bench -- --readme`: the results go between the README's bench markers. */
function writeReadme(report: string): void {
  const path = join(projectRoot(), 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no bench markers');
  const machine = `Measured on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Redis on the same machine.`;
  writeFileSync(
    path,
    `${readme.slice(0, a + start.length)}\n${machine}\n${report.trim()}\n${readme.slice(b)}`,
  );
}

function median<T extends { rps: number }>(xs: T[]): T {
  return [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)]!;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
