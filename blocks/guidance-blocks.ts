import type { MatchSummary } from '../src/condition/describe.js';
import type { GuidanceStep } from '../src/guidance/document.js';
import type { Mitre, RenderedGuidance } from '../src/guidance/guidance.js';
import { tacticName } from '../src/guidance/guidance.js';
import { codeBlockContent, escapeMrkdwn, inlineValue } from '../src/text/mrkdwn.js';

/** One step as mrkdwn: its text (already Slack-safe) and its code blocks (escaped here). */
export function stepMrkdwn(step: GuidanceStep, bullet: string): string {
  const code = step.code.map((c) => `\n\`\`\`${codeBlockContent(c.content)}\`\`\``).join('');
  return `${bullet} ${step.text}${code}`;
}

export function sectionParagraphs(
  g: RenderedGuidance,
  id: string,
  opts: { limit?: number } = {},
): string[] {
  const s = g.doc.sections.find((x) => x.id === id);
  if (!s) return [];
  const steps = opts.limit === undefined ? s.steps : s.steps.slice(0, opts.limit);
  const numbered = id === 'triage' || id === 'contain';
  return steps.map((st, i) => stepMrkdwn(st, numbered ? `${i + 1}.` : '•'));
}

export function sectionText(g: RenderedGuidance, id: string): string {
  const s = g.doc.sections.find((x) => x.id === id);
  return s ? s.steps.map((st) => st.text).join(' ') : '';
}

export function mitreLine(m: Mitre): string | undefined {
  if (!m.tactics.length && !m.techniques.length) return undefined;
  const parts: string[] = [];
  if (m.tactics.length) parts.push(`tactic ${m.tactics.map(tacticName).join(', ')}`);
  if (m.techniques.length)
    parts.push(
      `technique ${m.techniques.map((t) => `<https://attack.mitre.org/techniques/${t.replace('.', '/')}/|${t}>`).join(', ')}`,
    );
  return `*MITRE ATT&amp;CK*: ${parts.join('; ')}`;
}

export function referencesLine(g: RenderedGuidance): string | undefined {
  if (!g.doc.references.length) return undefined;
  // URLs come from our templates and the catalog, never from an alert; still refuse
  // anything that could break Slack's <url|text> syntax.
  const links = g.doc.references
    .filter((r) => /^https:\/\/[^\s<>|]+$/.test(r.url))
    .map((r) => `<${r.url}|${escapeMrkdwn(r.title).replace(/[|>]/g, '')}>`);
  return links.length ? `*References*: ${links.join(' · ')}` : undefined;
}

export const MATCHES_TITLE = '*What this rule matches* (generated from its condition)';

/** The rule's condition, described: events, what must hold, what is excluded. */
export function matchParagraphs(m: MatchSummary): string[] {
  const code = (s: string) => inlineValue(s, 400);
  const out = [MATCHES_TITLE];
  out.push(
    m.events ? `• Events: ${m.events.map(code).join(', ')}` : '• Events: any event of its source',
  );
  for (const r of m.requires) out.push(`• Requires ${code(r)}`);
  for (const x of m.excludes) out.push(`• Excludes ${code(x)}`);
  return out;
}

/** One line for the collapsed message. */
export function matchLine(m: MatchSummary): string {
  return `*Matches*: ${inlineValue(m.compact, 600)}`;
}

/**
 * Everything past the summary, in the report's order: why it matters, what the rule
 * matches, ATT&CK, benign causes, triage, contain, fix, tune, references. Shared by the
 * expanded message, the full report and /falco rule, so the three never drift apart.
 */
export function guidanceParagraphs(g: RenderedGuidance): string[] {
  const paragraphs: string[] = [];
  const why = sectionText(g, 'why');
  if (why) paragraphs.push('*Why it matters*', why);
  if (g.matches) paragraphs.push(...matchParagraphs(g.matches));
  const mitre = mitreLine(g.mitre);
  if (mitre) paragraphs.push(mitre);
  for (const id of ['benign', 'triage', 'contain', 'fix', 'tune'] as const) {
    const ps = sectionParagraphs(g, id);
    const s = g.doc.sections.find((x) => x.id === id);
    if (ps.length && s) paragraphs.push(`*${s.title}*`, ...ps);
  }
  const refs = referencesLine(g);
  if (refs) paragraphs.push(refs);
  return paragraphs;
}

export function totalSteps(g: RenderedGuidance, ids: string[]): number {
  return g.doc.sections.filter((s) => ids.includes(s.id)).reduce((n, s) => n + s.steps.length, 0);
}
