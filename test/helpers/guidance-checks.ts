import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { parseAllDocuments } from 'yaml';
import type { Alert } from '../../src/alert.js';
import type { CatalogRule } from '../../src/guidance/catalog.js';
import type { CodeBlock } from '../../src/guidance/document.js';
import type { RenderedGuidance } from '../../src/guidance/guidance.js';
import { LOGIC_HELPERS, VALUE_HELPERS, walk } from '../../src/guidance/template-env.js';
import { projectRoot } from '../../src/project-root.js';
import { alertFromRule, fieldsOf } from './alert-from-rule.js';
import { checkFalcoSnippet } from './falco-rules-shape.js';
import { INJECTION_CORPUS } from './injection-corpus.js';

/** Checks shared by test/unit/guidance.test.ts and scripts/check-guidance.ts. */
export const templatesDir = join(projectRoot(), 'templates');
export const allTemplates = walk(templatesDir).filter((f) => f.endsWith('.hbs'));
export const ruleTemplates = walk(join(templatesDir, 'rules')).filter((f) => f.endsWith('.hbs'));

const BLOCK_HELPERS = new Set(['if', 'unless', 'each']);

/** Every mustache must be one of our helpers: a bare {{path}} would print a value unescaped. */
export function lintTemplate(file: string): string[] {
  const problems: string[] = [];
  const ast = Handlebars.parse(readFileSync(file, 'utf8'));
  const where = (loc: hbs.AST.SourceLocation) =>
    `${relative(templatesDir, file)}:${loc.start.line}`;
  const visitExpr = (node: hbs.AST.Expression, loc: hbs.AST.SourceLocation) => {
    if (node.type === 'SubExpression') {
      const sub = node as hbs.AST.SubExpression;
      const name = sub.path.original;
      if (
        !(LOGIC_HELPERS as readonly string[]).includes(name) &&
        !(VALUE_HELPERS as readonly string[]).includes(name)
      ) {
        problems.push(`${where(loc)}: unknown helper (${name} ...)`);
      }
      sub.params.forEach((p) => visitExpr(p, loc));
    }
  };
  const visit = (node: hbs.AST.Node) => {
    switch (node.type) {
      case 'Program':
        (node as hbs.AST.Program).body.forEach(visit);
        break;
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        const name = (m.path as hbs.AST.PathExpression).original;
        if (!m.escaped) problems.push(`${where(m.loc)}: triple-stash {{{ }}} is not allowed`);
        if (!(VALUE_HELPERS as readonly string[]).includes(name)) {
          problems.push(
            `${where(m.loc)}: {{${name}}} is not a value helper (${VALUE_HELPERS.join(', ')})`,
          );
        }
        m.params.forEach((p) => visitExpr(p, m.loc));
        break;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        const name = b.path.original;
        if (!BLOCK_HELPERS.has(name))
          problems.push(`${where(b.loc)}: block helper #${name} is not allowed`);
        b.params.forEach((p) => visitExpr(p, b.loc));
        if (b.program) visit(b.program);
        if (b.inverse) visit(b.inverse);
        break;
      }
      case 'PartialStatement': {
        const p = node as hbs.AST.PartialStatement;
        const name = (p.name as hbs.AST.PathExpression).original;
        if (!allTemplates.includes(join(templatesDir, 'partials', `${name}.hbs`)))
          problems.push(`${where(p.loc)}: no partial ${name}`);
        p.hash?.pairs.forEach((pair) => visitExpr(pair.value, p.loc));
        break;
      }
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      default:
        problems.push(`${where(node.loc)}: ${node.type} is not allowed`);
    }
  };
  visit(ast);
  // Falco reads list items and exception values with its own quoting rules: inside a falco
  // block a value goes through {{falco_value}} (or falco_values), never the YAML-only {{yaml}}.
  for (const m of readFileSync(file, 'utf8').matchAll(/```falco\n[\s\S]*?```/g))
    if (/\{\{yaml\s/.test(m[0]))
      problems.push(
        `${relative(templatesDir, file)}: {{yaml}} in a falco block: use {{falco_value}}`,
      );
  // "a {{v ...}}" reads "a `exec`" for half the values: put the value after the noun.
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/\b(a|an|A|An) \{\{v\s/.test(line))
        problems.push(`${relative(templatesDir, file)}:${i + 1}: an article before {{v}}`);
    });
  // {{v}} already renders inline code; wrapping it in backticks breaks the code span.
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/`\{\{v\s|\{\{v\s+"[^"]*"\}\}`/.test(line))
        problems.push(`${relative(templatesDir, file)}:${i + 1}: {{v}} inside backticks`);
    });
  return problems;
}

const FORBIDDEN_OUTPUT = [
  /\{\{/,
  /\}\}/,
  /\bundefined\b/,
  /<NA>/,
  /\bNaN\b/,
  /\[object Object\]/,
  // "null" as a printed value, not the null device a command writes to.
  /(?<!\/dev\/)\bnull\b/,
];

export interface Rendered {
  label: string;
  guidance: RenderedGuidance;
  /** Rendered from hostile values, which may legitimately contain `{{` or `undefined`. */
  hostile?: boolean;
}

export function proseOf(g: RenderedGuidance): string[] {
  return g.doc.sections.flatMap((s) => s.steps.map((st) => st.text));
}

export function codeOf(g: RenderedGuidance): CodeBlock[] {
  return g.doc.sections.flatMap((s) => s.steps.flatMap((st) => st.code));
}

/** Problems in one rendered guidance that need no external tool. */
export function checkRendered({ label, guidance, hostile }: Rendered): string[] {
  const problems: string[] = [];
  const prose = proseOf(guidance);
  const forbidden = hostile ? [] : FORBIDDEN_OUTPUT;
  for (const text of prose) {
    for (const re of forbidden)
      if (re.test(text)) problems.push(`${label}: prose contains ${re}: ${text.slice(0, 120)}`);
    // Raw < > & would be read by Slack as links, mentions or entities.
    if (/<|>/.test(text)) problems.push(`${label}: raw < or > in prose: ${text.slice(0, 120)}`);
    if (/&(?!amp;|lt;|gt;)/.test(text))
      problems.push(`${label}: raw & in prose: ${text.slice(0, 120)}`);
    if ((text.match(/`/g) ?? []).length % 2 !== 0)
      problems.push(`${label}: unbalanced backticks: ${text.slice(0, 120)}`);
  }
  for (const block of codeOf(guidance)) {
    // A leftover mustache always has its opening braces; a lone `}}` is JSON (a patch body).
    for (const re of forbidden.slice(0, 1))
      if (re.test(block.content)) problems.push(`${label}: code contains ${re}`);
    if (!hostile && /<NA>|\bundefined\b/.test(block.content))
      problems.push(`${label}: code prints a missing value`);
    if (block.content.includes('```')) problems.push(`${label}: code block contains a fence`);
    if (block.lang === 'yaml') {
      // Several documents separated by `---` (a policy and its binding) are one block.
      for (const doc of parseAllDocuments(block.content))
        for (const err of doc.errors)
          problems.push(`${label}: YAML does not parse: ${err.message}`);
    }
    if (block.lang === 'falco')
      for (const p of checkFalcoSnippet(block.content))
        problems.push(`${label}: Falco snippet: ${p}`);
  }
  return problems;
}

export function variants(
  rule: CatalogRule,
): Array<{ label: string; alert: Alert; hostile?: boolean }> {
  const full = alertFromRule(rule);
  const empty = alertFromRule(rule, { missing: fieldsOf(rule) });
  const out: Array<{ label: string; alert: Alert; hostile?: boolean }> = [
    { label: `${rule.name} [values]`, alert: full },
    { label: `${rule.name} [all missing]`, alert: { ...empty, hostname: undefined } },
  ];
  // Syscall rules on the host itself (container.id "host", no Kubernetes fields): the
  // branches for host-only rules and for host processes must render too.
  if (rule.source === 'syscall')
    out.push({
      label: `${rule.name} [host]`,
      alert: alertFromRule(rule, {
        overrides: { 'container.id': 'host', 'container.name': 'host' },
        missing: [
          'k8s.ns.name',
          'k8s.pod.name',
          'container.image.repository',
          'container.image.tag',
        ],
      }),
    });
  // The same rule with hostile values in every field, one corpus entry per field, cycling.
  const hostile: Record<string, string> = {};
  fieldsOf(rule).forEach((f, i) => {
    const entry = INJECTION_CORPUS[i % INJECTION_CORPUS.length]!;
    hostile[f] = entry.value.slice(0, 2000);
  });
  out.push({
    label: `${rule.name} [hostile]`,
    alert: alertFromRule(rule, { overrides: hostile }),
    hostile: true,
  });
  return out;
}

/**
 * Look-ups in logs are bounded in time, and known-wrong commands stay gone. Applied to the
 * reviewed rules (those with claims) by test/unit/guidance-claims.test.ts and to any rule by
 * scripts/check-guidance.ts.
 */
export function checkLookups(label: string, g: RenderedGuidance): string[] {
  const problems: string[] = [];
  for (const block of codeOf(g).filter((c) => c.lang === 'sh')) {
    // One command may continue over lines ending in a backslash.
    const commands = block.content.replace(/\\\n\s*/g, ' ').split('\n');
    for (const cmd of commands) {
      const need = (what: RegExp, msg: string) => {
        if (!what.test(cmd)) problems.push(`${label}: ${msg}: ${cmd.trim().slice(0, 160)}`);
      };
      if (/aws cloudtrail lookup-events/.test(cmd)) {
        need(/--start-time/, 'CloudTrail look-up without --start-time');
        need(/--end-time/, 'CloudTrail look-up without --end-time');
      }
      if (/aws logs filter-log-events/.test(cmd))
        need(/--start-time/, 'CloudWatch Logs look-up without --start-time');
      if (/gcloud logging read/.test(cmd))
        need(
          /--freshness|timestamp\s*>/,
          'gcloud logging read without --freshness or a timestamp filter',
        );
      if (/\/api\/v1\/logs/.test(cmd)) need(/since=/, 'Okta System Log query without since=');
      if (/audit-log/.test(cmd) && /\bgh api\b/.test(cmd))
        need(/created:|created%3A/, 'GitHub audit log query without a created: window');
      if (/grep -F[^|]*system:serviceaccount:/.test(cmd) && /rolebindings/.test(cmd))
        problems.push(
          `${label}: wide output shows ns/name, this grep never matches: ${cmd.trim()}`,
        );
    }
  }
  return problems;
}
