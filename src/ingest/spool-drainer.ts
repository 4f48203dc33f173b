import type { Logger } from '../logger.js';
import type { AlertQueue } from './alert-queue.js';
import type { RedisHealth } from './redis-health.js';
import type { Spool } from './spool.js';
import type { StreamCap } from './stream-cap.js';
import { withTimeout } from './with-timeout.js';

/**
 * Moves spooled alerts into the stream once Redis answers and the stream has room:
 * oldest first, one pipeline per chunk. Runs whenever woken (Redis back, something
 * spooled) and every retryMs while anything is spooled.
 */
export class SpoolDrainer {
  private running?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly o: {
      spool: Spool;
      queue: AlertQueue;
      health: RedisHealth;
      cap: StreamCap;
      timeoutMs: number;
      log: Logger;
      /** Alerts moved into the stream (metrics, the local worker). */
      onDrained: (alerts: number) => void;
      retryMs?: number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.o.retryMs ?? 500);
    this.timer.unref();
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once the current pass (if any) is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    const { spool, health, cap, queue } = this.o;
    while (!this.stopped && spool.needsDrain && health.usable && !cap.full) {
      try {
        const n = await spool.drain(async (records) => {
          await withTimeout(queue.enqueueRecords(records), this.o.timeoutMs, 'spool drain XADD');
          const count = records.reduce((k, r) => k + r.alerts.length, 0);
          cap.added(count);
          this.o.onDrained(count);
        }, cap.room);
        if (n === 0) return;
        this.o.log.info({ alerts: n, left: spool.depth.alerts }, 'moved spooled alerts to Redis');
      } catch (err) {
        this.o.log.warn({ err }, 'could not drain the spool; retrying when Redis answers');
        health.failed();
        return;
      }
    }
  }
}
