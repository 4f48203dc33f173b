import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { RESOLVE_INPUT } from '../../../../blocks/action-ids.js';
import type { ResolveModalMetadata } from '../../../../blocks/resolve-modal.js';
import { IncidentError } from '../../../incidents/errors.js';
import { RESOLUTION_REASONS, type ResolutionReason } from '../../../incidents/model.js';
import { NOT_ALLOWED } from '../apply-verb.js';
import type { ListenerDeps } from '../deps.js';

/**
 * The Resolve dialog's submit. The state change happens before the ack so a refusal
 * (already resolved by someone else) is shown in the dialog itself; a Redis call
 * takes milliseconds, well inside Slack's 3 s.
 */
export function resolveSubmission(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'views' });
  return async ({
    ack,
    view,
    body,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    let meta: ResolveModalMetadata;
    try {
      meta = JSON.parse(view.private_metadata) as ResolveModalMetadata;
    } catch {
      await ack({
        response_action: 'errors',
        errors: { [RESOLVE_INPUT.reasonBlock]: 'This dialog is out of date; open it again.' },
      });
      return;
    }
    const values = view.state.values;
    const reason =
      values[RESOLVE_INPUT.reasonBlock]?.[RESOLVE_INPUT.reasonAction]?.selected_option?.value;
    const note = values[RESOLVE_INPUT.noteBlock]?.[RESOLVE_INPUT.noteAction]?.value ?? undefined;
    if (!reason || !(RESOLUTION_REASONS as readonly string[]).includes(reason)) {
      await ack({
        response_action: 'errors',
        errors: { [RESOLVE_INPUT.reasonBlock]: 'Choose a reason.' },
      });
      return;
    }
    const user = body.user.id;
    try {
      if (!(await deps.permissions.mayAct(user))) {
        await ack({
          response_action: 'errors',
          errors: { [RESOLVE_INPUT.reasonBlock]: NOT_ALLOWED.replace(/^:no_entry: /, '') },
        });
        return;
      }
      if (meta.id.startsWith('STORM-'))
        await deps.storms.act(
          meta.id,
          'resolveall',
          user,
          [reason, note?.trim() ?? ''],
          deps.now(),
        );
      else
        await deps.store.resolve(
          meta.id,
          user,
          reason as ResolutionReason,
          note ?? undefined,
          deps.now(),
        );
      await ack();
      deps.publisher.wake();
    } catch (err) {
      if (err instanceof IncidentError) {
        await ack({
          response_action: 'errors',
          errors: { [RESOLVE_INPUT.reasonBlock]: err.message },
        });
        return;
      }
      log.error({ err, incident: meta.id }, 'resolve failed');
      await ack({
        response_action: 'errors',
        errors: {
          [RESOLVE_INPUT.reasonBlock]: 'That did not work; the bot logs have the details.',
        },
      });
    }
  };
}
