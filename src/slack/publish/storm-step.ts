import type { Incident } from '../../incidents/model.js';
import type { StormDigest, StormEvent, StormStore } from '../../incidents/store.js';
import type { MessagePayload } from '../../report/render.js';
import type { UserDirectory } from '../user-directory.js';
import type { Failures } from './failures.js';
import { findPosted } from './find-posted.js';
import { call, payloadHash, takeSlot, type HeldClaim, type StepContext } from './step-context.js';

export const STORM_EVENT = 'falco_triage_storm';

export interface StormStepDeps {
  storms: Pick<StormStore, 'digest' | 'members' | 'events'>;
  users: UserDirectory;
  renderStorm: (d: StormDigest, sample: Incident[]) => MessagePayload;
  /** The digest thread's line for a storm event, given the actor's name; null for none. */
  stormLine: (e: StormEvent, d: StormDigest) => ((actorName: string) => string) | null;
  /** At most one digest update per this many ms. */
  stormUpdateMs: number;
}

/** Incidents offered in the digest's select. */
const SAMPLE = 100;

/**
 * One step for a storm's digest, at most one Slack write: post it, update it (no more
 * often than stormUpdateMs, and only when it would look different), or post the next
 * line of its thread (storm verbs, the closing summary, shown in the channel too).
 */
export async function stormStep(
  ctx: StepContext,
  deps: StormStepDeps,
  failures: Failures,
  claim: HeldClaim,
): Promise<void> {
  const { store, now } = ctx;
  const d = await deps.storms.digest(claim.id);
  if (!d) {
    await store.markRendered(claim.id, { renderedVersion: Number.MAX_SAFE_INTEGER, now: now() });
    return;
  }
  const settle = { now: now(), coalesceMs: deps.stormUpdateMs };
  try {
    const nextEvent = async () => (await deps.storms.events(d.id, d.threadCursor, 1))[0];
    if (!d.ts) {
      if (d.postAttempted) {
        const found = await findPosted(ctx, {
          channel: d.channel,
          eventType: STORM_EVENT,
          field: 'storm_id',
          id: d.id,
          since: d.postAttemptedAt ?? 0,
        });
        if (typeof found === 'object') {
          await store.markPosted(d.id, {
            ...settle,
            channel: d.channel,
            ts: found.ts,
            renderedVersion: 0,
            pending: true,
          });
          return;
        }
      }
      const payload = deps.renderStorm(d, await deps.storms.members(d.id, 0, SAMPLE));
      const pending = (await nextEvent()) !== undefined;
      if (!(await takeSlot(ctx, claim))) return;
      await store.markPostAttempted(d.id, now());
      const res = await call(ctx, 'chat.postMessage', () =>
        ctx.client.chat.postMessage({
          channel: d.channel,
          ...payload,
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: STORM_EVENT, event_payload: { storm_id: d.id } },
        }),
      );
      await store.markPosted(d.id, {
        ...settle,
        channel: d.channel,
        ts: String(res.ts),
        renderedVersion: d.version,
        renderedHash: payloadHash(payload),
        pending,
      });
      failures.succeeded(d.id);
      return;
    }
    // Counts change with every alert: the digest is updated at most once per stormUpdateMs
    // (its thread lines go in between); the item comes back when the interval is over.
    const updateDue = now() >= (d.renderedAt ?? 0) + deps.stormUpdateMs;
    if (d.version > d.renderedVersion && updateDue) {
      const payload = deps.renderStorm(d, await deps.storms.members(d.id, 0, SAMPLE));
      const hash = payloadHash(payload);
      if (hash !== d.renderedHash) {
        const pending = (await nextEvent()) !== undefined;
        if (!(await takeSlot(ctx, claim))) return;
        await call(ctx, 'chat.update', () =>
          ctx.client.chat.update({ channel: d.channel, ts: d.ts!, ...payload }),
        );
        await store.markRendered(d.id, {
          ...settle,
          renderedVersion: d.version,
          renderedHash: hash,
          pending,
        });
        failures.succeeded(d.id);
        return;
      }
    }
    const events = await deps.storms.events(d.id, d.threadCursor, 2);
    const e = events[0];
    if (e) {
      const line = deps.stormLine(e, d);
      if (line) {
        const name =
          e.actor === 'falco'
            ? 'Falco'
            : await deps.users.displayName(e.actor, (lookup) => call(ctx, 'users.info', lookup));
        if (!(await takeSlot(ctx, claim))) return;
        await call(ctx, 'chat.postMessage', () =>
          ctx.client.chat.postMessage({
            channel: d.channel,
            thread_ts: d.ts!,
            text: line(name),
            // The storm's end is news for the channel, not only for the thread.
            reply_broadcast: e.kind === 'storm_closed',
            unfurl_links: false,
            unfurl_media: false,
          }),
        );
      }
      await store.advanceThreadCursor(d.id, e.id);
    }
    if (d.version > d.renderedVersion && !updateDue) {
      // Newer counts wait for the update interval: the digest comes back then (or at once
      // for its next thread line), never marked as showing what it does not show yet.
      await store.reschedule(
        d.id,
        events.length > 1 ? now() : (d.renderedAt ?? 0) + deps.stormUpdateMs,
      );
    } else
      await store.markRendered(d.id, {
        ...settle,
        renderedVersion: d.version,
        pending: events.length > 1,
      });
    failures.succeeded(d.id);
  } catch (err) {
    await failures.handle(d.id, d.channel, err);
  }
}
