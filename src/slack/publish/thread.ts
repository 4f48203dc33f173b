import type { Incident, TimelineEntry } from '../../incidents/model.js';
import type { Renderer } from '../../report/render.js';
import type { UserDirectory } from '../user-directory.js';
import { call, takeSlot, type HeldClaim, type StepContext } from './step-context.js';

/** Timeline entries read per look; entries that stay out of the thread are skipped in bulk. */
const READ = 50;

export interface ThreadDeps {
  threadLine: Renderer['threadLine'];
  users: UserDirectory;
}

/**
 * The incident's next timeline entry that goes to its thread, with the cursor moved past
 * the entries before it that do not; undefined when there is none.
 */
export async function nextThreadEntry(
  ctx: StepContext,
  deps: ThreadDeps,
  incident: Incident,
): Promise<{ entry: TimelineEntry; line: (actorName: string) => string } | undefined> {
  for (;;) {
    const entries = await ctx.store.timeline(incident.id, {
      after: incident.threadCursor,
      limit: READ,
    });
    let skippedTo: string | undefined;
    for (const entry of entries) {
      const line = deps.threadLine(entry, incident);
      if (line) {
        if (skippedTo) await ctx.store.advanceThreadCursor(incident.id, skippedTo);
        return { entry, line };
      }
      skippedTo = entry.id;
    }
    if (skippedTo) {
      await ctx.store.advanceThreadCursor(incident.id, skippedTo);
      incident = { ...incident, threadCursor: skippedTo };
    }
    if (entries.length < READ) return undefined;
  }
}

/** Whether the incident has timeline entries its thread has not seen (cheap: one entry read). */
export async function hasThreadWork(ctx: StepContext, incident: Incident): Promise<boolean> {
  const next = await ctx.store.timeline(incident.id, { after: incident.threadCursor, limit: 1 });
  return next.length > 0;
}

/** Posts one thread line (one Slack write) and moves the cursor past it; false if no slot. */
export async function postThreadLine(
  ctx: StepContext,
  deps: ThreadDeps,
  claim: HeldClaim,
  incident: Incident & { ts: string },
  next: { entry: TimelineEntry; line: (actorName: string) => string },
): Promise<boolean> {
  const actor = next.entry.actor;
  const name =
    actor === 'falco'
      ? 'Falco'
      : await deps.users.displayName(actor, (lookup) => call(ctx, 'users.info', lookup));
  if (!(await takeSlot(ctx, claim))) return false;
  await call(ctx, 'chat.postMessage', () =>
    ctx.client.chat.postMessage({
      channel: incident.channel,
      thread_ts: incident.ts,
      text: next.line(name),
      unfurl_links: false,
      unfurl_media: false,
    }),
  );
  await ctx.store.advanceThreadCursor(incident.id, next.entry.id);
  return true;
}
