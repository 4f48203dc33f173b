import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ruleGuidanceMessage } from '../../../../blocks/rule-guidance.js';
import { findRule } from '../../../guidance/catalog.js';
import type { ListenerDeps } from '../deps.js';

/** "Post to channel" under a /falco rule answer: the same guidance, for everyone in the channel. */
export function postRuleGuidance(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'actions' });
  return async ({
    ack,
    body,
    action,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const name = (action as { value?: string }).value ?? '';
    const rule = findRule(name);
    const channel = body.channel?.id;
    if (!rule || !channel) return;
    try {
      const msg = ruleGuidanceMessage(deps.guidance.forRule(rule), [], { withPostButton: false });
      await client.chat.postMessage({ channel, ...msg, unfurl_links: false, unfurl_media: false });
      await respond({ response_type: 'ephemeral', delete_original: true }).catch(() => undefined);
    } catch (err) {
      log.error({ err, rule: rule.name }, 'could not post rule guidance');
    }
  };
}
