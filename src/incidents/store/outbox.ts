import { IncidentQueries } from './queries.js';

/**
 * What the publisher needs: the outbox of due Slack updates (claimed under a lease),
 * what was posted, the thread cursor, and the per-channel posting slots shared by
 * every replica.
 */
export class OutboxStore extends IncidentQueries {
  /** Incidents whose Slack message is due, leased to the caller for `leaseMs`. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<string[]> {
    const { redis, keys } = this.ctx;
    return redis.ftClaimDue(
      keys.outboxDue,
      keys.outboxLeases,
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
    const { redis, keys, o } = this.ctx;
    const dirty = await redis.ftMarkPosted(
      keys.incident(id),
      keys.outboxDue,
      keys.outboxLeases,
      keys.messageIndex,
      keys.incidentRefs,
      id,
      m.channel,
      m.ts,
      m.renderedVersion,
      Math.round(m.now),
      o.coalesceMs,
    );
    return dirty === 1;
  }

  /** The message was updated; returns whether the incident changed since (it stays due). */
  async markRendered(id: string, m: { renderedVersion: number; now: number }): Promise<boolean> {
    const { redis, keys, o } = this.ctx;
    const dirty = await redis.ftMarkRendered(
      keys.incident(id),
      keys.outboxDue,
      keys.outboxLeases,
      id,
      m.renderedVersion,
      Math.round(m.now),
      o.coalesceMs,
    );
    return dirty === 1;
  }

  /** Set before chat.postMessage; cleared by markPosted. */
  async markPostAttempted(id: string): Promise<void> {
    await this.ctx.redis.ftMarkPostAttempted(this.ctx.keys.incident(id));
  }

  /** Releases a claimed item to be due again at `at` (back-off); returns false if it was not queued. */
  async reschedule(id: string, at: number): Promise<boolean> {
    const { redis, keys } = this.ctx;
    return (await redis.ftReschedule(keys.outboxDue, keys.outboxLeases, id, Math.round(at))) === 1;
  }

  /** Moves the thread cursor forward to `entryId`; returns false if it was already there or past it. */
  async advanceThreadCursor(id: string, entryId: string): Promise<boolean> {
    return (await this.ctx.redis.ftAdvanceThreadCursor(this.ctx.keys.incident(id), entryId)) === 1;
  }

  /** Reserves the channel's next write slot across replicas; returns how long to wait (ms). */
  reservePostingSlot(channel: string, now: number, intervalMs: number): Promise<number> {
    return this.ctx.redis.ftReservePostingSlot(
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
}
