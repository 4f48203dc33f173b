import type { CatalogRule } from './catalog.js';

export interface RuleMatch {
  rule: CatalogRule;
  score: number;
  why: 'exact' | 'name' | 'mitre' | 'tag';
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
const words = (s: string) => norm(s).split(' ').filter(Boolean);

/** Edit distance with an early exit; queries and names are short. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      best = Math.min(best, cur[j]!);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

function wordScore(q: string, w: string): number {
  if (q === w) return 1;
  if (w.startsWith(q) && q.length >= 3) return 0.8;
  const max = q.length >= 7 ? 2 : q.length >= 4 ? 1 : 0;
  return max && distance(q, w, max) <= max ? 0.6 : 0;
}

/**
 * Finds rules for `/falco rule <query>`: the exact name first, then MITRE ids
 * (`T1059`, `T1611.001`), then names by fuzzy word match, then tags.
 */
export function searchRules(rules: readonly CatalogRule[], query: string, limit = 6): RuleMatch[] {
  const q = query.trim();
  if (!q) return [];
  const exact = rules.filter((r) => norm(r.name) === norm(q));
  if (exact.length) {
    return [
      ...exact.map((rule) => ({ rule, score: 100, why: 'exact' as const })),
      ...searchRules(
        rules.filter((r) => !exact.includes(r)),
        q,
        limit - exact.length,
      ).filter((m) => m.score >= 1),
    ].slice(0, limit);
  }
  const mitre = /^t\d{4}(\.\d{3})?$/i.exec(q);
  if (mitre) {
    const id = q.toUpperCase();
    return rules
      .filter((r) =>
        r.mitre.techniques.some(
          (t) => t === id || t.startsWith(`${id}.`) || id.startsWith(`${t}.`),
        ),
      )
      .map((rule) => ({ rule, score: 50, why: 'mitre' as const }))
      .slice(0, limit);
  }
  const qw = words(q);
  const scored: RuleMatch[] = [];
  for (const rule of rules) {
    const nw = words(rule.name);
    let nameScore = 0;
    for (const w of qw) nameScore += Math.max(0, ...nw.map((x) => wordScore(w, x)));
    nameScore = nameScore / qw.length;
    // A query that is a substring of the name ("shell in container") is a strong hint.
    if (norm(rule.name).includes(norm(q))) nameScore = Math.max(nameScore, 0.9);
    const tagWords = rule.tags.flatMap(words);
    let tagScore = 0;
    for (const w of qw) tagScore += Math.max(0, ...tagWords.map((x) => wordScore(w, x)));
    tagScore = (tagScore / qw.length) * 0.5;
    const score = Math.max(nameScore, tagScore);
    if (score >= 0.5) scored.push({ rule, score, why: nameScore >= tagScore ? 'name' : 'tag' });
  }
  return scored
    .sort((a, b) => b.score - a.score || a.rule.name.localeCompare(b.rule.name))
    .slice(0, limit);
}
