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
  shell,
  T0,
} from '../helpers/store-fixtures.js';

/** The outbox, posting slots and the thread cursor: what the publisher needs (store/outbox.ts). */

connectStores();

void describe('outbox', () => {
  void test('a burst of 1,000 occurrences leaves one due update, never pushed later', async (t) => {
    const { store, keys } = fresh(t, { coalesceMs: 5000 });
    const i = await open(store, {}, T0);
    assert.equal(
      await redis.zscore(keys.outboxDue, i.id),
      String(T0),
      'a new incident is due at once',
    );
    assert.deepEqual(await store.outbox.claimDue(T0, 10, 60_000), [i.id]);
    assert.equal(
      await store.outbox.markPosted(i.id, {
        channel: CHANNEL,
        ts: '1.0001',
        renderedVersion: 1,
        now: T0 + 100,
      }),
      false,
    );
    assert.equal(await redis.zcard(keys.outboxDue), 0, 'nothing left to render');

    for (let n = 0; n < 1000; n++) await record(store, shell(), T0 + 200 + n * 10);
    assert.equal(await redis.zcard(keys.outboxDue), 1);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 100 + 5000));
    const incident = await store.get(i.id);
    assert.equal(incident?.occurrences, 1001);
    assert.equal(incident?.version, 1001);

    assert.deepEqual(
      await store.outbox.claimDue(T0 + 5099, 10, 60_000),
      [],
      'not due before the window ends',
    );
    assert.deepEqual(await store.outbox.claimDue(T0 + 5100, 10, 60_000), [i.id]);
    assert.equal(
      await store.outbox.markRendered(i.id, { renderedVersion: 1001, now: T0 + 5200 }),
      false,
    );
    assert.equal(await redis.zcard(keys.outboxDue), 0);
    assert.equal(await redis.zcard(keys.outboxLeases), 0);
  });

  void test('changes made while rendering keep the item due; a click is due at once', async (t) => {
    const { store, keys } = fresh(t, { coalesceMs: 5000 });
    const i = await open(store, {}, T0);
    await store.outbox.claimDue(T0, 10, 60_000);
    await record(store, shell(), T0 + 10);
    assert.equal(
      await store.outbox.markPosted(i.id, {
        channel: CHANNEL,
        ts: '1.0001',
        renderedVersion: 1,
        now: T0 + 20,
      }),
      true,
    );
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 20 + 5000));

    // A click is shown at once, even when an update is scheduled later.
    await store.triage.acknowledge(i.id, 'U1', T0 + 30);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 30));

    // While a replica holds the item, a click does not hand it to another replica...
    assert.deepEqual(await store.outbox.claimDue(T0 + 40, 10, 60_000), [i.id]);
    await store.triage.assign(i.id, 'U1', 'U2', T0 + 50);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 40 + 60_000));
    assert.deepEqual(await store.outbox.claimDue(T0 + 60, 10, 60_000), []);
    // ...but the holder is told to come back at once.
    assert.equal(await store.outbox.markRendered(i.id, { renderedVersion: 3, now: T0 + 70 }), true);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 70));
    assert.equal(
      await store.outbox.markRendered(i.id, { renderedVersion: 4, now: T0 + 80 }),
      false,
    );
    assert.equal(await redis.zscore(keys.outboxDue, i.id), null);
  });

  void test('a snoozed incident is updated when the snooze ends, not before', async (t) => {
    const { store, keys } = fresh(t, { coalesceMs: 5000 });
    const i = await open(store, {}, T0);
    await store.outbox.markPosted(i.id, {
      channel: CHANNEL,
      ts: '1.0001',
      renderedVersion: 1,
      now: T0,
    });
    await store.triage.snooze(i.id, 'U1', T0 + HOUR, T0 + 10);
    assert.equal(
      await redis.zscore(keys.outboxDue, i.id),
      String(T0 + 10),
      'the snooze itself is shown at once',
    );
    await store.outbox.markRendered(i.id, { renderedVersion: 2, now: T0 + 20 });
    for (let n = 0; n < 5; n++) await record(store, shell(), T0 + 100 + n);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + HOUR));
  });

  void test('two replicas claiming at once never get the same item; an expired lease is claimable again', async (t) => {
    const { store, other } = fresh(t);
    for (let n = 0; n < 200; n++) await open(store, { rule: `r${n}` }, T0);
    const claimed: string[][] = [[], []];
    await Promise.all(
      [store, other].map(async (s, k) => {
        for (;;) {
          const ids = await s.outbox.claimDue(T0 + 1, 7, 30_000);
          if (ids.length === 0) return;
          claimed[k]?.push(...ids);
        }
      }),
    );
    const all = [...(claimed[0] ?? []), ...(claimed[1] ?? [])];
    assert.equal(all.length, 200);
    assert.equal(new Set(all).size, 200);
    t.diagnostic(`replica A claimed ${claimed[0]?.length}, replica B ${claimed[1]?.length}`);
    assert.deepEqual(await store.outbox.claimDue(T0 + 30_000, 500, 30_000), []);
    assert.equal((await other.outbox.claimDue(T0 + 1 + 30_000, 500, 30_000)).length, 200);
  });

  void test('reschedule, markPostAttempted and the thread cursor', async (t) => {
    const { store, keys } = fresh(t);
    const i = await open(store, {}, T0);
    await store.outbox.claimDue(T0, 1, 60_000);
    assert.equal(await store.outbox.reschedule(i.id, T0 + 30_000), true);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 30_000));
    assert.equal(await redis.zscore(keys.outboxLeases, i.id), null);
    assert.equal(await store.outbox.reschedule('FT-404', T0), false);
    assert.equal(await redis.zscore(keys.outboxDue, 'FT-404'), null);

    await store.outbox.markPostAttempted(i.id);
    assert.equal((await store.get(i.id))?.postAttempted, true);
    await store.outbox.markPostAttempted('FT-404');
    assert.equal(await redis.exists(keys.incident('FT-404')), 0);
    await store.outbox.markPosted(i.id, {
      channel: CHANNEL,
      ts: '9.9',
      renderedVersion: 1,
      now: T0,
    });
    assert.equal((await store.get(i.id))?.postAttempted, false);

    assert.equal(await store.outbox.advanceThreadCursor(i.id, '1717243200000-1'), true);
    assert.equal(await store.outbox.advanceThreadCursor(i.id, '1717243200000-0'), false);
    assert.equal(await store.outbox.advanceThreadCursor(i.id, '1717243199999-5'), false);
    assert.equal(await store.outbox.advanceThreadCursor(i.id, '1717243200000-1'), false);
    assert.equal((await store.get(i.id))?.threadCursor, '1717243200000-1');
    assert.equal(await store.outbox.advanceThreadCursor(i.id, '1717243200001-0'), true);
    assert.equal((await store.get(i.id))?.threadCursor, '1717243200001-0');
    assert.equal(await store.outbox.advanceThreadCursor('FT-404', '1-0'), false);
    assert.equal(await redis.exists(keys.incident('FT-404')), 0);

    const version = (await store.get(i.id))?.version;
    assert.equal(version, 1, 'delivery bookkeeping is not a change of the incident');
  });

  void test('posting slots are paced per channel across replicas', async (t) => {
    const { store, other, keys } = fresh(t);
    const waits = [
      await store.outbox.reservePostingSlot('C1', T0, 1000),
      await other.outbox.reservePostingSlot('C1', T0, 1000),
      await store.outbox.reservePostingSlot('C1', T0, 1000),
    ];
    assert.deepEqual(waits, [0, 1000, 2000]);
    assert.equal(await other.outbox.reservePostingSlot('C2', T0, 1000), 0);
    const ttl = await redis.pttl(keys.channelPace('C1'));
    assert.ok(ttl > 0 && ttl <= 3000, `pace key expires with its reservations (pttl ${ttl})`);

    await store.outbox.deferChannel('C2', T0 + 30_000, T0);
    assert.equal(await store.outbox.reservePostingSlot('C2', T0 + 1, 1000), 30_000 - 1);
    await store.outbox.deferChannel('C2', T0 + 5_000, T0 + 2);
    assert.equal(
      await store.outbox.reservePostingSlot('C2', T0 + 2, 1000),
      31_000 - 2,
      'a shorter back-off never pulls the slot in',
    );
  });
});
