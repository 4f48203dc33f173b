import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  IncidentNotFound,
  TransitionRefused,
  VersionConflict,
} from '../../src/incidents/errors.js';
import { RESOLUTION_REASONS, type Incident } from '../../src/incidents/model.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import {
  CHANNEL,
  connectStores,
  fresh,
  HOUR,
  open,
  record,
  redis,
  refused,
  SEC,
  shell,
  snapshot,
  T0,
} from '../helpers/store-fixtures.js';

/** Transitions, the timeline and the queries: what the Slack listeners need (store/triage.ts, store/queries.ts). */

connectStores();

void describe('transitions', () => {
  void test('every allowed transition changes state, version, timeline and indexes', async (t) => {
    const { store, keys } = fresh(t);
    const i = await open(store);
    const ack = await store.triage.acknowledge(i.id, 'U1', T0 + 1);
    assert.equal(ack.status, 'acknowledged');
    assert.equal(ack.acknowledgedBy, 'U1');
    assert.equal(ack.acknowledgedAt, T0 + 1);
    assert.equal(ack.version, 2);

    const unack = await store.triage.unacknowledge(i.id, 'U1', T0 + 2);
    assert.equal(unack.status, 'open');
    assert.equal(unack.acknowledgedBy, undefined);

    const assigned = await store.triage.assign(i.id, 'U1', 'U2', T0 + 3);
    assert.equal(assigned.assignee, 'U2');
    assert.deepEqual(await redis.zrange(keys.byAssignee('U2'), 0, '-1'), [i.id]);
    const reassigned = await store.triage.assign(i.id, 'U1', 'U3', T0 + 4);
    assert.equal(reassigned.assignee, 'U3');
    assert.equal(await redis.exists(keys.byAssignee('U2')), 0);
    assert.deepEqual(
      (await store.listByAssignee('U3')).map((x) => x.id),
      [i.id],
    );
    const unassigned = await store.triage.unassign(i.id, 'U1', T0 + 5);
    assert.equal(unassigned.assignee, undefined);
    assert.equal(await redis.exists(keys.byAssignee('U3')), 0);

    const snoozed = await store.triage.snooze(i.id, 'U1', T0 + HOUR, T0 + 6);
    assert.equal(snoozed.snoozedUntil, T0 + HOUR);
    const unsnoozed = await store.triage.unsnooze(i.id, 'U1', T0 + 7);
    assert.equal(unsnoozed.snoozedUntil, undefined);

    const expanded = await store.triage.setExpanded(i.id, 'U1', true, T0 + 8);
    assert.equal(expanded.expanded, true);
    assert.equal(expanded.version, 9);
    const again = await store.triage.setExpanded(i.id, 'U1', true, T0 + 9);
    assert.equal(again.version, 9, 'setting the same view state is not a change');
    assert.equal((await store.triage.setExpanded(i.id, 'U1', false, T0 + 10)).expanded, false);

    await store.triage.assign(i.id, 'U1', 'U4', T0 + 11);
    const resolved = await store.triage.resolve(
      i.id,
      'U4',
      'false_positive',
      '  test cluster  ',
      T0 + 12,
    );
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.resolvedBy, 'U4');
    assert.equal(resolved.resolvedAt, T0 + 12);
    assert.equal(resolved.resolution, 'false_positive');
    assert.equal(resolved.resolutionNote, 'test cluster');
    assert.equal(resolved.assignee, 'U4', 'the assignee stays on record');
    assert.equal(await redis.zscore(keys.openByPriority, i.id), null);
    assert.equal(await redis.zscore(keys.resolvedByTime, i.id), String(T0 + 12));
    assert.equal(
      await redis.exists(keys.byAssignee('U4')),
      0,
      'byAssignee holds unresolved incidents only',
    );

    const reopened = await store.triage.reopen(i.id, 'U5', T0 + 13);
    assert.equal(reopened.status, 'open');
    assert.equal(reopened.resolution, undefined);
    assert.equal(reopened.resolutionNote, undefined);
    assert.equal(reopened.resolvedAt, undefined);
    assert.equal(await redis.zscore(keys.resolvedByTime, i.id), null);
    assert.notEqual(await redis.zscore(keys.openByPriority, i.id), null);
    assert.deepEqual(await redis.zrange(keys.byAssignee('U4'), 0, '-1'), [i.id]);
    assert.equal(reopened.version, 13);

    const kinds = (await store.timeline(i.id)).map((e) => `${e.kind}:${e.actor}`);
    assert.deepEqual(kinds, [
      'opened:falco',
      'acknowledged:U1',
      'unacknowledged:U1',
      'assigned:U1',
      'assigned:U1',
      'unassigned:U1',
      'snoozed:U1',
      'unsnoozed:U1',
      'assigned:U1',
      'resolved:U4',
      'reopened:U5',
    ]);
  });

  void test('every resolution reason is accepted', async (t) => {
    const { store } = fresh(t);
    for (const reason of RESOLUTION_REASONS) {
      const i = await open(store, { rule: `rule for ${reason}` });
      assert.equal((await store.triage.resolve(i.id, 'U1', reason)).resolution, reason);
    }
  });

  void test('refused transitions change nothing, byte for byte', async (t) => {
    const { store, keys } = fresh(t);
    const i = await open(store);
    const id = i.id;
    await refused(keys, id, 'not_acknowledged', () => store.triage.unacknowledge(id, 'U1', T0 + 1));
    await refused(keys, id, 'not_assigned', () => store.triage.unassign(id, 'U1', T0 + 1));
    await refused(keys, id, 'not_snoozed', () => store.triage.unsnooze(id, 'U1', T0 + 1));
    await refused(keys, id, 'not_resolved', () => store.triage.reopen(id, 'U1', T0 + 1));
    await refused(keys, id, 'snooze_in_past', () => store.triage.snooze(id, 'U1', T0 - 1, T0 + 1));
    await refused(keys, id, 'snooze_in_past', () => store.triage.snooze(id, 'U1', T0 + 1, T0 + 1));
    await refused(keys, id, 'bad_reason', () =>
      store.triage.resolve(id, 'U1', 'because' as 'benign', undefined, T0 + 1),
    );
    await refused(keys, id, 'bad_assignee', () => store.triage.assign(id, 'U1', '', T0 + 1));
    await store.triage.assign(id, 'U1', 'U2', T0 + 2);
    const sameAssignee = await refused(keys, id, 'already_assigned', () =>
      store.triage.assign(id, 'U1', 'U2', T0 + 3),
    );
    assert.equal(sameAssignee.message, `${id} is already assigned to <@U2>.`);
    await store.triage.acknowledge(id, 'U2', T0 + 4);
    const twice = await refused(keys, id, 'already_acknowledged', () =>
      store.triage.acknowledge(id, 'U3', T0 + 5),
    );
    assert.equal(twice.message, `${id} is already acknowledged by <@U2>.`);

    // Pending occurrences would be flushed into the timeline by a real change; not by a refusal.
    await record(store, shell(), T0 + 6);
    const conflict = await store.triage.acknowledge(id, 'U1', T0 + 7, 1).catch((e: unknown) => e);
    assert.ok(
      conflict instanceof TransitionRefused,
      'an invalid change is refused before the version is compared',
    );
    const before = await snapshot(keys, id);
    const stale = await store.triage.unacknowledge(id, 'U1', T0 + 7, 1).catch((e: unknown) => e);
    assert.ok(stale instanceof VersionConflict);
    assert.equal(stale.expectedVersion, 1);
    assert.equal(stale.incident.version, 4);
    assert.deepEqual(await snapshot(keys, id), before);
    assert.equal((await store.triage.unacknowledge(id, 'U1', T0 + 8, 4)).version, 5);

    await store.triage.resolve(id, 'U2', 'mitigated', 'rotated keys', T0 + 9);
    const again = await refused(keys, id, 'already_resolved', () =>
      store.triage.resolve(id, 'U3', 'benign', undefined, T0 + 10),
    );
    assert.equal(again.message, `${id} was already resolved by <@U2>.`);
    await refused(keys, id, 'resolved', () => store.triage.acknowledge(id, 'U3', T0 + 10));
    await refused(keys, id, 'resolved', () => store.triage.unacknowledge(id, 'U3', T0 + 10));
    await refused(keys, id, 'resolved', () => store.triage.assign(id, 'U3', 'U4', T0 + 10));
    await refused(keys, id, 'resolved', () => store.triage.unassign(id, 'U3', T0 + 10));
    await refused(keys, id, 'resolved', () => store.triage.snooze(id, 'U3', T0 + HOUR, T0 + 10));

    const missing = await store.triage.acknowledge('FT-999', 'U1').catch((e: unknown) => e);
    assert.ok(missing instanceof IncidentNotFound);
    assert.equal(await redis.exists(keys.incident('FT-999'), keys.timeline('FT-999')), 0);
  });

  void test('refusal messages never repeat alert text', async (t) => {
    const { store } = fresh(t);
    const i = await open(store, { rule: '<!channel> *click* <https://evil.example|here>' });
    await store.triage.acknowledge(i.id, 'U1');
    const err = (await store.triage
      .acknowledge(i.id, 'U2')
      .catch((e: unknown) => e)) as TransitionRefused;
    assert.equal(err.message, `${i.id} is already acknowledged by <@U1>.`);
    // An actor id that is not a Slack user id is not echoed either.
    const j = await open(store, { rule: 'other' });
    await store.triage.acknowledge(j.id, '<!here>');
    const err2 = (await store.triage
      .acknowledge(j.id, 'U2')
      .catch((e: unknown) => e)) as TransitionRefused;
    assert.equal(err2.message, `${j.id} is already acknowledged by someone.`);
  });

  void test('two people acknowledging at the same instant on two connections: one wins, the other is told who', async (t) => {
    const { store, other } = fresh(t);
    for (let n = 0; n < 20; n++) {
      const i = await open(store, { rule: `race ${n}` });
      const results = await Promise.allSettled([
        store.triage.acknowledge(i.id, 'UALICE', T0 + 1),
        other.triage.acknowledge(i.id, 'UBOB', T0 + 1),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      const winner = (won[0] as PromiseFulfilledResult<Incident>).value.acknowledgedBy;
      const err: unknown = lost[0]?.reason;
      assert.ok(err instanceof TransitionRefused);
      assert.equal(err.reason, 'already_acknowledged');
      assert.equal(err.message, `${i.id} is already acknowledged by <@${winner}>.`);
      assert.equal(err.incident.acknowledgedBy, winner);
      assert.equal((await store.get(i.id))?.version, 2);
    }
  });
});

void describe('timeline', () => {
  void test('occurrences are written as one burst entry per coalescing window, flushed before a change', async (t) => {
    const { store } = fresh(t, { coalesceMs: 5000 });
    const i = await open(store, {}, T0);
    const firstTimes: number[] = [];
    for (let n = 1; n <= 11; n++) {
      const a = shell({ time: new Date(T0 + n * 100).toISOString() });
      firstTimes.push(T0 + n * 100);
      await record(store, a, T0 + n * 100);
    }
    assert.deepEqual(
      (await store.timeline(i.id)).map((e) => e.kind),
      ['opened'],
      'no entry per occurrence',
    );
    await record(store, shell({ time: new Date(T0 + 6000).toISOString() }), T0 + 6000);
    const entries = await store.timeline(i.id);
    assert.equal(entries.length, 2);
    const burst = entries[1];
    assert.equal(burst?.kind, 'occurrence');
    assert.equal(burst?.actor, 'falco');
    assert.equal(burst?.at, T0 + 6000);
    assert.deepEqual(burst?.detail, {
      count: '12',
      first: String(T0 + 100),
      last: String(T0 + 6000),
    });

    await record(store, shell({ time: new Date(T0 + 6500).toISOString() }), T0 + 6500);
    await record(store, shell({ time: new Date(T0 + 7000).toISOString() }), T0 + 7000);
    await store.triage.resolve(i.id, 'U1', 'test_event', 'drill', T0 + 8000);
    const after = await store.timeline(i.id, { after: burst?.id });
    assert.deepEqual(
      after.map((e) => [e.kind, e.actor, e.detail]),
      [
        ['occurrence', 'falco', { count: '2', first: String(T0 + 6500), last: String(T0 + 7000) }],
        ['resolved', 'U1', { reason: 'test_event', note: 'drill' }],
      ],
    );
    assert.equal((await store.get(i.id))?.occurrences, 15);
    assert.equal((await store.timeline(i.id, { limit: 1 })).length, 1);
  });

  void test('state changes carry their detail', async (t) => {
    const { store } = fresh(t);
    const i = await open(store);
    await store.triage.assign(i.id, 'U1', 'U2', T0 + 1);
    await store.triage.assign(i.id, 'U1', 'U3', T0 + 2);
    await store.triage.snooze(i.id, 'U1', T0 + HOUR, T0 + 3);
    const entries = await store.timeline(i.id);
    assert.deepEqual(entries[0]?.detail, { priority: 'Notice' });
    assert.deepEqual(entries[1]?.detail, { assignee: 'U2' });
    assert.deepEqual(entries[2]?.detail, { assignee: 'U3', previous: 'U2' });
    assert.deepEqual(entries[3]?.detail, { until: String(T0 + HOUR) });
    assert.equal(entries[3]?.at, T0 + 3);
  });
});

void describe('indexes and queries', () => {
  void test('listOpen orders by priority then age, filters by minimum priority, pages', async (t) => {
    const { store } = fresh(t);
    const at = (s: number) => new Date(T0 + s * SEC).toISOString();
    await open(store, { rule: 'a', priority: 'Notice', time: at(1) }); // FT-1
    await open(store, { rule: 'b', priority: 'Critical', time: at(2) }); // FT-2
    await open(store, { rule: 'c', priority: 'Warning', time: at(3) }); // FT-3
    await open(store, { rule: 'd', priority: 'Critical', time: at(0) }); // FT-4
    await open(store, { rule: 'e', priority: 'Debug', time: at(4) }); // FT-5
    const ids = async (o: Parameters<IncidentStore['listOpen']>[0]) =>
      (await store.listOpen(o)).map((i) => i.id);
    assert.deepEqual(await ids({}), ['FT-4', 'FT-2', 'FT-3', 'FT-1', 'FT-5']);
    assert.deepEqual(await ids({ minPriority: 'Warning' }), ['FT-4', 'FT-2', 'FT-3']);
    assert.deepEqual(await ids({ minPriority: 'Critical' }), ['FT-4', 'FT-2']);
    assert.deepEqual(await ids({ limit: 2, offset: 1 }), ['FT-2', 'FT-3']);
    await store.triage.resolve('FT-2', 'U1', 'benign');
    assert.deepEqual(await ids({}), ['FT-4', 'FT-3', 'FT-1', 'FT-5']);
    // An escalation moves the incident up.
    await record(store, shell({ rule: 'a', priority: 'Emergency', time: at(9) }));
    assert.deepEqual(await ids({}), ['FT-1', 'FT-4', 'FT-3', 'FT-5']);
  });

  void test('byRule holds every state, most recently seen first; findByMessage after a post', async (t) => {
    const { store } = fresh(t);
    const r = 'Terminal shell in container';
    await open(store, { output_fields: { 'container.id': 'x' }, time: new Date(T0).toISOString() });
    await open(store, {
      output_fields: { 'container.id': 'y' },
      time: new Date(T0 + SEC).toISOString(),
    });
    await open(store, { rule: 'other' });
    await store.triage.resolve('FT-2', 'U1', 'benign');
    assert.deepEqual(
      (await store.listByRule(r)).map((i) => i.id),
      ['FT-2', 'FT-1'],
    );
    await record(
      store,
      shell({ output_fields: { 'container.id': 'x' }, time: new Date(T0 + 5 * SEC).toISOString() }),
    );
    assert.deepEqual(
      (await store.listByRule(r)).map((i) => i.id),
      ['FT-1', 'FT-2'],
    );

    assert.equal(await store.findByMessage(CHANNEL, '1717243200.000100'), undefined);
    await store.outbox.markPosted('FT-1', {
      channel: CHANNEL,
      ts: '1717243200.000100',
      renderedVersion: 2,
      now: T0,
    });
    assert.equal(await store.findByMessage(CHANNEL, '1717243200.000100'), 'FT-1');
    const i = await store.get('FT-1');
    assert.equal(i?.ts, '1717243200.000100');
    assert.equal(i?.renderedVersion, 2);
    assert.equal(i?.renderedAt, T0);
    const many = await store.getMany(['FT-3', 'FT-404', 'FT-1']);
    assert.deepEqual(
      many.map((x) => x?.id),
      ['FT-3', undefined, 'FT-1'],
    );
  });
});
