import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { ACTION } from '../../../../blocks/action-ids.js';
import { muteModal } from '../../../../blocks/mute-modal.js';
import { resolveModal } from '../../../../blocks/resolve-modal.js';
import { proposeFromIncident, proposeFromStorm } from '../../../incidents/silence-match.js';
import { showText } from '../commands/falco/storm.js';
import { IncidentError } from '../../../incidents/errors.js';
import type { Incident } from '../../../incidents/model.js';
import type { TriageStore } from '../../../incidents/store.js';
import {
  VERB_BY_NAME,
  VERBS,
  type Click,
  type VerbArgs,
  type VerbName,
  type VerbSpec,
} from '../../../incidents/verbs.js';
import { applyVerb, INCIDENT_ID, NOT_ALLOWED } from '../apply-verb.js';
import type { ListenerDeps } from '../deps.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type Change = (
  store: TriageStore,
  id: string,
  user: string,
  args: ActionArgs,
  now: number,
) => Promise<Incident | undefined>;

/** The incident a click is about: the button's value, or the block_id of a select. */
export function incidentIdOf(args: Pick<ActionArgs, 'action'>): string | undefined {
  const a = args.action as { value?: string; block_id?: string };
  const candidates = [a.value, a.block_id?.split(':')[1]];
  return candidates.find((c): c is string => typeof c === 'string' && INCIDENT_ID.test(c));
}

export async function ephemeral(
  client: WebClient,
  channel: string | undefined,
  user: string,
  text: string,
  threadTs?: string,
): Promise<void> {
  if (!channel) return;
  await client.chat.postEphemeral({
    channel,
    user,
    text,
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
}

/**
 * Wraps a click: ack at once (Slack wants it within 3 s), check who may act, run the
 * change, wake the publisher to update the message, and tell the clicker (only them)
 * when the change was refused.
 */
function onClick(deps: ListenerDeps, change: Change, opts: { restricted: boolean }) {
  const log = deps.log.child({ module: 'actions' });
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const user = args.body.user.id;
    const channel = args.body.channel?.id;
    const id = incidentIdOf(args);
    if (!id) {
      log.warn({ actionId: args.action.action_id }, 'click without an incident id');
      return;
    }
    try {
      if (opts.restricted && !(await deps.permissions.mayAct(user))) {
        await ephemeral(args.client, channel, user, NOT_ALLOWED);
        return;
      }
      const changed = await change(deps.store, id, user, args, deps.now());
      if (changed) deps.publisher.wake();
    } catch (err) {
      if (err instanceof IncidentError) {
        await ephemeral(args.client, channel, user, `:warning: ${err.message}`).catch(
          (e: unknown) => log.warn({ err: e }, 'ephemeral failed'),
        );
        return;
      }
      log.error({ err, incident: id, actionId: args.action.action_id }, 'incident action failed');
      await ephemeral(
        args.client,
        channel,
        user,
        ':x: That did not work; the bot logs have the details.',
      ).catch(() => undefined);
    }
  };
}

/** A verb's control clicked: its table entry turns the click into the verb's arguments. */
function verbClick(deps: ListenerDeps, verb: VerbSpec): Change {
  return async (_s, id, user, a, now) => {
    if (verb.control.kind === 'button' && verb.control.opensResolveDialog)
      return openResolveDialog(deps, id, a);
    if (verb.control.kind === 'button' && verb.control.opensMuteDialog)
      return openMuteDialog(deps, id, a);
    const click = verb.click(a.action as Click, now);
    if (click === undefined) return undefined;
    const [v, args] =
      'instead' in click
        ? [VERB_BY_NAME[click.instead as VerbName], [] as VerbArgs]
        : [verb, click];
    const result = await applyVerb(deps, v, id, user, args, now);
    if (!result.ok) await ephemeral(a.client, a.body.channel?.id, user, result.text);
    return undefined;
  };
}

async function openResolveDialog(deps: ListenerDeps, id: string, a: ActionArgs) {
  const trigger = (a.body as { trigger_id?: string }).trigger_id;
  if (id.startsWith('STORM-')) {
    const d = await deps.storms.digest(id);
    if (!d || !trigger) return undefined;
    await a.client.views.open({
      trigger_id: trigger,
      view: resolveModal(
        { id, channel: d.channel },
        `Every open incident of ${id} (${d.incidents.toLocaleString('en-US')} in all)`,
      ),
    });
    return undefined;
  }
  const incident = await deps.store.get(id);
  if (!incident || !trigger) return undefined;
  await a.client.views.open({
    trigger_id: trigger,
    view: resolveModal({ id, channel: incident.channel }, `${incident.priority}: ${incident.rule}`),
  });
  return undefined;
}

/** "Mute similar": the dialog proposes the matchers from the incident's alert or the storm. */
async function openMuteDialog(deps: ListenerDeps, id: string, a: ActionArgs) {
  const trigger = (a.body as { trigger_id?: string }).trigger_id;
  if (!trigger) return undefined;
  let proposed: Record<string, string> | undefined;
  let channel: string | undefined;
  if (id.startsWith('STORM-')) {
    const d = await deps.storms.digest(id);
    proposed = d ? (proposeFromStorm(d) ?? { rule: d.byRule[0]?.value ?? '' }) : undefined;
    channel = d?.channel;
  } else {
    const i = await deps.store.get(id);
    proposed = i ? proposeFromIncident(i) : undefined;
    channel = i?.channel;
  }
  if (!proposed || !channel) return undefined;
  await a.client.views.open({
    trigger_id: trigger,
    view: muteModal({ from: id, channel }, proposed),
  });
  return undefined;
}

export function registerIncidentActions(
  app: { action: (id: string, fn: (args: ActionArgs) => Promise<void>) => unknown },
  deps: ListenerDeps,
): void {
  for (const verb of VERBS) {
    if (verb.control.kind === 'none') continue;
    // applyVerb checks who may; the Resolve and Mute dialogs are checked before they open.
    const dialog =
      verb.control.kind === 'button' &&
      (verb.control.opensResolveDialog === true || verb.control.opensMuteDialog === true);
    app.action(
      verb.actionId,
      onClick(deps, verbClick(deps, verb), { restricted: dialog && verb.restricted }),
    );
  }
  // Opening one incident of a storm posts its report in the digest's thread: anyone may.
  app.action(
    ACTION.stormOpen,
    onClick(
      deps,
      async (_s, _id, user, a) => {
        const picked = (a.action as { selected_option?: { value?: string } }).selected_option
          ?.value;
        if (!picked || !INCIDENT_ID.test(picked)) return undefined;
        const text = await showText(deps, picked);
        await ephemeral(a.client, a.body.channel?.id, user, text);
        return undefined;
      },
      { restricted: false },
    ),
  );
  // Expanding is a view preference, not triage: anyone who can see the message may.
  app.action(
    ACTION.expand,
    onClick(deps, (s, id, u, _a, now) => s.setExpanded(id, u, true, now), { restricted: false }),
  );
  app.action(
    ACTION.collapse,
    onClick(deps, (s, id, u, _a, now) => s.setExpanded(id, u, false, now), { restricted: false }),
  );
  app.action(
    ACTION.fullReport,
    onClick(
      deps,
      async (s, id, _u, a) => {
        const incident = await s.get(id);
        const trigger = (a.body as { trigger_id?: string }).trigger_id;
        if (!incident || !trigger) return undefined;
        const { modal, omitted } = deps.renderer.fullReport(incident);
        await a.client.views.open({ trigger_id: trigger, view: modal });
        if (omitted > 0 && incident.ts && (await s.claimRawAttachment(id, incident.version))) {
          // Too long for a modal: the whole alert goes to the thread as a file instead.
          try {
            await a.client.files.uploadV2({
              channel_id: incident.channel,
              thread_ts: incident.ts,
              filename: `${id}-alert.json`,
              title: `${id}: the full alert (latest occurrence)`,
              content: JSON.stringify(incident.latest, null, 2),
            });
          } catch (err) {
            await s.releaseRawAttachment(id, incident.version);
            throw err;
          }
        }
        return undefined;
      },
      { restricted: false },
    ),
  );
}
