import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { ACTION } from '../../../../blocks/action-ids.js';
import { resolveModal } from '../../../../blocks/resolve-modal.js';
import { IncidentError } from '../../../incidents/errors.js';
import type { Incident } from '../../../incidents/model.js';
import type { TriageStore } from '../../../incidents/store.js';
import type { ListenerDeps } from '../deps.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type Change = (
  store: TriageStore,
  id: string,
  user: string,
  args: ActionArgs,
  now: number,
) => Promise<Incident | undefined>;

const INCIDENT_ID = /^[A-Z][A-Z0-9]*-\d+$/;

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
): Promise<void> {
  if (!channel) return;
  await client.chat.postEphemeral({ channel, user, text });
}

export const NOT_ALLOWED =
  ':no_entry: You are not allowed to change incidents here. The bot administrators choose who may (CONFIG_FILE permissions).';

/**
 * Wraps a state change: ack at once (Slack wants it within 3 s), check who may act,
 * change state through the store, wake the publisher to update the message, and tell
 * the clicker (only them) when the change was refused.
 */
function stateChange(deps: ListenerDeps, change: Change, opts: { restricted?: boolean } = {}) {
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
      if (opts.restricted !== false && !(await deps.permissions.mayAct(user))) {
        await ephemeral(args.client, channel, user, NOT_ALLOWED);
        return;
      }
      const changed = await change(deps.store, id, user, args, Date.now());
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

export function registerIncidentActions(
  app: { action: (id: string, fn: (args: ActionArgs) => Promise<void>) => unknown },
  deps: ListenerDeps,
): void {
  app.action(
    ACTION.acknowledge,
    stateChange(deps, (s, id, u, _a, now) => s.acknowledge(id, u, now)),
  );
  app.action(
    ACTION.unacknowledge,
    stateChange(deps, (s, id, u, _a, now) => s.unacknowledge(id, u, now)),
  );
  app.action(
    ACTION.unassign,
    stateChange(deps, (s, id, u, _a, now) => s.unassign(id, u, now)),
  );
  app.action(
    ACTION.reopen,
    stateChange(deps, (s, id, u, _a, now) => s.reopen(id, u, now)),
  );
  app.action(
    ACTION.unsnooze,
    stateChange(deps, (s, id, u, _a, now) => s.unsnooze(id, u, now)),
  );
  app.action(
    ACTION.assign,
    stateChange(deps, (s, id, u, a, now) => {
      const assignee = (a.action as { selected_user?: string }).selected_user;
      return assignee ? s.assign(id, u, assignee, now) : s.unassign(id, u, now);
    }),
  );
  app.action(
    ACTION.snooze,
    stateChange(deps, (s, id, u, a, now) => {
      const minutes = Number(
        (a.action as { selected_option?: { value?: string } }).selected_option?.value,
      );
      if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 7 * 24 * 60)
        return Promise.resolve(undefined);
      return s.snooze(id, u, now + minutes * 60_000, now);
    }),
  );
  // Expanding is a view preference, not triage: anyone who can see the message may.
  app.action(
    ACTION.expand,
    stateChange(deps, (s, id, u, _a, now) => s.setExpanded(id, u, true, now), {
      restricted: false,
    }),
  );
  app.action(
    ACTION.collapse,
    stateChange(deps, (s, id, u, _a, now) => s.setExpanded(id, u, false, now), {
      restricted: false,
    }),
  );

  app.action(
    ACTION.resolve,
    stateChange(deps, async (s, id, _u, a) => {
      const incident = await s.get(id);
      if (!incident) return undefined;
      const trigger = (a.body as { trigger_id?: string }).trigger_id;
      if (!trigger) return undefined;
      await a.client.views.open({
        trigger_id: trigger,
        view: resolveModal(
          { id, channel: incident.channel },
          `${incident.priority}: ${incident.rule}`,
        ),
      });
      return undefined;
    }),
  );
  app.action(
    ACTION.fullReport,
    stateChange(
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
