import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInternal, type Alert } from '../alert.js';
import { HttpError, sendJson } from '../http/errors.js';
import { RefusalLog } from '../http/refusal-log.js';
import { ThrottledLog } from './throttled-log.js';
import type { Logger } from '../logger.js';
import type { BotMetrics } from '../metrics.js';
import type { AlertQueue } from './alert-queue.js';
import { isAuthorized } from './auth.js';
import { readBody } from './read-body.js';
import { splitItems, validateAlerts } from './parse-alerts.js';
import type { RedisHealth } from './redis-health.js';
import type { Spool } from './spool.js';
import type { StreamCap } from './stream-cap.js';
import { withTimeout } from './with-timeout.js';

/** Why alerts did not go straight to the stream (a metric label; a fixed set). */
type Detour = 'redis_unavailable' | 'stream_full' | 'behind_spool';

export interface IngestDeps {
  queue: AlertQueue;
  /** undefined = INGEST_AUTH=none. */
  token: string | undefined;
  maxBodyBytes: number;
  dropInternal: boolean;
  metrics: BotMetrics;
  log: Logger;
  /** Where refusals are logged (tests pass one with a short interval). */
  refusals?: RefusalLog;
  /** Called after alerts are stored, to wake a local worker without waiting for its poll. */
  onEnqueued?: () => void;
  health: RedisHealth;
  cap: StreamCap;
  /** Longest wait for Redis to take a request's alerts before they go to the spool. */
  timeoutMs: number;
  /** undefined = SPOOL_MAX_BYTES=0: no spool, 503 whenever Redis cannot take alerts. */
  spool?: Spool;
  /** Called after alerts were spooled (the drainer). */
  onSpooled?: () => void;
}

/**
 * POST /falco: what Falco's http_output and Falcosidekick's webhook call. Answers 202
 * only once every alert in the request is durably stored: in Redis, or, when Redis cannot
 * take them (down, hanging, the stream at its cap), in the local spool; any failure
 * stores nothing. Neither Falco nor Falcosidekick retries a 503, so the spool is what
 * keeps an outage from losing alerts.
 */
export function createIngestHandler(deps: IngestDeps) {
  const log = deps.log.child({ module: 'ingest' });
  // One line per kind of refusal per minute: under attack, per-request lines are a flood.
  const refusals = deps.refusals ?? new RefusalLog(log, 'alert request refused');
  // Errors that repeat for every request during an outage: one line per kind per 10 s.
  const failures = new ThrottledLog(10_000);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    try {
      await handle(req, res);
    } finally {
      deps.metrics.acceptLatency.observe(
        { status: `${Math.floor(res.statusCode / 100)}xx` },
        (performance.now() - started) / 1000,
      );
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (deps.token !== undefined && !isAuthorized(req, deps.token)) {
        req.resume();
        throw new HttpError(
          401,
          'unauthorized',
          'missing or wrong ingest token (Authorization: Bearer or ?token=)',
        );
      }
      const body = await readBody(req, deps.maxBodyBytes);
      const { items, batch } = splitItems(body);
      const alerts = validateAlerts(items, batch);
      deps.metrics.alertsReceived.inc({}, alerts.length);

      const kept: Alert[] = [];
      let dropped = 0;
      for (const a of alerts) {
        if (deps.dropInternal && isInternal(a)) dropped++;
        else kept.push(a);
      }
      if (dropped) deps.metrics.alertsDropped.inc({ reason: 'internal_source' }, dropped);

      const receivedAt = Date.now();
      const detour = kept.length === 0 ? undefined : detourOf();
      if (detour === undefined) {
        try {
          await withTimeout(deps.queue.enqueue(kept, receivedAt), deps.timeoutMs, 'XADD');
          deps.cap.added(kept.length);
        } catch (err) {
          deps.health.failed();
          failures.hit('enqueue_failed', (n) =>
            log.warn({ err, occurrences: n }, 'could not store alerts in Redis'),
          );
          await spoolOrRefuse(kept, receivedAt, 'redis_unavailable');
          return answer(res, kept.length, dropped, true);
        }
        deps.metrics.alertsEnqueued.inc({}, kept.length);
        if (kept.length) deps.onEnqueued?.();
      } else {
        await spoolOrRefuse(kept, receivedAt, detour);
        return answer(res, kept.length, dropped, true);
      }
      log.debug({ accepted: kept.length, dropped }, 'alerts accepted');
      answer(res, kept.length, dropped, false);
    } catch (err) {
      if (err instanceof HttpError) {
        deps.metrics.alertsRejected.inc({ reason: err.code });
        const headers: Record<string, string> = err.status === 503 ? { 'retry-after': '5' } : {};
        if (err.status === 401) headers['www-authenticate'] = 'Bearer';
        refusals.refused(
          `${err.status}:${err.code}`,
          { status: err.status, code: err.code, reason: err.message.slice(0, 300) },
          err.status >= 500 ? 'warn' : 'info',
        );
        sendJson(
          res,
          err.status,
          { error: err.code, message: err.message, ...(err.details ?? {}) },
          headers,
        );
        return;
      }
      log.error({ err }, 'unexpected error on POST /falco');
      deps.metrics.alertsRejected.inc({ reason: 'internal_error' });
      sendJson(res, 500, {
        error: 'internal_error',
        message: 'unexpected error; see the bot logs',
      });
    }
  }

  /** Why these alerts cannot go straight to the stream, or undefined when they can. */
  function detourOf(): Detour | undefined {
    // Behind alerts already spooled, so the stream gets them in the order they came.
    if (deps.spool?.holdsAlerts) return 'behind_spool';
    if (!deps.health.usable) return 'redis_unavailable';
    if (deps.cap.full) return 'stream_full';
    return undefined;
  }

  /** Stores in the spool, or throws the 503 that says why not. */
  async function spoolOrRefuse(alerts: Alert[], receivedAt: number, why: Detour): Promise<void> {
    const spool = deps.spool;
    if (!spool) {
      throw new HttpError(
        503,
        why === 'stream_full' ? 'stream_full' : 'redis_unavailable',
        why === 'stream_full'
          ? 'the alert stream is at its cap (the incident engine is behind); retry later'
          : 'alerts could not be stored; retry later',
      );
    }
    let result;
    try {
      result = await spool.append(alerts, receivedAt);
    } catch (err) {
      failures.hit('spool_write_failed', (n) =>
        log.error({ err, occurrences: n }, 'could not write to the spool'),
      );
      throw new HttpError(503, 'spool_unavailable', 'alerts could not be stored; retry later');
    }
    if (result === 'full')
      throw new HttpError(
        503,
        'spool_full',
        'Redis is unavailable and the spool is full; retry later',
      );
    deps.metrics.alertsSpooled.inc({ reason: why }, alerts.length);
    deps.onSpooled?.();
  }
}

function answer(res: ServerResponse, accepted: number, dropped: number, spooled: boolean): void {
  sendJson(res, 202, spooled ? { accepted, dropped, spooled: true } : { accepted, dropped });
}
