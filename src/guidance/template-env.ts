import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Handlebars from 'handlebars';
import { inlineValue } from '../text/mrkdwn.js';
import { shellQuote } from '../text/shell-quote.js';
import { yamlString } from '../text/yaml-quote.js';
import { fieldInfo } from './fields.js';

/**
 * What a guidance template sees. Templates never print a value directly: every
 * value goes through a helper that knows where it is going (prose, shell, YAML),
 * and a test rejects any template that prints a bare `{{path}}`.
 */
export interface TemplateData {
  rule: string;
  source: string;
  /** Printable alert values by field name, plus pseudo-fields (hostname, image, ...). */
  values: Record<string, string>;
}

type HelperOptions = Handlebars.HelperOptions;

function root(options: HelperOptions): TemplateData {
  return (options.data as { root: TemplateData }).root;
}

const FALCO_FIELD = /^[A-Za-z][A-Za-z0-9_.]*(\[[^\]\s]+\])?$/;

function fieldArg(name: unknown, helper: string): string {
  // #each over strings hands helpers a boxed String.
  if (name instanceof String) name = name.valueOf();
  if (typeof name !== 'string' || name === '') {
    throw new Error(`{{${helper}}} needs a field name in quotes, e.g. {{${helper} "proc.name"}}`);
  }
  return name;
}

/** Helpers whose output is a value shown to people or machines. */
export const VALUE_HELPERS = [
  'v',
  'sh',
  'sh_fmt',
  'sh_url',
  'yaml',
  'rule_yaml',
  'rule_sh',
  'sh_var',
  'falco_fields',
  'falco_comps',
  'falco_values',
  'ident',
] as const;
/** Helpers that return booleans or values for other helpers, never printed on their own. */
export const LOGIC_HELPERS = [
  'has',
  'eq',
  'and',
  'or',
  'not',
  'in_k8s',
  'in_container',
  'on_host',
  'array',
  'value_is',
  'value_matches',
] as const;

export function createTemplateEnv(templatesDir: string): typeof Handlebars {
  const hb = Handlebars.create();
  const SafeString = hb.SafeString;

  // {{v "proc.cmdline"}}: a value in prose, as inline code, or a note that it is missing.
  hb.registerHelper('v', function (name: unknown, options: HelperOptions) {
    const field = fieldArg(name, 'v');
    const value = root(options).values[field];
    return new SafeString(
      value === undefined
        ? `_(${fieldInfo(field).label} is not in the alert)_`
        : inlineValue(value),
    );
  });

  // {{sh "k8s.pod.name"}}: one shell word; when missing, a variable the reader must set,
  // which stops the command with a message rather than running it with a blank.
  // A value starting with "-" would be read as an option wherever it lands as an operand
  // (`kubectl describe pod '--kubeconfig=/tmp/x'`), and no name a command here takes starts
  // with one (Kubernetes and cloud names cannot): it is never printed, the reader checks it.
  hb.registerHelper('sh', function (name: unknown, options: HelperOptions) {
    const field = fieldArg(name, 'sh');
    const value = root(options).values[field];
    const info = fieldInfo(field);
    if (value !== undefined && !value.startsWith('-')) return new SafeString(shellQuote(value));
    const why =
      value === undefined
        ? `set ${info.shellVar} to ${info.label}`
        : `${info.label} in the alert starts with a dash, check it, then set ${info.shellVar}`;
    return new SafeString(`"\${${info.shellVar}:?${why}}"`);
  });

  // {{sh_var "k8s.pod.name"}}: the fill-in variable name, for prose that explains it.
  hb.registerHelper('sh_var', function (name: unknown) {
    return new SafeString(`\`${fieldInfo(fieldArg(name, 'sh_var')).shellVar}\``);
  });

  // {{yaml "proc.name"}}: a YAML double-quoted scalar; when missing, an obvious placeholder.
  hb.registerHelper('yaml', function (name: unknown, options: HelperOptions) {
    const field = fieldArg(name, 'yaml');
    const value = root(options).values[field];
    return new SafeString(yamlString(value ?? `REPLACE-WITH-${fieldInfo(field).shellVar}`));
  });

  // {{sh_fmt 'labels.user="%s"' "gcp.user"}}: one shell word made of a format whose %s
  // are filled with values escaped for a double-quoted string inside the tool's own
  // language (gcloud/jq filters, JSON); {{sh_url 'https://x/api/v1/users/%s' "okta.target.user.id"}}
  // percent-encodes them instead. Missing values become ${VAR:?...} inside double quotes.
  const formatted = (escape: (v: string) => string) =>
    function (format: unknown, ...rest: unknown[]) {
      const options = rest.pop() as HelperOptions;
      if (typeof format !== 'string') throw new Error('sh_fmt/sh_url need a format string first');
      const fields = rest.map((f) => fieldArg(f, 'sh_fmt'));
      const parts = format.split('%s');
      if (parts.length - 1 !== fields.length) {
        throw new Error(
          `format "${format}" has ${parts.length - 1} %s but ${fields.length} fields were given`,
        );
      }
      const values: Array<string | undefined> = fields.map((f) => root(options).values[f]);
      // As for {{sh}}: a word that would start with "-" from a value is an option, not a name.
      if (format.startsWith('%s') && values[0]?.startsWith('-')) values[0] = undefined;
      if (values.every((v) => v !== undefined)) {
        return new SafeString(
          shellQuote(
            parts.map((p, i) => p + (i < values.length ? escape(values[i]!) : '')).join(''),
          ),
        );
      }
      const dq = (lit: string) => lit.replace(/[\\"$`]/g, (c) => `\\${c}`);
      const out = parts.map((p, i) => {
        if (i >= fields.length) return dq(p);
        const v = values[i];
        const info = fieldInfo(fields[i]!);
        return (
          dq(p) +
          (v !== undefined
            ? dq(escape(v))
            : `\${${info.shellVar}:?set ${info.shellVar} to ${info.label}}`)
        );
      });
      return new SafeString(`"${out.join('')}"`);
    };
  hb.registerHelper(
    'sh_fmt',
    formatted((v) => v.replace(/[\\"]/g, (c) => `\\${c}`)),
  );
  hb.registerHelper(
    'sh_url',
    formatted((v) => encodeURIComponent(v)),
  );

  // Falco exceptions rows: {{falco_fields f}} -> [a, b]; {{falco_comps f}} -> [=, =];
  // {{falco_values f}} -> ["value a", "value b"] from this alert.
  const fieldList = (fields: unknown): string[] => {
    if (!Array.isArray(fields) || fields.length === 0)
      throw new Error('expected (array "field" ...)');
    return fields.map((f) => {
      const name = fieldArg(f, 'falco_fields');
      if (!FALCO_FIELD.test(name)) throw new Error(`not a Falco field name: ${name}`);
      return name;
    });
  };
  hb.registerHelper(
    'falco_fields',
    // Names with brackets (json.value[/a/b], proc.aname[2]) must be quoted in a YAML flow list.
    (fields: unknown) =>
      new SafeString(
        `[${fieldList(fields)
          .map((f) => (/^[A-Za-z0-9_.]+$/.test(f) ? f : yamlString(f)))
          .join(', ')}]`,
      ),
  );
  hb.registerHelper(
    'falco_comps',
    (fields: unknown) =>
      new SafeString(
        `[${fieldList(fields)
          .map(() => '=')
          .join(', ')}]`,
      ),
  );
  hb.registerHelper('falco_values', function (fields: unknown, options: HelperOptions) {
    const values = root(options).values;
    return new SafeString(
      `[${fieldList(fields)
        .map((f) => yamlString(values[f] ?? `REPLACE-WITH-${fieldInfo(f).shellVar}`))
        .join(', ')}]`,
    );
  });

  // {{ident name}}: a name the template author passed to a partial (a list, an exception
  // name, a field name); printed only if it is a plain identifier, so it needs no quoting.
  hb.registerHelper('ident', (value: unknown) => {
    const s = value instanceof String ? value.valueOf() : value;
    if (typeof s !== 'string' || !/^[A-Za-z0-9_.[\]/-]+$/.test(s)) {
      throw new Error(`{{ident}} takes a plain identifier, got ${JSON.stringify(s)}`);
    }
    return new SafeString(s);
  });

  hb.registerHelper('rule_yaml', function (options: HelperOptions) {
    return new SafeString(yamlString(root(options).rule));
  });
  hb.registerHelper('rule_sh', function (options: HelperOptions) {
    return new SafeString(shellQuote(root(options).rule));
  });

  hb.registerHelper('has', function (name: unknown, options: HelperOptions) {
    return root(options).values[fieldArg(name, 'has')] !== undefined;
  });
  hb.registerHelper(
    'value_is',
    function (name: unknown, expected: unknown, options: HelperOptions) {
      return root(options).values[fieldArg(name, 'value_is')] === String(expected);
    },
  );
  hb.registerHelper(
    'value_matches',
    function (name: unknown, pattern: unknown, options: HelperOptions) {
      const value = root(options).values[fieldArg(name, 'value_matches')];
      return value !== undefined && new RegExp(String(pattern)).test(value);
    },
  );
  hb.registerHelper('in_k8s', function (options: HelperOptions) {
    const v = root(options).values;
    return v['k8s.pod.name'] !== undefined || v['ka.target.namespace'] !== undefined;
  });
  hb.registerHelper('in_container', function (options: HelperOptions) {
    const id = root(options).values['container.id'];
    return id !== undefined && id !== 'host';
  });
  hb.registerHelper('on_host', function (options: HelperOptions) {
    return root(options).values['container.id'] === 'host';
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('array', (...args: unknown[]) => args.slice(0, -1));

  const partialsDir = join(templatesDir, 'partials');
  for (const file of walk(partialsDir)) {
    if (!file.endsWith('.hbs')) continue;
    const name = relative(partialsDir, file).slice(0, -'.hbs'.length).split(sep).join('/');
    hb.registerPartial(name, readFileSync(file, 'utf8'));
  }
  return hb;
}

export function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
