import { SUBJECT_ID, type VerbSpec } from '../../../../incidents/verbs.js';
import { applyVerb } from '../../apply-verb.js';
import { say, type Subcommand } from './subcommand.js';

/**
 * `/falco <verb> <subject id> [arguments]` for any verb of the table: an incident
 * (FT-n), a storm (STORM-n) or a silence (MUTE-n). `/falco mute` names what it mutes in
 * its own arguments (an incident, a storm, or a rule and fields).
 */
export function verbSubcommand(verb: VerbSpec): Subcommand {
  const subject = SUBJECT_ID[verb.subject];
  const usage = (id: string, detail = verb.usage) =>
    say(`Usage: \`/falco ${verb.command} ${id}${detail ? ` ${detail}` : ''}\``);
  return async (args, { deps, user, channel }) => {
    const now = deps.now();
    const ctx = { now, resolveUser: (w: string) => deps.users.userIdFor(w) };
    if (verb.name === 'mute') {
      const parsed = await verb.parse(args, ctx);
      if ('usage' in parsed) return say(`Usage: \`/falco mute ${parsed.usage}\``);
      const result = await applyVerb(deps, verb, '', user, parsed.args, now, channel);
      return say(result.text);
    }
    const id = (args[0] ?? '').toUpperCase();
    if (!subject.pattern.test(id)) return usage(`<${verb.subject} id, e.g. ${subject.example}>`);
    const parsed = await verb.parse(args.slice(1), ctx);
    if ('usage' in parsed) return usage(id, parsed.usage);
    const result = await applyVerb(deps, verb, id, user, parsed.args, now, channel);
    return say(result.text);
  };
}
