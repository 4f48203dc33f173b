/**
 * A rendered guidance template is a small Markdown dialect; this turns it into the
 * structure the report shows. Prose is already Slack-safe mrkdwn (the template
 * helpers escaped every value); code blocks stay raw so tests can run shellcheck
 * and a YAML parser on exactly what a reader will copy, and blocks/ escapes them
 * for Slack at the end.
 */

export const SECTION_IDS = [
  'summary',
  'why',
  'benign',
  'triage',
  'contain',
  'fix',
  'tune',
  'references',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export const SECTION_TITLES: Record<SectionId, string> = {
  summary: 'Summary',
  why: 'Why it matters',
  benign: 'Common benign causes',
  triage: 'Triage',
  contain: 'Contain',
  fix: 'Fix',
  tune: 'Tune',
  references: 'References',
};

const TITLE_TO_ID = new Map<string, SectionId>(
  Object.entries(SECTION_TITLES).map(([id, title]) => [title.toLowerCase(), id as SectionId]),
);

export type CodeLang = 'sh' | 'yaml' | 'falco' | 'text';
const LANGS = new Set<CodeLang>(['sh', 'yaml', 'falco', 'text']);

export interface CodeBlock {
  lang: CodeLang;
  content: string;
}

export interface GuidanceStep {
  /** Slack mrkdwn, safe to send as is. */
  text: string;
  code: CodeBlock[];
}

export interface GuidanceSection {
  id: SectionId;
  title: string;
  steps: GuidanceStep[];
}

export interface Reference {
  title: string;
  url: string;
}

export interface GuidanceDocument {
  sections: GuidanceSection[];
  references: Reference[];
}

export class GuidanceSyntaxError extends Error {}

export function parseGuidance(text: string, source = 'template'): GuidanceDocument {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const sections: GuidanceSection[] = [];
  const references: Reference[] = [];
  let section: GuidanceSection | undefined;
  let step: GuidanceStep | undefined;
  let fence: { lang: CodeLang; lines: string[]; indent: number } | undefined;

  const fail = (i: number, msg: string) => {
    throw new GuidanceSyntaxError(`${source}:${i + 1}: ${msg}`);
  };

  lines.forEach((line, i) => {
    if (fence) {
      if (/^\s*```\s*$/.test(line)) {
        const target = step ?? newStep('');
        target.code.push({ lang: fence.lang, content: fence.lines.join('\n') });
        fence = undefined;
      } else {
        fence.lines.push(line.slice(Math.min(fence.indent, line.length - line.trimStart().length)));
      }
      return;
    }
    const open = /^(\s*)```(\w*)\s*$/.exec(line);
    if (open) {
      if (!section) fail(i, 'code block before the first ## section');
      const lang = (open[2] || 'text') as CodeLang;
      if (!LANGS.has(lang))
        fail(i, `unknown code block language "${open[2]}"; use sh, yaml, falco or text`);
      fence = { lang, lines: [], indent: open[1]!.length };
      return;
    }
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      const id = TITLE_TO_ID.get(heading[1]!.toLowerCase());
      if (!id)
        fail(
          i,
          `unknown section "${heading[1]}"; expected one of: ${Object.values(SECTION_TITLES).join(', ')}`,
        );
      if (sections.some((s) => s.id === id)) fail(i, `section "${heading[1]}" appears twice`);
      section = { id: id!, title: SECTION_TITLES[id!], steps: [] };
      sections.push(section);
      step = undefined;
      return;
    }
    if (line.trim() === '') {
      return;
    }
    if (!section) fail(i, `text before the first ## section: ${line.slice(0, 60)}`);
    if (section!.id === 'references') {
      const ref = /^\s*[-*]\s+\[([^\]]+)\]\((https:\/\/[^\s)]+)\)\s*$/.exec(line);
      if (!ref) fail(i, 'references are list items of the form - [Title](https://...)');
      references.push({ title: ref![1]!, url: ref![2]! });
      return;
    }
    const item = /^\s*(?:[-*]|\d+\.)\s+(.*)$/.exec(line);
    if (item) {
      newStep(item[1]!);
      return;
    }
    // A continuation line joins the current step; a paragraph outside a list is a step of its own.
    if (step && /^\s+/.test(line)) step.text += ` ${line.trim()}`;
    else if (step && step.code.length === 0) step.text += ` ${line.trim()}`;
    else newStep(line.trim());
  });
  if (fence) throw new GuidanceSyntaxError(`${source}: unclosed code block`);
  for (const s of sections) for (const st of s.steps) st.text = st.text.trim();
  return { sections, references };

  function newStep(text: string): GuidanceStep {
    step = { text, code: [] };
    section!.steps.push(step);
    return step;
  }
}
