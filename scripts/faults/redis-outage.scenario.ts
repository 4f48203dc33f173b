/**
 * Fault scenario: Redis killed (SIGKILL) for 30 s in the middle of a steady stream of
 * alerts, then started again. Every part is its own process: a redis-server of its own,
 * the Slack emulator, the bot (`src/main.ts`, default layout: ingest here, engine and
 * publisher in its child), and the load generator. The driver only orchestrates and counts.
 *
 * Redis runs with `--appendonly yes --appendfsync always` in a directory of its own: what it
 * acknowledged survives the SIGKILL, as in the README's recommended set-up. Without
 * persistence a restart empties Redis (incidents, the stream, the dedupe keys), and no spool
 * can bring back what Redis had already taken; what the spool guarantees is that nothing
 * accepted while Redis was away is lost.
 *
 *   npx tsx scripts/faults/redis-outage.scenario.ts
 *   (FAULT_RATE alerts/s, default 50; FAULT_SECONDS of load, default 75; FAULT_KILL_AT s,
 *   default 15; FAULT_OUTAGE s, default 30)
 *
 * Last stdout line: FAULT-RESULT {"scenario":"redis-outage",...}; exit code 1 when an
 * accepted alert was lost or counted twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import type { Alert } from '../../src/alert.js';
import { Keys } from '../../src/incidents/keys.js';
import { projectRoot } from '../../src/project-root.js';
import { freePort } from '../../test/helpers/free-port.js';
import { startOwnRedis } from '../../test/helpers/redis-server.js';
import { faultAlert } from './steady-load.js';
import { startEmulatorProcess, type EmulatorProcess } from './lib/out-of-process.js';

const RATE = Number(process.env.FAULT_RATE ?? 50);
const SECONDS = Number(process.env.FAULT_SECONDS ?? 75);
const KILL_AT = Number(process.env.FAULT_KILL_AT ?? 15);
const OUTAGE = Number(process.env.FAULT_OUTAGE ?? 30);
const TOKEN = 'fault-ingest-token-0123456789abcdef';
const PREFIX = 'fault:';
const root = projectRoot();
const tsx = ['--import', 'tsx'];

const say = (msg: string) => process.stderr.write(`[${new Date().toISOString()}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a process and resolves with the first stdout line starting with `tag`. */
function startWithLine(args: string[], tag: string, env: NodeJS.ProcessEnv) {
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout });
  const listeners = new Set<(l: string) => void>();
  lines.on('line', (l) => listeners.forEach((f) => f(l)));
  const next = (t: string) =>
    new Promise<string>((resolve, reject) => {
      const exited = (code: number | null) =>
        reject(new Error(`${args.join(' ')} exited (${code})`));
      const f = (l: string) => {
        if (!l.startsWith(t)) return;
        listeners.delete(f);
        proc.off('exit', exited);
        resolve(l.slice(t.length).trim());
      };
      listeners.add(f);
      proc.once('exit', exited);
    });
  return { proc, first: next(tag), next };
}

function stop(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && /^[a-z_]+(\{[^}]*\})? /.test(line))
      sum += Number(line.split(' ').at(-1));
  return sum;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ft-fault-'));
  const redis = await startOwnRedis({ durable: true });
  const admin = new Redis(redis.url, { retryStrategy: () => 200, maxRetriesPerRequest: null });
  admin.on('error', () => undefined);
  const keys = new Keys(PREFIX);
  let bot: ChildProcess | undefined;
  let emu: EmulatorProcess | undefined;
  try {
    emu = await startEmulatorProcess();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const botLog = join(work, 'bot.log');
    bot = spawn(process.execPath, [...tsx, 'src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: emu.token,
        SLACK_SIGNING_SECRET: 'fault-signing-secret',
        SLACK_API_URL: emu.apiUrl,
        SLACK_DEFAULT_CHANNEL: 'C0FAULT0001',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: PREFIX,
        INGEST_TOKEN: TOKEN,
        PORT: String(port),
        HOST: '127.0.0.1',
        SPOOL_DIR: join(work, 'spool'),
        STORM_THRESHOLD: '0',
        CHANNEL_POST_INTERVAL_MS: '0',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logFile = createWriteStream(botLog);
    bot.stdout!.pipe(logFile);
    bot.stderr!.pipe(logFile);
    for (let i = 0; ; i++) {
      if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
      if (i > 300) throw new Error(`the bot did not become ready (log: ${botLog})`);
      await sleep(100);
    }
    // Ready means ingest answers; the engine child may still be starting. One warm-up
    // alert (not counted below) recorded as an incident shows the whole pipeline runs.
    await fetch(`${base}/falco`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(JSON.parse(faultAlert(0)) as object),
        uuid: 'warm-up',
        output_fields: { 'container.id': 'warm-up' },
      }),
    });
    for (let i = 0; (await admin.zcard(keys.openByPriority)) === 0; i++) {
      if (i > 300) throw new Error(`the engine did not record the warm-up alert (log: ${botLog})`);
      await sleep(100);
    }
    say(
      `bot ready on ${base}; ${RATE} alerts/s for ${SECONDS} s; Redis killed at ${KILL_AT} s for ${OUTAGE} s`,
    );

    const out = join(work, 'load.json');
    const load = startWithLine(
      [
        ...tsx,
        'scripts/faults/steady-load.ts',
        `${base}/falco`,
        TOKEN,
        String(RATE),
        String(SECONDS),
        out,
      ],
      'LOAD',
      { PATH: process.env.PATH },
    );
    const loadStarted = Date.now();
    await sleep(KILL_AT * 1000);
    await redis.kill('SIGKILL');
    say('Redis SIGKILLed');
    const readiness = { ok: 0, notReady: 0 };
    const outageEnds = Date.now() + OUTAGE * 1000;
    while (Date.now() < outageEnds) {
      const r = await fetch(`${base}/readyz`).catch(() => undefined);
      if (r?.ok) readiness.ok++;
      else readiness.notReady++;
      await sleep(1000);
    }
    const spooledDuringOutage = await metric(base, 'falco_triage_spool_depth');
    await redis.start();
    say(`Redis started again (${spooledDuringOutage} alerts in the spool)`);
    const loadSummary = JSON.parse(await load.first) as Record<string, number>;
    say(`load done: ${JSON.stringify(loadSummary)} in ${(Date.now() - loadStarted) / 1000} s`);
    const statuses = (JSON.parse(readFileSync(out, 'utf8')) as { statuses: number[] }).statuses;
    const accepted = statuses.filter((s) => s === 202).length;

    // Settled: spool empty, stream empty, nothing pending (entries the engine had read
    // when Redis died are taken over after its claim idle time, 30 s).
    const settleBy = Date.now() + 180_000;
    for (;;) {
      const [depth, len] = await Promise.all([
        metric(base, 'falco_triage_spool_depth'),
        admin.xlen(keys.alertStream),
      ]);
      if (depth === 0 && len === 0) break;
      if (Date.now() > settleBy) throw new Error(`not settled: spool ${depth}, stream ${len}`);
      await sleep(500);
    }

    // Count each alert's occurrences: alert i is the only alert of its incident.
    const countedOf = new Map<number, number>();
    let incidents = 0;
    const countAll = async () => {
      countedOf.clear();
      const ids = await admin.zrange(keys.openByPriority, 0, '-1');
      incidents = ids.length - 1; // less the warm-up alert's
      const p = admin.pipeline();
      for (const id of ids) p.hmget(keys.incident(id), 'occurrences', 'latest');
      for (const [err, v] of (await p.exec()) ?? []) {
        if (err) throw err;
        const [occ, latest] = v as [string, string];
        const a = JSON.parse(latest) as Alert;
        const i = Number(String(a.output_fields['container.id']).slice(5));
        if (!Number.isInteger(i)) continue; // the warm-up alert
        countedOf.set(i, (countedOf.get(i) ?? 0) + Number(occ));
      }
    };
    const lostOf = () => statuses.filter((s, i) => s === 202 && !countedOf.get(i)).length;
    for (;;) {
      await countAll();
      if (lostOf() === 0 || Date.now() > settleBy) break;
      await sleep(1000);
    }
    const lost = lostOf();
    const duplicates = [...countedOf.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const refusedButCounted = statuses.filter((s, i) => s !== 202 && countedOf.get(i)).length;

    // Slack: one top-level post per incident. Posting thousands takes the publisher a
    // while: wait until all are out or the count stops moving, and check for duplicates.
    let posts = 0;
    let distinct = 0;
    let moved = Date.now();
    for (const until = Date.now() + 300_000; Date.now() < until;) {
      const { messages } = await emu.state();
      // An incident's message names it (its metadata): two naming one incident are a duplicate.
      const n = messages.length;
      if (n > posts) moved = Date.now();
      posts = n;
      distinct = new Set(messages.map((m) => JSON.stringify(m.payload?.incident_id ?? m.ts))).size;
      if (posts >= incidents + 1 || Date.now() - moved > 30_000) break;
      await sleep(1000);
    }
    const result = {
      scenario: 'redis-outage',
      redis: 'appendonly yes, appendfsync always',
      rate_per_s: RATE,
      outage_s: OUTAGE,
      sent: statuses.length,
      accepted_202: accepted,
      refused_503: statuses.filter((s) => s === 503).length,
      failed_requests: statuses.filter((s) => s !== 202 && s !== 503).length,
      spooled: await metric(base, 'falco_triage_alerts_spooled_total'),
      unspooled: await metric(base, 'falco_triage_alerts_unspooled_total'),
      counted: [...countedOf.values()].reduce((a, b) => a + b, 0),
      lost,
      duplicates,
      refused_but_counted: refusedButCounted,
      incidents,
      slack_posts: posts - 1,
      duplicate_posts: posts - distinct,
      readyz_during_outage: readiness,
    };
    const pass =
      lost === 0 && duplicates === 0 && refusedButCounted === 0 && posts - distinct === 0;
    const summary = `${RATE} alerts/s, Redis SIGKILLed for ${OUTAGE} s: ${result.sent} sent, ${accepted} answered 202, ${result.spooled} spooled and drained, ${lost} lost, ${duplicates} counted twice, ${result.duplicate_posts} duplicate posts, /readyz 200 at ${readiness.ok} of ${readiness.ok + readiness.notReady} probes during the outage`;
    process.stdout.write(`FAULT-RESULT ${JSON.stringify({ ...result, pass, summary })}\n`);
    process.exitCode = pass ? 0 : 1;
  } catch (err) {
    process.exitCode = 1;
    throw err;
  } finally {
    await stop(bot);
    await emu?.stop();
    admin.disconnect();
    await redis.stop();
    if (process.exitCode) say(`kept the bot's log in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
