import {
  ErrorCode,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  type WebClient,
} from '@slack/web-api';
import type { OutboxStore } from '../incidents/store.js';
import type { Incident } from '../incidents/model.js';
import type { Logger } from '../logger.js';
import type { BotMetrics } from '../metrics.js';
import type { MessagePayload, Renderer } from '../report/render.js';
import type { UserDirectory } from './user-directory.js';

export interface PublisherOptions {
  store: OutboxStore;
  client: WebClient;
  /** The incident message as it should look now. */
  render: (incident: Incident) => Promise<MessagePayload>;
  /** The incident message when `render`'s output was refused by Slack (a bug of ours): plain and safe. */
  renderFallback: (incident: Incident) => MessagePayload;
  /** The thread line for a timeline entry, or null for entries that stay out of the thread. */
  threadLine: Renderer['threadLine'];
  /** Names the people in thread lines; its users.info calls go through this publisher's client. */
  users: UserDirectory;
  log: Logger;
  metrics: BotMetrics;
  /** Minimum gap between two writes to one channel, shared by all replicas through Redis. */
  channelIntervalMs: number;
  /** How long a claimed outbox item stays ours before another replica may take it. */
  leaseMs?: number;
  /** How often the outbox is polled when nothing wakes us (other replicas' work). */
  pollMs?: number;
  /** Items claimed per poll. */
  batch?: number;
  now?: () => number;
}

/** Slack errors that retrying cannot fix: the item is parked with a long back-off. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'restricted_action',
]);

const EVENT_TYPE = 'falco_triage_incident';

/**
 * Owns every Slack write about incidents. Work comes from the store's outbox (a Redis
 * ZSET of incident ids and due times), so it survives restarts and is shared by all
 * replicas; each channel is served by its own lane so a throttled channel does not
 * hold up the others; updates are coalesced because the message is always rendered
 * from the incident's current state, whatever number of occurrences led to it.
 */
export class Publisher {
  private running = false;
  private timer?: NodeJS.Timeout;
  private tickRunning?: Promise<void>;
  private wakeRequested = false;
  /** Per-channel chains of work, so one channel's back-off never blocks another. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** Ids queued or in flight in this process, to not queue the same incident twice. */
  private readonly inFlight = new Set<string>();
  /**
   * Ids claimed again while in flight here: the claim moved them to the end of a lease, so
   * dropping them would leave the change unshown until the lease ran out. They are
   * delivered once more as soon as the current delivery ends.
   */
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly o: PublisherOptions) {
    this.log = o.log.child({ module: 'publisher' });
    this.now = o.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.tickRunning;
    await Promise.allSettled([...this.lanes.values()]);
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

  /** Resolves when nothing is queued or in flight locally; for tests and shutdown. */
  async idle(): Promise<void> {
    while (this.tickRunning || this.lanes.size > 0) {
      await this.tickRunning;
      await Promise.allSettled([...this.lanes.values()]);
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.tickRunning = this.tick().finally(() => {
        this.tickRunning = undefined;
        if (!this.running) return;
        if (this.wakeRequested) {
          this.wakeRequested = false;
          this.schedule(0);
        } else this.schedule(this.o.pollMs ?? 250);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      const ids = await this.o.store.claimDue(
        this.now(),
        this.o.batch ?? 50,
        this.o.leaseMs ?? 60_000,
      );
      const fresh: string[] = [];
      for (const id of ids) {
        if (this.inFlight.has(id)) this.again.add(id);
        else fresh.push(id);
      }
      if (fresh.length === 0) return;
      const incidents = await this.o.store.getMany(fresh);
      fresh.forEach((id, i) => {
        const incident = incidents[i];
        if (!incident) {
          // Expired or deleted: nothing left to show.
          void this.o.store
            .markRendered(id, { renderedVersion: Number.MAX_SAFE_INTEGER, now: this.now() })
            .catch(() => undefined);
          return;
        }
        this.enqueue(incident.channel, id);
      });
    } catch (err) {
      this.log.error({ err }, 'could not read the outbox; will retry');
    }
  }

  private enqueue(channel: string, id: string): void {
    this.inFlight.add(id);
    const prev = this.lanes.get(channel) ?? Promise.resolve();
    const next = prev
      .then(() => this.deliver(id))
      .catch((err: unknown) =>
        this.log.error({ err, incident: id }, 'delivery failed unexpectedly'),
      )
      .finally(() => {
        this.inFlight.delete(id);
        if (this.lanes.get(channel) === next) this.lanes.delete(channel);
        if (this.again.delete(id) && this.running) this.enqueue(channel, id);
      });
    this.lanes.set(channel, next);
  }

  /** Brings one incident's Slack message (and its thread) up to date. */
  private async deliver(id: string): Promise<void> {
    // Read again at delivery time: the freshest state wins, which is what coalescing means.
    const incident = await this.o.store.get(id);
    if (!incident) return;
    try {
      const ts = incident.ts ?? (await this.post(incident));
      if (incident.ts) {
        const payload = await this.renderSafe(incident);
        await this.call('chat.update', incident.channel, () =>
          this.o.client.chat.update({ channel: incident.channel, ts, ...payload }),
        );
        // Only updates that show a new occurrence measure alert-to-Slack (not clicks).
        if (incident.renderedAt === undefined || incident.lastSeen > incident.renderedAt) {
          this.o.metrics.alertToSlack.observe(
            { kind: 'update' },
            Math.max(0, this.now() - incident.lastSeen) / 1000,
          );
        }
        await this.o.store.markRendered(id, { renderedVersion: incident.version, now: this.now() });
      }
      await this.postThread({ ...incident, ts });
      this.failures.delete(id);
    } catch (err) {
      await this.handleFailure(incident, err);
    }
  }

  private async post(incident: Incident): Promise<string> {
    if (incident.postAttempted) {
      // A previous attempt may have reached Slack even though we saw an error: look before posting again.
      const existing = await this.findPosted(incident);
      if (existing) {
        this.log.info(
          { incident: incident.id, ts: existing },
          'found the message a failed attempt had posted',
        );
        await this.o.store.markPosted(incident.id, {
          channel: incident.channel,
          ts: existing,
          renderedVersion: 0,
          now: this.now(),
        });
        return existing;
      }
    }
    const payload = await this.renderSafe(incident);
    await this.o.store.markPostAttempted(incident.id);
    const res = await this.call('chat.postMessage', incident.channel, () =>
      this.o.client.chat.postMessage({
        channel: incident.channel,
        ...payload,
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: EVENT_TYPE, event_payload: { incident_id: incident.id } },
      }),
    );
    const ts = String(res.ts);
    this.o.metrics.alertToSlack.observe(
      { kind: 'post' },
      Math.max(0, this.now() - incident.firstSeen) / 1000,
    );
    await this.o.store.markPosted(incident.id, {
      channel: incident.channel,
      ts,
      renderedVersion: incident.version,
      now: this.now(),
    });
    return ts;
  }

  private async findPosted(incident: Incident): Promise<string | undefined> {
    try {
      const res = await this.call('conversations.history', incident.channel, () =>
        this.o.client.conversations.history({
          channel: incident.channel,
          oldest: String(Math.floor(incident.firstSeen / 1000) - 60),
          limit: 200,
          include_all_metadata: true,
        }),
      );
      const hit = res.messages?.find(
        (m) =>
          m.metadata?.event_type === EVENT_TYPE &&
          (m.metadata.event_payload as Record<string, unknown> | undefined)?.incident_id ===
            incident.id,
      );
      return hit?.ts;
    } catch (err) {
      // Without history access we cannot tell; posting again is better than never posting.
      this.log.warn(
        { err, incident: incident.id },
        'could not check for an earlier post; posting again',
      );
      return undefined;
    }
  }

  private async postThread(incident: Incident & { ts: string }): Promise<void> {
    const entries = await this.o.store.timeline(incident.id, {
      after: incident.threadCursor,
      limit: 50,
    });
    for (const entry of entries) {
      const lineFor = this.o.threadLine(entry, incident);
      if (lineFor) {
        const line = lineFor(await this.actorName(entry.actor, incident.channel));
        await this.call('chat.postMessage', incident.channel, () =>
          this.o.client.chat.postMessage({
            channel: incident.channel,
            thread_ts: incident.ts,
            text: line,
            unfurl_links: false,
            unfurl_media: false,
          }),
        );
      }
      await this.o.store.advanceThreadCursor(incident.id, entry.id);
    }
  }

  /** The actor's display name: users.info paced and counted like every call this publisher makes. */
  private actorName(actor: string, channel: string): Promise<string> {
    if (actor === 'falco') return Promise.resolve('Falco');
    return this.o.users.displayName(actor, (lookup) => this.call('users.info', channel, lookup));
  }

  private async renderSafe(incident: Incident): Promise<MessagePayload> {
    try {
      return await this.o.render(incident);
    } catch (err) {
      this.log.error(
        { err, incident: incident.id },
        'rendering failed; sending the plain fallback message',
      );
      return this.o.renderFallback(incident);
    }
  }

  /**
   * Paces the channel (shared across replicas), then makes the call. Calls and errors are
   * counted by the Slack client's fetch (metrics.ts countingFetch), for every client alike.
   */
  private async call<T>(_method: string, channel: string, fn: () => Promise<T>): Promise<T> {
    const wait = await this.o.store.reservePostingSlot(
      channel,
      this.now(),
      this.o.channelIntervalMs,
    );
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return fn();
  }

  private async handleFailure(incident: Incident, err: unknown): Promise<void> {
    const n = (this.failures.get(incident.id) ?? 0) + 1;
    this.failures.set(incident.id, n);
    const e = err as { code?: string };
    let retryIn: number;
    if (e.code === ErrorCode.RateLimitedError) {
      retryIn = Math.max(1, (err as WebAPIRateLimitedError).retryAfter) * 1000;
      // Every replica backs off this channel, not just us.
      await this.o.store
        .deferChannel(incident.channel, this.now() + retryIn)
        .catch(() => undefined);
      this.log.warn(
        { incident: incident.id, channel: incident.channel, retryInMs: retryIn },
        'Slack rate limit; backing off this channel',
      );
    } else if (e.code === ErrorCode.PlatformError) {
      const slackError = (err as WebAPIPlatformError).data.error;
      if (slackError === 'invalid_blocks' || slackError === 'invalid_arguments') {
        this.log.error(
          {
            incident: incident.id,
            slackError,
            detail: (err as WebAPIPlatformError).data.response_metadata,
          },
          'Slack refused our blocks; the fallback message will be used',
        );
        await this.sendFallback(incident).catch((e2: unknown) =>
          this.log.error({ err: e2 }, 'fallback failed too'),
        );
        return;
      }
      retryIn = PERMANENT.has(slackError) ? 5 * 60_000 : backoff(n);
      this.log.error(
        { incident: incident.id, channel: incident.channel, slackError, retryInMs: retryIn },
        'Slack refused the call',
      );
    } else {
      retryIn = backoff(n);
      const status =
        e.code === ErrorCode.HTTPError ? (err as WebAPIHTTPError).statusCode : undefined;
      this.log.warn(
        { err, status, incident: incident.id, retryInMs: retryIn },
        'Slack call failed; will retry',
      );
    }
    await this.o.store.reschedule(incident.id, this.now() + retryIn);
  }

  private async sendFallback(incident: Incident): Promise<void> {
    const payload = this.o.renderFallback(incident);
    if (incident.ts) {
      await this.o.client.chat.update({ channel: incident.channel, ts: incident.ts, ...payload });
      await this.o.store.markRendered(incident.id, {
        renderedVersion: incident.version,
        now: this.now(),
      });
    } else {
      await this.o.store.markPostAttempted(incident.id);
      const res = await this.o.client.chat.postMessage({ channel: incident.channel, ...payload });
      await this.o.store.markPosted(incident.id, {
        channel: incident.channel,
        ts: String(res.ts),
        renderedVersion: incident.version,
        now: this.now(),
      });
    }
  }
}

function backoff(attempt: number): number {
  const base = Math.min(60_000, 500 * 2 ** Math.min(attempt - 1, 7));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
