import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { compiledRule, type RulesetItem } from '../../src/condition/catalog-rules.js';
import { evaluate } from '../../src/condition/evaluate.js';
import { catalogRuleset, findRule, loadCatalog, ruleSlug } from '../../src/guidance/catalog.js';
import { projectRoot } from '../../src/project-root.js';
import { falcoItem } from '../../src/guidance/template-helpers.js';
import { yamlString } from '../../src/text/yaml-quote.js';
import { loadClaims } from '../../src/guidance/claims.js';
import { createGuidanceLibrary } from '../../src/guidance/guidance.js';
import { walk } from '../../src/guidance/template-env.js';
import { checkClaims } from '../helpers/claims-check.js';
import { alertFromRule } from '../helpers/alert-from-rule.js';
import { checkLookups, templatesDir } from '../helpers/guidance-checks.js';

/**
 * Every rule's guidance comes with claims (templates/rules/<source>/<slug>.claims.yaml):
 * events that must fire, events that must not, and Tune snippets evaluated against the
 * rule's expanded condition. See templates/CLAIMS.md.
 */

const library = createGuidanceLibrary(templatesDir);

/** The per-ruleset table of docs/guidance-review.md, from the claims actually checked. */
function claimsTable(by: Map<string, { rules: number; claims: number }>): string {
  const rows = [...by].map(([rs, s]) => {
    const r = rules.find((x) => x.ruleset === rs)!;
    const file = catalogRuleset(rs)!.file;
    return `| ${rs} | ${r.source} | \`${file}\` | ${s.rules} | ${s.claims.toLocaleString('en-US')} |`;
  });
  const total = [...by.values()].reduce(
    (a, s) => ({ rules: a.rules + s.rules, claims: a.claims + s.claims }),
    { rules: 0, claims: 0 },
  );
  return [
    '| ruleset | source | rules file | rules reviewed, with claims | claims checked |',
    '|---|---|---|---|---|',
    ...rows,
    `| **all** | | | **${total.rules}** | **${total.claims.toLocaleString('en-US')}** |`,
    '',
  ].join('\n');
}
const rules = loadCatalog();

describe('guidance claims', () => {
  test('claims files belong to official rules, beside their template', () => {
    const bySlug = new Map(rules.map((r) => [`${r.source}/${ruleSlug(r.name)}`, r]));
    for (const file of walk(join(templatesDir, 'rules')).filter((f) =>
      f.endsWith('.claims.yaml'),
    )) {
      const key = `${basename(dirname(file))}/${basename(file, '.claims.yaml')}`;
      assert.ok(bySlug.has(key), `${relative(templatesDir, file)} matches no rule`);
    }
  });

  test('every one of the 242 official rules has claims, reviewed against its current condition', () => {
    const missing = rules
      .filter((r) => !loadClaims(r))
      .map((r) => `${r.source}/${ruleSlug(r.name)}`);
    assert.deepEqual(missing, []);
    assert.equal(rules.length, 242);
    const stale = rules.filter((r) => loadClaims(r)!.reviewed.condition !== r.conditionHash);
    assert.deepEqual(
      stale.map((r) => r.name),
      [],
    );
  });

  const byRuleset = new Map<string, { rules: number; claims: number }>();
  for (const rule of rules) {
    const claims = loadClaims(rule);
    if (!claims) continue;
    test(`${rule.name}: every claim holds against the expanded condition`, () => {
      const report = checkClaims(rule, claims, library);
      assert.deepEqual(report.problems, []);
      assert.ok(report.checked >= 3, `only ${report.checked} claims checked`);
      // Reviewed guidance also bounds every log look-up in time.
      assert.deepEqual(
        [
          ...checkLookups(`${rule.name} [values]`, library.forAlert(alertFromRule(rule))),
          ...checkLookups(`${rule.name} [no alert]`, library.forRule(rule)),
        ],
        [],
      );
      const s = byRuleset.get(rule.ruleset) ?? { rules: 0, claims: 0 };
      s.rules++;
      s.claims += report.checked;
      byRuleset.set(rule.ruleset, s);
    });
  }

  test('claims checked per ruleset, as docs/guidance-review.md states them', (t) => {
    for (const [rs, s] of byRuleset)
      t.diagnostic(`${rs}: ${s.rules} rules, ${s.claims} claims checked`);
    assert.equal(byRuleset.size, 9);
    const table = claimsTable(byRuleset);
    const doc = readFileSync(join(projectRoot(), 'docs', 'guidance-review.md'), 'utf8');
    const current = /<!-- claims:start -->\n([\s\S]*?)<!-- claims:end -->/.exec(doc)?.[1];
    assert.equal(current, table, 'docs/guidance-review.md: paste the table this test prints');
  });
});

describe('values in Falco snippets', () => {
  // Each value becomes an exception and must silence an event that carries exactly it:
  // Falco pastes values into the condition text, so quoting mistakes change what matches
  // or stop Falco from loading the file.
  const nasty = [
    'plain',
    'sh -c id',
    'a,b',
    'x=(y)',
    'C:\\Temp dir\\x',
    'say "hi" now',
    '"quoted" start',
    "it's",
    '',
    'tab\there',
  ];
  for (const value of nasty)
    test(`an exception on proc.cmdline = ${JSON.stringify(value)} matches exactly that value`, () => {
      const item = falcoItem(value);
      const snippet = parseYaml(
        `- rule: Terminal shell in container\n  exceptions:\n    - name: t\n      fields: [proc.cmdline]\n      comps: [=]\n      values:\n        - [${yamlString(item)}]\n  override:\n    exceptions: append\n`,
      ) as RulesetItem[];
      const expr = compiledRule(findRule('Terminal shell in container')!, snippet).expr;
      const ev = {
        'evt.type': 'execve',
        'evt.num': 1,
        'container.id': 'c1',
        'proc.name': 'bash',
        'proc.tty': 1,
        'proc.pname': 'runc',
      };
      assert.equal(evaluate(expr, { ...ev, 'proc.cmdline': value }).result, false, 'silenced');
      assert.equal(
        evaluate(expr, { ...ev, 'proc.cmdline': `${value}x` }).result,
        true,
        'others not',
      );
    });
});
