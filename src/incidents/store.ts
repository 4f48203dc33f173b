import type { Redis } from 'ioredis';
import {
  PRIORITIES,
  parseFalcoTime,
  priorityRank,
  sourceOf,
  type Alert,
  type Priority,
} from '../alert.js';
import {
  errorFromReply,
  IncidentError,
  SCRIPT_CODES,
  StoreContention,
  type FailedReply,
} from './errors.js';
import type { Keys } from './keys.js';
import {
  INCIDENT_STATUSES,
  RESOLUTION_REASONS,
  type Incident,
  type ResolutionReason,
  type TimelineEntry,
  type TimelineKind,
} from './model.js';
import { defineIncidentCommands, type ScriptReply } from './scripts.js';

export interface StoreOptions {
  /** How long an event id is remembered, so a replayed alert is counted once. */
  dedupeTtlSec?: number;
  /** A new occurrence this soon after resolution reopens the incident; later ones open a new one. */
  reopenWindowSec?: number;
  /** How long a resolved incident and its timeline are kept. */
  resolvedRetentionSec?: number;
  /** Minimum gap between two Slack updates of one incident caused by occurrences. */
  coalesceMs?: number;
  /** Human id prefix: FT-1, FT-2... */
  idPrefix?: string;
}

export interface OccurrenceInput {
  alert: Alert;
  fingerprint: string;
  eventId: string;
  /** Where a new incident is posted. */
  channel: string;
  now?: number;
}

export type Outcome = 'new' | 'grouped' | 'reopened' | 'duplicate';

export type RecordResult =
  | { outcome: 'new' | 'grouped' | 'reopened'; incident: Incident }
  /** The incident the event was first counted in; undefined if it has since been purged. */
  | { outcome: 'duplicate'; incident: Incident | undefined };

const DEFAULTS = {
  dedupeTtlSec: 7 * 24 * 3600,
  reopenWindowSec: 24 * 3600,
  resolvedRetentionSec: 30 * 24 * 3600,
  coalesceMs: 5000,
  idPrefix: 'FT',
};

/** Approximate cap on a timeline; bursts are coalesced, so this is hours of continuous firing. */
const TIMELINE_MAX_LEN = 10_000;
/** Script calls per operation before giving up; only contention with other writers uses more than two. */
const MAX_ATTEMPTS = 50;
/** Fingerprint -> incident hints kept in memory; a stale hint only costs a retry. */
const HINT_CACHE_SIZE = 10_000;

const OUTCOMES: Record<number, Exclude<Outcome, 'duplicate'>> = {
  1: 'new',
  2: 'grouped',
  3: 'reopened',
};
const DUPLICATE = 4;

/** The transition script's actions (ARGV[2] of transition-8.lua). */
type Action =
  | 'acknowledge'
  | 'unacknowledge'
  | 'assign'
  | 'unassign'
  | 'resolve'
  | 'reopen'
  | 'snooze'
  | 'unsnooze'
  | 'expand';

interface Hint {
  id: string;
  assignee: string;
  seq: number;
}

/**
 * Incident state in Redis. Every change is one atomic Lua script, called from here and
 * nowhere else, so any number of bot replicas can share one Redis.
 *
 * Scripts only touch keys passed in KEYS (Keys is the one place keys are built), but
 * some keys depend on state: the incident a fingerprint maps to, the id INCR will give,
 * the current assignee. The caller passes its best guess; a script that finds the
 * guess wrong changes nothing and replies with what to pass instead (SCRIPT_CODES.retry).
 */
export class IncidentStore {
  private readonly o: Required<StoreOptions>;
  private readonly hints = new Map<string, Hint>();
  /** The next incident sequence as last seen; a new incident's id is predicted from it. */
  private seqHint = 0;
  /**
   * Creating incidents is serialised within a process: concurrent creators would all
   * predict the same id, and all but one would have to retry, round after round.
   */
  private creating: Promise<unknown> = Promise.resolve();
  /** Fingerprints whose incident this process is opening right now. */
  private readonly creatingFingerprints = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    opts: StoreOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...stripUndefined(opts) };
    defineIncidentCommands(redis);
  }

  async recordOccurrence(input: OccurrenceInput): Promise<RecordResult> {
    const now = input.now ?? Date.now();
    const { alert, fingerprint } = input;
    const parsed = parseFalcoTime(alert.time);
    const alertTime = Number.isFinite(parsed) ? parsed : now;
    const alertJson = JSON.stringify(alert);
    let hint: Hint = { ...(this.hints.get(fingerprint) ?? { id: '', assignee: '' }), seq: 0 };
    let needNewId = false;

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const call = (h: Hint) =>
        this.redis.ftRecordOccurrence(
          this.keys.seenEvent(input.eventId),
          this.keys.fingerprint(fingerprint),
          this.keys.incidentSeq,
          this.keys.incident(h.id),
          this.keys.timeline(h.id),
          this.keys.incident(this.newId(h.seq)),
          this.keys.timeline(this.newId(h.seq)),
          this.keys.openByPriority,
          this.keys.resolvedByTime,
          this.keys.byRule(alert.rule),
          this.keys.byAssignee(h.assignee),
          this.keys.outboxDue,
          this.keys.outboxLeases,
          this.keys.incidentRefs,
          h.id,
          h.assignee,
          this.newId(h.seq),
          h.seq ? String(h.seq) : '',
          fingerprint,
          alert.rule,
          sourceOf(alert),
          alert.priority,
          priorityRank(alert.priority),
          Math.round(alertTime),
          alertJson,
          input.channel,
          Math.round(now),
          this.o.dedupeTtlSec,
          this.o.reopenWindowSec * 1000,
          this.o.coalesceMs,
          TIMELINE_MAX_LEN,
        );
      let reply: ScriptReply;
      if (!needNewId) {
        reply = await call(hint);
      } else {
        const pending = this.creatingFingerprints.get(fingerprint);
        if (pending) {
          // Another call here is opening this incident; join it rather than queue behind it.
          await pending;
          hint = { ...(this.hints.get(fingerprint) ?? hint), seq: 0 };
          needNewId = false;
          continue;
        }
        const creation = this.serialiseCreation(() =>
          call({ ...hint, seq: Math.max(hint.seq, this.seqHint) }),
        );
        this.creatingFingerprints.set(
          fingerprint,
          creation.then(
            () => undefined,
            () => undefined,
          ),
        );
        try {
          reply = await creation;
        } finally {
          this.creatingFingerprints.delete(fingerprint);
        }
      }
      const code = Number(reply[0]);

      if (code === SCRIPT_CODES.retry) {
        const nextSeq = Number(reply[3]);
        // Authoritative when read, so it also corrects a hint left too high (a reset sequence).
        this.seqHint = nextSeq;
        hint = { id: str(reply[1]), assignee: str(reply[2]), seq: nextSeq };
        needNewId = reply[4] === 1;
        continue;
      }
      if (code === DUPLICATE) {
        const id = str(reply[1]);
        const incident =
          reply.length > 2 ? decodeIncident(pairs(reply, 2)) : id ? await this.get(id) : undefined;
        return { outcome: 'duplicate', incident };
      }
      const outcome = OUTCOMES[code];
      if (!outcome) throw new IncidentError('script_error', `recordOccurrence replied ${code}`);
      const incident = decodeIncident(pairs(reply, 2));
      if (outcome === 'new') this.seqHint = seqOf(incident.id) + 1;
      this.remember(fingerprint, { id: incident.id, assignee: incident.assignee ?? '', seq: 0 });
      return { outcome, incident };
    }
    throw new StoreContention('Recording an occurrence', MAX_ATTEMPTS);
  }

  private newId(seq: number): string {
    return seq ? `${this.o.idPrefix}-${seq}` : '';
  }

  private serialiseCreation<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.creating.then(fn);
    this.creating = run.catch(() => undefined);
    return run;
  }

  private remember(fingerprint: string, hint: Hint): void {
    this.hints.delete(fingerprint);
    this.hints.set(fingerprint, hint);
    if (this.hints.size > HINT_CACHE_SIZE) {
      const oldest = this.hints.keys().next();
      if (!oldest.done) this.hints.delete(oldest.value);
    }
  }

  /** open -> acknowledged. */
  acknowledge(
    id: string,
    actor: string,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.transition(id, 'acknowledge', actor, now, expectedVersion);
  }

  /** acknowledged -> open. */
  unacknowledge(
    id: string,
    actor: string,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.transition(id, 'unacknowledge', actor, now, expectedVersion);
  }

  /** Any time before resolution. */
  assign(
    id: string,
    actor: string,
    assignee: string,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.transition(id, 'assign', actor, now, expectedVersion, assignee, '', assignee);
  }

  unassign(
    id: string,
    actor: string,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.transition(id, 'unassign', actor, now, expectedVersion);
  }

  /** open | acknowledged -> resolved; the incident expires resolvedRetentionSec later unless reopened. */
  resolve(
    id: string,
    actor: string,
    reason: ResolutionReason,
    note?: string,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    // An unknown reason goes to the script as '' so the refusal carries the incident.
    const valid = (RESOLUTION_REASONS as readonly string[]).includes(reason) ? reason : '';
    return this.transition(id, 'resolve', actor, now, expectedVersion, valid, note?.trim() ?? '');
  }

  /** resolved -> open. */
  reopen(id: string, actor: string, now = Date.now(), expectedVersion?: number): Promise<Incident> {
    return this.transition(id, 'reopen', actor, now, expectedVersion);
  }

  /** Occurrences stop updating the Slack message until `untilMs`; not on resolved incidents. */
  snooze(
    id: string,
    actor: string,
    untilMs: number,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    const until = Number.isFinite(untilMs) ? String(Math.round(untilMs)) : '0';
    return this.transition(id, 'snooze', actor, now, expectedVersion, until);
  }

  unsnooze(
    id: string,
    actor: string,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.transition(id, 'unsnooze', actor, now, expectedVersion);
  }

  /** View state only: no timeline entry, but the message is re-rendered. A no-op if unchanged. */
  setExpanded(
    id: string,
    actor: string,
    expanded: boolean,
    now = Date.now(),
    expectedVersion?: number,
  ): Promise<Incident> {
    return this.transition(id, 'expand', actor, now, expectedVersion, expanded ? '1' : '0');
  }

  private async transition(
    id: string,
    action: Action,
    actor: string,
    now: number,
    expectedVersion: number | undefined,
    arg1 = '',
    arg2 = '',
    newAssignee = '',
  ): Promise<Incident> {
    let assignee = '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const reply = await this.redis.ftTransition(
        this.keys.incident(id),
        this.keys.timeline(id),
        this.keys.openByPriority,
        this.keys.resolvedByTime,
        this.keys.outboxDue,
        this.keys.outboxLeases,
        this.keys.byAssignee(assignee),
        this.keys.byAssignee(newAssignee),
        id,
        action,
        actor,
        Math.round(now),
        expectedVersion === undefined ? '' : String(expectedVersion),
        assignee,
        this.o.resolvedRetentionSec,
        TIMELINE_MAX_LEN,
        arg1,
        arg2,
      );
      const code = Number(reply[0]);
      if (code === SCRIPT_CODES.retry) {
        assignee = str(reply[1]);
        continue;
      }
      if (code === 0) return decodeIncident(pairs(reply, 2));
      throw errorFromReply(failed(reply), { id, expectedVersion });
    }
    throw new StoreContention(`Changing ${id}`, MAX_ATTEMPTS);
  }

  async get(id: string): Promise<Incident | undefined> {
    const h = await this.redis.hgetall(this.keys.incident(id));
    return Object.keys(h).length ? decodeIncident(h) : undefined;
  }

  /** Same order as `ids`; undefined where an incident does not exist. */
  async getMany(ids: string[]): Promise<(Incident | undefined)[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.keys.incident(id));
    const results = (await p.exec()) ?? [];
    return ids.map((_, i) => {
      const [err, h] = results[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const hash = h as Record<string, string>;
      return Object.keys(hash).length ? decodeIncident(hash) : undefined;
    });
  }

  /** Unresolved incidents, most severe first, oldest first within a priority. */
  async listOpen(
    opts: { limit?: number; offset?: number; minPriority?: Priority } = {},
  ): Promise<Incident[]> {
    const max = opts.minPriority ? `(${(priorityRank(opts.minPriority) + 1) * 1e13}` : '+inf';
    const ids = await this.redis.zrangebyscore(
      this.keys.openByPriority,
      '-inf',
      max,
      'LIMIT',
      opts.offset ?? 0,
      opts.limit ?? 50,
    );
    return present(await this.getMany(ids));
  }

  /** A person's unresolved incidents, oldest first. */
  async listByAssignee(user: string, opts: { limit?: number } = {}): Promise<Incident[]> {
    const ids = await this.redis.zrange(
      this.keys.byAssignee(user),
      0,
      String((opts.limit ?? 100) - 1),
    );
    return present(await this.getMany(ids));
  }

  /** A rule's incidents in any state, most recently seen first. */
  async listByRule(rule: string, opts: { limit?: number } = {}): Promise<Incident[]> {
    const ids = await this.redis.zrevrange(this.keys.byRule(rule), 0, (opts.limit ?? 100) - 1);
    return present(await this.getMany(ids));
  }

  /** Timeline entries in order; `after` is exclusive (a thread cursor). */
  async timeline(
    id: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<TimelineEntry[]> {
    const start = opts.after ? `(${opts.after}` : '-';
    const raw = await this.redis.xrange(
      this.keys.timeline(id),
      start,
      '+',
      'COUNT',
      opts.limit ?? 100,
    );
    return raw.map(([entryId, fields]) => decodeTimelineEntry(entryId, fields));
  }

  /**
   * True the first time it is called for an incident version: the caller attaches the
   * raw alert to the thread then, and repeated clicks do not attach it again.
   */
  async claimRawAttachment(id: string, version: number): Promise<boolean> {
    const res = await this.redis.set(this.keys.rawAttached(id, version), '1', 'EX', 86_400, 'NX');
    return res === 'OK';
  }

  /** Gives the claim back when the upload failed, so the next click tries again. */
  async releaseRawAttachment(id: string, version: number): Promise<void> {
    await this.redis.del(this.keys.rawAttached(id, version));
  }

  async findByMessage(channel: string, ts: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.messageIndex, `${channel}:${ts}`)) ?? undefined;
  }

  /** Incidents whose Slack message is due, leased to the caller for `leaseMs`. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<string[]> {
    return this.redis.ftClaimDue(
      this.keys.outboxDue,
      this.keys.outboxLeases,
      Math.round(now),
      limit,
      Math.round(leaseMs),
    );
  }

  /** The message was posted; returns whether the incident changed since (it stays due). */
  async markPosted(
    id: string,
    m: { channel: string; ts: string; renderedVersion: number; now: number },
  ): Promise<boolean> {
    const dirty = await this.redis.ftMarkPosted(
      this.keys.incident(id),
      this.keys.outboxDue,
      this.keys.outboxLeases,
      this.keys.messageIndex,
      this.keys.incidentRefs,
      id,
      m.channel,
      m.ts,
      m.renderedVersion,
      Math.round(m.now),
      this.o.coalesceMs,
    );
    return dirty === 1;
  }

  /** The message was updated; returns whether the incident changed since (it stays due). */
  async markRendered(id: string, m: { renderedVersion: number; now: number }): Promise<boolean> {
    const dirty = await this.redis.ftMarkRendered(
      this.keys.incident(id),
      this.keys.outboxDue,
      this.keys.outboxLeases,
      id,
      m.renderedVersion,
      Math.round(m.now),
      this.o.coalesceMs,
    );
    return dirty === 1;
  }

  /** Set before chat.postMessage; cleared by markPosted. */
  async markPostAttempted(id: string): Promise<void> {
    await this.redis.ftMarkPostAttempted(this.keys.incident(id));
  }

  /** Releases a claimed item to be due again at `at` (back-off); returns false if it was not queued. */
  async reschedule(id: string, at: number): Promise<boolean> {
    return (
      (await this.redis.ftReschedule(
        this.keys.outboxDue,
        this.keys.outboxLeases,
        id,
        Math.round(at),
      )) === 1
    );
  }

  /** Moves the thread cursor forward to `entryId`; returns false if it was already there or past it. */
  /**
   * Appends what someone wrote in the incident's thread to its timeline. False when the
   * incident is gone or this Slack message was already recorded.
   */
  async addNote(
    id: string,
    actor: string,
    text: string,
    messageTs: string,
    now = Date.now(),
  ): Promise<boolean> {
    const res = await this.redis.ftAddNote(
      this.keys.incident(id),
      this.keys.timeline(id),
      actor,
      Math.round(now),
      TIMELINE_MAX_LEN,
      text.slice(0, 20_000),
      messageTs,
    );
    return res !== 0 && res !== '0';
  }

  async advanceThreadCursor(id: string, entryId: string): Promise<boolean> {
    return (await this.redis.ftAdvanceThreadCursor(this.keys.incident(id), entryId)) === 1;
  }

  /** Reserves the channel's next write slot across replicas; returns how long to wait (ms). */
  reservePostingSlot(channel: string, now: number, intervalMs: number): Promise<number> {
    return this.redis.ftReservePostingSlot(
      this.keys.channelPace(channel),
      Math.round(now),
      Math.round(intervalMs),
    );
  }

  /** No replica writes to the channel before `untilMs` (after a 429). */
  async deferChannel(channel: string, untilMs: number, now = Date.now()): Promise<void> {
    await this.redis.ftDeferChannel(
      this.keys.channelPace(channel),
      Math.round(now),
      Math.round(untilMs),
    );
  }

  /**
   * Deletes incidents resolved more than resolvedRetentionSec before `now`, and index
   * entries of incidents whose hash is gone. Run it periodically from one or more
   * replicas (it is idempotent); returns how many incidents were purged.
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    const cutoff = Math.round(now - this.o.resolvedRetentionSec * 1000);
    let purged = 0;
    const batch = 200;
    for (;;) {
      const ids = await this.redis.zrangebyscore(
        this.keys.resolvedByTime,
        '-inf',
        cutoff,
        'LIMIT',
        0,
        batch,
      );
      const n = await this.purgeIds(ids, cutoff);
      purged += n;
      if (ids.length < batch || n === 0) break;
    }
    // Open incidents never expire; a missing hash here means it was deleted by hand.
    const open = await this.redis.zrange(this.keys.openByPriority, 0, '-1');
    const p = this.redis.pipeline();
    for (const id of open) p.exists(this.keys.incident(id));
    const exists = (await p.exec()) ?? [];
    purged += await this.purgeIds(
      open.filter((_, i) => exists[i]?.[1] === 0),
      cutoff,
    );
    return purged;
  }

  private async purgeIds(ids: string[], cutoff: number): Promise<number> {
    if (ids.length === 0) return 0;
    const refs = await this.redis.hmget(this.keys.incidentRefs, ...ids);
    let purged = 0;
    for (const [i, id] of ids.entries()) {
      const r = parseRefs(refs[i]);
      purged += await this.redis.ftPurge(
        this.keys.resolvedByTime,
        this.keys.openByPriority,
        this.keys.incident(id),
        this.keys.timeline(id),
        this.keys.byRule(r.rule ?? ''),
        this.keys.fingerprint(r.fingerprint ?? ''),
        this.keys.messageIndex,
        this.keys.incidentRefs,
        this.keys.outboxDue,
        this.keys.outboxLeases,
        id,
        cutoff,
        r.rule === undefined ? '0' : '1',
        r.fingerprint === undefined ? '0' : '1',
        ...r.messages,
      );
    }
    return purged;
  }
}

function str(v: string | number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function pairs(reply: ScriptReply, from: number): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = from; i + 1 < reply.length; i += 2) h[str(reply[i])] = str(reply[i + 1]);
  return h;
}

function failed(reply: ScriptReply): FailedReply {
  const hash = pairs(reply, 2);
  return {
    code: Number(reply[0]),
    info: str(reply[1]),
    incident: Object.keys(hash).length ? decodeIncident(hash) : undefined,
  };
}

function seqOf(id: string): number {
  const n = Number(id.slice(id.lastIndexOf('-') + 1));
  return Number.isFinite(n) ? n : 0;
}

function present(list: (Incident | undefined)[]): Incident[] {
  return list.filter((i): i is Incident => i !== undefined);
}

function oneOf<T extends string>(list: readonly T[], v: string | undefined, what: string): T {
  if (v !== undefined && (list as readonly string[]).includes(v)) return v as T;
  throw new IncidentError('corrupt_incident', `incident hash has an invalid ${what}`);
}

function optNum(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function optStr(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The hash at Keys.incident(id) as an Incident. */
export function decodeIncident(h: Record<string, string>): Incident {
  if (!h.id || !h.latest)
    throw new IncidentError('corrupt_incident', 'incident hash lacks id or latest');
  // Stored by recordOccurrence from an alert that passed alertSchema.
  const latest = JSON.parse(h.latest) as Alert;
  const resolution = optStr(h.resolution);
  return {
    id: h.id,
    fingerprint: h.fingerprint ?? '',
    rule: h.rule ?? '',
    source: h.source ?? '',
    priority: oneOf(PRIORITIES, h.priority, 'priority'),
    status: oneOf(INCIDENT_STATUSES, h.status, 'status'),
    occurrences: Number(h.occurrences ?? 0),
    firstSeen: Number(h.firstSeen ?? 0),
    lastSeen: Number(h.lastSeen ?? 0),
    latest,
    assignee: optStr(h.assignee),
    acknowledgedBy: optStr(h.acknowledgedBy),
    acknowledgedAt: optNum(h.acknowledgedAt),
    resolvedBy: optStr(h.resolvedBy),
    resolvedAt: optNum(h.resolvedAt),
    resolution:
      resolution === undefined ? undefined : oneOf(RESOLUTION_REASONS, resolution, 'resolution'),
    resolutionNote: optStr(h.resolutionNote),
    snoozedUntil: optNum(h.snoozedUntil),
    expanded: h.expanded === '1',
    channel: h.channel ?? '',
    ts: optStr(h.ts),
    version: Number(h.version ?? 0),
    renderedVersion: Number(h.renderedVersion ?? 0),
    renderedAt: optNum(h.renderedAt),
    threadCursor: h.threadCursor || '0-0',
    postAttempted: h.postAttempted === '1',
  };
}

const TIMELINE_KINDS: readonly TimelineKind[] = [
  'opened',
  'occurrence',
  'reopened',
  'acknowledged',
  'unacknowledged',
  'assigned',
  'unassigned',
  'resolved',
  'snoozed',
  'unsnoozed',
  'expanded',
  'collapsed',
  'note',
];

function decodeTimelineEntry(id: string, fields: string[]): TimelineEntry {
  const f: Record<string, string> = {};
  const detail: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] ?? '';
    const value = fields[i + 1] ?? '';
    if (name.startsWith('d:')) detail[name.slice(2)] = value;
    else f[name] = value;
  }
  return {
    id,
    kind: oneOf(TIMELINE_KINDS, f.kind, 'timeline kind'),
    actor: f.actor ?? '',
    at: Number(f.at ?? 0),
    detail,
  };
}

interface Refs {
  rule?: string;
  fingerprint?: string;
  messages: string[];
}

function parseRefs(raw: string | null | undefined): Refs {
  if (!raw) return { messages: [] };
  try {
    const r = JSON.parse(raw) as { rule?: unknown; fingerprint?: unknown; messages?: unknown };
    return {
      rule: typeof r.rule === 'string' ? r.rule : undefined,
      fingerprint: typeof r.fingerprint === 'string' ? r.fingerprint : undefined,
      // cjson encodes an empty Lua table as {}, not [].
      messages: Array.isArray(r.messages)
        ? r.messages.filter((m): m is string => typeof m === 'string')
        : [],
    };
  } catch {
    return { messages: [] };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
