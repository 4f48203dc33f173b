import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertSchema, priorityRank } from '../../src/alert.js';
import {
  CHANNEL,
  connectStores,
  falcoTime,
  fresh,
  HOUR,
  open,
  record,
  redis,
  SEC,
  shell,
  T0,
} from '../helpers/store-fixtures.js';

/** recordOccurrence: what the incident engine needs (store/occurrences.ts). */

connectStores();

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
      // A retry may even differ in time; the uuid says it is the same event. (Dedupe is per
      // fingerprint, ADR 0002: the same event always has the same rule and subject.)
      const r = await record(store, shell({ uuid: 'e2f1c3d4', time: falcoTime(T0 + i) }), T0 + i);
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
