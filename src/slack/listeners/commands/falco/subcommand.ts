import type { RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../../../logger.js';
import type { ListenerDeps } from '../../deps.js';

export type Reply = RespondArguments & { response_type: 'ephemeral' };

export const say = (text: string): Reply => ({ response_type: 'ephemeral', text });

export interface SubcommandContext {
  deps: ListenerDeps;
  /** Who typed it. */
  user: string;
  /** Where it was typed. */
  channel?: string;
  client: WebClient;
  log: Logger;
}

/** One `/falco <word>`: the words after it -> the ephemeral answer (sent as the ack). */
export type Subcommand = (args: string[], ctx: SubcommandContext) => Promise<Reply> | Reply;
