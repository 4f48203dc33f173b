import assert from 'node:assert/strict';
import { keysUnder } from '../helpers/redis.js';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import { RetentionTimer } from '../../src/incidents/retention-timer.js';
import type { Keys } from '../../src/incidents/keys.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import { eventually } from '../helpers/eventually.js';
import { startTestBot } from '../helpers/test-bot.js';
import {
  CHANNEL,
  connectStores,
  fresh,
  open,
  record,
  redis,
  SEC,
  shell,
  T0,
} from '../helpers/store-fixtures.js';

/** Retention on a timer (src/incidents/retention-timer.ts): once per interval across replicas. */

connectStores();

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });
const RETENTION_SEC = 3600;
const INTERVAL_MS = 60_000;

/** Everything a key holds, as text, whatever its type. */
async function contentOf(key: string): Promise<string> {
  const type = await redis.type(key);
  if (type === 'string') return String(await redis.get(key));
  if (type === 'hash') return JSON.stringify(await redis.hgetall(key));
  if (type === 'zset') return JSON.stringify(await redis.zrange(key, 0, '-1'));
  if (type === 'list') return JSON.stringify(await redis.lrange(key, 0, -1));
  if (type === 'set') return JSON.stringify(await redis.smembers(key));
  if (type === 'stream') return JSON.stringify(await redis.xrange(key, '-', '+'));
  return type;
}

function timers(store: IncidentStore, other: IncidentStore, clock: { now: number }) {
  const make = (s: IncidentStore) =>
    new RetentionTimer({
      retention: s.retention,
      log,
      intervalMs: INTERVAL_MS,
      now: () => clock.now,
    });
  return [make(store), make(other)] as const;
}

function names(keys: Keys, found: string[]): string[] {
  return found.map((k) => k.slice(keys.base.length)).sort();
}

void describe('retention timer', () => {
  void test('two replicas: the purge runs once per interval, and a purged incident leaves nothing behind', async (t) => {
    const { store, other, keys } = fresh(t, {
      resolvedRetentionSec: RETENTION_SEC,
      reopenWindowSec: 60,
      stormThreshold: 2,
    });
    // A and B get messages of their own; C and D open a storm and are folded into it.
    const a = await open(store, { rule: 'a' }, T0);
    const b = await open(store, { rule: 'b' }, T0 + 1);
    const c = await open(store, { rule: 'c' }, T0 + 2);
    const d = await open(store, { rule: 'd' }, T0 + 3);
    assert.equal(c.storm, 'STORM-1', 'C is folded into the storm');
    await record(store, shell({ rule: 'a' }), T0 + 4); // a second occurrence of A
    // The publisher hands out the channel's first item (the digest); A and B wait in its
    // ready queue.
    const claims = await store.outbox.claimReady(T0 + 10, 3000);
    assert.deepEqual(
      claims.map((x) => x.id),
      ['STORM-1'],
    );
    assert.deepEqual(await redis.zrange(keys.outboxReady(CHANNEL), 0, '-1'), [a.id, b.id]);
    await store.outbox.markPosted(a.id, {
      channel: CHANNEL,
      ts: '1700000000.000100',
      renderedVersion: 1,
      now: T0 + 11,
    });
    await store.triage.assign(a.id, 'U1', 'U2', T0 + 12);
    await store.triage.addNote(a.id, 'U2', 'looking', '1700000000.000200', T0 + 13);
    await store.triage.claimRawAttachment(a.id, 1);
    for (const x of [a, b, c])
      await store.triage.resolve(x.id, 'U1', 'benign', undefined, T0 + 100 * SEC);
    // As if Redis had expired B's and C's hashes and timelines (they carry the retention
    // TTL): their refs say where they are named.
    await redis.del(
      keys.incident(b.id),
      keys.timeline(b.id),
      keys.incident(c.id),
      keys.timeline(c.id),
    );

    const clock = { now: T0 + 100 * SEC + RETENTION_SEC * SEC - 1 };
    const [one, two] = timers(store, other, clock);
    assert.deepEqual(await Promise.all([one.step(), two.step()]).then((r) => r.sort()), [
      0,
      undefined,
    ]);
    clock.now += 1;
    // Inside the same interval: nobody has the turn, even though A, B, C are now due.
    assert.deepEqual(await Promise.all([one.step(), two.step()]), [undefined, undefined]);
    clock.now += INTERVAL_MS;
    const results = await Promise.all([one.step(), two.step()]);
    assert.deepEqual(
      results.sort(),
      [3, undefined],
      'one replica purged A, B and C; the other had no turn',
    );

    const purged = [a.id, b.id, c.id];
    const found = await keysUnder(redis, keys.base);
    for (const k of found) {
      const text = `${k} ${await contentOf(k)}`;
      for (const id of purged)
        assert.ok(!new RegExp(`\\b${id}\\b`).test(text), `${k} still names ${id}: ${text}`);
    }
    // What remains: the open incident D (folded in the storm), the storm and its digest's
    // outbox item, the id counters, the retention turn. The storm's keys expire by
    // themselves, STORM_RETENTION_SEC after it ends.
    assert.deepEqual(
      names(keys, found),
      [
        `incident:${d.id}`,
        `timeline:${d.id}`,
        `fp:${d.fingerprint}`,
        `dedupe:${d.fingerprint}`,
        `idx:rule:d`,
        'idx:open',
        'refs',
        'seq:incident',
        'seq:storm',
        'idx:storms',
        `storm-of:${CHANNEL}`,
        `storm-rate:${CHANNEL}`,
        'storm:STORM-1',
        'storm:STORM-1:members',
        'storm:STORM-1:by:rule',
        'storm:STORM-1:by:ns',
        'storm:STORM-1:by:host',
        // The digest is out on a lease (claimed above), due again when the lease ends.
        'outbox:due',
        'outbox:leases',
        'outbox:held',
        'outbox:channels',
        'turn:retention',
      ].sort(),
    );
    assert.deepEqual(await redis.zrange(keys.stormMembers('STORM-1'), 0, '-1'), [d.id]);
    assert.deepEqual(await redis.hkeys(keys.incidentRefs), [d.id]);

    // Running it again (a second replica, a clock far ahead) finds nothing and changes nothing.
    assert.equal(await other.retention.purgeExpired(clock.now), 0);
    assert.deepEqual(names(keys, await keysUnder(redis, keys.base)), names(keys, found));
  });

  void test('a running bot purges by itself: an incident resolved past retention goes without anyone calling purgeExpired', async () => {
    const clock = { now: Date.now() };
    const t = await startTestBot({
      env: { ROLE: 'engine', RESOLVED_RETENTION_SEC: '60', RETENTION_INTERVAL_SEC: '10' },
      now: () => clock.now,
    });
    try {
      const { store, keys } = t.bot;
      const alert = shell();
      const r = await store.occurrences.record({
        alert,
        fingerprint: fingerprintOf(alert).fingerprint,
        eventId: eventIdOf(alert),
        channel: CHANNEL,
        now: clock.now,
      });
      await store.triage.resolve(r.id!, 'U1', 'benign', undefined, clock.now);
      clock.now += 61_000;
      await eventually(async () => (await redis.exists(keys.incident(r.id!))) === 0, {
        what: 'the bot’s timer to purge the incident',
      });
      assert.equal(await redis.hlen(keys.incidentRefs), 0);
    } finally {
      await t.close();
    }
  });

  void test('the turn is per interval of the callers’ clocks, and expires when nobody asks', async (t) => {
    const { store, other, keys } = fresh(t);
    assert.equal(await store.retention.takeTurn(T0, INTERVAL_MS), true);
    assert.equal(await other.retention.takeTurn(T0 + INTERVAL_MS - 1, INTERVAL_MS), false);
    assert.equal(await other.retention.takeTurn(T0 + INTERVAL_MS, INTERVAL_MS), true);
    assert.equal(await store.retention.takeTurn(T0 + INTERVAL_MS, INTERVAL_MS), false);
    const ttl = await redis.pttl(keys.turn('retention'));
    assert.ok(ttl > INTERVAL_MS && ttl <= 2 * INTERVAL_MS, `turn key expires (${ttl} ms)`);
  });

  void test('a purge that fails is logged and retried at the next interval', async () => {
    let calls = 0;
    const clock = { now: T0 };
    const timer = new RetentionTimer({
      retention: {
        takeTurn: () => Promise.resolve(true),
        purgeExpired: () => {
          calls++;
          return calls === 1 ? Promise.reject(new Error('Redis went away')) : Promise.resolve(2);
        },
      },
      log,
      intervalMs: INTERVAL_MS,
      now: () => clock.now,
    });
    assert.equal(await timer.step(), undefined);
    assert.equal(await timer.step(), 2);
  });
});
