import type { Logger } from '../logger.js';

/**
 * Logs refused requests without letting an attacker flood the log: the first refusal of
 * a class (a status and reason) in an interval is logged at once, with its details; the
 * rest of that interval are only counted, and the count goes out as one line when the
 * interval ends (or on flush()). Metrics count every refusal exactly; this is the log.
 */
export class RefusalLog {
  private readonly open = new Map<string, { since: number; suppressed: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  refused(cls: string, details: Record<string, unknown>, level: 'info' | 'warn' = 'info'): void {
    const t = this.now();
    const w = this.open.get(cls);
    if (w && t - w.since < this.intervalMs) {
      w.suppressed++;
      this.schedule();
      return;
    }
    if (w) this.summarise(cls, w.suppressed);
    // The number of classes is fixed by our code (status and reason codes), so the map
    // stays small whatever the sender does.
    this.open.set(cls, { since: t, suppressed: 0 });
    this.log[level]({ refusal: cls, ...details }, this.message);
  }

  /** Logs the counts still held (shutdown, tests). */
  flush(): void {
    for (const [cls, w] of this.open) this.summarise(cls, w.suppressed);
    this.open.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private summarise(cls: string, suppressed: number): void {
    if (suppressed > 0)
      this.log.info(
        { refusal: cls, count: suppressed, intervalMs: this.intervalMs },
        `${this.message} (${suppressed} more of this kind, not logged one by one)`,
      );
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }
}
