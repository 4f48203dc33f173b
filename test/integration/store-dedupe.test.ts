import assert from 'node:assert/strict';
import { keysUnder } from '../helpers/redis.js';
import { describe, test } from 'node:test';
import { alertSchema } from '../../src/alert.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import {
  CHANNEL,
  connectStores,
  fresh,
  record,
  redis,
  SEC,
  shell,
  T0,
} from '../helpers/store-fixtures.js';

/**
 * Dedupe bounded by time and count (docs/decisions/0002-bounded-dedupe.md): one set per
 * fingerprint, trimmed to the window and to the newest DEDUPE_MAX_PER_FINGERPRINT events.
 */

connectStores();

const WINDOW_SEC = 600;

/** A k8s audit event as every Falco pod reading the audit source reports it: no uuid. */
function auditEvent(time: string, hostname: string) {
  return alertSchema.parse({
    rule: 'Attach/Exec Pod',
    priority: 'Notice',
    time,
    source: 'k8s_audit',
    hostname,
    output: `${hostname}: Attach/Exec to pod (user=admin pod=web ns=shop)`,
    output_fields: {
      'ka.target.name': 'web',
      'ka.target.namespace': 'shop',
      'ka.target.resource': 'pods',
      'ka.target.subresource': 'exec',
      'ka.user.name': 'admin',
    },
  });
}

async function dedupeKeys(base: string): Promise<string[]> {
  return (await keysUnder(redis, `${base}dedupe:`)).sort();
}

void describe('bounded dedupe', () => {
  void test('a uuid retried inside the window counts once, and again once the window is over', async (t) => {
    const { store, keys } = fresh(t, { dedupeWindowSec: WINDOW_SEC });
    const alert = shell({ uuid: '6f1d7c2e-0b5a-4e39-9d51-2a7c1e4b8f00' });
    assert.equal((await record(store, alert, T0)).outcome, 'new');
    const dup = await record(store, alert, T0 + WINDOW_SEC * SEC - 1);
    assert.equal(dup.outcome, 'duplicate');
    assert.equal(dup.id, 'FT-1', 'the fingerprint’s incident');
    assert.equal((await store.get('FT-1'))?.occurrences, 1);
    assert.equal((await record(store, alert, T0 + WINDOW_SEC * SEC)).outcome, 'grouped');
    assert.equal((await store.get('FT-1'))?.occurrences, 2);
    const ttl = await redis.pttl(keys.dedupe(fingerprintOf(alert).fingerprint));
    assert.ok(ttl > 0 && ttl <= WINDOW_SEC * SEC, `the set expires with the window (${ttl} ms)`);
  });

  void test('an audit event from three pods (hashed id) counts once inside the window, again after it', async (t) => {
    const { store } = fresh(t, { dedupeWindowSec: WINDOW_SEC });
    const time = '2025-02-10T09:29:46.302906000Z';
    const outcomes = [];
    for (const [i, host] of ['node-a', 'node-b', 'node-c'].entries())
      outcomes.push((await record(store, auditEvent(time, host), T0 + i * 5 * SEC)).outcome);
    assert.deepEqual(outcomes, ['new', 'duplicate', 'duplicate']);
    // A pod whose polling lags past the window reports it again: counted again.
    const late = await record(store, auditEvent(time, 'node-d'), T0 + WINDOW_SEC * SEC);
    assert.equal(late.outcome, 'grouped');
    assert.equal((await store.get('FT-1'))?.occurrences, 2);
  });

  void test('past DEDUPE_MAX_PER_FINGERPRINT events, the oldest is forgotten first', async (t) => {
    const { store, keys } = fresh(t, { dedupeWindowSec: WINDOW_SEC, dedupeMaxPerFingerprint: 10 });
    const alerts = Array.from({ length: 11 }, (_, i) => shell({ uuid: `ev-${i}` }));
    for (const [i, a] of alerts.entries()) await record(store, a, T0 + i);
    const key = keys.dedupe(fingerprintOf(alerts[0]!).fingerprint);
    assert.equal(await redis.zcard(key), 10);
    assert.equal((await record(store, alerts[10]!, T0 + 20)).outcome, 'duplicate', 'newest kept');
    assert.equal((await record(store, alerts[0]!, T0 + 21)).outcome, 'grouped', 'oldest dropped');
  });

  void test('memory does not grow with alerts: 6,000 alerts over 6 fingerprints leave 6 sets of at most the cap', async (t) => {
    const cap = 200;
    const { store, keys } = fresh(t, { dedupeWindowSec: WINDOW_SEC, dedupeMaxPerFingerprint: cap });
    const batch = async (from: number, n: number) => {
      await Promise.all(
        Array.from({ length: n }, (_, k) => {
          const i = from + k;
          const alert = shell({ output_fields: { 'container.id': `c${i % 6}`, n: i } });
          return store.occurrences.record({
            alert,
            fingerprint: fingerprintOf(alert).fingerprint,
            eventId: eventIdOf(alert),
            channel: CHANNEL,
            now: T0 + i,
          });
        }),
      );
    };
    const measure = async () => {
      const found = await dedupeKeys(keys.base);
      let bytes = 0;
      for (const k of found) bytes += Number(await redis.memory('USAGE', k));
      const all = (await keysUnder(redis, keys.base)).length;
      return { sets: found.length, bytes, all };
    };
    await batch(0, 2000);
    const first = await measure();
    await batch(2000, 4000);
    const after = await measure();
    assert.equal(after.sets, 6);
    assert.equal(after.all, first.all, 'no key per alert');
    for (const k of await dedupeKeys(keys.base)) assert.equal(await redis.zcard(k), cap);
    assert.ok(
      after.bytes <= first.bytes * 1.05,
      `dedupe bytes ${first.bytes} after 2,000 alerts, ${after.bytes} after 6,000`,
    );
    assert.equal((await store.get('FT-1'))?.occurrences, 1000, 'every distinct event counted');
  });

  void test('at the default bound (128) a busy fingerprint’s set stays compact: one listpack of about 40 bytes a tag', async (t) => {
    const { store, keys } = fresh(t);
    const alerts = Array.from({ length: 300 }, () => shell());
    for (const [i, a] of alerts.entries()) await record(store, a, T0 + i);
    const key = keys.dedupe(fingerprintOf(alerts[0]!).fingerprint);
    assert.equal(await redis.zcard(key), 128);
    assert.equal(await redis.object('ENCODING', key), 'listpack');
    const bytes = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
    assert.ok(bytes < 6000, `${bytes} bytes for 128 tags`);
  });

  void test('events older than the window leave the set as new ones arrive', async (t) => {
    const { store, keys } = fresh(t, { dedupeWindowSec: WINDOW_SEC });
    for (let i = 0; i < 5; i++) await record(store, shell(), T0 + i);
    const key = keys.dedupe(fingerprintOf(shell()).fingerprint);
    assert.equal(await redis.zcard(key), 5);
    await record(store, shell(), T0 + WINDOW_SEC * SEC + 10);
    assert.equal(await redis.zcard(key), 1, 'only the event inside the window is left');
  });

  void test('the script replies with the outcome and id only, not the incident and its alert', async (t) => {
    const { store } = fresh(t);
    const alert = shell({ output: 'x'.repeat(50_000) });
    const input = {
      alert,
      fingerprint: fingerprintOf(alert).fingerprint,
      eventId: eventIdOf(alert),
      channel: CHANNEL,
      now: T0,
    };
    assert.deepEqual(await store.occurrences.record(input), { outcome: 'new', id: 'FT-1' });
    assert.deepEqual(await store.occurrences.record(input), { outcome: 'duplicate', id: 'FT-1' });
    const again = { ...input, eventId: 'other', now: T0 + 1 };
    assert.deepEqual(await store.occurrences.record(again), { outcome: 'grouped', id: 'FT-1' });
  });
});
