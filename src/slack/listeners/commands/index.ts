import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';
import { falcoCommand } from './falco-command.js';

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command('/falco', falcoCommand(deps));
}
