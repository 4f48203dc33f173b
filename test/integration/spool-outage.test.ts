import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { startTestBot, type TestBot } from '../helpers/test-bot.js';

/** One rule and subject: every alert lands in one incident, which counts them. */
function alert(uuid = randomUUID()) {
  return {
    rule: 'Terminal shell in container',
    priority: 'Warning',
    time: new Date().toISOString(),
    output: 'A shell was spawned in a container',
    output_fields: { 'container.id': 'abc123abc123', 'k8s.ns.name': 'prod', 'k8s.pod.name': 'web' },
    uuid,
  };
}

/** Occurrences counted over every open incident of the bot's store. */
async function counted(t: TestBot): Promise<number> {
  const open = await t.bot.store.listOpen({ limit: 1000 });
  return open.reduce((n, i) => n + i.occurrences, 0);
}

const readyz = async (t: TestBot) => {
  const res = await fetch(`${t.base}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('Redis outages: the spool keeps every accepted alert', () => {
  let redis: OwnRedis;
  let emu: SlackEmulator;
  before(async () => {
    // Durable (AOF fsynced always): a SIGKILL must not lose what Redis acknowledged, or
    // no spool could make the counts come out right.
    redis = await startOwnRedis({ durable: true });
    emu = await startSlackEmulator();
  });
  after(async () => {
    await redis.stop();
    await emu.close();
  });

  test('Redis killed and restarted while alerts are posted: every 202 is counted exactly once, also when the spool is drained twice', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'ft-spool-'));
    const copyDir = mkdtempSync(join(tmpdir(), 'ft-spool-copy-'));
    const env = { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '500', SPOOL_DIR: spoolDir };
    // Entries the engine had read when Redis died stay pending until taken over; the
    // take-over comes sooner here than the default 30 s.
    const claimIdleMs = 1000;
    let t = await startTestBot({ emu, env, claimIdleMs });
    try {
      let accepted = 0;
      const post = async () => {
        const res = await t.postAlerts(alert());
        assert.equal(res.status, 202, JSON.stringify(res.json));
        accepted++;
        return res.json;
      };
      for (let i = 0; i < 5; i++) await post();

      await redis.kill('SIGKILL');
      for (let i = 0; i < 10; i++) assert.equal((await post()).spooled, true);
      assert.equal(t.bot.spool!.depth.alerts, 10);
      assert.equal(t.bot.metrics.alertsSpooled.get({ reason: 'redis_unavailable' }), 1);
      assert.equal(t.bot.metrics.alertsSpooled.get({ reason: 'behind_spool' }), 9);
      // Ready while the spool has room: the Service keeps sending alerts here (README).
      assert.deepEqual(await readyz(t), {
        status: 200,
        body: { status: 'ready', redis: 'unavailable', spooling: true, slack: 'reachable' },
      });
      // What a crash after the drain but before the segment's deletion would leave behind.
      for (const f of readdirSync(spoolDir).filter((n) => n.startsWith('segment-')))
        copyFileSync(join(spoolDir, f), join(copyDir, f));

      await redis.start();
      for (let i = 0; i < 5; i++) await post();
      await eventually(async () => (await counted(t)) === accepted || undefined, {
        what: `${accepted} alerts counted`,
      }).catch(async (err: Error) => {
        const open = await t.bot.store.listOpen({ limit: 1000 });
        throw new Error(
          `${err.message}: ${JSON.stringify({ open: open.map((i) => [i.id, i.occurrences, i.status]), processed: ['new', 'grouped', 'duplicate', 'reopened'].map((o) => t.bot.metrics.alertsProcessed.get({ outcome: o })) })}`,
        );
      });
      // The segment is deleted just after its alerts are in the stream: maybe after they count.
      await eventually(() => t.bot.spool!.depth.alerts === 0 || undefined, { what: 'drained' });
      assert.equal((await readyz(t)).status, 200);

      // Restart over the old spool: the leftovers drain at start-up, and count nothing twice.
      await t.bot.stop();
      for (const f of readdirSync(copyDir)) copyFileSync(join(copyDir, f), join(spoolDir, f));
      t = await startTestBot({ emu, env, claimIdleMs, prefix: t.prefix });
      await eventually(
        () => t.bot.metrics.alertsProcessed.get({ outcome: 'duplicate' }) === 10 || undefined,
        { what: 'the ten re-drained alerts seen as duplicates' },
      );
      assert.equal(await counted(t), accepted, 'each accepted alert counted exactly once');
      assert.equal(accepted, 20);
    } finally {
      await t.close();
      rmSync(spoolDir, { recursive: true, force: true });
      rmSync(copyDir, { recursive: true, force: true });
    }
  });

  test('Redis hangs (SIGSTOP): alerts are spooled within REDIS_TIMEOUT_MS, counted once it answers', async () => {
    const t = await startTestBot({ emu, env: { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '300' } });
    try {
      assert.equal((await t.postAlerts(alert())).status, 202);
      redis.pause();
      const started = Date.now();
      const first = await t.postAlerts(alert());
      assert.equal(first.status, 202);
      assert.equal(first.json.spooled, true);
      assert.ok(Date.now() - started < 3000, 'the request did not wait for the hung Redis');
      for (let i = 0; i < 3; i++) assert.equal((await t.postAlerts(alert())).json.spooled, true);
      assert.equal((await readyz(t)).body.redis, 'unavailable');
      redis.resume();
      // The XADD that timed out still runs now, and the drain adds the same alert again.
      await eventually(async () => (await counted(t)) === 5 || undefined, {
        what: '5 alerts counted',
      });
      assert.equal((await readyz(t)).status, 200);
    } finally {
      redis.resume();
      await t.close();
    }
  });

  test('readiness: 503 within seconds of Redis hanging when the spool cannot take alerts, 200 again when it answers', async () => {
    const t = await startTestBot({
      emu,
      env: { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '300', SPOOL_MAX_BYTES: '0' },
    });
    try {
      assert.equal((await readyz(t)).status, 200);
      redis.pause();
      const started = Date.now();
      assert.deepEqual(await readyz(t), {
        status: 503,
        body: { status: 'not_ready', redis: 'unavailable', spooling: false, slack: 'reachable' },
      });
      assert.ok(Date.now() - started < 2000, 'answered within the timeout, not hung');
      const res = await t.postAlerts(alert());
      assert.equal(res.status, 503);
      assert.equal(res.json.error, 'redis_unavailable');
      redis.resume();
      await eventually(async () => (await readyz(t)).status === 200 || undefined, {
        what: 'ready again',
      });
    } finally {
      redis.resume();
      await t.close();
    }
  });

  test('spool full: 503 spool_full, counted, not ready while Redis is away; room again after the drain', async () => {
    const one = Buffer.byteLength(
      `${JSON.stringify({ v: 1, r: Date.now(), a: [{ ...alert(), priority: 'Warning' }] })}\n`,
    );
    const t = await startTestBot({
      emu,
      env: {
        REDIS_URL: redis.url,
        REDIS_TIMEOUT_MS: '300',
        SPOOL_MAX_BYTES: String(Math.floor(one * 2.5)),
      },
    });
    try {
      await redis.kill('SIGKILL');
      assert.equal((await t.postAlerts(alert())).status, 202);
      assert.equal((await t.postAlerts(alert())).status, 202);
      const full = await t.postAlerts(alert());
      assert.equal(full.status, 503);
      assert.equal(full.json.error, 'spool_full');
      assert.equal(t.bot.metrics.alertsRejected.get({ reason: 'spool_full' }), 1);
      assert.equal((await readyz(t)).status, 503);
      await redis.start();
      await eventually(() => t.bot.spool!.depth.alerts === 0 || undefined, { what: 'drained' });
      assert.equal((await t.postAlerts(alert())).status, 202);
      await eventually(async () => (await counted(t)) === 3 || undefined, { what: '3 counted' });
    } finally {
      await t.close();
    }
  });
});

describe('Redis emptied (a restart without persistence)', () => {
  test('the engine recreates its consumer group and goes on', async () => {
    const t = await startTestBot({ claimIdleMs: 1000 });
    try {
      assert.equal((await t.postAlerts(alert())).status, 202);
      await eventually(async () => (await counted(t)) === 1 || undefined, { what: 'counted' });
      // What a restarted Redis without persistence looks like: no stream, no group.
      await t.bot.redis.del(t.bot.keys.alertStream);
      assert.equal((await t.postAlerts(alert())).status, 202);
      await eventually(async () => (await counted(t)) === 2 || undefined, {
        what: 'the alert after the loss counted',
      });
    } finally {
      await t.close();
    }
  });
});

describe('stream cap', () => {
  test('past STREAM_MAX_LEN without a spool: 503 stream_full, counted, nothing trimmed', async () => {
    // Ingest only: nothing processes the stream, as when the engine has stopped.
    const t = await startTestBot({
      env: { ROLE: 'ingest', STREAM_MAX_LEN: '3', SPOOL_MAX_BYTES: '0' },
    });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await t.postAlerts(alert())).status, 202);
      const res = await t.postAlerts(alert());
      assert.equal(res.status, 503);
      assert.equal(res.json.error, 'stream_full');
      assert.equal(t.bot.metrics.alertsRejected.get({ reason: 'stream_full' }), 1);
      assert.equal(await t.bot.queue.length(), 3, 'accepted entries are kept, none trimmed');
    } finally {
      await t.close();
    }
  });

  test('past STREAM_MAX_LEN with a spool: spooled, and moved into the stream once the engine catches up', async () => {
    const ingest = await startTestBot({ env: { ROLE: 'ingest', STREAM_MAX_LEN: '3' } });
    let engine: TestBot | undefined;
    try {
      for (let i = 0; i < 5; i++) assert.equal((await ingest.postAlerts(alert())).status, 202);
      assert.equal(ingest.bot.metrics.alertsSpooled.get({ reason: 'stream_full' }), 1);
      assert.equal(ingest.bot.spool!.depth.alerts, 2);
      assert.equal(await ingest.bot.queue.length(), 3);
      engine = await startTestBot({
        emu: ingest.emu,
        prefix: ingest.prefix,
        env: { ROLE: 'engine,publisher' },
      });
      await eventually(async () => (await counted(engine!)) === 5 || undefined, {
        what: 'all 5 counted',
      });
      await eventually(() => ingest.bot.spool!.depth.alerts === 0 || undefined, {
        what: 'the spool emptied',
      });
    } finally {
      await engine?.bot.stop();
      await ingest.close();
    }
  });
});
