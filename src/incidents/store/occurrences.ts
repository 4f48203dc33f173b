import { parseFalcoTime, priorityRank, sourceOf, type Alert } from '../../alert.js';
import { IncidentError } from '../errors.js';
import { eventTag } from '../fingerprint.js';
import { TIMELINE_MAX_LEN, type StoreContext } from './context.js';
import { str } from './decode.js';

export interface OccurrenceInput {
  alert: Alert;
  fingerprint: string;
  eventId: string;
  /** Where a new incident is posted. */
  channel: string;
  now?: number;
}

export type Outcome = 'new' | 'grouped' | 'reopened' | 'duplicate';

/**
 * What happened and to which incident: all the engine needs. The incident itself (with
 * its latest alert) is read by whoever shows it, not shipped back on every alert.
 */
export type RecordResult =
  | { outcome: 'new' | 'grouped' | 'reopened'; id: string }
  /** The fingerprint's current incident; undefined if it has none any more (purged). */
  | { outcome: 'duplicate'; id: string | undefined };

/** A field as the digest counts it: its text, capped; '' when absent. */
function fieldText(v: unknown): string {
  if (typeof v === 'string') return v.slice(0, 256);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

const OUTCOMES: Record<number, Outcome> = { 1: 'new', 2: 'grouped', 3: 'reopened', 4: 'duplicate' };

/**
 * What the incident engine needs: count an alert against its incident. One script call,
 * whatever other writers do meanwhile: the script finds (or allocates) the incident
 * itself and builds its keys from the prefix (docs/decisions/0001-keys-built-in-lua.md).
 */
export class OccurrenceStore {
  constructor(private readonly ctx: StoreContext) {}

  async record(input: OccurrenceInput): Promise<RecordResult> {
    const { redis, keys, o } = this.ctx;
    const now = input.now ?? Date.now();
    const { alert, fingerprint } = input;
    const parsed = parseFalcoTime(alert.time);
    const alertTime = Number.isFinite(parsed) ? parsed : now;
    const reply = await redis.ftRecordOccurrence(
      keys.dedupe(fingerprint),
      keys.fingerprint(fingerprint),
      keys.incidentSeq,
      keys.openByPriority,
      keys.resolvedByTime,
      keys.byRule(alert.rule),
      keys.outboxDue,
      keys.outboxLeases,
      keys.incidentRefs,
      keys.stormRate(input.channel),
      keys.channelStorm(input.channel),
      keys.stormSeq,
      keys.openStorms,
      keys.base,
      o.idPrefix,
      fingerprint,
      alert.rule,
      sourceOf(alert),
      alert.priority,
      priorityRank(alert.priority),
      Math.round(alertTime),
      JSON.stringify(alert),
      input.channel,
      Math.round(now),
      o.dedupeWindowSec * 1000,
      o.reopenWindowSec * 1000,
      o.coalesceMs,
      TIMELINE_MAX_LEN,
      o.stormThreshold,
      o.stormWindowMs,
      o.stormFoldRank,
      o.stormUpdateMs,
      o.stormDimensionCap,
      o.stormRetentionSec,
      fieldText(alert.output_fields['k8s.ns.name']),
      alert.hostname ?? fieldText(alert.output_fields['host.hostname']),
      eventTag(input.eventId),
      o.dedupeMaxPerFingerprint,
    );
    const code = Number(reply[0]);
    const outcome = OUTCOMES[code];
    if (!outcome)
      throw new IncidentError(
        'script_error',
        `recordOccurrence replied ${code} (${str(reply[1])})`,
      );
    const id = str(reply[1]);
    if (outcome === 'duplicate') return { outcome, id: id || undefined };
    return { outcome, id };
  }
}
