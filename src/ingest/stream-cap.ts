import type { AlertQueue } from './alert-queue.js';
import { withTimeout } from './with-timeout.js';

/**
 * Back-pressure on the alert stream: past maxLen unprocessed entries (the engine stopped
 * or cannot keep up), ingest stops adding to it. Entries are never trimmed, since each is
 * an accepted alert. The length is sampled (XLEN every sampleMs) rather than read per
 * request, so the hot path costs nothing; what this process added since the last sample
 * is counted in, so one replica cannot overshoot by more than a sample's worth.
 */
export class StreamCap {
  private length = 0;
  private addedSinceSample = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: AlertQueue,
    readonly maxLen: number,
    private readonly timeoutMs: number,
    private readonly sampleMs = 500,
  ) {}

  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Alerts the stream can still take. */
  get room(): number {
    return Math.max(0, this.maxLen - this.length - this.addedSinceSample);
  }

  get full(): boolean {
    return this.room === 0;
  }

  added(n: number): void {
    this.addedSinceSample += n;
  }

  /** Reads the length now (also what tests call instead of waiting for the timer). */
  async sample(): Promise<void> {
    try {
      const before = this.addedSinceSample;
      this.length = await withTimeout(this.queue.length(), this.timeoutMs, 'XLEN');
      this.addedSinceSample -= before;
    } catch {
      // Redis away: the last figure stands; ingest is spooling or refusing anyway.
    }
  }
}
