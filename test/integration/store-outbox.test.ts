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

const LEASE = 3000;
const ids = (claims: { id: string }[]) => claims.map((c) => c.id);

void describe('outbox', () => {
  void test('a burst of 1,000 occurrences leaves one due update, never pushed later', async (t) => {
    const { store, keys } = fresh(t, { coalesceMs: 5000 });
    const i = await open(store, {}, T0);
    assert.equal(
      await redis.zscore(keys.outboxDue, i.id),
      String(T0),
      'a new incident is due at once',
    );
    assert.deepEqual(ids(await store.outbox.claimReady(T0, LEASE)), [i.id]);
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
      await store.outbox.claimReady(T0 + 5099, LEASE),
      [],
      'not due before the window ends',
    );
    assert.deepEqual(ids(await store.outbox.claimReady(T0 + 5100, LEASE)), [i.id]);
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
    await store.outbox.claimReady(T0, LEASE);
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
    assert.deepEqual(ids(await store.outbox.claimReady(T0 + 40, LEASE)), [i.id]);
    await store.triage.assign(i.id, 'U1', 'U2', T0 + 50);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 40 + LEASE));
    assert.deepEqual(await store.outbox.claimReady(T0 + 60, LEASE), []);
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

  void test('most severe first, then oldest, one item per channel out at a time, across replicas', async (t) => {
    const { store, other } = fresh(t);
    const notices = [];
    for (let n = 0; n < 30; n++) notices.push(await open(store, { rule: `r${n}` }, T0));
    const critical = await open(store, { rule: 'boom', priority: 'Critical' }, T0 + 5);
    const elsewhere = await store.occurrences.record({
      alert: shell({ rule: 'other channel' }),
      fingerprint: 'fp-other',
      eventId: 'ev-other',
      channel: 'C0OTHER0001',
      now: T0,
    });
    const [a, b] = await Promise.all([
      store.outbox.claimReady(T0 + 10, LEASE),
      other.outbox.claimReady(T0 + 10, LEASE),
    ]);
    const claimed = [...(a ?? []), ...(b ?? [])];
    assert.deepEqual(
      claimed.map((c) => c.id).sort(),
      [critical.id, elsewhere.id ?? '?'].sort(),
      'the Critical first in its channel, and the other channel is served too',
    );
    assert.deepEqual(await other.outbox.claimReady(T0 + 20, LEASE), [], 'both channels are busy');
    await store.outbox.markPosted(critical.id, {
      channel: CHANNEL,
      ts: '1.1',
      renderedVersion: 1,
      now: T0 + 30,
    });
    assert.deepEqual(ids(await other.outbox.claimReady(T0 + 40, LEASE)), [notices[0]?.id]);
  });

  void test('a crashed holder: its item comes back when the lease ends; renewing keeps it, a stale token cannot', async (t) => {
    const { store, other, keys } = fresh(t);
    const i = await open(store, {}, T0);
    const [claim] = await store.outbox.claimReady(T0, LEASE);
    assert.ok(claim);
    assert.deepEqual(await other.outbox.claimReady(T0 + LEASE - 1, LEASE), []);
    // The holder is alive and renews while its Slack call runs.
    const [token] = await store.outbox.renewLeases([claim], T0 + 2 * LEASE);
    assert.equal(token, T0 + 2 * LEASE);
    assert.deepEqual(await other.outbox.claimReady(T0 + LEASE + 1, LEASE), []);
    // It dies: another replica takes the item as soon as the lease ends, not a minute later.
    const [taken] = await other.outbox.claimReady(T0 + 2 * LEASE, LEASE);
    assert.equal(taken?.id, i.id);
    assert.deepEqual(
      await store.outbox.renewLeases([{ ...claim, leaseUntil: token ?? 0 }], T0 + 3 * LEASE),
      [0],
      'the old holder learns it lost the lease',
    );
    assert.equal(await redis.zscore(keys.outboxLeases, i.id), String(T0 + 3 * LEASE));
  });

  void test('a channel whose posting slot is taken gives nothing until the slot is free', async (t) => {
    const { store } = fresh(t);
    const i = await open(store, {}, T0);
    assert.equal(await store.outbox.takePostingSlot(CHANNEL, T0, 1000), 0);
    assert.deepEqual(await store.outbox.claimReady(T0 + 999, LEASE), []);
    assert.deepEqual(ids(await store.outbox.claimReady(T0 + 1000, LEASE)), [i.id]);
  });

  void test('reschedule, markPostAttempted and the thread cursor', async (t) => {
    const { store, keys } = fresh(t);
    const i = await open(store, {}, T0);
    await store.outbox.claimReady(T0, LEASE);
    assert.equal(await store.outbox.reschedule(i.id, T0 + 30_000), true);
    assert.equal(await redis.zscore(keys.outboxDue, i.id), String(T0 + 30_000));
    assert.equal(await redis.zscore(keys.outboxLeases, i.id), null);
    assert.equal(await store.outbox.reschedule('FT-404', T0), false);
    assert.equal(await redis.zscore(keys.outboxDue, 'FT-404'), null);

    await store.outbox.markPostAttempted(i.id, T0 + 5);
    await store.outbox.markPostAttempted(i.id, T0 + 9);
    assert.equal((await store.get(i.id))?.postAttempted, true);
    assert.equal((await store.get(i.id))?.postAttemptedAt, T0 + 5, 'the first attempt counts');
    await store.outbox.markPostAttempted('FT-404', T0);
    assert.equal(await redis.exists(keys.incident('FT-404')), 0);
    await store.outbox.markPosted(i.id, {
      channel: CHANNEL,
      ts: '9.9',
      renderedVersion: 1,
      now: T0,
    });
    assert.equal((await store.get(i.id))?.postAttempted, false);
    assert.equal((await store.get(i.id))?.postAttemptedAt, undefined);

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

  void test('posting slots are paced per channel across replicas, never booked ahead', async (t) => {
    const { store, other, keys } = fresh(t);
    const waits = [
      await store.outbox.takePostingSlot('C1', T0, 1000),
      await other.outbox.takePostingSlot('C1', T0, 1000),
      await store.outbox.takePostingSlot('C1', T0 + 400, 1000),
      await store.outbox.takePostingSlot('C1', T0 + 1000, 1000),
    ];
    assert.deepEqual(waits, [0, 1000, 600, 0]);
    assert.equal(await other.outbox.takePostingSlot('C2', T0, 1000), 0);
    const ttl = await redis.pttl(keys.channelPace('C1'));
    assert.ok(ttl > 0 && ttl <= 1000, `pace key expires with its slot (pttl ${ttl})`);

    await store.outbox.deferChannel('C2', T0 + 30_000, T0);
    assert.equal(await store.outbox.takePostingSlot('C2', T0 + 1, 1000), 30_000 - 1);
    await store.outbox.deferChannel('C2', T0 + 5_000, T0 + 2);
    assert.equal(
      await store.outbox.takePostingSlot('C2', T0 + 2, 1000),
      30_000 - 2,
      'a shorter back-off never pulls the slot in',
    );
  });
});
