/** Fixtures shared by the incident store tests (test/integration/store-*.test.ts). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, type TestContext } from 'node:test';
import type { RedisClient } from '../../src/redis-connection.js';
import { alertSchema, type Alert } from '../../src/alert.js';
import { TransitionRefused, type RefusalReason } from '../../src/incidents/errors.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import { Keys } from '../../src/incidents/keys.js';
import type { Incident } from '../../src/incidents/model.js';
import { IncidentStore, type StoreOptions } from '../../src/incidents/store.js';
import { connect, deletePrefix } from './redis.js';

export const T0 = Date.parse('2025-06-01T12:00:00.000Z');
export const SEC = 1000;
export const HOUR = 3600 * SEC;
export const CHANNEL = 'C0INCIDENTS';

/** Two connections, as two replicas would have; open for the test file that calls connectStores(). */
export let redis: RedisClient;
export let redis2: RedisClient;

export function connectStores(): void {
  before(() => {
    redis = connect();
    redis2 = connect();
  });
  after(async () => {
    await Promise.all([redis.quit(), redis2.quit()]);
  });
}

export interface Ctx {
  keys: Keys;
  store: IncidentStore;
  /** A second store on its own connection, as another replica would have. */
  other: IncidentStore;
}

/** A store under a prefix of its own; its keys are deleted when the test ends. */
export function fresh(t: TestContext, opts: StoreOptions = {}): Ctx {
  const prefix = `test-${randomUUID()}:`;
  const keys = new Keys(prefix);
  t.after(async () => {
    await deletePrefix(redis, prefix);
  });
  // One incident's life unless the test is about storms: storms off by default here.
  const o = { stormThreshold: 0, ...opts };
  return {
    keys,
    store: new IncidentStore(redis, keys, o),
    other: new IncidentStore(redis2, keys, o),
  };
}

let timeCounter = 0;
/** A distinct Falco time each call, so alerts are distinct events unless a test says otherwise. */
export function falcoTime(ms = T0): string {
  timeCounter = (timeCounter + 1) % 1_000_000;
  return new Date(ms)
    .toISOString()
    .replace(
      /\.\d+Z$/,
      `.${String(ms % 1000).padStart(3, '0')}${String(timeCounter).padStart(6, '0')}Z`,
    );
}

export function shell(over: Record<string, unknown> = {}): Alert {
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

/**
 * Records an alert, then reads its incident: the script replies with the outcome and id
 * only (what the engine needs), so the incident is fetched for the tests' assertions.
 */
export async function record(store: IncidentStore, alert: Alert, now = T0) {
  const r = await store.occurrences.record({
    alert,
    fingerprint: fingerprintOf(alert).fingerprint,
    eventId: eventIdOf(alert),
    channel: CHANNEL,
    now,
  });
  const incident = r.id === undefined ? undefined : await store.get(r.id);
  if (r.outcome === 'duplicate') return { ...r, incident };
  assert.ok(incident, `${r.id} exists after ${r.outcome}`);
  return { ...r, incident };
}

export async function open(
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
export async function snapshot(keys: Keys, id: string) {
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

export async function refused(
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
