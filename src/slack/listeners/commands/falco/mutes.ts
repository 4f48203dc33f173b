import { formatUtc } from '../../../../report/view-model.js';
import { inlineValue, mrkdwnText } from '../../../../text/mrkdwn.js';
import { truncate } from '../../../../text/truncate.js';
import { say, type Subcommand } from './subcommand.js';

/** `/falco mutes`: the active silences, soonest to end first, with what each swallowed. */
export const mutes: Subcommand = async (_args, { deps }) => {
  const active = await deps.silences.active(deps.now());
  if (active.length === 0) return say('No active silences. `/falco mute` creates one.');
  const lines = active.map(
    (s) =>
      `• *${s.id}* ${inlineValue(s.what, 200)} until ${formatUtc(s.endsAt)}: ${s.count.toLocaleString('en-US')} alert(s) swallowed${s.reason ? ` (${mrkdwnText(truncate(s.reason, 100))})` : ''}`,
  );
  let text = `*Active silences* (${active.length}); \`/falco unmute MUTE-n\` ends one:`;
  for (const l of lines) {
    if (text.length + l.length + 1 > 2900) {
      text += `\n… and ${active.length - lines.indexOf(l)} more`;
      break;
    }
    text += `\n${l}`;
  }
  return say(text);
};
