import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis-connection.js';
import type { Alert } from '../alert.js';
import type { AlertQueue, QueuedAlert } from '../ingest/alert-queue.js';
import type { Logger } from '../logger.js';
import type { BotMetrics } from '../metrics.js';
import { eventIdOf, fingerprintOf, type SubjectConfig } from './fingerprint.js';
import { matches } from './silence-match.js';
import type { OccurrenceStore, SilenceStore } from './store.js';

export interface EngineOptions {
  queue: AlertQueue;
  store: Pick<OccurrenceStore, 'record'>;
  /** Alerts a silence matches are counted on it instead of recorded. */
  silences?: Pick<SilenceStore, 'active' | 'swallow'>;
  /** A connection of its own: XREADGROUP BLOCK holds it while waiting. */
  blockingRedis: RedisClient;
  grouping: SubjectConfig;
  channelFor: (alert: Alert) => string;
  log: Logger;
  metrics: BotMetrics;
  /** Called when occurrences were recorded, so the local publisher looks at once. */
  onRecorded?: () => void;
  batchSize?: number;
  blockMs?: number;
  /** An entry unacknowledged this long belongs to a dead worker and is taken over. */
  claimIdleMs?: number;
  now?: () => number;
}

/**
 * The consumer side of the alert stream: each entry becomes an occurrence of an
 * incident, and is acknowledged only once the store has recorded it (the store also
 * schedules the Slack post in its outbox, in the same atomic step).
 */
export class IncidentEngine {
  readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private running = false;
  private loop?: Promise<void>;
  private readonly log: Logger;
  private lastClaim = 0;

  constructor(private readonly o: EngineOptions) {
    this.log = o.log.child({ module: 'engine', consumer: this.consumer });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    // Interrupts a pending XREADGROUP BLOCK instead of waiting for its timeout.
    this.o.blockingRedis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const batch = this.o.batchSize ?? 200;
    const claimIdle = this.o.claimIdleMs ?? 30_000;
    let failures = 0;
    while (this.running) {
      try {
        const now = Date.now();
        if (now - this.lastClaim >= Math.min(claimIdle, 5_000)) {
          this.lastClaim = now;
          const stale = await this.o.queue.claimStale(this.consumer, claimIdle, batch);
          if (stale.length) {
            this.log.warn(
              { count: stale.length },
              'took over alerts a stopped worker left unprocessed',
            );
            await this.process(stale);
          }
        }
        const fresh = await this.o.queue.readNew(
          this.o.blockingRedis,
          this.consumer,
          batch,
          this.o.blockMs ?? 1000,
        );
        if (fresh.length) await this.process(fresh);
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures++;
        const backoff = Math.min(5_000, 100 * 2 ** Math.min(failures, 6));
        this.log.error(
          { err, retryInMs: backoff },
          'incident worker failed; entries stay pending and will be retried',
        );
        await new Promise((r) => setTimeout(r, backoff));
      }
    }
  }

  /** Exposed for the benchmark and tests that drive one batch without the loop. */
  async process(entries: QueuedAlert[]): Promise<void> {
    const now = this.o.now?.() ?? Date.now();
    const done: string[] = [];
    // Read once per batch: a handful of silences, each swallow re-checked in Redis at `now`.
    const silences = this.o.silences ? await this.o.silences.active(now) : [];
    await Promise.all(
      entries.map(async (entry) => {
        if (!entry.alert) {
          // Poison entry: acknowledging it beats blocking the stream forever; the log keeps it.
          this.log.error(
            { entryId: entry.id, error: entry.error },
            'dropping an undecodable stream entry',
          );
          // Counted: ingest validated it with the same schema, so this must stay at 0.
          this.o.metrics.alertsDropped.inc({ reason: 'undecodable' });
          done.push(entry.id);
          return;
        }
        const eventId = eventIdOf(entry.alert);
        const { fingerprint } = fingerprintOf(entry.alert, this.o.grouping);
        const silence = silences.find((s) => matches(entry.alert!, s.matchers));
        if (silence && this.o.silences) {
          const r = await this.o.silences.swallow(silence.id, fingerprint, eventId, now);
          if (r !== 'inactive') {
            this.o.metrics.alertsProcessed.inc({
              outcome: r === 'swallowed' ? 'muted' : 'duplicate',
            });
            done.push(entry.id);
            return;
          }
        }
        const result = await this.o.store.record({
          alert: entry.alert,
          fingerprint,
          eventId,
          channel: this.o.channelFor(entry.alert),
          now,
        });
        this.o.metrics.alertsProcessed.inc({ outcome: result.outcome });
        done.push(entry.id);
      }),
    );
    await this.o.queue.done(done);
    this.o.onRecorded?.();
  }
}
