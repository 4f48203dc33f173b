import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { ruleGuidanceMessage } from '../../../../blocks/rule-guidance.js';
import { currentRules } from '../../../guidance/catalog.js';
import { searchRules } from '../../../guidance/rule-search.js';
import { IncidentError } from '../../../incidents/errors.js';
import { RESOLUTION_REASONS, type ResolutionReason } from '../../../incidents/model.js';
import { codeBlockContent, inlineValue } from '../../../text/mrkdwn.js';
import type { TimelineEntry } from '../../../incidents/model.js';
import type { WebClient } from '@slack/web-api';
import { exportText, timelineLine } from '../../../report/timeline-text.js';
import { NOT_ALLOWED } from '../actions/incident-actions.js';
import type { ListenerDeps } from '../deps.js';

export const HELP = [
  '*falco-triage*: Falco alerts as incidents, with guidance for every official Falco rule.',
  '`/falco rule <name | words | tag | T1059>`: guidance for a rule (exact name, fuzzy match, tag or MITRE ATT&amp;CK id)',
  '`/falco list [mine]`: open incidents, highest priority first',
  '`/falco ack <FT-n>` · `/falco unack <FT-n>` · `/falco assign <FT-n> @user` · `/falco unassign <FT-n>`',
  '`/falco resolve <FT-n> <reason> [note]` (reasons: ' +
    RESOLUTION_REASONS.join(', ') +
    ') · `/falco reopen <FT-n>`',
  '`/falco snooze <FT-n> <30m|1h|4h|24h>` · `/falco unsnooze <FT-n>`',
  '`/falco timeline <FT-n>`: the incident’s record · `/falco export <FT-n>`: the record as a file in its thread',
  '`/falco help`: this message',
].join('\n');

type Reply = RespondArguments & { response_type: 'ephemeral' };
const say = (text: string): Reply => ({ response_type: 'ephemeral', text });

const DURATION = /^(\d+)(m|h|d)$/;

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
    const text = command.text.trim();
    const [sub = 'help', ...rest] = text.split(/\s+/);
    try {
      await ack(await run(sub.toLowerCase(), rest, command.user_id, client));
    } catch (err) {
      log.error({ err, sub }, '/falco failed');
      await ack(say(':x: Something went wrong; the bot logs have the details.'));
    }
  };

  async function run(sub: string, args: string[], user: string, client: WebClient): Promise<Reply> {
    switch (sub) {
      case '':
      case 'help':
        return say(HELP);
      case 'rule':
        return ruleLookup(args.join(' '));
      case 'list':
        return list(args[0] === 'mine' ? user : undefined);
      case 'timeline':
        return timeline(args[0] ?? '');
      case 'export':
        return exportRecord(args[0] ?? '', user, client);
      case 'ack':
      case 'unack':
      case 'unassign':
      case 'reopen':
      case 'unsnooze':
      case 'assign':
      case 'resolve':
      case 'snooze':
        return change(sub, args, user);
      default:
        return say(`Unknown subcommand ${inlineValue(sub)}.\n${HELP}`);
    }
  }

  function ruleLookup(query: string): Reply {
    if (!query)
      return say(
        'Usage: `/falco rule <name | words | tag | T1059>`, e.g. `/falco rule terminal shell`',
      );
    const matches = searchRules(currentRules(), query);
    const best = matches[0];
    if (!best) {
      const loose = searchRules(currentRules(), query.split(/\s+/)[0] ?? query, 5);
      const hint = loose.length
        ? ` Did you mean: ${loose.map((m) => inlineValue(m.rule.name)).join(', ')}?`
        : ' Try a word from the rule name, a tag such as `k8s` or `mitre_execution`, or an ATT&amp;CK id such as `T1059`.';
      return say(`No Falco rule matches ${inlineValue(query)}.${hint}`);
    }
    const g = deps.guidance.forRule(best.rule);
    return {
      response_type: 'ephemeral',
      ...ruleGuidanceMessage(g, matches.slice(1), { withPostButton: true }),
    };
  }

  async function list(assignee?: string): Promise<Reply> {
    const incidents = assignee
      ? await deps.store.listByAssignee(assignee, { limit: 25 })
      : await deps.store.listOpen({ limit: 25 });
    if (!incidents.length)
      return say(assignee ? 'Nothing is assigned to you.' : 'No open incidents.');
    const lines = incidents.map((i) => {
      const state =
        i.status === 'acknowledged' ? `acknowledged by <@${i.acknowledgedBy}>` : i.status;
      const link = i.ts
        ? ` <https://slack.com/archives/${i.channel}/p${i.ts.replace('.', '')}|open>`
        : '';
      return `• *${i.id}* ${i.priority}: ${inlineValue(i.rule)} ×${i.occurrences}, ${state}${i.assignee ? `, assigned to <@${i.assignee}>` : ''}${link}`;
    });
    return say(lines.join('\n'));
  }

  async function names(entries: TimelineEntry[]): Promise<(u: string) => string> {
    // Names are looked up before the ack, so a timeline with a crowd stays within Slack's 3 s:
    // past 30 people the rest are shown by their user id.
    const ids = [...new Set(entries.flatMap((e) => [e.actor, e.detail.assignee ?? '']))]
      .filter((u) => u && u !== 'falco')
      .slice(0, 30);
    const map = new Map(
      await Promise.all(ids.map(async (u) => [u, await deps.users.displayName(u)] as const)),
    );
    return (u) => map.get(u) ?? u;
  }

  async function timeline(raw: string): Promise<Reply> {
    const id = raw.toUpperCase();
    if (!/^[A-Z][A-Z0-9]*-\d+$/.test(id)) return say('Usage: `/falco timeline FT-42`');
    const incident = await deps.store.get(id);
    if (!incident)
      return say(`${inlineValue(id)} does not exist, or was purged after it was resolved.`);
    // The whole timeline (capped at its stream length), so the newest entries are included.
    const entries = await deps.store.timeline(id, { limit: 10_000 });
    const name = await names(entries.slice(-200));
    // The newest lines matter most: keep as many as fit one 3,000-character section.
    const kept: string[] = [];
    let size = 0;
    for (const e of [...entries].reverse()) {
      const line = codeBlockContent(timelineLine(e, name).slice(0, 500));
      if (size + line.length + 1 > 2700) break;
      kept.unshift(line);
      size += line.length + 1;
    }
    const earlier = entries.length - kept.length;
    const text = `${earlier ? `… ${earlier} earlier entries: /falco export ${id}\n` : ''}${kept.join('\n')}`;
    return {
      response_type: 'ephemeral',
      text: `Timeline of ${id}`,
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `*Timeline of ${id}* (${entries.length} entries)` },
        },
        { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text}\`\`\`` } },
      ],
    };
  }

  async function exportRecord(raw: string, user: string, client: WebClient): Promise<Reply> {
    const id = raw.toUpperCase();
    if (!/^[A-Z][A-Z0-9]*-\d+$/.test(id)) return say('Usage: `/falco export FT-42`');
    const incident = await deps.store.get(id);
    if (!incident)
      return say(`${inlineValue(id)} does not exist, or was purged after it was resolved.`);
    if (!incident.ts) return say(`${id} has no Slack message yet; try again in a moment.`);
    const entries = await deps.store.timeline(id, { limit: 10_000 });
    const name = await names(entries);
    // The upload runs after the ack: files can take longer than Slack's 3 s.
    void client.files
      .uploadV2({
        channel_id: incident.channel,
        thread_ts: incident.ts,
        filename: `${id}-timeline.txt`,
        title: `${id}: timeline exported by ${name(user)}`,
        content: exportText(incident, entries, name),
      })
      .catch((err: unknown) => log.error({ err, incident: id }, 'export upload failed'));
    return say(`Exporting ${id}'s timeline (${entries.length} entries) to its thread.`);
  }

  async function change(sub: string, args: string[], user: string): Promise<Reply> {
    const id = (args[0] ?? '').toUpperCase();
    if (!/^[A-Z][A-Z0-9]*-\d+$/.test(id))
      return say(`Usage: \`/falco ${sub} <incident id, e.g. FT-42>\``);
    if (!(await deps.permissions.mayAct(user))) return say(NOT_ALLOWED);
    const now = Date.now();
    try {
      switch (sub) {
        case 'ack':
          await deps.store.acknowledge(id, user, now);
          break;
        case 'unack':
          await deps.store.unacknowledge(id, user, now);
          break;
        case 'unassign':
          await deps.store.unassign(id, user, now);
          break;
        case 'reopen':
          await deps.store.reopen(id, user, now);
          break;
        case 'unsnooze':
          await deps.store.unsnooze(id, user, now);
          break;
        case 'assign': {
          // Slack turns "@alice" into "<@U123|alice>" (or "<@U123>") in command text.
          const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(args[1] ?? '');
          if (!m) return say('Usage: `/falco assign FT-42 @someone`');
          await deps.store.assign(id, user, m[1]!, now);
          break;
        }
        case 'resolve': {
          const reason = (args[1] ?? '').toLowerCase().replace(/-/g, '_');
          if (!(RESOLUTION_REASONS as readonly string[]).includes(reason))
            return say(
              `Usage: \`/falco resolve ${id} <reason> [note]\`; reasons: ${RESOLUTION_REASONS.join(', ')}`,
            );
          await deps.store.resolve(
            id,
            user,
            reason as ResolutionReason,
            args.slice(2).join(' ') || undefined,
            now,
          );
          break;
        }
        case 'snooze': {
          const m = DURATION.exec(args[1] ?? '');
          const minutes = m ? Number(m[1]) * (m[2] === 'm' ? 1 : m[2] === 'h' ? 60 : 1440) : NaN;
          if (!m || minutes <= 0 || minutes > 7 * 1440)
            return say(`Usage: \`/falco snooze ${id} <30m|1h|4h|24h>\` (at most 7d)`);
          await deps.store.snooze(id, user, now + minutes * 60_000, now);
          break;
        }
      }
      deps.publisher.wake();
      return say(
        `Done: ${id} ${sub === 'ack' ? 'acknowledged' : `${sub}${sub.endsWith('e') ? 'd' : 'ed'}`}.`,
      );
    } catch (err) {
      if (err instanceof IncidentError) return say(`:warning: ${err.message}`);
      throw err;
    }
  }
}
