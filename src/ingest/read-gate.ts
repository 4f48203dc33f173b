/**
 * Lets the incident engine yield to ingest during a burst. While the ingest process
 * reports its event loop busy, each read of the alert stream waits, up to maxDeferMs,
 * before taking the next batch: accepting alerts (Falco's http_output blocks, and drops
 * output when its queue fills) goes first, and the alerts wait durably in the Redis
 * stream meanwhile. The engine still takes a batch at least every maxDeferMs, so a
 * sustained overload delays incidents but never stops them. Idle or moderately loaded,
 * nothing waits.
 */
export class ReadGate {
  private busy = false;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  /** Called with the seconds a read waited, for the metrics. */
  onDeferred?: (seconds: number) => void;

  constructor(readonly maxDeferMs: number) {}

  /** Reads waiting right now (0 or 1 with one engine). */
  get waiting(): number {
    return this.waiters.size;
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    if (!busy) this.releaseAll();
  }

  /** Lets every waiting read go and stops gating (shutdown). */
  close(): void {
    this.closed = true;
    this.releaseAll();
  }

  async wait(): Promise<void> {
    if (!this.busy || this.closed || this.maxDeferMs <= 0) return;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.maxDeferMs);
      this.waiters.add(done);
    });
    this.onDeferred?.((performance.now() - started) / 1000);
  }

  private releaseAll(): void {
    for (const done of [...this.waiters]) done();
  }
}
