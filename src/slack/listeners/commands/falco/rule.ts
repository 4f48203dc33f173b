import { ruleGuidanceMessage } from '../../../../../blocks/rule-guidance.js';
import { currentRules } from '../../../../guidance/catalog.js';
import { searchRules } from '../../../../guidance/rule-search.js';
import { inlineValue } from '../../../../text/mrkdwn.js';
import { say, type Subcommand } from './subcommand.js';

/** `/falco rule <query>`: a rule's guidance, by exact name, fuzzy words, tag or ATT&CK id. */
export const rule: Subcommand = (args, { deps }) => {
  const query = args.join(' ');
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
};
