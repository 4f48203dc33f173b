import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from '../logger.js';
import { sendJson } from './errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpRoutes {
  /** POST /falco; absent where this listener or process does not ingest. */
  ingest?: Handler;
  /** Bolt's HTTPReceiver listener for POST /slack/events; absent in Socket Mode. */
  slackEvents?: RequestListener;
  /**
   * true when Redis (and, in the default layout, the engine process) answers; an object
   * adds what /readyz reports (e.g. ready while Redis is away because the spool has room).
   */
  ready: () => Promise<boolean | { ready: boolean; detail: Record<string, unknown> }>;
  /** Facts shown in /readyz's body that do not decide readiness (Slack reachability). */
  readyDetails?: () => Promise<Record<string, unknown>>;
  /** GET /metrics; absent on the public listener when the internal one is separate. */
  metrics?: () => Promise<{ text: string; contentType: string }>;
}

/**
 * One HTTP listener. We own the servers (rather than letting Bolt start one) so Slack's
 * endpoint, the alert endpoint and the probes share a port in both HTTP and Socket Mode,
 * or sit on two ports (INTERNAL_PORT) so an Ingress in front of the public one can never
 * reach ingest or metrics; and so shutdown can drain them. Probes answer on both.
 */
export function createHttpServer(routes: HttpRoutes, log: Logger): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const run = (h: Handler) => {
      Promise.resolve(h(req, res)).catch((err: unknown) => {
        log.error({ err, path }, 'request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.destroy();
      });
    };
    if (path === '/falco' && routes.ingest) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      return run(routes.ingest);
    }
    if (path === '/slack/events' && routes.slackEvents) return routes.slackEvents(req, res);
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      return run(async () => {
        const r = await routes.ready().catch(() => false);
        const ok = typeof r === 'boolean' ? r : r.ready;
        const detail = typeof r === 'boolean' ? {} : r.detail;
        const details = (await routes.readyDetails?.().catch(() => undefined)) ?? {};
        sendJson(res, ok ? 200 : 503, {
          status: ok ? 'ready' : 'not_ready',
          ...detail,
          ...details,
        });
      });
    }
    if (path === '/metrics' && method === 'GET' && routes.metrics) {
      const metrics = routes.metrics;
      return run(async () => {
        const { text, contentType } = await metrics();
        res.writeHead(200, { 'content-type': contentType });
        res.end(text);
      });
    }
    req.resume();
    sendJson(res, 404, { error: 'not_found' });
  });
  // Slow senders must not hold sockets forever; Falco retries a failed POST.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: 'method_not_allowed' }, { allow });
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
