import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RedisClient } from '../redis-connection.js';
import type { RefusalLog } from './refusal-log.js';

/** Slack's own rule: a request stamped more than five minutes from now is refused. */
export const SLACK_WINDOW_SEC = 300;
/** Bolt's HTTPReceiver default body limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface SlackGuardDeps {
  signingSecret: string;
  redis: RedisClient;
  /** Redis key remembering one signature until its timestamp leaves the window. */
  replayKey: (signature: string) => string;
  refusals: RefusalLog;
  onRefused?: (reason: string) => void;
  now?: () => number;
}

/**
 * In front of Bolt's HTTPReceiver on POST /slack/events. Bolt checks the signature and
 * refuses timestamps more than five minutes old, but accepts any timestamp in the future
 * and runs an identical request as often as it arrives: replaying a signed "Acknowledge"
 * after an "Unacknowledge" acknowledged again (issue 11 item 3). Here, before Bolt acts:
 * the signature must verify, the timestamp must be within five minutes either way, and
 * the signature must not have been seen (SET NX in Redis, shared by every replica, with
 * an expiry at the end of the timestamp's window: after that Bolt refuses it anyway, so
 * the set of remembered signatures is bounded by five minutes of Slack traffic).
 *
 * Slack's retries (X-Slack-Retry-Num) come seconds to minutes after the first attempt and
 * carry a fresh timestamp and signature (a retry five minutes later would otherwise fail
 * Slack's own staleness rule), so they are not replays and pass; an identical signature
 * can only be a copy.
 *
 * The buffered body is left on `req.rawBody`, where Bolt looks before reading the stream.
 */
export function guardSlackRequests(next: RequestListener, deps: SlackGuardDeps): RequestListener {
  const now = deps.now ?? Date.now;
  return (req, res) => {
    void guard(req, res).then(
      (ok) => {
        if (ok) next(req, res);
      },
      () => refuse(res, 503, 'replay_check_unavailable'),
    );
  };

  function refuse(res: ServerResponse, status: number, reason: string, extra = {}): false {
    deps.onRefused?.(reason);
    deps.refusals.refused(`${status}:${reason}`, { status, reason, ...extra }, 'warn');
    if (!res.headersSent) {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
    }
    return false;
  }

  async function guard(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let body: Buffer;
    try {
      body = await readLimited(req, MAX_BODY_BYTES);
    } catch {
      return refuse(res, 413, 'body_too_large');
    }
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    // Slack's unsigned SSL check: Bolt answers it and strips anything else in the body.
    if (
      req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
      new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1'
    )
      return true;

    const tsHeader = req.headers['x-slack-request-timestamp'];
    const sigHeader = req.headers['x-slack-signature'];
    if (
      typeof tsHeader !== 'string' ||
      typeof sigHeader !== 'string' ||
      !/^\d{1,12}$/.test(tsHeader)
    )
      return refuse(res, 401, 'unsigned');
    const expected = `v0=${createHmac('sha256', deps.signingSecret).update(`v0:${tsHeader}:`).update(body).digest('hex')}`;
    const a = Buffer.from(sigHeader);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return refuse(res, 401, 'bad_signature');
    const ts = Number(tsHeader);
    const skew = ts - Math.floor(now() / 1000);
    if (Math.abs(skew) > SLACK_WINDOW_SEC)
      return refuse(res, 401, 'stale_timestamp', { skewSec: skew });
    // Remembered until the timestamp leaves the window, plus a second for rounding.
    const fresh = await deps.redis.set(
      deps.replayKey(sigHeader.slice(3)),
      '1',
      'EXAT',
      ts + SLACK_WINDOW_SEC + 1,
      'NX',
    );
    if (fresh !== 'OK') return refuse(res, 401, 'replayed');
    return true;
  }
}

function readLimited(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
