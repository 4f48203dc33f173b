import { parse as parseYaml } from 'yaml';
import type { Alert, FieldValue as AlertFieldValue } from '../../src/alert.js';
import { compiledRule, type RulesetItem } from '../../src/condition/catalog-rules.js';
import { evaluate, type Evaluation, type SyntheticEvent } from '../../src/condition/evaluate.js';
import type { CatalogRule } from '../../src/guidance/catalog.js';
import type { ClaimFields, Claims } from '../../src/guidance/claims.js';
import type { GuidanceLibrary, RenderedGuidance } from '../../src/guidance/guidance.js';
import { APPENDED_SYSCALL_FIELDS, FIXED_TIME } from './alert-from-rule.js';

/**
 * Checks one rule's claims against its real, expanded condition (shared by
 * test/unit/guidance-claims.test.ts and scripts/check-claims.ts). Every problem says what to
 * change; `verbose` adds the evaluation trace of each failing event.
 */

export interface ClaimReport {
  problems: string[];
  /** How many claims were checked (events evaluated, bullets matched, snippets applied). */
  checked: number;
}

const PSEUDO_FIELDS = new Set(['hostname']);

function eventOf(claims: Claims, fields: ClaimFields): SyntheticEvent {
  return { ...claims.base, ...fields };
}

/** The alert Falco would send for this event: the rule's output fields with their values. */
export function alertFromEvent(rule: CatalogRule, event: SyntheticEvent): Alert {
  const output_fields: Record<string, AlertFieldValue> = {};
  const wanted = [...rule.outputFields];
  if (rule.source === 'syscall')
    for (const f of APPENDED_SYSCALL_FIELDS) if (!wanted.includes(f)) wanted.push(f);
  for (const f of wanted) {
    const v = event[f];
    output_fields[f] = v === undefined ? null : v;
  }
  const hostname = event.hostname;
  return {
    rule: rule.name,
    priority: rule.priority,
    time: FIXED_TIME,
    output: `${rule.name} (claims alert)`,
    output_fields,
    source: rule.source,
    tags: [...rule.tags],
    hostname: typeof hostname === 'string' ? hostname : 'worker-node-1',
  };
}

/** Text without Slack formatting, for matching a claim's words against the guidance. */
export function plainWords(s: string): string {
  return s
    .replace(/[`*_~]/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

function describeEval(e: Evaluation): string {
  return e.trace.map((t) => `      ${t.result ? 'true ' : 'false'}  ${t.check}`).join('\n');
}

/** The `falco` code blocks of the Tune section, parsed as rules-file items. */
export function tuneSnippets(g: RenderedGuidance): Array<{ text: string; items: RulesetItem[] }> {
  const tune = g.doc.sections.find((s) => s.id === 'tune');
  if (!tune) return [];
  return tune.steps.flatMap((st) =>
    st.code
      .filter((c) => c.lang === 'falco')
      .map((c) => ({ text: c.content, items: parseYaml(c.content) as RulesetItem[] })),
  );
}

export function checkClaims(
  rule: CatalogRule,
  claims: Claims,
  library: GuidanceLibrary,
  opts: { verbose?: boolean } = {},
): ClaimReport {
  const problems: string[] = [];
  let checked = 0;
  const setup = claims.setup as RulesetItem[];
  let compiled: ReturnType<typeof compiledRule>;
  try {
    compiled = compiledRule(rule, setup);
  } catch (err) {
    return { problems: [`setup: Falco would refuse it: ${(err as Error).message}`], checked };
  }
  const run = (label: string, fields: ClaimFields, want: boolean, extra?: RulesetItem[]) => {
    const ev = eventOf(claims, fields);
    let result: Evaluation;
    try {
      result = evaluate(extra ? compiledRule(rule, [...setup, ...extra]).expr : compiled.expr, ev);
    } catch (err) {
      problems.push(`${label}: cannot be evaluated: ${(err as Error).message}`);
      return;
    }
    checked++;
    const undeclared = result.undeclared.filter((f) => !PSEUDO_FIELDS.has(f));
    if (undeclared.length)
      problems.push(
        `${label}: the condition reads ${undeclared.join(', ')}, which the event does not set: give each a value, or null for absent`,
      );
    if (result.result !== want)
      problems.push(
        `${label}: ${want ? 'does not fire' : 'fires'} but the claim says it ${want ? 'does' : 'does not'}` +
          (opts.verbose ? `\n${describeEval(result)}` : ''),
      );
  };

  if (claims.reviewed.condition !== rule.conditionHash)
    problems.push(
      `reviewed against condition ${claims.reviewed.condition}, the catalog now has ${rule.conditionHash}: re-review the guidance against the new condition, then update reviewed.condition`,
    );

  run('alert', claims.alert, true);
  for (const c of claims.others) run(`others "${c.case}"`, c.fields, true);
  for (const c of claims.fires) run(`fires "${c.case}"`, c.fields, true);
  for (const c of claims.silent) run(`silent "${c.case}"`, c.fields, false);

  const names = [...claims.fires, ...claims.silent, ...claims.others].map((c) => c.case);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length) problems.push(`case names used twice: ${[...new Set(dup)].join(', ')}`);

  // The guidance as the reader sees it for this alert.
  const alertEvent = eventOf(claims, claims.alert);
  const g = library.forAlert(alertFromEvent(rule, alertEvent));
  if (!g.specific) problems.push('the rule has no guidance template of its own');

  // Every benign cause listed is backed by an event that fires; every benign claim names one.
  const bullets = (g.doc.sections.find((s) => s.id === 'benign')?.steps ?? []).map((s) =>
    plainWords(s.text),
  );
  const benign = claims.fires.filter((c) => c.benign !== undefined);
  bullets.forEach((b, i) => {
    const backing = benign.filter((c) => b.includes(plainWords(c.benign!)));
    if (!backing.length)
      problems.push(
        `benign cause ${i + 1} has no firing event (add a fires entry whose benign: is words of it): ${b.slice(0, 140)}`,
      );
    else checked++;
  });
  for (const c of benign) {
    const hits = bullets.filter((b) => b.includes(plainWords(c.benign!))).length;
    if (hits !== 1)
      problems.push(
        `fires "${c.case}": benign "${c.benign}" matches ${hits} benign causes in the text, not exactly one`,
      );
  }

  // Blind spots the claims say the text names are really in the text.
  const allText = plainWords(g.doc.sections.flatMap((s) => s.steps.map((st) => st.text)).join(' '));
  for (const c of claims.silent) {
    if (c.text === undefined) continue;
    if (!allText.includes(plainWords(c.text)))
      problems.push(`silent "${c.case}": the guidance does not say "${c.text}"`);
    else checked++;
  }

  // Every Tune snippet silences this alert and leaves other workloads alone.
  const snippets = tuneSnippets(g);
  if (snippets.length > claims.tune.length && !claims.others.length)
    problems.push(
      'the Tune section has snippets: add an `others` event (another workload) they must not silence',
    );
  snippets.forEach((s, i) => {
    const label = `Tune snippet ${i + 1}`;
    if (!Array.isArray(s.items)) {
      problems.push(`${label}: not a list of rules-file items`);
      return;
    }
    try {
      compiledRule(rule, [...setup, ...s.items]);
    } catch (err) {
      problems.push(`${label}: Falco would refuse it: ${(err as Error).message}`);
      return;
    }
    const expect = claims.tune[i];
    if (!expect) {
      run(`${label} applied to the alert`, claims.alert, false, s.items);
      for (const o of claims.others)
        run(`${label} applied to others "${o.case}"`, o.fields, true, s.items);
      return;
    }
    const byName = new Map<string, ClaimFields>([
      ['alert', claims.alert],
      ...[...claims.others, ...claims.fires, ...claims.silent].map(
        (c) => [c.case, c.fields] as [string, ClaimFields],
      ),
    ]);
    for (const [want, names] of [
      [true, expect.fires],
      [false, expect.silent],
    ] as const) {
      for (const name of names) {
        const fields = byName.get(name);
        if (!fields) problems.push(`tune ${i + 1}: no event named "${name}"`);
        else run(`${label} applied to "${name}"`, fields, want, s.items);
      }
    }
    if (!expect.fires.length || !expect.silent.length)
      problems.push(`tune ${i + 1}: name at least one event that fires and one that does not`);
  });
  if (claims.tune.length > snippets.length)
    problems.push(`tune has ${claims.tune.length} entries for ${snippets.length} Tune snippets`);

  return { problems, checked };
}
