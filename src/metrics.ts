import type { RedisClient } from './redis-connection.js';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import type { FetchFunction } from '@slack/web-api';
import { PRIORITIES } from './alert.js';
import type { Keys } from './incidents/keys.js';
import { withTimeout } from './ingest/with-timeout.js';

/**
 * The bot's Prometheus metrics, on prom-client. Labels are fixed sets chosen by our code
 * (reasons, outcomes, Slack method names, priorities), never values from an alert, so
 * cardinality stays bounded.
 */
type Labels = Record<string, string>;

/**
 * A prom-client counter that also answers `get(labels)` synchronously (prom-client's own
 * getter is async and returns every series), which tests and the bench read directly.
 */
export class CounterView {
  private readonly values = new Map<string, number>();
  constructor(readonly counter: Counter) {}
  inc(labels: Labels = {}, by = 1): void {
    if (by === 0) return;
    this.counter.inc(labels, by);
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Seconds. Accept latency is a Redis round trip or two; alert-to-Slack includes pacing. */
const ACCEPT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SLACK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** One instance per process, passed in, never global. */
export function createBotMetrics(registry = new Registry()) {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new CounterView(new Counter({ name, help, labelNames, registers: [registry] }));
  return {
    registry,
    alertsReceived: counter('falco_triage_alerts_received_total', 'Alerts received on POST /falco'),
    alertsRejected: counter(
      'falco_triage_alerts_rejected_total',
      'Requests to POST /falco refused, by reason',
      ['reason'],
    ),
    slackRequestsRefused: counter(
      'falco_triage_slack_requests_refused_total',
      'Requests to POST /slack/events refused before Bolt saw them, by reason (bad_signature, stale_timestamp, replayed...)',
      ['reason'],
    ),
    alertsEnqueued: counter(
      'falco_triage_alerts_enqueued_total',
      'Alerts durably stored in the Redis stream',
    ),
    alertsDropped: counter(
      'falco_triage_alerts_dropped_total',
      'Alerts accepted but deliberately not processed, by reason (e.g. source=internal)',
      ['reason'],
    ),
    alertsProcessed: counter(
      'falco_triage_alerts_processed_total',
      'Alerts turned into incident occurrences, by outcome (new, grouped, reopened, duplicate)',
      ['outcome'],
    ),
    slackCalls: counter(
      'falco_triage_slack_calls_total',
      'Slack Web API calls (every client: publisher, listeners, Socket Mode), by method',
      ['method'],
    ),
    slackErrors: counter(
      'falco_triage_slack_errors_total',
      'Slack Web API calls that failed, by method and error',
      ['method', 'error'],
    ),
    engineDeferrals: counter(
      'falco_triage_engine_deferrals_total',
      'Reads of the alert stream the engine delayed because ingest was busy (a burst)',
    ),
    engineDeferredSeconds: counter(
      'falco_triage_engine_deferred_seconds_total',
      'Time the engine spent yielding to a busy ingest process',
    ),
    acceptLatency: new Histogram({
      name: 'falco_triage_ingest_accept_seconds',
      help: 'Time from a POST /falco request arriving to its answer, by status class (2xx: stored in Redis)',
      labelNames: ['status'],
      buckets: ACCEPT_BUCKETS,
      registers: [registry],
    }),
    alertToSlack: new Histogram({
      name: 'falco_triage_alert_to_slack_seconds',
      help: 'Time from the engine recording an incident occurrence to Slack confirming the message that shows it (kind: post = new message, update = edited in place)',
      labelNames: ['kind'],
      buckets: SLACK_BUCKETS,
      registers: [registry],
    }),
    slackReachable: new Gauge({
      name: 'falco_triage_slack_reachable',
      help: 'Whether the last Slack Web API call from this process got an answer (1) or a network error or 5xx (0); ingest does not depend on it',
      registers: [registry],
    }),
    alertsSpooled: counter(
      'falco_triage_alerts_spooled_total',
      'Alerts written to the local spool instead of the stream, by reason (redis_unavailable, stream_full, behind_spool)',
      ['reason'],
    ),
    alertsUnspooled: counter(
      'falco_triage_alerts_unspooled_total',
      'Spooled alerts moved into the stream (a crash mid-drain can move some twice; the engine counts them once)',
    ),
    spoolDepth: new Gauge({
      name: 'falco_triage_spool_depth',
      help: 'Alerts held in the local spool (on disk) until Redis takes them',
      registers: [registry],
    }),
    spoolBytes: new Gauge({
      name: 'falco_triage_spool_bytes',
      help: 'Bytes the local spool holds; past SPOOL_MAX_BYTES POST /falco answers 503 (spool_full)',
      registers: [registry],
    }),
  };
}
export type BotMetrics = ReturnType<typeof createBotMetrics>;

/** Process metrics (CPU, memory, GC, event-loop lag, handles) from prom-client. */
export function collectProcessMetrics(m: BotMetrics): void {
  collectDefaultMetrics({ register: m.registry, eventLoopMonitoringPrecision: 20 });
}

/**
 * Gauges read from Redis at scrape time: the same value from every replica (the state is
 * shared), so aggregate them with max(), not sum(). Registered by processes that serve
 * /metrics; a forked engine/publisher child leaves them to its parent.
 */
export function registerRedisGauges(m: BotMetrics, redis: RedisClient, keys: Keys): void {
  new Gauge({
    name: 'falco_triage_stream_pending',
    help: 'Alerts in the stream not yet processed by an incident engine (processed entries are deleted)',
    registers: [m.registry],
    async collect() {
      await orKeep(async () => this.set(await redis.xlen(keys.alertStream)));
    },
  });
  new Gauge({
    name: 'falco_triage_outbox_depth',
    help: 'Outbox items (incidents, storm digests, silence notices) waiting to be posted or updated: scheduled, or ready in their channel',
    registers: [m.registry],
    async collect() {
      await orKeep(async () => {
        const channels = await redis.zrange(keys.outboxChannels, 0, '-1');
        const counts = await Promise.all([
          redis.zcard(keys.outboxDue),
          ...channels.map((c) => redis.zcard(keys.outboxReady(c))),
        ]);
        this.set(counts.reduce((a, b) => a + b, 0));
      });
    },
  });
  new Gauge({
    name: 'falco_triage_open_incidents',
    help: 'Unresolved incidents, by priority',
    labelNames: ['priority'],
    registers: [m.registry],
    async collect() {
      await orKeep(() => openByPriority(this));
    },
  });
  async function openByPriority(gauge: Gauge) {
    // The open index scores an incident priorityRank * 1e13 + first seen (ms); see Keys.
    const p = redis.pipeline();
    PRIORITIES.forEach((_, rank) =>
      p.zcount(keys.openByPriority, rank * 1e13, `(${(rank + 1) * 1e13}`),
    );
    const res = (await p.exec()) ?? [];
    PRIORITIES.forEach((priority, i) => {
      const [err, n] = res[i] ?? [null, 0];
      if (!err) gauge.set({ priority: priority.toLowerCase() }, Number(n));
    });
  }
}

/**
 * Runs a gauge's Redis read, keeping its last value when Redis is away or slow: /metrics
 * must keep answering during an outage, when the spool's figures matter most.
 */
async function orKeep(read: () => Promise<unknown>): Promise<void> {
  await withTimeout(read(), 1000, 'a Redis gauge').catch(() => undefined);
}

/** What a child process sends its parent for /metrics (prom-client's JSON form). */
export type ChildMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** The exposition text of several processes' registries (this one and forked children). */
export async function renderMetrics(
  m: BotMetrics,
  others: ChildMetrics[] = [],
): Promise<{ text: string; contentType: string }> {
  if (others.length === 0) {
    return { text: await m.registry.metrics(), contentType: m.registry.contentType };
  }
  const own = await m.registry.getMetricsAsJSON();
  // prom-client's cluster aggregator: counters and histograms summed, event-loop lag
  // averaged, version info taken once; exactly what two processes of one pod need.
  const merged = AggregatorRegistry.aggregate([own, ...others]);
  return { text: await merged.metrics(), contentType: merged.contentType };
}

/**
 * Wraps the fetch the Slack clients use, so every Web API call is counted in one place:
 * the publisher's, the listeners' (Bolt's per-request client) and Socket Mode's.
 */
export function countingFetch(
  m: BotMetrics,
  apiUrl: string,
  inner: FetchFunction = globalThis.fetch,
): FetchFunction {
  return async (url, init) => {
    const href = String(url);
    const method = href.startsWith(apiUrl)
      ? href.slice(apiUrl.length).split(/[?#/]/)[0] || 'unknown'
      : 'file_upload'; // files.uploadV2 sends the bytes to an upload URL Slack returned
    m.slackCalls.inc({ method });
    let res;
    try {
      res = await inner(url, init);
    } catch (err) {
      m.slackErrors.inc({ method, error: 'request_error' });
      m.slackReachable.set(0);
      throw err;
    }
    m.slackReachable.set(res.status >= 500 ? 0 : 1);
    if (res.status === 429) m.slackErrors.inc({ method, error: 'ratelimited' });
    else if (!res.ok) m.slackErrors.inc({ method, error: `http_${res.status}` });
    else if (method !== 'file_upload') {
      // Slack answers 200 with {"ok": false, "error": ...} for platform errors.
      const clone = (res as unknown as Response).clone?.();
      if (clone) {
        const body = (await clone.json().catch(() => undefined)) as
          { ok?: boolean; error?: unknown } | undefined;
        if (body && body.ok === false) {
          m.slackErrors.inc({ method, error: errorLabel(body.error) });
        }
      }
    }
    return res;
  };
}

function errorLabel(e: unknown): string {
  // Slack's error codes are short snake_case words; anything else is folded so a
  // misbehaving proxy cannot create unbounded label values.
  return typeof e === 'string' && /^[a-z_]{1,60}$/.test(e) ? e : 'platform_error';
}
