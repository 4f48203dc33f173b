import type { Logger } from '../logger.js';
import type { RetentionStore } from './store.js';

export interface RetentionTimerOptions {
  retention: Pick<RetentionStore, 'takeTurn' | 'purgeExpired'>;
  log: Logger;
  /** How often the purge runs, across all replicas together. */
  intervalMs: number;
  /** How often this replica asks for the turn; defaults to a tenth of the interval (1 s to 30 s). */
  tickMs?: number;
  now?: () => number;
}

/**
 * Runs the retention purge (RetentionStore.purgeExpired) once per interval across every
 * replica: each replica's timer asks for the turn (a time in Redis, takeTurn-1.lua), and
 * only the one that gets it purges. Were two to purge at once (a clock far ahead), nothing
 * would go wrong: purge-9.lua checks each incident in one atomic step and a second pass
 * finds nothing left to remove.
 */
export class RetentionTimer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly log: Logger;

  constructor(private readonly o: RetentionTimerOptions) {
    this.log = o.log.child({ module: 'retention' });
  }

  start(): void {
    if (this.timer) return;
    const tick = this.o.tickMs ?? Math.min(30_000, Math.max(1000, this.o.intervalMs / 10));
    this.timer = setInterval(() => {
      this.running ??= this.step().finally(() => {
        this.running = undefined;
      });
    }, tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One tick: purges if this replica has the turn. Returns how many incidents it purged,
   * or undefined when another replica has this interval's turn (or Redis failed).
   */
  async step(): Promise<number | undefined> {
    const now = (this.o.now ?? Date.now)();
    try {
      if (!(await this.o.retention.takeTurn(now, this.o.intervalMs))) return undefined;
      const purged = await this.o.retention.purgeExpired(now);
      if (purged) this.log.info({ purged }, 'purged incidents past retention');
      return purged;
    } catch (err) {
      // The turn is taken for this interval: the next interval's holder does the work.
      this.log.warn({ err }, 'retention purge failed; the next interval retries');
      return undefined;
    }
  }
}
