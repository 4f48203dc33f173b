import type { RedisClient } from '../redis-connection.js';
import type { Keys } from './keys.js';
import { storeContext, type StoreOptions } from './store/context.js';
import { OccurrenceStore } from './store/occurrences.js';
import { OutboxStore } from './store/outbox.js';
import { IncidentQueries } from './store/queries.js';
import { RetentionStore } from './store/retention.js';
import { SilenceStore } from './store/silences.js';
import { StormStore } from './store/storms.js';
import { TriageStore } from './store/triage.js';

export type { StoreOptions } from './store/context.js';
export type { OccurrenceInput, Outcome, RecordResult } from './store/occurrences.js';
export { decodeIncident } from './store/decode.js';
export { OccurrenceStore, OutboxStore, RetentionStore, SilenceStore, StormStore, TriageStore };
export type { NewSilence, Silence } from './store/silences.js';
export type { StormCount, StormDigest, StormEvent } from './store/storms.js';

/**
 * Incident state in Redis, split by who uses it: the engine records occurrences, the
 * Slack listeners triage, the publisher works the outbox, a periodic job purges. Every
 * change is one atomic Lua script called from these classes and nowhere else, so any
 * number of bot replicas can share one Redis. The reads (get, listOpen, timeline...)
 * are on every part that needs them and on the store itself.
 */
export class IncidentStore extends IncidentQueries {
  readonly occurrences: OccurrenceStore;
  readonly triage: TriageStore;
  readonly outbox: OutboxStore;
  readonly retention: RetentionStore;
  readonly storms: StormStore;
  readonly silences: SilenceStore;

  constructor(redis: RedisClient, keys: Keys, opts: StoreOptions = {}) {
    const ctx = storeContext(redis, keys, opts);
    super(ctx);
    this.occurrences = new OccurrenceStore(ctx);
    this.triage = new TriageStore(ctx);
    this.outbox = new OutboxStore(ctx);
    this.retention = new RetentionStore(ctx);
    this.storms = new StormStore(ctx);
    this.silences = new SilenceStore(ctx);
  }
}
