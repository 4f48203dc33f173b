import type { Silence, SilenceStore } from '../../incidents/store.js';
import type { MessagePayload } from '../../report/render.js';
import type { UserDirectory } from '../user-directory.js';
import type { Failures } from './failures.js';
import { findPosted } from './find-posted.js';
import { call, payloadHash, takeSlot, type HeldClaim, type StepContext } from './step-context.js';

export const SILENCE_EVENT = 'falco_triage_silence';
export const SILENCE_END_EVENT = 'falco_triage_silence_end';

export interface SilenceStepDeps {
  silences: Pick<SilenceStore, 'get' | 'markEndPosted' | 'markEndAttempted'>;
  users: UserDirectory;
  renderSilence: (s: Silence, name: (u: string | undefined) => string) => MessagePayload;
  silenceEndLine: (s: Silence, name: (u: string | undefined) => string) => string;
}

/**
 * One step for a silence's notice, at most one Slack write: post it, update it when it
 * ends, then announce the end in the channel with what it swallowed, exactly once (an
 * ambiguous failure is checked in the thread before posting again).
 */
export async function silenceStep(
  ctx: StepContext,
  deps: SilenceStepDeps,
  failures: Failures,
  claim: HeldClaim,
): Promise<void> {
  const { store, now } = ctx;
  const s = await deps.silences.get(claim.id);
  if (!s) {
    await store.markRendered(claim.id, { renderedVersion: Number.MAX_SAFE_INTEGER, now: now() });
    return;
  }
  const endDue = s.status === 'ended' && !s.endPosted;
  try {
    const names = await namesOf(ctx, deps.users, [s.createdBy, s.endedBy]);
    if (!s.ts) {
      if (s.postAttempted) {
        const found = await findPosted(ctx, {
          channel: s.channel,
          eventType: SILENCE_EVENT,
          field: 'silence_id',
          id: s.id,
          since: s.postAttemptedAt ?? 0,
        });
        if (typeof found === 'object') {
          await store.markPosted(s.id, {
            channel: s.channel,
            ts: found.ts,
            renderedVersion: 0,
            now: now(),
            pending: true,
          });
          return;
        }
      }
      const payload = deps.renderSilence(s, names);
      if (!(await takeSlot(ctx, claim))) return;
      await store.markPostAttempted(s.id, now());
      const res = await call(ctx, 'chat.postMessage', () =>
        ctx.client.chat.postMessage({
          channel: s.channel,
          ...payload,
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: SILENCE_EVENT, event_payload: { silence_id: s.id } },
        }),
      );
      await store.markPosted(s.id, {
        channel: s.channel,
        ts: String(res.ts),
        renderedVersion: s.version,
        renderedHash: payloadHash(payload),
        now: now(),
        pending: endDue,
      });
      failures.succeeded(s.id);
      return;
    }
    if (s.version > s.renderedVersion) {
      const payload = deps.renderSilence(s, names);
      const hash = payloadHash(payload);
      if (hash !== s.renderedHash) {
        if (!(await takeSlot(ctx, claim))) return;
        await call(ctx, 'chat.update', () =>
          ctx.client.chat.update({ channel: s.channel, ts: s.ts!, ...payload }),
        );
        await store.markRendered(s.id, {
          renderedVersion: s.version,
          renderedHash: hash,
          now: now(),
          pending: endDue,
        });
        failures.succeeded(s.id);
        return;
      }
    }
    if (endDue) {
      if (s.endAttemptedAt !== undefined) {
        const found = await findPosted(ctx, {
          channel: s.channel,
          eventType: SILENCE_END_EVENT,
          field: 'silence_id',
          id: s.id,
          since: s.endAttemptedAt,
          threadTs: s.ts,
        });
        if (typeof found === 'object') {
          await deps.silences.markEndPosted(s.id);
          await store.markRendered(s.id, { renderedVersion: s.version, now: now() });
          return;
        }
      }
      if (!(await takeSlot(ctx, claim))) return;
      await deps.silences.markEndAttempted(s.id, now());
      await call(ctx, 'chat.postMessage', () =>
        ctx.client.chat.postMessage({
          channel: s.channel,
          thread_ts: s.ts!,
          reply_broadcast: true,
          text: deps.silenceEndLine(s, names),
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: SILENCE_END_EVENT, event_payload: { silence_id: s.id } },
        }),
      );
      await deps.silences.markEndPosted(s.id);
    }
    await store.markRendered(s.id, { renderedVersion: s.version, now: now() });
    failures.succeeded(s.id);
  } catch (err) {
    await failures.handle(s.id, s.channel, err);
  }
}

async function namesOf(
  ctx: StepContext,
  users: UserDirectory,
  ids: (string | undefined)[],
): Promise<(u: string | undefined) => string> {
  const map = new Map<string, string>();
  for (const u of ids) {
    if (!u || u === 'falco' || map.has(u)) continue;
    map.set(u, await users.displayName(u, (lookup) => call(ctx, 'users.info', lookup)));
  }
  return (u) => (u === 'falco' ? 'Falco' : u ? (map.get(u) ?? 'someone') : 'someone');
}
