import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInternal, type Alert } from '../alert.js';
import { HttpError, sendJson } from '../http/errors.js';
import { RefusalLog } from '../http/refusal-log.js';
import type { Logger } from '../logger.js';
import type { BotMetrics } from '../metrics.js';
import type { AlertQueue } from './alert-queue.js';
import { isAuthorized } from './auth.js';
import { readBody } from './read-body.js';
import { splitItems, validateAlerts } from './parse-alerts.js';

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
}

/**
 * POST /falco: what Falco's http_output and Falcosidekick's webhook call. Answers 202
 * only once every alert in the request is in Redis; any failure stores nothing.
 */
export function createIngestHandler(deps: IngestDeps) {
  const log = deps.log.child({ module: 'ingest' });
  // One line per kind of refusal per minute: under attack, per-request lines are a flood.
  const refusals = deps.refusals ?? new RefusalLog(log, 'alert request refused');
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

      try {
        await deps.queue.enqueue(kept);
      } catch (err) {
        log.error({ err }, 'could not store alerts in Redis; answering 503 so the sender retries');
        throw new HttpError(
          503,
          'redis_unavailable',
          'alerts could not be stored; retry later',
          undefined,
        );
      }
      deps.metrics.alertsEnqueued.inc({}, kept.length);
      if (kept.length) deps.onEnqueued?.();
      log.debug({ accepted: kept.length, dropped }, 'alerts accepted');
      sendJson(res, 202, { accepted: kept.length, dropped });
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
}
