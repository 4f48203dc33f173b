import { exportText, timelineLine } from '../../../../report/timeline-text.js';
import { codeBlockContent, inlineValue } from '../../../../text/mrkdwn.js';
import { INCIDENT_ID } from '../../apply-verb.js';
import { names } from './names.js';
import { say, type Subcommand } from './subcommand.js';

/** Characters of timeline shown in the one section (Slack's cap is 3,000). */
const SHOWN_CHARS = 2700;

/** `/falco timeline <FT-n>`: the newest entries of the incident's record that fit. */
export const timeline: Subcommand = async (args, { deps }) => {
  const id = (args[0] ?? '').toUpperCase();
  if (!INCIDENT_ID.test(id)) return say('Usage: `/falco timeline FT-42`');
  const incident = await deps.store.get(id);
  if (!incident)
    return say(`${inlineValue(id)} does not exist, or was purged after it was resolved.`);
  // The whole timeline (capped at its stream length), so the newest entries are included.
  const entries = await deps.store.timeline(id, { limit: 10_000 });
  const name = await names(deps.users, entries.slice(-200));
  // The newest lines matter most: keep as many as fit one 3,000-character section.
  const kept: string[] = [];
  let size = 0;
  for (const e of [...entries].reverse()) {
    const line = codeBlockContent(timelineLine(e, name).slice(0, 500));
    if (size + line.length + 1 > SHOWN_CHARS) break;
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
};

/** `/falco export <FT-n>`: the whole record as a file in the incident's thread. */
export const exportRecord: Subcommand = async (args, { deps, user, client, log }) => {
  const id = (args[0] ?? '').toUpperCase();
  if (!INCIDENT_ID.test(id)) return say('Usage: `/falco export FT-42`');
  const incident = await deps.store.get(id);
  if (!incident)
    return say(`${inlineValue(id)} does not exist, or was purged after it was resolved.`);
  if (!incident.ts) return say(`${id} has no Slack message yet; try again in a moment.`);
  const entries = await deps.store.timeline(id, { limit: 10_000 });
  const name = await names(deps.users, entries);
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
};
