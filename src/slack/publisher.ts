import type { WebClient } from '@slack/web-api';
import type { OutboxStore } from '../incidents/store.js';
import type { Logger } from '../logger.js';
import type { BotMetrics } from '../metrics.js';
import type { Renderer } from '../report/render.js';
import { Failures } from './publish/failures.js';
import { incidentStep, type IncidentStepDeps } from './publish/incident-step.js';
import { silenceStep, type SilenceStepDeps } from './publish/silence-step.js';
import { stormStep, type StormStepDeps } from './publish/storm-step.js';
import type { HeldClaim, StepContext } from './publish/step-context.js';
import type { UserDirectory } from './user-directory.js';

export interface PublisherOptions
  extends Omit<StormStepDeps, 'users'>, Omit<SilenceStepDeps, 'users'> {
  store: OutboxStore;
  client: WebClient;
  render: IncidentStepDeps['render'];
  renderFallback: IncidentStepDeps['renderFallback'];
  /** The thread line for a timeline entry, or null for entries that stay out of the thread. */
  threadLine: Renderer['threadLine'];
  /** Names the people in thread lines; its users.info calls go through this publisher's client. */
  users: UserDirectory;
  log: Logger;
  metrics: BotMetrics;
  /** Minimum gap between two writes to one channel, shared by all replicas through Redis. */
  channelIntervalMs: number;
  /**
   * How long a claimed item stays ours without a renewal. Renewed every third of it while
   * a Slack call is under way, so it only bounds how long a crashed replica's items wait.
   */
  leaseMs?: number;
  /** How often the outbox is polled when nothing wakes us (other replicas' work). */
  pollMs?: number;
  now?: () => number;
}

/** A crashed replica's item is taken over within this (plus a poll). */
export const DEFAULT_LEASE_MS = 3000;

/**
 * Owns every Slack write about incidents. Work comes from the store's outbox (Redis), so
 * it survives restarts and is shared by all replicas. Each round claims, for every
 * channel whose posting slot is free, its most urgent item (most severe first, then the
 * oldest), and runs one step for it: at most one Slack write. So a Critical incident is
 * the channel's next write whatever the backlog, a lease only ever covers one write (and
 * is renewed while it runs), and a throttled channel never holds up another.
 */
export class Publisher {
  private running = false;
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private tickRunning?: Promise<number>;
  private wakeRequested = false;
  /** Items whose step is running here, by id. */
  private readonly inFlight = new Map<string, { claim: HeldClaim; done: Promise<void> }>();
  private readonly log: Logger;
  private readonly ctx: StepContext;
  private readonly failures: Failures;
  private readonly leaseMs: number;

  constructor(private readonly o: PublisherOptions) {
    this.log = o.log.child({ module: 'publisher' });
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.ctx = {
      store: o.store,
      client: o.client,
      log: this.log,
      metrics: o.metrics,
      now: o.now ?? Date.now,
      channelIntervalMs: o.channelIntervalMs,
    };
    this.failures = new Failures(this.ctx);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(50, this.leaseMs / 3));
    this.heartbeat.unref();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.tickRunning;
    await this.settled();
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  /** Look at the outbox now (called after local occurrences or clicks). */
  wake(): void {
    if (!this.running) return;
    if (this.tickRunning) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Resolves when nothing is claimed or in flight locally; for tests and shutdown. */
  async idle(): Promise<void> {
    while (this.tickRunning || this.inFlight.size > 0) {
      await this.tickRunning;
      await this.settled();
    }
  }

  /**
   * Runs rounds until one claims nothing at this instant (for tests with their own
   * clock: what is due now is written, what waits for a later slot is not).
   */
  async drain(maxRounds = 1000): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      await this.tickRunning;
      const claimed = await this.round();
      await this.settled();
      if (claimed === 0) return;
    }
  }

  private async settled(): Promise<void> {
    while (this.inFlight.size > 0)
      await Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const tick = this.round();
      this.tickRunning = tick;
      void tick.finally(() => {
        if (this.tickRunning === tick) this.tickRunning = undefined;
        if (!this.running) return;
        if (this.wakeRequested) {
          this.wakeRequested = false;
          this.schedule(0);
        } else this.schedule(this.o.pollMs ?? 250);
      });
    }, ms);
  }

  /** Claims and starts one step per free channel; returns how many were claimed. */
  private async round(): Promise<number> {
    let claims;
    try {
      claims = await this.o.store.claimReady(this.ctx.now(), this.leaseMs);
    } catch (err) {
      this.log.error({ err }, 'could not read the outbox; will retry');
      return 0;
    }
    for (const c of claims) {
      const claim: HeldClaim = { ...c, lost: false };
      const done = this.step(claim)
        .catch((err: unknown) =>
          this.log.error({ err, item: claim.id }, 'delivery failed unexpectedly'),
        )
        .finally(() => {
          this.inFlight.delete(claim.id);
          // The channel's next item may go as soon as its slot allows.
          this.wake();
        });
      this.inFlight.set(claim.id, { claim, done });
    }
    return claims.length;
  }

  /** Incidents, storm digests and silence notices share the outbox; each has its step. */
  private step(claim: HeldClaim): Promise<void> {
    if (claim.id.startsWith('STORM-')) return stormStep(this.ctx, this.o, this.failures, claim);
    if (claim.id.startsWith('MUTE-')) return silenceStep(this.ctx, this.o, this.failures, claim);
    return incidentStep(this.ctx, this.o, this.failures, claim);
  }

  /** Keeps the leases of running steps; a lease another replica took is marked lost. */
  private async renew(): Promise<void> {
    const held = [...this.inFlight.values()].map((f) => f.claim);
    if (held.length === 0) return;
    try {
      const tokens = await this.o.store.renewLeases(held, this.ctx.now() + this.leaseMs);
      held.forEach((c, i) => {
        const t = tokens[i] ?? 0;
        if (t === 0) {
          c.lost = true;
          this.log.warn({ item: c.id }, 'lease lost to another replica; not writing');
        } else c.leaseUntil = t;
      });
    } catch (err) {
      this.log.warn({ err }, 'could not renew outbox leases');
    }
  }
}
