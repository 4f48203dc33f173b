/**
 * `npx tsx scripts/check-claims.ts [slug|rule name ...]`: checks rules' claims against their
 * expanded conditions (the same checks as test/unit/guidance-claims.test.ts) and prints each
 * failing event's evaluation trace. No argument: every rule that has claims.
 * `--describe <slug>` prints what the rule matches and its expanded condition.
 */
import { compileCatalogRuleset, compiledRule } from '../src/condition/catalog-rules.js';
import { describeRule, summaryLines } from '../src/condition/describe.js';
import { loadCatalog, ruleSlug } from '../src/guidance/catalog.js';
import { loadClaims } from '../src/guidance/claims.js';
import { createGuidanceLibrary } from '../src/guidance/guidance.js';
import { checkClaims } from '../test/helpers/claims-check.js';

const args = process.argv.slice(2);
const describeOnly = args[0] === '--describe';
const wanted = describeOnly ? args.slice(1) : args;
const rules = loadCatalog().filter(
  (r) => !wanted.length || wanted.includes(ruleSlug(r.name)) || wanted.includes(r.name),
);
if (wanted.length && !rules.length) {
  process.stderr.write(`no rule matches ${wanted.join(', ')}\n`);
  process.exit(2);
}
if (describeOnly) {
  for (const r of rules) {
    const c = compiledRule(r);
    process.stdout.write(`== ${r.name} (${r.ruleset}, condition ${r.conditionHash})\n`);
    process.stdout.write(
      `${summaryLines(describeRule(c, compileCatalogRuleset(r.ruleset).lists)).join('\n')}\n`,
    );
    process.stdout.write(`Expanded: ${r.expandedCondition}\n\n`);
  }
  process.exit(0);
}
const library = createGuidanceLibrary();
let failed = 0;
let checked = 0;
let withClaims = 0;
for (const rule of rules) {
  let claims;
  try {
    claims = loadClaims(rule);
  } catch (err) {
    failed++;
    process.stdout.write(`✗ ${rule.name}\n  ${(err as Error).message}\n`);
    continue;
  }
  if (!claims) {
    if (wanted.length) process.stdout.write(`- ${rule.name}: no claims file\n`);
    continue;
  }
  withClaims++;
  const report = checkClaims(rule, claims, library, { verbose: true });
  checked += report.checked;
  if (report.problems.length) {
    failed++;
    process.stdout.write(`✗ ${rule.name}\n${report.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  } else process.stdout.write(`✓ ${rule.name} (${report.checked} claims)\n`);
}
process.stdout.write(
  `\n${withClaims} rules with claims, ${checked} claims checked, ${failed} failing\n`,
);
process.exit(failed ? 1 : 0);
