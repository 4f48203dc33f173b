import { IncidentQueries } from './queries.js';

/** An outbox item handed to one publisher: its channel, id and lease token. */
export interface Claim {
  channel: string;
  id: string;
  /** When the lease ends; also its token (renewals and releases must name it). */
  leaseUntil: number;
}

export interface Rendered {
  renderedVersion: number;
  now: number;
  /** Hash of what the message shows: an update that would show the same is skipped. */
  renderedHash?: string;
  /** More to post (thread lines): the item stays due at once. */
  pending?: boolean;
  /** The minimum gap before the next update caused by changes (default: the coalesce window). */
  coalesceMs?: number;
}

/**
 * What the publisher needs: the outbox of due Slack writes (incidents, storm digests,
 * silence notices), handed out one item per channel, most severe first, under short
 * leases; what was posted; the thread cursor; the per-channel posting slots shared by
 * every replica.
 */
export class OutboxStore extends IncidentQueries {
  /**
   * The most urgent ready item of every channel that may be written to now, each leased
   * to the caller until `now + leaseMs`. `maxPromote` bounds the work of one call.
   */
  async claimReady(now: number, leaseMs: number, maxPromote = 500): Promise<Claim[]> {
    const { redis, keys } = this.ctx;
    const flat = await redis.ftClaimReady(
      keys.outboxDue,
      keys.outboxLeases,
      keys.outboxChannels,
      keys.outboxHeld,
      keys.base,
      Math.round(now),
      Math.round(leaseMs),
      maxPromote,
    );
    const out: Claim[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3)
      out.push({
        channel: String(flat[i]),
        id: String(flat[i + 1]),
        leaseUntil: Number(flat[i + 2]),
      });
    return out;
  }

  /** Extends the leases still held; returns the new token per claim, or 0 where it was lost. */
  async renewLeases(claims: Claim[], untilMs: number): Promise<number[]> {
    if (claims.length === 0) return [];
    const args = claims.flatMap((c) => [c.id, c.leaseUntil]);
    return this.ctx.redis.ftRenewLeases(this.ctx.keys.outboxLeases, Math.round(untilMs), ...args);
  }

  /** The message was posted; returns whether the item changed since (it stays due). */
  async markPosted(
    id: string,
    m: Rendered & { channel: string; ts: string; index?: boolean },
  ): Promise<boolean> {
    const { redis, keys, o } = this.ctx;
    const dirty = await redis.ftMarkPosted(
      this.itemKey(id),
      keys.outboxDue,
      keys.outboxLeases,
      keys.messageIndex,
      keys.incidentRefs,
      id,
      m.channel,
      m.ts,
      m.renderedVersion,
      Math.round(m.now),
      m.coalesceMs ?? o.coalesceMs,
      m.renderedHash ?? '',
      m.pending ? '1' : '0',
      (m.index ?? !isOtherItem(id)) ? '1' : '0',
    );
    return dirty === 1;
  }

  /** The message was updated, or already showed this; returns whether the item changed since. */
  async markRendered(id: string, m: Rendered): Promise<boolean> {
    const { redis, keys, o } = this.ctx;
    const dirty = await redis.ftMarkRendered(
      this.itemKey(id),
      keys.outboxDue,
      keys.outboxLeases,
      id,
      m.renderedVersion,
      Math.round(m.now),
      m.coalesceMs ?? o.coalesceMs,
      m.renderedHash ?? '',
      m.pending ? '1' : '0',
    );
    return dirty === 1;
  }

  /** Set before chat.postMessage (with the time of the first attempt); cleared by markPosted. */
  async markPostAttempted(id: string, now = Date.now()): Promise<void> {
    await this.ctx.redis.ftMarkPostAttempted(this.itemKey(id), Math.round(now));
  }

  /** Releases a claimed item to be due again at `at` (back-off, or now); false if it was not queued. */
  async reschedule(id: string, at: number): Promise<boolean> {
    const { redis, keys } = this.ctx;
    return (await redis.ftReschedule(keys.outboxDue, keys.outboxLeases, id, Math.round(at))) === 1;
  }

  /** Moves the thread cursor forward to `entryId`; returns false if it was already there or past it. */
  async advanceThreadCursor(id: string, entryId: string): Promise<boolean> {
    return (await this.ctx.redis.ftAdvanceThreadCursor(this.itemKey(id), entryId)) === 1;
  }

  /** Takes the channel's posting slot if it is free now (0), else says how long until it is (ms). */
  takePostingSlot(channel: string, now: number, intervalMs: number): Promise<number> {
    return this.ctx.redis.ftTakePostingSlot(
      this.ctx.keys.channelPace(channel),
      Math.round(now),
      Math.round(intervalMs),
    );
  }

  /** No replica writes to the channel before `untilMs` (after a 429). */
  async deferChannel(channel: string, untilMs: number, now = Date.now()): Promise<void> {
    await this.ctx.redis.ftDeferChannel(
      this.ctx.keys.channelPace(channel),
      Math.round(now),
      Math.round(untilMs),
    );
  }

  /** The raw hash of a storm digest or silence notice (incidents: `get`). */
  async itemHash(id: string): Promise<Record<string, string> | undefined> {
    const h = await this.ctx.redis.hgetall(this.itemKey(id));
    return Object.keys(h).length ? h : undefined;
  }

  private itemKey(id: string): string {
    const { keys } = this.ctx;
    if (id.startsWith('STORM-')) return keys.storm(id);
    if (id.startsWith('MUTE-')) return keys.silence(id);
    return keys.incident(id);
  }
}

/** Storm digests and silence notices share the outbox with incidents. */
export function isOtherItem(id: string): boolean {
  return id.startsWith('STORM-') || id.startsWith('MUTE-');
}
