import {
  ErrorCode,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
} from '@slack/web-api';
import type { StepContext } from './step-context.js';

export { errorLabel } from './step-context.js';

/** Slack errors that retrying cannot fix: the item is parked with a long back-off. */
export const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'restricted_action',
  'not_allowed_token_type',
]);

/** What to do after a failed step: retry at a time, or send the plain fallback message. */
export type FailurePlan = { retryInMs: number } | { fallback: true };

/**
 * Handles one failed Slack write: 429s back the whole channel off for every replica,
 * refused blocks get the plain fallback, permanent errors wait long, the rest back off
 * exponentially. Counts attempts per item in this process (bounded: forgotten on success).
 */
export class Failures {
  private readonly attempts = new Map<string, number>();

  constructor(private readonly ctx: StepContext) {}

  succeeded(id: string): void {
    this.attempts.delete(id);
  }

  async handle(id: string, channel: string, err: unknown): Promise<FailurePlan> {
    const { log, store, now } = this.ctx;
    if (this.attempts.size > 10_000) this.attempts.clear();
    const n = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, n);
    const e = err as { code?: string };
    let retryIn: number;
    if (e.code === ErrorCode.RateLimitedError) {
      retryIn = Math.max(1, (err as WebAPIRateLimitedError).retryAfter) * 1000;
      // Every replica backs off this channel, not just us.
      await store.deferChannel(channel, now() + retryIn, now()).catch(() => undefined);
      log.warn(
        { item: id, channel, retryInMs: retryIn },
        'Slack rate limit; backing off this channel',
      );
    } else if (e.code === ErrorCode.PlatformError) {
      const slackError = (err as WebAPIPlatformError).data.error;
      if (slackError === 'invalid_blocks' || slackError === 'invalid_arguments') {
        log.error(
          { item: id, slackError, detail: (err as WebAPIPlatformError).data.response_metadata },
          'Slack refused our blocks; the fallback message will be used',
        );
        return { fallback: true };
      }
      retryIn = PERMANENT.has(slackError) ? 5 * 60_000 : backoff(n);
      log.error({ item: id, channel, slackError, retryInMs: retryIn }, 'Slack refused the call');
    } else {
      retryIn = backoff(n);
      const status =
        e.code === ErrorCode.HTTPError ? (err as WebAPIHTTPError).statusCode : undefined;
      log.warn({ err, status, item: id, retryInMs: retryIn }, 'Slack call failed; will retry');
    }
    await store.reschedule(id, now() + retryIn);
    return { retryInMs: retryIn };
  }
}

export function backoff(attempt: number): number {
  const base = Math.min(60_000, 500 * 2 ** Math.min(attempt - 1, 7));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** A Slack platform error name, if the error is one. */
export function slackErrorOf(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  return e.code === ErrorCode.PlatformError ? e.data?.error : undefined;
}
