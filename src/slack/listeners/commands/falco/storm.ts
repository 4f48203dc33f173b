import { incidentLines } from '../../../../../blocks/incident-line.js';
import { SUBJECT_ID } from '../../../../incidents/verbs.js';
import { incidentLineView } from '../../../../report/view-model.js';
import { INCIDENT_ID } from '../../apply-verb.js';
import { say, type Subcommand } from './subcommand.js';

/** Incidents per page: 25 lines stay well inside one message. */
const PAGE = 25;

/** `/falco storm <STORM-n> [page]`: every incident of a storm, a page at a time. */
export const storm: Subcommand = async (args, { deps }) => {
  const id = (args[0] ?? '').toUpperCase();
  if (!SUBJECT_ID.storm.pattern.test(id)) return say('Usage: `/falco storm STORM-3 [page]`');
  const total = await deps.storms.memberCount(id);
  if (total === 0) return say(`${id} is not a storm the bot still knows.`);
  const pages = Math.ceil(total / PAGE);
  const page = Math.min(pages, Math.max(1, Number(args[1] ?? 1) || 1));
  const incidents = await deps.storms.members(id, (page - 1) * PAGE, PAGE);
  const lines = incidentLines(incidents.map((i) => incidentLineView(i)));
  const next = page < pages ? `\nNext: \`/falco storm ${id} ${page + 1}\`` : '';
  return say(
    `*${id}*: ${total.toLocaleString('en-US')} incident(s), page ${page} of ${pages}. \`/falco show FT-n\` posts one in the digest’s thread.\n${lines.join('\n')}${next}`,
  );
};

/** `/falco show <FT-n>`: a folded incident's report, posted in its storm's thread. */
export const show: Subcommand = async (args, { deps }) => {
  const id = (args[0] ?? '').toUpperCase();
  if (!INCIDENT_ID.test(id)) return say('Usage: `/falco show FT-42`');
  return say(await showText(deps, id));
};

/** What to tell someone who opened an incident from a digest. */
export async function showText(
  deps: Parameters<Subcommand>[1]['deps'],
  id: string,
): Promise<string> {
  const r = await deps.storms.show(id, deps.now());
  deps.publisher.wake();
  if (r === 'posting') return `${id} is being posted in its storm’s thread.`;
  if (r === 'shown') return `${id} has its own message already (\`/falco timeline ${id}\`).`;
  return `${id} does not exist, or was purged after it was resolved.`;
}
