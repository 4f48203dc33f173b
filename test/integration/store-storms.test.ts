import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SubjectRefused } from '../../src/incidents/errors.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import { CHANNEL, connectStores, fresh, redis, shell, T0 } from '../helpers/store-fixtures.js';
import { keysUnder } from '../helpers/redis.js';

/** Storm and silence state in Redis: exact counts, every key bounded or expiring, named as Keys names it. */

connectStores();

const WINDOW = 60_000;
const opts = {
  stormThreshold: 2,
  stormWindowMs: WINDOW,
  stormDimensionCap: 3,
  stormRetentionSec: 3600,
};

function record(store: IncidentStore, over: Record<string, unknown>, now: number) {
  const a = shell(over);
  return store.occurrences.record({
    alert: a,
    fingerprint: fingerprintOf(a).fingerprint,
    eventId: eventIdOf(a),
    channel: CHANNEL,
    now,
  });
}

void describe('storm and silence state', () => {
  void test('exact counts with capped dimensions; every storm key bounded or expiring, all named by Keys', async (t) => {
    const { store, keys } = fresh(t, opts);
    // 12 hosts, 12 incidents in one second: a storm from the third on.
    for (let i = 0; i < 12; i++)
      await record(
        store,
        { hostname: `host-${i}`, output_fields: { 'container.id': `c${i}` } },
        T0,
      );
    for (let i = 0; i < 12; i++)
      await record(
        store,
        { hostname: `host-${i}`, output_fields: { 'container.id': `c${i}` } },
        T0 + 1000,
      );
    const d = (await store.storms.digest('STORM-1'))!;
    assert.equal(d.incidents, 10);
    assert.equal(d.alerts, 20);
    assert.equal(d.byHost.length, 4, 'three hosts by name, the rest as others');
    assert.equal(d.byHost.at(-1)?.value, undefined);
    assert.equal(
      d.byHost.reduce((n, c) => n + c.incidents, 0),
      10,
      'others keep the counts exact',
    );
    assert.equal(
      d.byHost.reduce((n, c) => n + c.alerts, 0),
      20,
    );
    assert.ok((await redis.hlen(keys.stormCounts('STORM-1', 'host'))) <= 2 * 3 + 2);
    assert.ok(
      (await redis.llen(keys.stormRate(CHANNEL))) <= 3,
      'the rate list holds threshold + 1',
    );
    const ratePttl = await redis.pttl(keys.stormRate(CHANNEL));
    assert.ok(ratePttl > 0 && ratePttl <= WINDOW, `rate list expires (${ratePttl})`);

    // Not over while its incidents keep firing; over a window after they stop.
    assert.deepEqual(await store.storms.sweep(T0 + 1000 + WINDOW - 1), []);
    assert.deepEqual(await store.storms.sweep(T0 + 1000 + WINDOW), ['STORM-1']);
    assert.deepEqual(await store.storms.sweep(T0 + 1000 + WINDOW), [], 'closed once');
    assert.equal(await redis.exists(keys.channelStorm(CHANNEL)), 0);
    assert.equal(await redis.zcard(keys.openStorms), 0);
    for (const k of [
      keys.storm('STORM-1'),
      keys.stormMembers('STORM-1'),
      keys.stormCounts('STORM-1', 'rule'),
      keys.stormCounts('STORM-1', 'ns'),
      keys.stormCounts('STORM-1', 'host'),
      keys.stormTimeline('STORM-1'),
    ]) {
      const ttl = await redis.ttl(k);
      assert.ok(ttl > 0 && ttl <= 3600, `${k} expires after the storm (${ttl})`);
    }
    const found = new Set(await keysUnder(redis, keys.base));
    for (const k of found)
      assert.ok(
        k.startsWith(keys.base) &&
          (k.includes(':incident:') ||
            k.includes(':timeline:') ||
            k.includes(':fp:') ||
            k.includes(':dedupe:') ||
            k.includes(':idx:') ||
            k.includes(':outbox:') ||
            [
              keys.incidentSeq,
              keys.stormSeq,
              keys.incidentRefs,
              keys.stormRate(CHANNEL),
              keys.storm('STORM-1'),
              keys.stormMembers('STORM-1'),
              keys.stormCounts('STORM-1', 'rule'),
              keys.stormCounts('STORM-1', 'ns'),
              keys.stormCounts('STORM-1', 'host'),
              keys.stormTimeline('STORM-1'),
            ].includes(k)),
        `${k} is one Keys names`,
      );
  });

  void test('silences: bounded in number, each kept only a while after it ends; a swallowed event is remembered for the dedupe window', async (t) => {
    const { store, keys } = fresh(t, { silenceMaxActive: 2, dedupeWindowSec: 600 });
    const mute = (now = T0) =>
      store.silences.mute({
        channel: CHANNEL,
        matchers: { rule: 'Terminal shell*' },
        durationMs: 3_600_000,
        reason: 'r',
        what: 'w',
        actor: 'U1',
        now,
      });
    const s = await mute();
    await mute();
    await assert.rejects(
      mute(),
      (e) => e instanceof SubjectRefused && e.reason === 'too_many_silences',
    );
    const pttl = await redis.pttl(keys.silence(s.id));
    assert.ok(pttl > 3_600_000, 'kept past its end for its notice');
    assert.equal(await store.silences.swallow(s.id, 'fp-1', 'ev-1', T0 + 1), 'swallowed');
    assert.equal(await store.silences.swallow(s.id, 'fp-1', 'ev-1', T0 + 2), 'duplicate');
    assert.equal(
      await store.silences.swallow(s.id, 'fp-1', 'ev-1', T0 + 1 + 600_000),
      'swallowed',
      'counted again once the window is over',
    );
    const seenTtl = await redis.ttl(keys.dedupe('fp-1'));
    assert.ok(seenTtl > 0 && seenTtl <= 600);
    assert.deepEqual((await store.silences.expire(T0 + 3_600_000)).sort(), ['MUTE-1', 'MUTE-2']);
    assert.equal(await redis.zcard(keys.activeSilences), 0);
    await mute(T0 + 3_600_000);
  });
});
