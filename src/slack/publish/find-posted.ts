import { PERMANENT, slackErrorOf } from './failures.js';
import { call, type StepContext } from './step-context.js';

/** Messages read per page, and pages at most (a channel posting 1/s writes 3,600 an hour). */
const PAGE = 200;
const MAX_PAGES = 50;
/** Slack's ts and our clock may differ a little. */
const SLACK_CLOCK_MARGIN_S = 60;

export interface PostedQuery {
  channel: string;
  /** The metadata event type the bot posts this kind of message with. */
  eventType: string;
  /** The metadata payload field naming the item, and the item's id. */
  field: string;
  id: string;
  /** When the first unconfirmed attempt was made (our clock). */
  since: number;
  /** For a reply: the thread it was posted in. */
  threadTs?: string;
}

/** 'unknown' when Slack will never let us look (missing scope...): posting again is then the only way. */
export type Found = { ts: string } | 'absent' | 'unknown';

/**
 * Looks for a message an earlier attempt posted although Slack answered with an error.
 * It searches from the *attempt's* time on (never the alert's time, which the sender
 * chooses: a future-dated alert would hide the real post), through every page. A failed
 * look-up throws (the caller retries later) instead of posting blindly.
 */
export async function findPosted(ctx: StepContext, q: PostedQuery): Promise<Found> {
  const oldest = String(Math.max(0, Math.floor(q.since / 1000) - SLACK_CLOCK_MARGIN_S));
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let res;
    try {
      res = q.threadTs
        ? await call(ctx, 'conversations.replies', () =>
            ctx.client.conversations.replies({
              channel: q.channel,
              ts: q.threadTs!,
              oldest,
              limit: PAGE,
              include_all_metadata: true,
              ...(cursor ? { cursor } : {}),
            }),
          )
        : await call(ctx, 'conversations.history', () =>
            ctx.client.conversations.history({
              channel: q.channel,
              oldest,
              limit: PAGE,
              include_all_metadata: true,
              ...(cursor ? { cursor } : {}),
            }),
          );
    } catch (err) {
      const slackError = slackErrorOf(err);
      if (slackError && PERMANENT.has(slackError)) {
        ctx.log.warn(
          { err, item: q.id, slackError },
          'cannot read the channel to check for an earlier post; posting again',
        );
        return 'unknown';
      }
      throw err;
    }
    const hit = res.messages?.find(
      (m) =>
        m.metadata?.event_type === q.eventType &&
        (m.metadata.event_payload as Record<string, unknown> | undefined)?.[q.field] === q.id,
    );
    if (hit?.ts) return { ts: hit.ts };
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor || !res.has_more) return 'absent';
  }
  ctx.log.warn({ item: q.id, pages: MAX_PAGES }, 'earlier post not found in the pages read');
  return 'absent';
}
