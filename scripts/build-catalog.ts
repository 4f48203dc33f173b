/**
 * `npm run catalog [-- --rules ../shared/falco-rules] [--check]`: builds data/falco-rules.json,
 * the project's catalog of official Falco rules (facts only: name, source, priority, tags,
 * output fields, MITRE ids, where the rule is documented, the condition expanded with its
 * macros and lists and a hash of it), plus each rules file's lists, macros and rule
 * conditions in load order, from the official rules files.
 *
 * The bot never reads the rules files at run time; it reads this catalog, so the project
 * builds and runs without ../shared. `--check` fails when the committed catalog differs
 * from what the rules files give, and names every rule whose expanded condition changed
 * since its guidance was reviewed (the hash recorded in its claims file).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parsePriority } from '../src/alert.js';
import { conditionHash, rulesetItems } from '../src/condition/catalog-rules.js';
import { printExpr } from '../src/condition/ast.js';
import { RulesetCollector } from '../src/condition/ruleset.js';
import { loadClaims } from '../src/guidance/claims.js';
import {
  catalogPath,
  ruleSlug,
  type CatalogRule,
  type CatalogRuleset,
} from '../src/guidance/catalog.js';
import { mitreFromTags } from '../src/guidance/guidance.js';
import { projectRoot } from '../src/project-root.js';

interface RulesFile {
  file: string;
  ruleset: string;
  source: string;
  deprecated?: boolean;
  docsBase: string;
}

const RULES_REPO = 'https://github.com/falcosecurity/rules/blob/main/rules';
const PLUGINS_REPO = 'https://github.com/falcosecurity/plugins/blob/main/plugins';

/** The official rulesets we cover; application_rules.yaml is an unmaintained example. */
export const RULES_FILES: readonly RulesFile[] = [
  { file: 'falco_rules.yaml', ruleset: 'stable', source: 'syscall', docsBase: RULES_REPO },
  {
    file: 'falco-incubating_rules.yaml',
    ruleset: 'incubating',
    source: 'syscall',
    docsBase: RULES_REPO,
  },
  { file: 'falco-sandbox_rules.yaml', ruleset: 'sandbox', source: 'syscall', docsBase: RULES_REPO },
  {
    file: 'falco-deprecated_rules.yaml',
    ruleset: 'deprecated',
    source: 'syscall',
    deprecated: true,
    docsBase: RULES_REPO,
  },
  {
    file: 'k8s_audit_rules.yaml',
    ruleset: 'k8saudit',
    source: 'k8s_audit',
    docsBase: `${PLUGINS_REPO}/k8saudit/rules`,
  },
  {
    file: 'aws_cloudtrail_rules.yaml',
    ruleset: 'cloudtrail',
    source: 'aws_cloudtrail',
    docsBase: `${PLUGINS_REPO}/cloudtrail/rules`,
  },
  {
    file: 'gcp_auditlog_rules.yaml',
    ruleset: 'gcpaudit',
    source: 'gcp_auditlog',
    docsBase: `${PLUGINS_REPO}/gcpaudit/rules`,
  },
  {
    file: 'github_rules.yaml',
    ruleset: 'github',
    source: 'github',
    docsBase: `${PLUGINS_REPO}/github/rules`,
  },
  {
    file: 'okta_rules.yaml',
    ruleset: 'okta',
    source: 'okta',
    docsBase: `${PLUGINS_REPO}/okta/rules`,
  },
];

/** `%proc.cmdline`, `%proc.aname[2]`, `%json.value[/user/x]`, `%okta.mfa.deny.countlast[300]`. */
export function outputFieldsOf(output: string): string[] {
  const fields: string[] = [];
  for (const m of output.matchAll(/%([A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_](?:\[[^\]\s]+\])?)/g)) {
    if (!fields.includes(m[1]!)) fields.push(m[1]!);
  }
  return fields;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : '';
}

/** Names of every `list` the official rules files define (what tuning may append to). */
export function buildListNames(rulesDir: string): string[] {
  const names = new Set<string>();
  for (const spec of RULES_FILES) {
    const items = parseYaml(readFileSync(join(rulesDir, spec.file), 'utf8')) as Array<
      Record<string, unknown>
    >;
    for (const item of items) if (typeof item.list === 'string') names.add(item.list);
  }
  return [...names].sort();
}

/** Each rules file's condition-bearing items in load order, as the catalog stores them. */
export function buildRulesets(rulesDir: string): Record<string, CatalogRuleset> {
  const out: Record<string, CatalogRuleset> = {};
  for (const spec of RULES_FILES) {
    const items = parseYaml(readFileSync(join(rulesDir, spec.file), 'utf8')) as Array<
      Record<string, unknown>
    >;
    out[spec.ruleset] = { file: spec.file, source: spec.source, items: rulesetItems(items) };
  }
  return out;
}

export function buildCatalog(rulesDir: string): CatalogRule[] {
  const rules: CatalogRule[] = [];
  const rulesets = buildRulesets(rulesDir);
  for (const spec of RULES_FILES) {
    const path = join(rulesDir, spec.file);
    const items = parseYaml(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
    // Each file is expanded on its own: every official file defines the macros and lists it
    // uses, and a file loaded later may redefine one (python_package_managers, outbound).
    const compiled = new RulesetCollector(spec.source)
      .add(rulesets[spec.ruleset]!.items, spec.file)
      .compile();
    for (const item of items) {
      if (typeof item.rule !== 'string' || item.override !== undefined || item.append) continue;
      const name = item.rule.trim();
      const rawPriority = text(item.priority);
      const priority = parsePriority(rawPriority);
      if (!priority) throw new Error(`${spec.file}: ${name}: unknown priority ${rawPriority}`);
      const tags = Array.isArray(item.tags) ? item.tags.map(String) : [];
      const maturity = tags.find((t) => t.startsWith('maturity_'))?.slice('maturity_'.length);
      const output = text(item.output);
      const c = compiled.rules.get(name);
      if (!c) throw new Error(`${spec.file}: ${name}: not compiled`);
      const expanded = printExpr(c.expr);
      rules.push({
        name,
        ruleset: spec.ruleset,
        source: typeof item.source === 'string' ? item.source : spec.source,
        // Plugin rulesets carry no maturity tag; they ship as the plugin's stable rules.
        maturity: maturity ?? (spec.source === 'syscall' ? spec.ruleset : 'stable'),
        priority,
        enabledByDefault: item.enabled !== false,
        deprecated: spec.deprecated === true,
        desc: text(item.desc),
        condition: text(item.condition),
        output,
        outputFields: outputFieldsOf(output),
        tags,
        mitre: mitreFromTags(tags),
        docsUrl: `${spec.docsBase}/${spec.file}`,
        conditionHash: conditionHash(expanded),
        macros: c.macrosUsed,
        listsUsed: c.listsUsed,
        expandedCondition: expanded,
      });
    }
  }
  const seen = new Map<string, string>();
  for (const r of rules) {
    const slug = ruleSlug(r.name);
    const other = seen.get(slug);
    if (other) throw new Error(`rules "${other}" and "${r.name}" share the slug ${slug}`);
    seen.set(slug, r.name);
  }
  return rules;
}

/** `  <rule>: reviewed against <hash>, now <hash>` for every claims file pinned to an old condition. */
export function staleReviews(rules: readonly CatalogRule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    const claims = loadClaims(r);
    if (claims && claims.reviewed.condition !== r.conditionHash)
      out.push(
        `  ${r.name}: reviewed against ${claims.reviewed.condition}, now ${r.conditionHash}`,
      );
  }
  return out;
}

export function renderCatalog(
  rules: CatalogRule[],
  lists: string[],
  rulesets: Record<string, CatalogRuleset>,
): string {
  const generatedFrom = 'falcosecurity/rules and falcosecurity/plugins rules files';
  return `${JSON.stringify({ generatedFrom, lists, rulesets, rules }, null, 1)}\n`;
}

function main(): void {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--rules');
  const rulesDir = resolve(
    ri >= 0 ? args[ri + 1]! : join(projectRoot(), '..', 'shared', 'falco-rules'),
  );
  if (!existsSync(rulesDir)) {
    process.stderr.write(`no rules directory at ${rulesDir}; pass --rules <dir>\n`);
    process.exit(2);
  }
  const rules = buildCatalog(rulesDir);
  const out = renderCatalog(rules, buildListNames(rulesDir), buildRulesets(rulesDir));
  const target = catalogPath();
  const counts = new Map<string, number>();
  for (const r of rules) counts.set(r.ruleset, (counts.get(r.ruleset) ?? 0) + 1);
  const summary = [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
  // Reviews are pinned to a condition: name every rule whose condition moved since.
  const stale = staleReviews(rules);
  if (args.includes('--check')) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current !== out) {
      process.stderr.write(`${target} is out of date; run npm run catalog\n`);
      process.exit(1);
    }
    if (stale.length) {
      process.stderr.write(
        `${stale.length} rules changed upstream since their guidance was reviewed (re-review, then update reviewed.condition in the claims file):\n${stale.join('\n')}\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`catalog up to date: ${rules.length} rules (${summary})\n`);
    return;
  }
  if (stale.length)
    process.stdout.write(
      `review again (condition changed since the review):\n${stale.join('\n')}\n`,
    );
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, out);
  process.stdout.write(`wrote ${target}: ${rules.length} rules (${summary})\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
