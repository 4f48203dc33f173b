import { inlineValue } from '../text/mrkdwn.js';
import { shellQuote } from '../text/shell-quote.js';
import { yamlString } from '../text/yaml-quote.js';
import { fieldInfo } from './fields.js';

/**
 * Every helper a guidance template may call, in one table: what it is for, whether its
 * result is printed (`value`: already escaped for where it goes) or only used by other
 * helpers and `#if` (`logic`), and what it does. template-env.ts registers the table with
 * Handlebars; the template lint (test/helpers/guidance-checks.ts) accepts these names only.
 */

/** What a helper sees of the template's data. */
export interface HelperScope {
  rule: string;
  /** Printable alert values by field name, plus pseudo-fields (hostname, image, time). */
  values: Record<string, string>;
}

export interface HelperSpec {
  kind: 'value' | 'logic';
  /** Arguments as written in the template (hash arguments are not used by helpers). */
  fn: (scope: HelperScope, ...args: unknown[]) => unknown;
}

/** A YAML scalar holding the alert's value as Falco must read it (falcoItem). */
function falcoValue(s: HelperScope, field: string): string {
  const v = s.values[field];
  return yamlString(v === undefined ? `REPLACE-WITH-${fieldInfo(field).shellVar}` : falcoItem(v));
}

const FALCO_FIELD = /^[A-Za-z][A-Za-z0-9_.]*(\[[^\]\s]+\])?$/;

/** #each over strings hands helpers a boxed String. */
const unbox = (v: unknown): unknown => (v instanceof String ? v.valueOf() : v);

function fieldArg(name: unknown, helper: string): string {
  const n = unbox(name);
  if (typeof n !== 'string' || n === '')
    throw new Error(`{{${helper}}} needs a field name in quotes, e.g. {{${helper} "proc.name"}}`);
  return n;
}

function fillIn(field: string, why?: string): string {
  const info = fieldInfo(field);
  return `"\${${info.shellVar}:?${why ?? `set ${info.shellVar} to ${info.label}`}}"`;
}

/**
 * sh_fmt / sh_url: one shell word made of a format whose %s are filled with values escaped
 * for the tool's own language; missing values become ${VAR:?...} inside double quotes.
 */
function formatted(helper: string, escape: (v: string) => string) {
  return (scope: HelperScope, format: unknown, ...fields: unknown[]): string => {
    if (typeof format !== 'string') throw new Error(`${helper} needs a format string first`);
    const names = fields.map((f) => fieldArg(f, helper));
    const parts = format.split('%s');
    if (parts.length - 1 !== names.length)
      throw new Error(
        `format "${format}" has ${parts.length - 1} %s but ${names.length} fields were given`,
      );
    const values: Array<string | undefined> = names.map((f) => scope.values[f]);
    // As for {{sh}}: a word that would start with "-" from a value is an option, not a name.
    if (format.startsWith('%s') && values[0]?.startsWith('-')) values[0] = undefined;
    if (values.every((v) => v !== undefined))
      return shellQuote(
        parts.map((p, i) => p + (i < values.length ? escape(values[i]!) : '')).join(''),
      );
    const dq = (lit: string) => lit.replace(/[\\"$`]/g, (c) => `\\${c}`);
    const out = parts.map((p, i) => {
      if (i >= names.length) return dq(p);
      const v = values[i];
      const info = fieldInfo(names[i]!);
      return (
        dq(p) +
        (v !== undefined
          ? dq(escape(v))
          : `\${${info.shellVar}:?set ${info.shellVar} to ${info.label}}`)
      );
    });
    return `"${out.join('')}"`;
  };
}

const FALCO_BARE = /^[^()"'\s=,]+$/;
const falcoEscape = (v: string) => v.replace(/[\\"]/g, (c) => `\\${c}`);

/**
 * A value as Falco must read it in a list item or an exception value. Falco writes both
 * into the condition text (rule_loader_compiler.cpp): an item holding a space and not
 * starting with a quote is wrapped in double quotes, which the parser then unescapes; any
 * other item is pasted as is. So a value with a space gets its backslashes and quotes
 * escaped, and a value the parser would cut (a comma, a parenthesis, `=`, a quote, nothing
 * at all) is quoted here. Without this, `a,b` becomes two list items, `x=(y)` stops Falco
 * from loading the file, and `C:\\Temp dir` never matches.
 */
export function falcoItem(v: string): string {
  if (FALCO_BARE.test(v)) return v;
  if (v.includes(' ') && v[0] !== '"' && v[0] !== "'") return falcoEscape(v);
  return `"${falcoEscape(v)}"`;
}

function fieldList(fields: unknown): string[] {
  if (!Array.isArray(fields) || fields.length === 0)
    throw new Error('expected (array "field" ...)');
  return fields.map((f) => {
    const name = fieldArg(f, 'falco_fields');
    if (!FALCO_FIELD.test(name)) throw new Error(`not a Falco field name: ${name}`);
    return name;
  });
}

export const TEMPLATE_HELPERS = {
  // {{v "proc.cmdline"}}: a value in prose, as inline code, or a note that it is missing.
  v: {
    kind: 'value',
    fn: (s, name) => {
      const field = fieldArg(name, 'v');
      const value = s.values[field];
      return value === undefined
        ? `_(${fieldInfo(field).label} is not in the alert)_`
        : inlineValue(value);
    },
  },
  // {{sh "k8s.pod.name"}}: one shell word; when missing, a variable the reader must set,
  // which stops the command with a message rather than running it with a blank.
  // A value starting with "-" would be read as an option wherever it lands as an operand
  // (`kubectl describe pod '--kubeconfig=/tmp/x'`), and no name a command here takes starts
  // with one (Kubernetes and cloud names cannot): it is never printed, the reader checks it.
  sh: {
    kind: 'value',
    fn: (s, name) => {
      const field = fieldArg(name, 'sh');
      const value = s.values[field];
      if (value === undefined) return fillIn(field);
      if (value.startsWith('-')) {
        const info = fieldInfo(field);
        return fillIn(
          field,
          `${info.label} in the alert starts with a dash, check it, then set ${info.shellVar}`,
        );
      }
      return shellQuote(value);
    },
  },
  // {{sh_fmt 'labels.user="%s"' "gcp.user"}}: values escaped for a double-quoted string in the
  // tool's filter or JSON language; {{sh_url 'https://x/api/v1/users/%s' "okta..."}}: percent-encoded.
  sh_fmt: { kind: 'value', fn: formatted('sh_fmt', (v) => v.replace(/[\\"]/g, (c) => `\\${c}`)) },
  sh_url: { kind: 'value', fn: formatted('sh_url', (v) => encodeURIComponent(v)) },
  // {{sh_var "k8s.pod.name"}}: the fill-in variable's name, for prose that explains it.
  sh_var: {
    kind: 'value',
    fn: (_s, name) => `\`${fieldInfo(fieldArg(name, 'sh_var')).shellVar}\``,
  },
  // {{yaml "proc.name"}}: a YAML double-quoted scalar; when missing, an obvious placeholder.
  yaml: {
    kind: 'value',
    fn: (s, name) => {
      const field = fieldArg(name, 'yaml');
      return yamlString(s.values[field] ?? `REPLACE-WITH-${fieldInfo(field).shellVar}`);
    },
  },
  rule_yaml: { kind: 'value', fn: (s) => yamlString(s.rule) },
  rule_sh: { kind: 'value', fn: (s) => shellQuote(s.rule) },
  // Falco exceptions rows: {{falco_fields f}} -> [a, b]; {{falco_comps f}} -> [=, =];
  // {{falco_values f}} -> ["value a", "value b"] from this alert. Names with brackets
  // (json.value[/a/b], proc.aname[2]) must be quoted in a YAML flow list.
  falco_fields: {
    kind: 'value',
    fn: (_s, fields) =>
      `[${fieldList(fields)
        .map((f) => (/^[A-Za-z0-9_.]+$/.test(f) ? f : yamlString(f)))
        .join(', ')}]`,
  },
  falco_comps: {
    kind: 'value',
    fn: (_s, fields) =>
      `[${fieldList(fields)
        .map(() => '=')
        .join(', ')}]`,
  },
  falco_values: {
    kind: 'value',
    fn: (s, fields) =>
      `[${fieldList(fields)
        .map((f) => falcoValue(s, f))
        .join(', ')}]`,
  },
  // {{falco_value "proc.name"}}: one value in a hand-written exception row or list item.
  falco_value: { kind: 'value', fn: (s, name) => falcoValue(s, fieldArg(name, 'falco_value')) },
  // {{ident name}}: a name the template author passed to a partial (a list, an exception
  // name, a field name); printed only if it is a plain identifier, so it needs no quoting.
  ident: {
    kind: 'value',
    fn: (_s, value) => {
      const v = unbox(value);
      if (typeof v !== 'string' || !/^[A-Za-z0-9_.[\]/-]+$/.test(v))
        throw new Error(`{{ident}} takes a plain identifier, got ${JSON.stringify(v)}`);
      return v;
    },
  },

  has: { kind: 'logic', fn: (s, name) => s.values[fieldArg(name, 'has')] !== undefined },
  value_is: {
    kind: 'logic',
    fn: (s, name, expected) => s.values[fieldArg(name, 'value_is')] === String(expected),
  },
  value_matches: {
    kind: 'logic',
    fn: (s, name, pattern) => {
      const value = s.values[fieldArg(name, 'value_matches')];
      return value !== undefined && new RegExp(String(pattern)).test(value);
    },
  },
  in_k8s: {
    kind: 'logic',
    fn: (s) =>
      s.values['k8s.pod.name'] !== undefined || s.values['ka.target.namespace'] !== undefined,
  },
  in_container: {
    kind: 'logic',
    fn: (s) => s.values['container.id'] !== undefined && s.values['container.id'] !== 'host',
  },
  on_host: { kind: 'logic', fn: (s) => s.values['container.id'] === 'host' },
  eq: { kind: 'logic', fn: (_s, a, b) => a === b },
  not: { kind: 'logic', fn: (_s, a) => !a },
  and: { kind: 'logic', fn: (_s, ...args) => args.every(Boolean) },
  or: { kind: 'logic', fn: (_s, ...args) => args.some(Boolean) },
  array: { kind: 'logic', fn: (_s, ...args) => args },
} satisfies Record<string, HelperSpec>;

export type HelperName = keyof typeof TEMPLATE_HELPERS;

const names = Object.keys(TEMPLATE_HELPERS) as HelperName[];
/** Helpers whose output is a value shown to people or machines. */
export const VALUE_HELPERS: readonly HelperName[] = names.filter(
  (n) => TEMPLATE_HELPERS[n].kind === 'value',
);
/** Helpers that return booleans or values for other helpers, never printed on their own. */
export const LOGIC_HELPERS: readonly HelperName[] = names.filter(
  (n) => TEMPLATE_HELPERS[n].kind === 'logic',
);
