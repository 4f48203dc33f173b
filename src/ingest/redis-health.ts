import type { RedisClient } from '../redis-connection.js';
import type { Logger } from '../logger.js';
import { withTimeout } from './with-timeout.js';

/**
 * Whether ingest should try Redis at all. A Redis that is down fails commands at once
 * (the offline queue is off), but one that hangs (connected, not answering) would hold
 * every request until its timeout and pile commands up on the connection. After one
 * failure ingest stops sending alerts to Redis and a probe (PING, with the same timeout)
 * checks once per probeMs until Redis answers again.
 */
export class RedisHealth {
  private suspect = false;
  private probing?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    /** Called when Redis answers again after a failure (the spool drains). */
    private readonly onBack: () => void,
    private readonly probeMs = 1000,
  ) {
    redis.on('ready', () => {
      if (!this.suspect) onBack();
    });
  }

  /** Cheap enough for every request: no round trip. */
  get usable(): boolean {
    return !this.suspect && this.redis.status === 'ready';
  }

  /** A command failed or timed out: stop using Redis until a probe succeeds. */
  failed(): void {
    if (this.suspect || this.stopped) return;
    this.suspect = true;
    this.log.warn('Redis is not answering; accepted alerts go to the spool until it does');
    this.schedule();
  }

  /** One PING within the timeout (readiness). */
  async answers(): Promise<boolean> {
    try {
      return (await withTimeout(this.redis.ping(), this.timeoutMs, 'Redis PING')) === 'PONG';
    } catch {
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.probing);
  }

  private schedule(): void {
    this.probing = setTimeout(() => {
      void this.answers().then((ok) => {
        if (this.stopped) return;
        if (!ok) return this.schedule();
        this.suspect = false;
        this.log.info('Redis answers again');
        this.onBack();
      });
    }, this.probeMs);
    this.probing.unref();
  }
}
