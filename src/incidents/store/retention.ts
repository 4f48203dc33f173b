import type { StoreContext } from './context.js';

/** Incidents fetched per purge round. */
const BATCH = 200;

/** What the periodic clean-up needs: deleting incidents whose retention is over. */
export class RetentionStore {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Deletes incidents resolved more than resolvedRetentionSec before `now`, and index
   * entries of incidents whose hash is gone. Run it periodically from one or more
   * replicas (it is idempotent); returns how many incidents were purged.
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
        keys.base,
        id,
        cutoff,
      );
    }
    return purged;
  }
}
