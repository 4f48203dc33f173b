import type { App } from '@slack/bolt';
import { ACTION, VIEW } from '../../../blocks/action-ids.js';
import type { ListenerDeps } from './deps.js';
import { registerIncidentActions } from './actions/incident-actions.js';
import { postRuleGuidance } from './actions/post-rule-guidance.js';
import { registerCommands } from './commands/index.js';
import { appHomeOpened } from './events/app-home.js';
import { threadMention } from './events/thread-mention.js';
import { threadMessage } from './events/thread-message.js';
import { muteSubmission } from './views/mute-submission.js';
import { resolveSubmission } from './views/resolve-submission.js';

/** One place that knows every Slack listener the bot has. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommands(app, deps);
  registerIncidentActions(app as never, deps);
  app.action(ACTION.postRuleGuidance, postRuleGuidance(deps));
  app.view(VIEW.resolve, resolveSubmission(deps));
  app.view(VIEW.mute, muteSubmission(deps));
  app.event('message', threadMessage(deps));
  app.event('app_mention', threadMention(deps));
  app.event('app_home_opened', appHomeOpened(deps));
}
