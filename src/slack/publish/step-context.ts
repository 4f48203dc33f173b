import { createHash } from 'node:crypto';
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { OutboxStore } from '../../incidents/store.js';
import type { Claim } from '../../incidents/store/outbox.js';
import type { Logger } from '../../logger.js';
import type { BotMetrics } from '../../metrics.js';

/** What every step of the publisher shares: the store, the client, pacing and counting. */
export interface StepContext {
  store: OutboxStore;
  client: WebClient;
  log: Logger;
  metrics: BotMetrics;
  now: () => number;
  channelIntervalMs: number;
}

/** A claimed item while its step runs; `lost` is set when its lease went to another replica. */
export interface HeldClaim extends Claim {
  lost: boolean;
}

/**
 * Makes one Slack call. Calls and errors are counted by the Slack client's fetch
 * (metrics.ts countingFetch), for every client alike; the name says what it is.
 */
export async function call<T>(
  _ctx: StepContext,
  _method: string,
  fn: () => Promise<T>,
): Promise<T> {
  return fn();
}

/**
 * Takes the channel's posting slot for one write. When it is not free (another replica
 * just wrote there), or the lease was lost, the item goes back to its channel's ready
 * queue and false is returned: the most urgent item gets the next slot.
 */
export async function takeSlot(ctx: StepContext, claim: HeldClaim): Promise<boolean> {
  if (claim.lost) return false;
  const wait = await ctx.store.takePostingSlot(claim.channel, ctx.now(), ctx.channelIntervalMs);
  if (wait === 0 && !claim.lost) return true;
  if (!claim.lost) await ctx.store.reschedule(claim.id, ctx.now());
  return false;
}

/** What a message shows, as a short hash: the same hash means an update would change nothing. */
export function payloadHash(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('base64url').slice(0, 22);
}

export function errorLabel(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number };
  if (e.code === ErrorCode.PlatformError) return e.data?.error ?? 'platform_error';
  if (e.code === ErrorCode.RateLimitedError) return 'ratelimited';
  if (e.code === ErrorCode.HTTPError) return `http_${e.statusCode ?? 'error'}`;
  if (e.code === ErrorCode.RequestError) return 'request_error';
  return 'other';
}
