import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CHANNEL,
  connectStores,
  fresh,
  HOUR,
  open,
  record,
  redis,
  SEC,
  shell,
  T0,
} from '../helpers/store-fixtures.js';

/** Retention: the periodic purge (store/retention.ts). */

connectStores();

void describe('retention', () => {
  void test('resolving sets an expiry on the incident and its timeline; reopening removes it', async (t) => {
    const retention = 3 * 24 * 3600;
    const { store, keys } = fresh(t, { resolvedRetentionSec: retention });
    const i = await open(store);
    assert.equal(await redis.ttl(keys.incident(i.id)), -1);
    await store.triage.resolve(i.id, 'U1', 'benign');
    for (const key of [keys.incident(i.id), keys.timeline(i.id)]) {
      const ttl = await redis.ttl(key);
      assert.ok(ttl > retention - 5 && ttl <= retention, `${key} ttl ${ttl}`);
    }
    await store.triage.reopen(i.id, 'U1');
    assert.equal(await redis.ttl(keys.incident(i.id)), -1);
    assert.equal(await redis.ttl(keys.timeline(i.id)), -1);
    // Falco reopening it does the same.
    await store.triage.resolve(i.id, 'U1', 'benign', undefined, T0 + SEC);
    const again = await record(store, shell(), T0 + 2 * SEC);
    assert.equal(again.outcome, 'reopened');
    assert.equal(await redis.ttl(keys.incident(i.id)), -1);
    assert.equal(await redis.ttl(keys.timeline(i.id)), -1);
  });

  void test('purgeExpired removes what retention is over for, including incidents whose hash already expired', async (t) => {
    const retention = 24 * 3600;
    const { store, keys } = fresh(t, { resolvedRetentionSec: retention, reopenWindowSec: 60 });
    const a = await open(store, { rule: 'a' });
    const b = await open(store, { rule: 'b' });
    const c = await open(store, { rule: 'c' });
    await store.outbox.markPosted(a.id, {
      channel: CHANNEL,
      ts: '1.1',
      renderedVersion: 1,
      now: T0,
    });
    await store.outbox.markPosted(b.id, {
      channel: CHANNEL,
      ts: '2.2',
      renderedVersion: 1,
      now: T0,
    });
    await store.triage.resolve(a.id, 'U1', 'benign', undefined, T0 + SEC);
    await store.triage.resolve(b.id, 'U1', 'benign', undefined, T0 + SEC);
    await store.triage.resolve(c.id, 'U1', 'benign', undefined, T0 + 10 * HOUR);
    // As if Redis had expired b's keys already.
    await redis.del(keys.incident(b.id), keys.timeline(b.id));

    assert.equal(
      await store.retention.purgeExpired(T0 + 2 * HOUR),
      0,
      'nothing is past retention yet',
    );
    const purged = await store.retention.purgeExpired(T0 + SEC + retention * 1000);
    assert.equal(purged, 2);
    for (const x of [a, b]) {
      assert.equal(await redis.exists(keys.incident(x.id), keys.timeline(x.id)), 0);
      assert.equal(await redis.zscore(keys.resolvedByTime, x.id), null);
      assert.equal(await redis.zscore(keys.byRule(x.rule), x.id), null);
      assert.equal(await redis.exists(keys.fingerprint(x.fingerprint)), 0);
      assert.equal(await redis.hget(keys.incidentRefs, x.id), null);
    }
    assert.equal(await redis.hlen(keys.messageIndex), 0);
    assert.equal((await store.get(c.id))?.status, 'resolved');
    assert.notEqual(await redis.zscore(keys.resolvedByTime, c.id), null);
  });

  void test('purge leaves a fingerprint that a newer incident took over', async (t) => {
    const { store, keys } = fresh(t, { resolvedRetentionSec: 3600, reopenWindowSec: 60 });
    const old = await open(store, {}, T0);
    await store.triage.resolve(old.id, 'U1', 'benign', undefined, T0);
    const newer = await record(store, shell(), T0 + 120 * SEC);
    assert.equal(newer.outcome, 'new');
    assert.equal(await store.retention.purgeExpired(T0 + 2 * HOUR), 1);
    assert.equal(await redis.get(keys.fingerprint(old.fingerprint)), newer.incident.id);
    assert.equal((await record(store, shell(), T0 + 2 * HOUR)).outcome, 'grouped');
  });
});
