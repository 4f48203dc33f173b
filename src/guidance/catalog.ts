import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PRIORITIES } from '../alert.js';
import { projectRoot } from '../project-root.js';

/**
 * The catalog of official Falco rules: facts about each rule (name, source, priority,
 * tags, output fields), produced by scripts/build-catalog.ts from the official rules
 * files and committed as data/falco-rules.json. The guidance itself lives in templates/.
 */
const catalogRuleSchema = z.object({
  name: z.string().min(1),
  ruleset: z.string(),
  source: z.string(),
  maturity: z.string(),
  priority: z.enum(PRIORITIES),
  enabledByDefault: z.boolean(),
  deprecated: z.boolean(),
  desc: z.string(),
  condition: z.string(),
  output: z.string(),
  outputFields: z.array(z.string()),
  tags: z.array(z.string()),
  mitre: z.object({ tactics: z.array(z.string()), techniques: z.array(z.string()) }),
  docsUrl: z.string().url(),
  /** First 16 hex digits of the SHA-256 of `expandedCondition`: what a review is pinned to. */
  conditionHash: z.string().regex(/^[0-9a-f]{16}$/),
  /** Macros the condition uses, directly or through other macros. */
  macros: z.array(z.string()),
  /** Lists the condition and its macros consult. */
  listsUsed: z.array(z.string()),
  /** The condition with exceptions, macros and lists expanded: what Falco evaluates. */
  expandedCondition: z.string(),
});
export type CatalogRule = z.infer<typeof catalogRuleSchema>;

/** One rules file's lists, macros and rules, in load order (only what conditions need). */
const catalogRulesetSchema = z.object({
  file: z.string(),
  source: z.string(),
  items: z.array(z.record(z.string(), z.unknown())),
});
export type CatalogRuleset = z.infer<typeof catalogRulesetSchema>;

const catalogSchema = z.object({
  /** Names of the lists the official rules define: tuning may append only to these. */
  lists: z.array(z.string()).default([]),
  rulesets: z.record(z.string(), catalogRulesetSchema),
  rules: z.array(catalogRuleSchema).min(1),
});

export function catalogPath(): string {
  return join(projectRoot(), 'data', 'falco-rules.json');
}

/** `Terminal shell in container` -> `terminal-shell-in-container`; the template file name. */
export function ruleSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

interface Catalog {
  lists: ReadonlySet<string>;
  rulesets: Readonly<Record<string, CatalogRuleset>>;
  rules: readonly CatalogRule[];
  current: readonly CatalogRule[];
  byName: Map<string, CatalogRule>;
  byLooseName: Map<string, CatalogRule>;
  byCompactName: Map<string, CatalogRule>;
}

/** Letters and digits only: "serviceAccount" and "service account" are the same rule. */
const compact = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '');

let cached: Catalog | undefined;

function load(): Catalog {
  if (cached) return cached;
  const path = catalogPath();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the rule catalog ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`the rule catalog ${path} is malformed: ${parsed.error.message}`);
  const rules = parsed.data.rules;
  const byName = new Map<string, CatalogRule>();
  const byLooseName = new Map<string, CatalogRule>();
  const byCompactName = new Map<string, CatalogRule>();
  for (const r of rules) {
    const c = compact(r.name);
    if (!byCompactName.has(c) || byCompactName.get(c)!.deprecated) byCompactName.set(c, r);
    // A current rule wins over a deprecated one of the same loose name.
    if (!byName.has(r.name) || byName.get(r.name)!.deprecated) byName.set(r.name, r);
    const loose = ruleSlug(r.name);
    if (!byLooseName.has(loose) || byLooseName.get(loose)!.deprecated) byLooseName.set(loose, r);
  }
  cached = {
    lists: new Set(parsed.data.lists),
    rulesets: parsed.data.rulesets,
    rules,
    current: rules.filter((r) => !r.deprecated),
    byName,
    byLooseName,
    byCompactName,
  };
  return cached;
}

/** Every rule in the catalog, deprecated ones included. */
export function loadCatalog(): readonly CatalogRule[] {
  return load().rules;
}

/** Names of the lists defined by the official rules files. */
export function officialLists(): ReadonlySet<string> {
  return load().lists;
}

/** One official rules file's items (lists, macros, rules) in load order. */
export function catalogRuleset(name: string): CatalogRuleset | undefined {
  return load().rulesets[name];
}

/** The rules shipped today, deprecated ones excluded. */
export function currentRules(): readonly CatalogRule[] {
  return load().current;
}

/**
 * The catalog entry for an alert's rule name: exact first, then ignoring case, spaces and
 * punctuation (hand-written replays and old Falco versions vary in both), then ignoring
 * word breaks too.
 */
export function findRule(name: string): CatalogRule | undefined {
  const c = load();
  // Older plugin versions spelled some names differently ("GCP IAM serviceAccount deleted").
  return (
    c.byName.get(name) ?? c.byLooseName.get(ruleSlug(name)) ?? c.byCompactName.get(compact(name))
  );
}
