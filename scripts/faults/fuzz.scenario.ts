/**
 * Fault scenario "fuzz" (issue 11): 10,000 fuzzed POST /falco bodies (prototype names in
 * every field, as output_fields keys and values; structural damage) against the built bot
 * running out of process (node dist/src/main.js, default layout), the Slack emulator in
 * this process, the shared Redis under a key prefix of its own (deleted afterwards).
 *
 * Counts: accepted alerts, refused requests, 5xx answers, refused requests that stored
 * something, and accepted-then-dropped (accepted alerts the engine never recorded, from
 * the bot's own /metrics and the stream's pending list). Last stdout line:
 *   FAULT-RESULT {"scenario":"fuzz",...}
 *
 *   npx tsx scripts/faults/fuzz.scenario.ts        (FUZZ_COUNT, FUZZ_SEED, SKIP_BUILD=1)
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Keys } from '../../src/incidents/keys.js';
import { fuzzBodies } from '../../test/helpers/alert-fuzz.js';
import { scrape } from '../../test/helpers/prometheus.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../../test/helpers/redis.js';
import { startSlackEmulator } from '../../test/helpers/slack-emulator.js';
import { freePort } from '../../test/helpers/free-port.js';

const COUNT = Number(process.env.FUZZ_COUNT ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261101);
const root = join(import.meta.dirname, '..', '..');
const TOKEN = 'fuzz-scenario-ingest-token-0123456789';
const CHANNEL = 'C0FUZZ00001';

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  if (!process.env.SKIP_BUILD) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root });
  const emu = await startSlackEmulator();
  const prefix = uniquePrefix('fuzz-scenario');
  const redis = new Redis(REDIS_URL);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bot = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: {
      ...process.env,
      SLACK_BOT_TOKEN: emu.token,
      SLACK_SIGNING_SECRET: 'fuzz-signing-secret',
      SLACK_API_URL: emu.apiUrl,
      SLACK_DEFAULT_CHANNEL: CHANNEL,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      INGEST_TOKEN: TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      CHANNEL_POST_INTERVAL_MS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const result = {
    scenario: 'fuzz',
    seed: SEED,
    bodies: COUNT,
    accepted: 0,
    refused: 0,
    status5xx: 0,
    refusedButStored: 0,
    recorded: 0,
    undecodable: 0,
    pending: -1,
    acceptedThenDropped: -1,
    seconds: 0,
    ok: false,
  };
  const started = Date.now();
  try {
    await until(
      async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
      30_000,
      'the bot to be ready',
    );
    const keys = new Keys(prefix);
    const added = async () => {
      if (!(await redis.exists(keys.alertStream))) return 0;
      const info = (await redis.xinfo('STREAM', keys.alertStream)) as unknown[];
      return Number(info[info.indexOf('entries-added') + 1]);
    };
    let before = await added();
    for (const { body } of fuzzBodies(SEED, COUNT)) {
      const res = await fetch(`${base}/falco`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body,
      });
      const json = (await res.json().catch(() => ({}))) as { accepted?: number };
      if (res.status >= 500) result.status5xx++;
      const now = await added();
      if (res.status === 202) result.accepted += Number(json.accepted ?? 0);
      else {
        result.refused++;
        if (now !== before) result.refusedButStored++;
      }
      before = now;
    }
    const outcomes = ['new', 'grouped', 'reopened', 'duplicate'];
    const recorded = async () => {
      const s = await scrape(`${base}/metrics`);
      result.undecodable = s.get('falco_triage_alerts_dropped_total', { reason: 'undecodable' });
      return outcomes.reduce(
        (n, o) => n + s.get('falco_triage_alerts_processed_total', { outcome: o }),
        0,
      );
    };
    await until(
      async () => (result.recorded = await recorded()) + result.undecodable >= result.accepted,
      120_000,
      'every accepted alert to be processed',
    ).catch(() => undefined);
    result.pending = Number((await redis.xpending(keys.alertStream, keys.alertGroup))[0] ?? 0);
    result.acceptedThenDropped = result.accepted - result.recorded;
    result.ok =
      result.status5xx === 0 &&
      result.refusedButStored === 0 &&
      result.acceptedThenDropped === 0 &&
      result.undecodable === 0 &&
      result.pending === 0;
  } finally {
    result.seconds = Math.round((Date.now() - started) / 1000);
    bot.kill('SIGTERM');
    await new Promise((r) => bot.once('exit', r));
    await emu.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  process.stdout.write(`FAULT-RESULT ${JSON.stringify(result)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stdout.write(
    `FAULT-RESULT ${JSON.stringify({ scenario: 'fuzz', ok: false, error: (err as Error).message })}\n`,
  );
  process.exitCode = 1;
});
