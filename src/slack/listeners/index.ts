import type { App } from '@slack/bolt';
import { ACTION, VIEW } from '../../../blocks/action-ids.js';
import type { Config } from '../../config.js';
import type { GuidanceLibrary } from '../../guidance/guidance.js';
import type { IncidentStore } from '../../incidents/store.js';
import type { Logger } from '../../logger.js';
import type { Renderer } from '../../report/render.js';
import type { Permissions } from '../permissions.js';
import type { Publisher } from '../publisher.js';
import type { UserDirectory } from '../user-directory.js';
import { registerIncidentActions } from './actions/incident-actions.js';
import { postRuleGuidance } from './actions/post-rule-guidance.js';
import { registerCommands } from './commands/index.js';
import { appHomeOpened } from './events/app-home.js';
import { threadMessage } from './events/thread-message.js';
import { resolveSubmission } from './views/resolve-submission.js';

export interface ListenerDeps {
  store: IncidentStore;
  publisher: Publisher;
  users: UserDirectory;
  renderer: Renderer;
  guidance: GuidanceLibrary;
  permissions: Permissions;
  config: Readonly<Config>;
  log: Logger;
}

/** One place that knows every Slack listener the bot has. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommands(app, deps);
  registerIncidentActions(app as never, deps);
  app.action(ACTION.postRuleGuidance, postRuleGuidance(deps));
  app.view(VIEW.resolve, resolveSubmission(deps));
  app.event('message', threadMessage(deps));
  app.event('app_home_opened', appHomeOpened(deps));
}
