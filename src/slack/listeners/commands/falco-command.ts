import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { VERBS } from '../../../incidents/verbs.js';
import { inlineValue } from '../../../text/mrkdwn.js';
import type { ListenerDeps } from '../deps.js';
import { help, HELP } from './falco/help.js';
import { list } from './falco/list.js';
import { rule } from './falco/rule.js';
import { say, type Subcommand } from './falco/subcommand.js';
import { mutes } from './falco/mutes.js';
import { show, storm } from './falco/storm.js';
import { exportRecord, timeline } from './falco/timeline.js';
import { verbSubcommand } from './falco/verb.js';

/** Every `/falco <word>`: the lookups, and one per triage verb from its table. */
export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  '': help,
  help,
  rule,
  list,
  timeline,
  export: exportRecord,
  storm,
  show,
  mutes,
  ...Object.fromEntries(VERBS.map((v) => [v.command, verbSubcommand(v)])),
};

/**
 * /falco <subcommand>. Every reply is the ack itself (ephemeral): it is computed in
 * milliseconds from Redis and the templates, so it fits inside Slack's 3 s and needs
 * no response_url round trip.
 */
export function falcoCommand(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'command' });
  return async ({
    command,
    ack,
    client,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const [word = '', ...args] = command.text.trim().split(/\s+/);
    const sub = word.toLowerCase();
    try {
      const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
      await ack(
        run
          ? await run(args, {
              deps,
              user: command.user_id,
              channel: command.channel_id,
              client,
              log,
            })
          : say(`Unknown subcommand ${inlineValue(sub)}.\n${HELP}`),
      );
    } catch (err) {
      log.error({ err, sub }, '/falco failed');
      await ack(say(':x: Something went wrong; the bot logs have the details.'));
    }
  };
}
