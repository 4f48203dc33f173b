import type { RedisClient } from '../redis-connection.js';
import { alertSchema, PRIORITIES, type Alert } from '../alert.js';
import type { Keys } from '../incidents/keys.js';

export interface QueuedAlert {
  /** Stream entry id. */
  id: string;
  /** null when the entry cannot be decoded; the worker parks it instead of looping on it. */
  alert: Alert | null;
  receivedAt: number;
  error?: string;
}

/**
 * The durable hand-off between the HTTP endpoint and the incident engine: a Redis
 * Stream read through a consumer group. An entry is acknowledged (and deleted) only
 * after the incident store has recorded it, so a worker that dies mid-way leaves it
 * pending for another worker to claim.
 */
export class AlertQueue {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** Awaited before each read of new entries (the engine yielding to ingest: ReadGate). */
    private readonly beforeRead?: () => Promise<void>,
  ) {}

  /** Creates the consumer group if needed; safe to call from every replica at start-up. */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup(
        'CREATE',
        this.keys.alertStream,
        this.keys.alertGroup,
        '0',
        'MKSTREAM',
      );
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  private entry(alert: Alert, receivedAt: number) {
    return [
      this.keys.alertStream,
      '*',
      'v',
      ENTRY_VERSION,
      'alert',
      JSON.stringify(alert),
      'receivedAt',
      String(receivedAt),
    ] as const;
  }

  /** Stores every alert or none (MULTI/EXEC), and resolves only once Redis has them. */
  async enqueue(alerts: Alert[], receivedAt = Date.now()): Promise<string[]> {
    if (alerts.length === 0) return [];
    // One alert (what Falco and Falcosidekick send) is one XADD, atomic on its own;
    // MULTI/EXEC would triple the commands on the hot path for nothing.
    if (alerts.length === 1)
      return [String(await this.redis.xadd(...this.entry(alerts[0]!, receivedAt)))];
    const tx = this.redis.multi();
    for (const alert of alerts) tx.xadd(...this.entry(alert, receivedAt));
    const results = await tx.exec();
    if (!results) throw new Error('Redis transaction was aborted');
    return results.map(([err, id]) => {
      if (err) throw err;
      return String(id);
    });
  }

  /**
   * Spooled requests, in order, in one round trip. Not a transaction: a failure part-way
   * leaves the first ones in, and the retry adds them again; the engine counts an event
   * once by its id, so at-least-once is enough here.
   */
  async enqueueRecords(records: { alerts: Alert[]; receivedAt: number }[]): Promise<void> {
    const p = this.redis.pipeline();
    for (const r of records) for (const a of r.alerts) p.xadd(...this.entry(a, r.receivedAt));
    const results = (await p.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
  }

  /** New entries for this consumer, waiting up to blockMs for some to arrive. */
  async readNew(
    blockingRedis: RedisClient,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<QueuedAlert[]> {
    await this.beforeRead?.();
    const res = (await this.recreatingGroup(() =>
      blockingRedis.xreadgroup(
        'GROUP',
        this.keys.alertGroup,
        consumer,
        'COUNT',
        count,
        'BLOCK',
        blockMs,
        'STREAMS',
        this.keys.alertStream,
        '>',
      ),
    )) as [string, [string, string[]][]][] | null;
    if (!res) return [];
    return res.flatMap(([, entries]) => entries.map(decodeEntry));
  }

  /**
   * Takes over entries another consumer read but never acknowledged for minIdleMs
   * (it crashed or hangs), so nothing accepted is ever stranded.
   */
  async claimStale(consumer: string, minIdleMs: number, count: number): Promise<QueuedAlert[]> {
    const res = (await this.recreatingGroup(() =>
      this.redis.xautoclaim(
        this.keys.alertStream,
        this.keys.alertGroup,
        consumer,
        minIdleMs,
        '0-0',
        'COUNT',
        count,
      ),
    )) as [string, ([string, string[]] | null)[], string[]?];
    const entries = res[1].filter((e): e is [string, string[]] => e !== null);
    return entries.map(decodeEntry);
  }

  /**
   * A Redis restarted without persistence has no consumer group (and ingest's first XADD
   * recreates the stream without one): the engine would fail on NOGROUP forever. The
   * group is created again, from the start of the stream, and the call retried once.
   */
  private async recreatingGroup<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!String((err as Error).message).includes('NOGROUP')) throw err;
      await this.ensureGroup();
      return call();
    }
  }

  /** Acknowledges and deletes: a processed alert lives on in its incident, not here. */
  async done(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .xack(this.keys.alertStream, this.keys.alertGroup, ...ids)
      .xdel(this.keys.alertStream, ...ids)
      .exec();
  }

  async pendingCount(): Promise<number> {
    const res = (await this.redis.xpending(this.keys.alertStream, this.keys.alertGroup)) as [
      number,
      ...unknown[],
    ];
    return Number(res[0] ?? 0);
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.alertStream);
  }

  /**
   * How many entries were ever added (XINFO STREAM `entries-added`, Redis 7+). Unlike the
   * length it does not drop when the worker deletes what it processed, so "a bad request
   * stored nothing" can be checked while the worker runs.
   */
  async entriesAdded(): Promise<number> {
    const exists = await this.redis.exists(this.keys.alertStream);
    if (!exists) return 0;
    const info = (await this.redis.xinfo('STREAM', this.keys.alertStream)) as unknown[];
    const i = info.indexOf('entries-added');
    if (i < 0)
      throw new Error('XINFO STREAM has no entries-added: RedisClient 7 or later is required');
    return Number(info[i + 1]);
  }
}

/**
 * The format of a stream entry: an alert already validated (and normalised) by ingest.
 * Change it whenever that format changes, so entries of the old one get validated again.
 */
export const ENTRY_VERSION = '1';
const KNOWN_PRIORITIES = new Set<string>(PRIORITIES);

export function decodeEntry([id, fields]: [string, string[]]): QueuedAlert {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const receivedAt = Number(map.get('receivedAt') ?? 0);
  try {
    const raw: unknown = JSON.parse(map.get('alert') ?? '{}');
    // Ingest validated entries of our version with the full schema; validating again
    // here cost as much as the first time (the profile showed zod twice). Anything else
    // (no version: an older replica) gets the full schema, as does a v1 entry that does
    // not even have the shape of one.
    if (map.get('v') === ENTRY_VERSION && looksValidated(raw))
      return { id, alert: raw, receivedAt };
    const alert = alertSchema.parse(raw);
    return { id, alert, receivedAt };
  } catch (err) {
    return { id, alert: null, receivedAt, error: (err as Error).message.slice(0, 500) };
  }
}

/** The cheap structural check that keeps a damaged v1 entry from skipping validation. */
function looksValidated(v: unknown): v is Alert {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.rule === 'string' &&
    typeof a.priority === 'string' &&
    KNOWN_PRIORITIES.has(a.priority) &&
    typeof a.time === 'string' &&
    typeof a.output === 'string' &&
    typeof a.output_fields === 'object' &&
    a.output_fields !== null &&
    !Array.isArray(a.output_fields)
  );
}
