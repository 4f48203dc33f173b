import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Redis } from 'ioredis';
import { alertSchema, priorityRank, type Alert } from '../../src/alert.js';
import {
  IncidentNotFound,
  TransitionRefused,
  VersionConflict,
  type RefusalReason,
} from '../../src/incidents/errors.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import { Keys } from '../../src/incidents/keys.js';
import { RESOLUTION_REASONS, type Incident } from '../../src/incidents/model.js';
import { INCIDENT_SCRIPTS, loadScripts, luaDir } from '../../src/incidents/scripts.js';
import { IncidentStore, type StoreOptions } from '../../src/incidents/store.js';
import { connect, deletePrefix } from '../helpers/redis.js';

const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const SEC = 1000;
const HOUR = 3600 * SEC;
const CHANNEL = 'C0INCIDENTS';

let redis: Redis;
let redis2: Redis;

before(() => {
  redis = connect();
  redis2 = connect();
});
after(async () => {
  await Promise.all([redis.quit(), redis2.quit()]);
});

interface Ctx {
  keys: Keys;
  store: IncidentStore;
  /** A second store on its own connection, as another replica would have. */
  other: IncidentStore;
}

/** A store under a prefix of its own; its keys are deleted when the test ends. */
function fresh(t: TestContext, opts: StoreOptions = {}): Ctx {
  const prefix = `test-${randomUUID()}:`;
  const keys = new Keys(prefix);
  t.after(async () => {
    await deletePrefix(redis, prefix);
  });
  return {
    keys,
    store: new IncidentStore(redis, keys, opts),
    other: new IncidentStore(redis2, keys, opts),
  };
}

let timeCounter = 0;
/** A distinct Falco time each call, so alerts are distinct events unless a test says otherwise. */
function falcoTime(ms = T0): string {
  timeCounter = (timeCounter + 1) % 1_000_000;
  return new Date(ms)
    .toISOString()
    .replace(
      /\.\d+Z$/,
      `.${String(ms % 1000).padStart(3, '0')}${String(timeCounter).padStart(6, '0')}Z`,
    );
}

function shell(over: Record<string, unknown> = {}): Alert {
  return alertSchema.parse({
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: falcoTime(),
    output: 'A shell was spawned in a container',
    source: 'syscall',
    hostname: 'node-1',
    output_fields: { 'container.id': 'abc123', 'proc.cmdline': 'bash' },
    ...over,
  });
}

function record(store: IncidentStore, alert: Alert, now = T0) {
  return store.occurrences.record({
    alert,
    fingerprint: fingerprintOf(alert).fingerprint,
    eventId: eventIdOf(alert),
    channel: CHANNEL,
    now,
  });
}

async function open(
  store: IncidentStore,
  over: Record<string, unknown> = {},
  now = T0,
): Promise<Incident> {
  const r = await record(store, shell(over), now);
  assert.equal(r.outcome, 'new');
  return r.incident;
}

/**
 * Everything a refused change must leave alone, byte for byte. (Not DUMP: a large hash
 * is a hash table, whose serialised field order changes when a mere read advances an
 * incremental rehash.)
 */
async function snapshot(keys: Keys, id: string) {
  const [hash, timeline, ttl, due, open, resolved] = await Promise.all([
    redis.hgetallBuffer(keys.incident(id)),
    redis.xrange(keys.timeline(id), '-', '+'),
    redis.pttl(keys.incident(id)),
    redis.zscore(keys.outboxDue, id),
    redis.zscore(keys.openByPriority, id),
    redis.zscore(keys.resolvedByTime, id),
  ]);
  const fields = Object.entries(hash)
    .map(([k, v]) => `${k}=${v.toString('hex')}`)
    .sort();
  return { fields, timeline, hasTtl: ttl > 0, due, open, resolved };
}

async function refused(
  keys: Keys,
  id: string,
  reason: RefusalReason,
  change: () => Promise<unknown>,
): Promise<TransitionRefused> {
  const before = await snapshot(keys, id);
  const err = await change().then(
    () => assert.fail(`expected ${reason}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TransitionRefused, `expected TransitionRefused, got ${String(err)}`);
  assert.equal(err.reason, reason);
  assert.equal(err.code, 'transition_refused');
  assert.equal(err.incident.id, id);
  assert.deepEqual(await snapshot(keys, id), before, `${reason} changed something`);
  return err;
}

void describe('recordOccurrence', () => {
  void test('new, grouped, duplicate, reopened, and new after the reopen window', async (t) => {
    const { store } = fresh(t);
    const first = shell();
    const a = await record(store, first, T0);
    assert.equal(a.outcome, 'new');
    assert.equal(a.incident.id, 'FT-1');
    assert.equal(a.incident.status, 'open');
    assert.equal(a.incident.occurrences, 1);
    assert.equal(a.incident.version, 1);
    assert.equal(a.incident.channel, CHANNEL);
    assert.equal(a.incident.threadCursor, '0-0');
    assert.deepEqual(a.incident.latest, first);

    const b = await record(store, shell(), T0 + SEC);
    assert.equal(b.outcome, 'grouped');
    assert.equal(b.incident.id, 'FT-1');
    assert.equal(b.incident.occurrences, 2);
    assert.equal(b.incident.version, 2);

    const dup = await record(store, first, T0 + 2 * SEC);
    assert.equal(dup.outcome, 'duplicate');
    assert.equal(dup.incident?.id, 'FT-1');
    assert.equal(dup.incident?.occurrences, 2);
    assert.equal(dup.incident?.version, 2);

    await store.triage.resolve('FT-1', 'U1', 'benign', undefined, T0 + 10 * SEC);
    const c = await record(store, shell(), T0 + 10 * SEC + 23 * HOUR);
    assert.equal(c.outcome, 'reopened');
    assert.equal(c.incident.id, 'FT-1');
    assert.equal(c.incident.status, 'open');
    assert.equal(c.incident.occurrences, 3);
    assert.equal(c.incident.resolution, undefined);
    assert.equal(c.incident.resolvedBy, undefined);

    const resolvedAt = T0 + 24 * HOUR;
    await store.triage.resolve('FT-1', 'U1', 'contained', 'patched', resolvedAt);
    const d = await record(store, shell(), resolvedAt + 24 * HOUR + 1);
    assert.equal(d.outcome, 'new');
    assert.equal(d.incident.id, 'FT-2');
    assert.equal(d.incident.occurrences, 1);
    const old = await store.get('FT-1');
    assert.equal(old?.status, 'resolved');
    assert.equal(old?.occurrences, 3);
    const e = await record(store, shell(), resolvedAt + 25 * HOUR);
    assert.equal(e.outcome, 'grouped');
    assert.equal(e.incident.id, 'FT-2');
  });

  void test('an incident whose hash expired is replaced; a reopened one is back in its assignee list', async (t) => {
    const { store, keys } = fresh(t);
    const a = await open(store, {}, T0);
    await store.triage.assign(a.id, 'U1', 'U2', T0);
    await store.triage.resolve(a.id, 'U2', 'benign', undefined, T0 + SEC);
    assert.deepEqual(await store.listByAssignee('U2'), []);
    const back = await record(store, shell(), T0 + 2 * SEC);
    assert.equal(back.outcome, 'reopened');
    assert.equal(back.incident.assignee, 'U2');
    assert.deepEqual(
      (await store.listByAssignee('U2')).map((i) => i.id),
      [a.id],
    );

    await store.triage.resolve(a.id, 'U2', 'benign', undefined, T0 + 3 * SEC);
    // As if Redis had expired it: the fingerprint still points at it, within the window.
    await redis.del(keys.incident(a.id), keys.timeline(a.id));
    const next = await record(store, shell(), T0 + 4 * SEC);
    assert.equal(next.outcome, 'new');
    assert.equal(next.incident.id, 'FT-2');
    assert.equal(await redis.get(keys.fingerprint(a.fingerprint)), 'FT-2');
  });

  void test('the same Falcosidekick uuid five times is counted once', async (t) => {
    const { store } = fresh(t);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      // A retry may even differ in time or host; the uuid says it is the same event.
      const r = await record(store, shell({ uuid: 'e2f1c3d4', hostname: `node-${i}` }), T0 + i);
      outcomes.push(r.outcome);
    }
    assert.deepEqual(outcomes, ['new', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    assert.equal((await store.get('FT-1'))?.occurrences, 1);
    assert.equal((await store.get('FT-1'))?.version, 1);
  });

  void test('a k8s audit event reported by three nodes is one occurrence; a second event adds one', async (t) => {
    const { store } = fresh(t);
    const event = (time: string, hostname: string) =>
      alertSchema.parse({
        rule: 'Attach/Exec Pod',
        priority: 'Notice',
        time,
        source: 'k8s_audit',
        hostname,
        output: `${hostname} 09:29:46: Notice Attach/Exec to pod (user=admin pod=web ns=shop)`,
        output_fields: {
          'ka.target.name': 'web',
          'ka.target.namespace': 'shop',
          'ka.target.resource': 'pods',
          'ka.target.subresource': 'exec',
          'ka.user.name': 'admin',
        },
      });
    const t1 = '2025-02-10T09:29:46.302906000Z';
    const results = [];
    for (const host of ['node-a', 'node-b', 'node-c'])
      results.push(await record(store, event(t1, host)));
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['new', 'duplicate', 'duplicate'],
    );
    assert.equal((await store.get('FT-1'))?.occurrences, 1);

    const second = await record(store, event('2025-02-10T09:31:02.000000000Z', 'node-b'));
    assert.equal(second.outcome, 'grouped');
    assert.equal(second.incident.id, 'FT-1');
    assert.equal(second.incident.occurrences, 2);
    assert.equal((await store.listOpen()).length, 1);
  });

  void test('priority keeps the highest seen; latest, first and last seen follow alert time', async (t) => {
    const { store, keys } = fresh(t);
    const notice = shell({ priority: 'Notice', time: '2025-06-01T12:00:10.000000000Z' });
    const critical = shell({ priority: 'critical', time: '2025-06-01T12:00:20.000000000Z' });
    const warning = shell({ priority: 'Warning', time: '2025-06-01T12:00:30.000000000Z' });
    const late = shell({ priority: 'Notice', time: '2025-06-01T12:00:05.000000000Z' });
    await record(store, notice);
    await record(store, critical);
    const w = await record(store, warning);
    assert.equal(w.outcome, 'grouped');
    assert.equal(w.incident.priority, 'Critical');
    assert.deepEqual(w.incident.latest, warning);
    // An older alert arriving late is counted but does not replace the latest one.
    const l = await record(store, late);
    assert.equal(l.outcome, 'grouped');
    assert.equal(l.incident.occurrences, 4);
    assert.deepEqual(l.incident.latest, warning);
    assert.equal(l.incident.firstSeen, Date.parse('2025-06-01T12:00:05Z'));
    assert.equal(l.incident.lastSeen, Date.parse('2025-06-01T12:00:30Z'));
    assert.equal(
      Number(await redis.zscore(keys.openByPriority, 'FT-1')),
      priorityRank('Critical') * 1e13 + Date.parse('2025-06-01T12:00:05Z'),
    );
  });

  void test('2,000 occurrences over 20 fingerprints from two connections at once: 20 incidents, 2,000 counted', async (t) => {
    const { store, other, keys } = fresh(t);
    const calls = Array.from({ length: 2000 }, (_, i) => {
      const alert = shell({ output_fields: { 'container.id': `c${i % 20}`, n: i } });
      return record(i % 2 ? store : other, alert, T0 + i);
    });
    const started = performance.now();
    const results = await Promise.all(calls);
    const ms = performance.now() - started;
    t.diagnostic(`2,000 concurrent recordOccurrence calls took ${ms.toFixed(0)} ms`);
    assert.equal(results.filter((r) => r.outcome === 'new').length, 20);
    assert.equal(results.filter((r) => r.outcome === 'grouped').length, 1980);
    const incidents = await store.listOpen({ limit: 100 });
    assert.equal(incidents.length, 20);
    assert.equal(
      incidents.reduce((n, i) => n + i.occurrences, 0),
      2000,
    );
    // Ids are dense: no INCR was wasted on a lost race.
    assert.deepEqual(
      incidents.map((i) => i.id).sort((x, y) => Number(x.slice(3)) - Number(y.slice(3))),
      Array.from({ length: 20 }, (_, i) => `FT-${i + 1}`),
    );
    assert.equal(await redis.get(keys.incidentSeq), '20');
  });
});

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

void describe('scripts', () => {
  void test('keys the scripts build from the prefix are exactly the ones Keys builds, all under one hash tag', async (t) => {
    const { store, keys } = fresh(t);
    const first = shell();
    const i = await open(store, { time: first.time });
    await store.triage.assign(i.id, 'U1', 'U2', T0 + 1);
    await store.triage.resolve(i.id, 'U1', 'benign', undefined, T0 + 2);
    const again = shell();
    const back = await record(store, again, T0 + 3);
    assert.equal(back.outcome, 'reopened');
    const found = (await redis.keys(`${keys.base}*`)).sort();
    assert.deepEqual(
      found,
      [
        keys.incident(i.id),
        keys.timeline(i.id),
        keys.byAssignee('U2'),
        keys.fingerprint(i.fingerprint),
        keys.incidentSeq,
        keys.openByPriority,
        keys.byRule(i.rule),
        keys.outboxDue,
        keys.incidentRefs,
        keys.seenEvent(eventIdOf(first)),
        keys.seenEvent(eventIdOf(again)),
      ].sort(),
    );
    assert.ok(
      found.every((k) => k.startsWith(keys.base)),
      'one hash tag, one Cluster slot',
    );
    assert.equal(await redis.zscore(keys.byAssignee('U2'), i.id), String(i.firstSeen));
  });

  void test('a script refuses a key prefix that is not the prefix of the keys it was given', async (t) => {
    const { keys } = fresh(t);
    const other = new Keys('elsewhere:');
    await assert.rejects(
      redis.ftTransition(
        keys.incident('FT-1'),
        keys.timeline('FT-1'),
        keys.openByPriority,
        keys.resolvedByTime,
        keys.outboxDue,
        keys.outboxLeases,
        other.base,
        'FT-1',
        'acknowledge',
        'U1',
        T0,
        '',
        60,
        100,
      ),
      /is not the prefix of/,
    );
  });

  void test('every script is declared with its number of keys and opens with a KEYS/ARGV/Returns header', () => {
    const dir = luaDir();
    const files = readdirSync(dir).filter((f) => f.endsWith('.lua'));
    assert.deepEqual(
      files.map((f) => f.replace(/\.lua$/, '')).sort(),
      Object.entries(INCIDENT_SCRIPTS)
        .map(([name, n]) => `${name}-${n}`)
        .sort(),
    );
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(text.startsWith('--[['), `${f} opens with a header comment`);
      const header = text.slice(0, text.indexOf(']]'));
      assert.match(header, /KEYS\[1\]/, `${f} lists its KEYS`);
      assert.match(header, /ARGV/, `${f} lists its ARGV`);
      assert.match(header, /Returns/, `${f} says what it returns`);
    }
    assert.equal(loadScripts().length, files.length);
  });
});
