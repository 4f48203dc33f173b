import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATE_HELPERS, type HelperSpec } from './template-helpers.js';

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

export { LOGIC_HELPERS, VALUE_HELPERS } from './template-helpers.js';

export function createTemplateEnv(templatesDir: string): typeof Handlebars {
  const hb = Handlebars.create();
  for (const [name, spec] of Object.entries(TEMPLATE_HELPERS) as Array<[string, HelperSpec]>) {
    hb.registerHelper(name, function (...args: unknown[]) {
      const options = args.pop() as HelperOptions;
      const scope = (options.data as { root: TemplateData }).root;
      const out = spec.fn(scope, ...args);
      // Value helpers escape for where their output goes; Handlebars must not escape again.
      return spec.kind === 'value' ? new hb.SafeString(String(out)) : out;
    });
  }

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
