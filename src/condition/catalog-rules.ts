import { createHash } from 'node:crypto';
import { catalogRuleset, type CatalogRule } from '../guidance/catalog.js';
import { RulesetCollector, type CompiledRule, type CompiledRuleset } from './ruleset.js';

/**
 * The official rules as the condition engine sees them, rebuilt from the catalog
 * (data/falco-rules.json), which keeps each rules file's lists, macros and rule conditions.
 */

/** A rules-file item reduced to what conditions need. */
export type RulesetItem = Record<string, unknown>;

const KEEP: Record<string, readonly string[]> = {
  list: ['list', 'items', 'override', 'append'],
  macro: ['macro', 'condition', 'override', 'append'],
  rule: ['rule', 'condition', 'exceptions', 'enabled', 'source', 'override', 'append'],
};

export function rulesetItems(items: ReadonlyArray<Record<string, unknown>>): RulesetItem[] {
  const out: RulesetItem[] = [];
  for (const item of items) {
    const kind = ['list', 'macro', 'rule'].find((k) => typeof item[k] === 'string');
    if (!kind) continue;
    const kept: RulesetItem = {};
    for (const key of KEEP[kind]!) {
      const v = item[key];
      if (v === undefined) continue;
      kept[key] = typeof v === 'string' && key === 'condition' ? v.trim() : v;
    }
    out.push(kept);
  }
  return out;
}

export function conditionHash(expanded: string): string {
  return createHash('sha256').update(expanded).digest('hex').slice(0, 16);
}

const cache = new Map<string, CompiledRuleset>();

/**
 * The compiled rules file a catalog ruleset came from; with `extra` items (a user's
 * exceptions, list appends, macro overrides) loaded after it, as Falco would load a local
 * rules file after the official one.
 */
export function compileCatalogRuleset(
  ruleset: string,
  extra: readonly RulesetItem[] = [],
): CompiledRuleset {
  if (!extra.length) {
    const hit = cache.get(ruleset);
    if (hit) return hit;
  }
  const spec = catalogRuleset(ruleset);
  if (!spec) throw new Error(`no ruleset ${ruleset} in the catalog`);
  // structuredClone: the collector mutates what it is given when items are appended.
  const col = new RulesetCollector(spec.source)
    .add(structuredClone(spec.items), spec.file)
    .add(structuredClone(extra as RulesetItem[]), 'local rules');
  const compiled = col.compile();
  if (!extra.length) cache.set(ruleset, compiled);
  return compiled;
}

export function compiledRule(rule: CatalogRule, extra: readonly RulesetItem[] = []): CompiledRule {
  const c = compileCatalogRuleset(rule.ruleset, extra).rules.get(rule.name);
  if (!c) throw new Error(`rule ${rule.name} is not in ruleset ${rule.ruleset}`);
  return c;
}
