import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type Handlebars from 'handlebars';
import { displayValue, parseFalcoTime, sourceOf, type Alert } from '../alert.js';
import { compileCatalogRuleset, compiledRule } from '../condition/catalog-rules.js';
import { describeRule, type MatchSummary } from '../condition/describe.js';
import { findRule, loadCatalog, ruleSlug, type CatalogRule } from './catalog.js';
import { parseGuidance, type GuidanceDocument, type Reference } from './document.js';
import { createTemplateEnv, walk, type TemplateData } from './template-env.js';
import { projectRoot } from '../project-root.js';
import { lookupTable } from '../lookup-table.js';

export interface Mitre {
  tactics: string[];
  techniques: string[];
}

export interface RenderedGuidance {
  rule: string;
  source: string;
  /** true when written for this rule; false for the generic fallback of custom rules. */
  specific: boolean;
  catalog?: CatalogRule;
  /** What the official rule's condition matches, generated from it (none for custom rules). */
  matches?: MatchSummary;
  mitre: Mitre;
  doc: GuidanceDocument;
}

const summaries = new Map<string, MatchSummary>();

/** The rule's condition described, once per rule (compiling a ruleset takes milliseconds). */
export function matchSummary(rule: CatalogRule): MatchSummary {
  const key = `${rule.ruleset}\u0000${rule.name}`;
  let s = summaries.get(key);
  if (!s) {
    s = describeRule(compiledRule(rule), compileCatalogRuleset(rule.ruleset).lists);
    summaries.set(key, s);
  }
  return s;
}

export interface GuidanceLibrary {
  forAlert(alert: Alert): RenderedGuidance;
  /** Guidance with no alert at hand (/falco rule): every value becomes a fill-in. */
  forRule(rule: CatalogRule): RenderedGuidance;
  /** Slugs that have a specific template. */
  templateSlugs(): Set<string>;
}

const TACTIC_NAMES = lookupTable<string>({
  initial_access: 'Initial Access',
  execution: 'Execution',
  persistence: 'Persistence',
  privilege_escalation: 'Privilege Escalation',
  defense_evasion: 'Defense Evasion',
  credential_access: 'Credential Access',
  discovery: 'Discovery',
  lateral_movement: 'Lateral Movement',
  collection: 'Collection',
  command_and_control: 'Command and Control',
  exfiltration: 'Exfiltration',
  impact: 'Impact',
  reconnaissance: 'Reconnaissance',
  resource_development: 'Resource Development',
});

export function tacticName(t: string): string {
  return TACTIC_NAMES[t] ?? t.replace(/_/g, ' ');
}

/**
 * `mitre_*` tags that name a technique, not a tactic (the GCP rules tag a bucket deletion
 * `mitre_data_destruction`): shown as the technique they name, never as a tactic.
 */
const TECHNIQUE_TAGS = lookupTable<string>({
  data_destruction: 'T1485',
});

/** ATT&CK ids from tags: `T1059`, `T1611.001`, and plugin styles like `T1562-impair-defenses`. */
export function mitreFromTags(tags: readonly string[]): Mitre {
  const tactics = new Set<string>();
  const techniques = new Set<string>();
  for (const tag of tags) {
    const named = /^mitre_(\w+)$/.exec(tag)?.[1];
    if (named && named in TACTIC_NAMES) tactics.add(named);
    else if (named && TECHNIQUE_TAGS[named]) techniques.add(TECHNIQUE_TAGS[named]);
    const tech = /^(T\d{4}(?:\.\d{3})?)\b/.exec(tag);
    if (tech) techniques.add(tech[1]!);
  }
  return { tactics: [...tactics], techniques: [...techniques] };
}

export function techniqueUrl(id: string): string {
  const [base, sub] = id.split('.');
  return `https://attack.mitre.org/techniques/${base}/${sub ? `${sub}/` : ''}`;
}

/** The printable values of an alert, keyed by field name, plus a few derived pseudo-fields. */
export function templateValues(alert: Alert | undefined): Record<string, string> {
  // Null prototype: templates look values up by field name, and an alert without a
  // "constructor" field must not find Object's.
  const values = Object.create(null) as Record<string, string>;
  if (!alert) return values;
  for (const [k, v] of Object.entries(alert.output_fields)) {
    const d = displayValue(v);
    if (d !== undefined) values[k] = d;
  }
  if (alert.hostname) values.hostname = alert.hostname;
  const repo = values['container.image.repository'];
  const tag = values['container.image.tag'];
  if (repo) values.image = tag ? `${repo}:${tag}` : repo;
  else if (values['container.image']) values.image = values['container.image'];
  const t = parseFalcoTime(alert.time);
  if (Number.isFinite(t)) values.time = new Date(t).toISOString();
  return values;
}

export function createGuidanceLibrary(
  templatesDir = join(projectRoot(), 'templates'),
): GuidanceLibrary {
  const env = createTemplateEnv(templatesDir);
  const ruleFiles = new Map<string, string>();
  for (const file of walk(join(templatesDir, 'rules'))) {
    if (file.endsWith('.hbs')) ruleFiles.set(basename(file, '.hbs'), file);
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate<TemplateData>>();
  const compile = (file: string) => {
    let t = compiled.get(file);
    if (!t) {
      // strict: a typo in a helper or partial name fails loudly in tests, not silently in Slack.
      t = env.compile<TemplateData>(readFileSync(file, 'utf8'), { noEscape: true, strict: true });
      compiled.set(file, t);
    }
    return t;
  };

  const genericFile = (source: string) => {
    const specific = join(templatesDir, 'generic', `${source}.hbs`);
    return existsSync(specific) ? specific : join(templatesDir, 'generic', 'default.hbs');
  };

  function render(
    ruleName: string,
    source: string,
    alert: Alert | undefined,
    catalogRule: CatalogRule | undefined,
  ): RenderedGuidance {
    const slug = catalogRule ? ruleSlug(catalogRule.name) : undefined;
    const specificFile = slug ? ruleFiles.get(slug) : undefined;
    const file = specificFile ?? genericFile(source);
    const data: TemplateData = {
      rule: ruleName,
      source,
      values: { ...templateValues(alert), rule: ruleName },
    };
    const text = compile(file)(data);
    const doc = parseGuidance(text, file);
    const tags = catalogRule?.tags ?? alert?.tags ?? [];
    const mitre = mitreFromTags(tags);
    const refs: Reference[] = [];
    if (catalogRule?.docsUrl)
      refs.push({ title: `Falco rule: ${catalogRule.name}`, url: catalogRule.docsUrl });
    for (const t of mitre.techniques)
      refs.push({ title: `MITRE ATT&CK ${t}`, url: techniqueUrl(t) });
    doc.references = [...refs, ...doc.references.filter((r) => !refs.some((x) => x.url === r.url))];
    const rendered: RenderedGuidance = {
      rule: ruleName,
      source,
      specific: Boolean(specificFile),
      catalog: catalogRule,
      mitre,
      doc,
    };
    if (catalogRule) rendered.matches = matchSummary(catalogRule);
    return rendered;
  }

  return {
    forAlert(alert) {
      const catalogRule = findRule(alert.rule);
      return render(alert.rule, catalogRule?.source ?? sourceOf(alert), alert, catalogRule);
    },
    forRule(rule) {
      return render(rule.name, rule.source, undefined, rule);
    },
    templateSlugs: () => new Set(ruleFiles.keys()),
  };
}

export { loadCatalog };
