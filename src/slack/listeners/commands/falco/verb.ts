import type { VerbSpec } from '../../../../incidents/verbs.js';
import { applyVerb, INCIDENT_ID } from '../../apply-verb.js';
import { say, type Subcommand } from './subcommand.js';

/** `/falco <verb> <FT-n> [arguments]` for any verb of the table. */
export function verbSubcommand(verb: VerbSpec): Subcommand {
  const usage = (id: string, detail = verb.usage) =>
    say(`Usage: \`/falco ${verb.command} ${id}${detail ? ` ${detail}` : ''}\``);
  return async (args, { deps, user }) => {
    const id = (args[0] ?? '').toUpperCase();
    if (!INCIDENT_ID.test(id)) return usage('<incident id, e.g. FT-42>');
    const now = Date.now();
    const parsed = await verb.parse(args.slice(1), {
      now,
      resolveUser: (w) => deps.users.userIdFor(w),
    });
    if ('usage' in parsed) return usage(id, parsed.usage);
    const result = await applyVerb(deps, verb, id, user, parsed.args, now);
    return say(result.ok ? `Done: ${id} ${verb.done}.` : result.text);
  };
}
