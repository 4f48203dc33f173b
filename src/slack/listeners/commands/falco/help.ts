import { SUBJECT_ID, VERBS } from '../../../../incidents/verbs.js';
import { say, type Subcommand } from './subcommand.js';

/** The help text: the lookups, then one line per triage verb, from its table entry. */
export const HELP = [
  '*falco-triage*: Falco alerts as incidents, with guidance for every official Falco rule.',
  '`/falco rule <name | words | tag | T1059>`: guidance for a rule (exact name, fuzzy match, tag or MITRE ATT&amp;CK id)',
  '`/falco list [mine]`: open incidents, highest priority first',
  ...VERBS.map(
    (v) =>
      `\`/falco ${v.command}${v.name === 'mute' ? '' : ` ${SUBJECT_ID[v.subject].usage}`}${v.usage ? ` ${v.usage}` : ''}\`: ${v.help}`,
  ),
  '`/falco storm <STORM-n> [page]`: every incident of a storm · `/falco show <FT-n>`: post a folded incident in its storm’s thread',
  '`/falco mutes`: the active silences and what each has swallowed',
  '`/falco timeline <FT-n>`: the incident’s record · `/falco export <FT-n>`: the record as a file in its thread',
  'In an incident’s thread, mention the bot instead: `@falco-triage ack`, `@falco-triage help`',
  '`/falco help`: this message',
].join('\n');

export const help: Subcommand = () => say(HELP);
