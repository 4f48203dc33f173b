/**
 * The storm part of `npm run bench` (issue 10): Slack calls per 1,000 alerts when Falco is
 * loud, beside the one-message-per-alert approach of Falcosidekick's Slack output,
 * computed in the same run from the same alerts.
 *
 * The whole bot runs in this process (HTTP ingest, engine, publisher, sweeper) with the
 * default settings against the Slack emulator, on a clock the bench moves one virtual
 * second at a time, so Slack's pace (one write per second per channel) is measured in
 * Slack time without waiting for it. Falcosidekick's Slack output posts one message per
 * alert (its webhook client neither groups nor updates): its calls are the alerts, and at
 * Slack's one message per second per channel the n-th alert is posted n seconds in.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBot } from '../src/bot.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/project-root.js';
import { manualClock } from '../test/helpers/publisher-harness.js';
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { startSlackEmulator } from '../test/helpers/slack-emulator.js';
import { stormAlert } from '../test/helpers/storm-alert.js';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const TOKEN = 'bench-storm-token-0123456789abcdef';
const CHANNEL = 'C0BENCHSTRM';

interface Scenario {
  name: string;
  alerts: number;
  fingerprints: number;
  perSecond: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: '20,000 alerts, 2,000 fingerprints (one rule in 2,000 pods)',
    alerts: 20_000,
    fingerprints: 2000,
    perSecond: 200,
  },
  { name: '1,200 alerts, 120 fingerprints', alerts: 1200, fingerprints: 120, perSecond: 120 },
];

interface Result {
  s: Scenario;
  writes: number;
  posts: number;
  updates: number;
  threadLines: number;
  reads: number;
  early: number;
  noOpUpdates: number;
  criticalMs: number;
  criticalAhead: number;
  lastWriteS: number;
}

async function run(s: Scenario): Promise<Result> {
  const emu = await startSlackEmulator();
  const clock = manualClock(T0);
  const prefix = uniquePrefix('bench-storm');
  const redisUrl = process.env.BENCH_REDIS_URL ?? REDIS_URL;
  const config = loadConfig({
    SLACK_BOT_TOKEN: emu.token,
    SLACK_SIGNING_SECRET: 'bench',
    SLACK_API_URL: emu.apiUrl,
    SLACK_DEFAULT_CHANNEL: CHANNEL,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    INGEST_TOKEN: TOKEN,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
  });
  const bot = await startBot(config, createLogger({ level: 'error', format: 'json' }), {
    now: clock.now,
  });
  const calls: { method: string; at: number; thread: boolean; payload: string; ts?: string }[] = [];
  emu.on('call', (c) => {
    if (c.status !== 200) return;
    calls.push({
      method: c.method,
      at: clock.now(),
      thread: Boolean(c.args.thread_ts),
      payload: JSON.stringify([c.args.text, c.args.blocks]),
      ts: typeof c.args.ts === 'string' ? c.args.ts : (c.response as { ts?: string }).ts,
    });
  });
  const processed = () =>
    ['new', 'grouped', 'reopened', 'duplicate', 'muted'].reduce(
      (n, outcome) => n + bot.metrics.alertsProcessed.get({ outcome }),
      0,
    );
  const step = async () => {
    for (let k = 0; k < 4; k++) {
      clock.set(clock.now() + 250);
      await bot.sweeper.sweep();
      await bot.publisher.drain();
    }
  };
  const criticalSecond = Math.floor(s.alerts / s.perSecond / 2);
  let criticalAt = 0;
  let sent = 0;
  let expected = 0;
  try {
    for (let second = 0; sent < s.alerts; second++) {
      const batch = [];
      for (let k = 0; k < s.perSecond && sent < s.alerts; k++, sent++)
        batch.push(stormAlert(sent, s.fingerprints, T0 + second * 1000 + k));
      if (second === criticalSecond) {
        criticalAt = clock.now();
        batch.push(
          stormAlert(999_999, 1, clock.now(), {
            rule: 'Read sensitive file untrusted',
            priority: 'Critical',
            output_fields: { 'fd.name': '/etc/shadow', 'k8s.ns.name': 'payments' },
          }),
        );
      }
      expected += batch.length;
      const res = await fetch(`http://127.0.0.1:${bot.port}/falco`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      if (res.status !== 202) throw new Error(`POST /falco answered ${res.status}`);
      while (processed() < expected) await new Promise((r) => setImmediate(r));
      await step();
    }
    for (let i = 0; i < 300; i++) await step();
  } finally {
    await bot.stop();
    await emu.close();
    const r = connect();
    await deletePrefix(r, prefix);
    r.disconnect();
  }
  const writes = calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
  const shown = new Map<string, string>();
  let noOp = 0;
  for (const w of writes) {
    if (!w.ts) continue;
    if (w.method === 'chat.update' && shown.get(w.ts) === w.payload) noOp++;
    if (!w.thread) shown.set(w.ts, w.payload);
  }
  const critical = writes.find(
    (w) =>
      w.method === 'chat.postMessage' &&
      !w.thread &&
      w.payload.includes('Critical: Read sensitive file untrusted'),
  );
  return {
    s,
    writes: writes.length,
    posts: writes.filter((w) => w.method === 'chat.postMessage' && !w.thread).length,
    updates: writes.filter((w) => w.method === 'chat.update').length,
    threadLines: writes.filter((w) => w.method === 'chat.postMessage' && w.thread).length,
    reads: calls.length - writes.length,
    early: writes.filter((w) => w.at < T0 + 120_000).length,
    noOpUpdates: noOp,
    criticalMs: critical ? critical.at - criticalAt : Number.NaN,
    criticalAhead: criticalSecond * s.perSecond,
    lastWriteS: ((writes.at(-1)?.at ?? T0) - T0) / 1000,
  };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const per1000 = (calls: number, alerts: number) => ((calls / alerts) * 1000).toFixed(1);

function report(results: Result[]): string {
  const rows = results.flatMap((r) => {
    const alerts = r.s.alerts + 1;
    return [
      `| ${r.s.name} | falco-triage | ${n(r.writes)} (${n(r.posts)} posts, ${n(r.updates)} updates, ${n(r.threadLines)} thread line(s)) + ${n(r.reads)} other | ${per1000(r.writes + r.reads, alerts)} | ${n(r.early)} | ${(r.criticalMs / 1000).toFixed(1)} s | ${n(r.lastWriteS)} s | ${n(r.noOpUpdates)} |`,
      `| | Falcosidekick Slack output (one message per alert) | ${n(alerts)} | 1,000.0 | ${n(Math.min(alerts, 120))} | ${n(r.criticalAhead)} s | ${n(alerts)} s | 0 |`,
    ];
  });
  return [
    `falco-triage storm bench: alerts over HTTP into one channel, default settings (10 new incidents a minute start a storm, digest updated every 15 s, 1 write per second per channel), a Critical alert of another rule sent halfway, Slack time measured on the bot's clock`,
    '',
    '| alerts | approach | Slack calls: writes + other (reads) | calls per 1,000 alerts | writes in the first 2 minutes | Critical alert posted after | last write after | updates that changed nothing |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export async function stormBench(argv: string[] = process.argv): Promise<string> {
  const results: Result[] = [];
  for (const s of SCENARIOS) {
    process.stderr.write(`storm bench: ${s.name}\n`);
    results.push(await run(s));
  }
  const text = report(results);
  process.stdout.write(`\n${text}\n`);
  if (argv.includes('--readme')) writeReadme(text);
  return text;
}

/** `npm run bench -- --readme`: the output goes, unedited, between the README's storm markers. */
function writeReadme(text: string): void {
  const path = join(projectRoot(), 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- bench-storm:start -->';
  const end = '<!-- bench-storm:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no storm bench markers');
  const when = `Measured on ${new Date().toISOString().slice(0, 10)} by bench/storm.ts, the storm part of \`npm run bench\`:`;
  writeFileSync(
    path,
    `${readme.slice(0, a + start.length)}\n${when}\n\n${text.trim()}\n${readme.slice(b)}`,
  );
}

if (process.argv[1]?.endsWith('storm.ts')) {
  stormBench().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`storm bench failed: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
