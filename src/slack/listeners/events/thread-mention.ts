import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import {
  INCIDENT_VERBS,
  VERB_BY_NAME,
  verbForCommand,
  type VerbSpec,
} from '../../../incidents/verbs.js';
import { inlineValue } from '../../../text/mrkdwn.js';
import { applyVerb } from '../apply-verb.js';
import type { ListenerDeps } from '../deps.js';

/** The verbs a mention in an incident's thread can use: the incident's own, and muting alerts like it. */
export const THREAD_VERBS: readonly VerbSpec[] = [...INCIDENT_VERBS, VERB_BY_NAME.mute];

/** What to type in an incident's thread, one line per verb from its table entry. */
export const THREAD_HELP = [
  'In an incident’s thread, mention me with what to do:',
  ...THREAD_VERBS.map(
    (v) =>
      `\`@falco-triage ${v.command}${v.name === 'mute' ? ' [field=value …] <30m|2h|1d> <reason>' : v.usage ? ` ${v.usage}` : ''}\`: ${v.help}`,
  ),
  '`@falco-triage help`: this message · `/falco help` lists the commands that work anywhere',
].join('\n');

const OUTSIDE_A_THREAD =
  'I act on incidents from their threads: mention me in the thread under an incident message, e.g. `@falco-triage ack`. Elsewhere, `/falco list` shows the open incidents and `/falco help` every command.';

/** Removes the bot's own mention (anywhere in the text) and splits the rest into words. */
export function mentionWords(text: string, botUserId: string | undefined): string[] {
  const self = botUserId
    ? new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g')
    : /^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>/;
  return text.replace(self, ' ').trim().split(/\s+/).filter(Boolean);
}

/** The verb and its arguments a mention asks for; `help` and nothing at all ask for help. */
export function parseMention(
  words: string[],
): { help: true } | { verb: VerbSpec; args: string[] } | { unknown: string } {
  const [word = 'help', ...args] = words;
  if (word.toLowerCase() === 'help') return { help: true };
  const verb = verbForCommand(word);
  return verb && THREAD_VERBS.includes(verb) ? { verb, args } : { unknown: word };
}

/**
 * `@falco-triage <verb> [arguments]` in an incident's thread acts on that incident, with
 * the permissions and refusals of the buttons and `/falco`. Answers go to the person, in
 * the thread (ephemeral); a change itself shows as the thread line everyone sees.
 */
export function threadMention(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'events' });
  return async ({
    event,
    client,
    context,
  }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    const e = event as {
      user?: string;
      bot_id?: string;
      text?: string;
      ts: string;
      thread_ts?: string;
      channel: string;
    };
    const user = e.user;
    if (!user || e.bot_id) return;
    const answer = (text: string) =>
      client.chat.postEphemeral({
        channel: e.channel,
        user,
        text,
        ...(e.thread_ts ? { thread_ts: e.thread_ts } : {}),
      });
    try {
      const id =
        e.thread_ts && e.thread_ts !== e.ts
          ? await deps.store.findByMessage(e.channel, e.thread_ts)
          : undefined;
      if (!id) {
        await answer(OUTSIDE_A_THREAD);
        return;
      }
      const asked = parseMention(mentionWords(e.text ?? '', context.botUserId));
      if ('help' in asked) {
        await answer(THREAD_HELP);
        return;
      }
      if ('unknown' in asked) {
        await answer(`I do not know ${inlineValue(asked.unknown, 40)}.\n${THREAD_HELP}`);
        return;
      }
      const { verb } = asked;
      // Muting from a thread: alerts like this incident's.
      const args =
        verb.name === 'mute' && !/^(FT|STORM)-/i.test(asked.args[0] ?? '')
          ? [id, ...asked.args]
          : asked.args;
      const now = deps.now();
      const parsed = await verb.parse(args, {
        now,
        resolveUser: (w) => deps.users.userIdFor(w),
      });
      if ('usage' in parsed) {
        await answer(`Usage: \`@falco-triage ${verb.command} ${parsed.usage}\``);
        return;
      }
      const result = await applyVerb(deps, verb, id, user, parsed.args, now, e.channel);
      if (!result.ok || verb.subject !== 'incident') await answer(result.text);
      log.debug({ incident: id, verb: verb.name, ok: result.ok }, 'thread mention');
    } catch (err) {
      log.error({ err }, 'thread mention failed');
      await answer(':x: That did not work; the bot logs have the details.').catch(() => undefined);
    }
  };
}
