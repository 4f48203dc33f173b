import type { StoreContext } from './context.js';

/** Incidents fetched per purge round. */
const BATCH = 200;

/** What the periodic clean-up needs: deleting incidents whose retention is over. */
export class RetentionStore {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * True for the one caller that has this interval's turn of the retention job, across
   * every replica sharing the prefix (takeTurn-1.lua).
   */
  async takeTurn(now: number, intervalMs: number): Promise<boolean> {
    const { redis, keys } = this.ctx;
    return (
      (await redis.ftTakeTurn(keys.turn('retention'), Math.round(now), Math.round(intervalMs))) ===
      1
    );
  }

  /**
   * Deletes incidents resolved more than resolvedRetentionSec before `now`, and index
   * entries of incidents whose hash is gone. The RetentionTimer runs it once per interval
   * across replicas; it is idempotent, so a second run finds nothing to do. Returns how
   * many incidents were purged.
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    const { redis, keys, o } = this.ctx;
    const cutoff = Math.round(now - o.resolvedRetentionSec * 1000);
    let purged = 0;
    for (;;) {
      const ids = await redis.zrangebyscore(keys.resolvedByTime, '-inf', cutoff, 'LIMIT', 0, BATCH);
      const n = await this.purgeIds(ids, cutoff);
      purged += n;
      if (ids.length < BATCH || n === 0) break;
    }
    // Open incidents never expire; a missing hash here means it was deleted by hand.
    const open = await redis.zrange(keys.openByPriority, 0, '-1');
    const p = redis.pipeline();
    for (const id of open) p.exists(keys.incident(id));
    const exists = (await p.exec()) ?? [];
    purged += await this.purgeIds(
      open.filter((_, i) => exists[i]?.[1] === 0),
      cutoff,
    );
    return purged;
  }

  private async purgeIds(ids: string[], cutoff: number): Promise<number> {
    const { redis, keys } = this.ctx;
    let purged = 0;
    for (const id of ids) {
      purged += await redis.ftPurge(
        keys.resolvedByTime,
        keys.openByPriority,
        keys.incident(id),
        keys.timeline(id),
        keys.messageIndex,
        keys.incidentRefs,
        keys.outboxDue,
        keys.outboxLeases,
        keys.outboxHeld,
        keys.base,
        id,
        cutoff,
      );
    }
    return purged;
  }
}
