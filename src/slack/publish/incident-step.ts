import type { Incident } from '../../incidents/model.js';
import type { MessagePayload } from '../../report/render.js';
import type { Failures } from './failures.js';
import { findPosted } from './find-posted.js';
import { call, payloadHash, takeSlot, type HeldClaim, type StepContext } from './step-context.js';
import { hasThreadWork, nextThreadEntry, postThreadLine, type ThreadDeps } from './thread.js';

export const INCIDENT_EVENT = 'falco_triage_incident';

export interface IncidentStepDeps extends ThreadDeps {
  /** The incident message as it should look now. */
  render: (incident: Incident) => Promise<MessagePayload>;
  /** The incident message when `render`'s output was refused by Slack (a bug of ours): plain and safe. */
  renderFallback: (incident: Incident) => MessagePayload;
}

/**
 * One step for one incident: at most one Slack write. The message first (posted, or
 * updated when what it shows would change), then its thread lines one per step; when
 * there is nothing left to write, the item is settled. Read at step time: the freshest
 * state wins, which is what coalescing means.
 */
export async function incidentStep(
  ctx: StepContext,
  deps: IncidentStepDeps,
  failures: Failures,
  claim: HeldClaim,
): Promise<void> {
  const { store, now } = ctx;
  const incident = await store.get(claim.id);
  if (!incident) {
    // Expired or deleted: nothing left to show.
    await store.markRendered(claim.id, { renderedVersion: Number.MAX_SAFE_INTEGER, now: now() });
    return;
  }
  try {
    await write(ctx, deps, claim, incident);
    failures.succeeded(incident.id);
  } catch (err) {
    const plan = await failures.handle(incident.id, incident.channel, err);
    if ('fallback' in plan)
      await sendFallback(ctx, deps, incident).catch((e2: unknown) =>
        ctx.log.error({ err: e2, incident: incident.id }, 'fallback failed too'),
      );
  }
}

async function write(
  ctx: StepContext,
  deps: IncidentStepDeps,
  claim: HeldClaim,
  incident: Incident,
): Promise<void> {
  const { store, now } = ctx;
  if (!incident.ts) {
    if (incident.storm && !incident.show) {
      // Folded into a storm's digest: the digest shows it; nothing of its own to write.
      await store.markRendered(incident.id, { renderedVersion: incident.version, now: now() });
      return;
    }
    let threadTs: string | undefined;
    if (incident.show === 'thread' && incident.storm) {
      const digest = await store.itemHash(incident.storm);
      threadTs = digest?.ts;
      if (digest && !threadTs) {
        // The digest is not posted yet; it is the channel's next write.
        await store.reschedule(incident.id, now() + 1000);
        return;
      }
      // A digest that has expired has no thread: the incident is posted on its own.
    }
    await post(ctx, deps, claim, incident, threadTs);
    return;
  }
  // Slack shows the rendered version; a newer one is sent only if it would look different.
  const payload =
    incident.version > incident.renderedVersion ? await renderSafe(ctx, deps, incident) : undefined;
  const hash = payload ? payloadHash(payload) : incident.renderedHash;
  if (payload && hash !== incident.renderedHash) {
    // Known before the write, so the record follows the write at once (clicks read it).
    const pending = await hasThreadWork(ctx, incident);
    if (!(await takeSlot(ctx, claim))) return;
    await call(ctx, 'chat.update', () =>
      ctx.client.chat.update({ channel: incident.channel, ts: incident.ts!, ...payload }),
    );
    // Only updates that show a new occurrence measure alert-to-Slack (not clicks).
    if (incident.renderedAt === undefined || incident.lastSeen > incident.renderedAt)
      ctx.metrics.alertToSlack.observe(
        { kind: 'update' },
        Math.max(0, now() - incident.lastSeen) / 1000,
      );
    await store.markRendered(incident.id, {
      renderedVersion: incident.version,
      now: now(),
      renderedHash: hash ?? '',
      pending,
    });
    return;
  }
  const next = await nextThreadEntry(ctx, deps, incident);
  if (next) {
    if (!(await postThreadLine(ctx, deps, claim, { ...incident, ts: incident.ts }, next))) return;
  }
  // What Slack shows is current: an update would change nothing, so none is sent.
  const after = next ? await store.get(incident.id) : incident;
  await store.markRendered(incident.id, {
    renderedVersion: incident.version,
    now: now(),
    pending: Boolean(next && after && (await hasThreadWork(ctx, after))),
  });
}

async function post(
  ctx: StepContext,
  deps: IncidentStepDeps,
  claim: HeldClaim,
  incident: Incident,
  threadTs: string | undefined,
): Promise<void> {
  const { store, now } = ctx;
  if (incident.postAttempted) {
    // A previous attempt may have reached Slack although we saw an error: look first.
    const found = await findPosted(ctx, {
      channel: incident.channel,
      eventType: INCIDENT_EVENT,
      field: 'incident_id',
      id: incident.id,
      since: incident.postAttemptedAt ?? 0,
      threadTs,
    });
    if (typeof found === 'object') {
      ctx.log.info(
        { incident: incident.id, ts: found.ts },
        'found the message a failed attempt had posted',
      );
      // Version 0: the next step brings it up to date if it is not.
      await store.markPosted(incident.id, {
        channel: incident.channel,
        ts: found.ts,
        renderedVersion: 0,
        now: now(),
        pending: true,
      });
      return;
    }
  }
  const payload = await renderSafe(ctx, deps, incident);
  const pending = threadTs ? false : await hasThreadWork(ctx, incident);
  const last = threadTs ? await store.lastTimelineEntryId(incident.id) : undefined;
  if (!(await takeSlot(ctx, claim))) return;
  await store.markPostAttempted(incident.id, now());
  const res = await call(ctx, 'chat.postMessage', () =>
    ctx.client.chat.postMessage({
      channel: incident.channel,
      ...payload,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
      metadata: { event_type: INCIDENT_EVENT, event_payload: { incident_id: incident.id } },
    }),
  );
  ctx.metrics.alertToSlack.observe(
    { kind: 'post' },
    Math.max(0, now() - incident.firstSeen) / 1000,
  );
  await store.markPosted(incident.id, {
    channel: incident.channel,
    ts: String(res.ts),
    renderedVersion: incident.version,
    now: now(),
    renderedHash: payloadHash(payload),
    pending,
  });
  // Opened from a digest: the report is the state; its earlier history stays in the record.
  if (last) await store.advanceThreadCursor(incident.id, last);
}

async function renderSafe(
  ctx: StepContext,
  deps: IncidentStepDeps,
  incident: Incident,
): Promise<MessagePayload> {
  try {
    return await deps.render(incident);
  } catch (err) {
    ctx.log.error(
      { err, incident: incident.id },
      'rendering failed; sending the plain fallback message',
    );
    return deps.renderFallback(incident);
  }
}

async function sendFallback(
  ctx: StepContext,
  deps: IncidentStepDeps,
  incident: Incident,
): Promise<void> {
  const { store, now } = ctx;
  const payload = deps.renderFallback(incident);
  if (incident.ts) {
    await call(ctx, 'chat.update', () =>
      ctx.client.chat.update({ channel: incident.channel, ts: incident.ts!, ...payload }),
    );
    await store.markRendered(incident.id, {
      renderedVersion: incident.version,
      now: now(),
      renderedHash: payloadHash(payload),
    });
  } else {
    await store.markPostAttempted(incident.id, now());
    const res = await call(ctx, 'chat.postMessage', () =>
      ctx.client.chat.postMessage({
        channel: incident.channel,
        ...payload,
        metadata: { event_type: INCIDENT_EVENT, event_payload: { incident_id: incident.id } },
      }),
    );
    await store.markPosted(incident.id, {
      channel: incident.channel,
      ts: String(res.ts),
      renderedVersion: incident.version,
      now: now(),
      renderedHash: payloadHash(payload),
    });
  }
}
