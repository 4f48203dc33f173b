import { parseAllDocuments } from 'yaml';

/**
 * Checks that a snippet has the shape of a Falco rules file: a YAML list of items,
 * each a `rule`, `macro` or `list` with the keys Falco accepts and `override` /
 * `exceptions` written the way Falco's loader reads them
 * (https://falco.org/docs/concepts/rules/overriding/ and .../exceptions/).
 */
const RULE_KEYS = new Set([
  'rule',
  'desc',
  'condition',
  'output',
  'priority',
  'tags',
  'enabled',
  'exceptions',
  'override',
  'source',
  'warn_evttypes',
  'skip-if-unknown-filter',
  'capture',
  'capture_duration',
]);
const MACRO_KEYS = new Set(['macro', 'condition', 'override']);
const LIST_KEYS = new Set(['list', 'items', 'override']);
const RULE_OVERRIDABLE = new Set([
  'condition',
  'output',
  'desc',
  'priority',
  'tags',
  'exceptions',
  'enabled',
  'capture',
  'capture_duration',
]);
const COMPS = new Set([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'intersects',
  'pmatch',
  'startswith',
  'endswith',
  'contains',
  'icontains',
  'bcontains',
  'bstartswith',
  'glob',
  'iglob',
  'regex',
]);
const PRIORITIES = /^(emergency|alert|critical|error|warning|notice|informational|info|debug)$/i;

export function checkFalcoSnippet(text: string): string[] {
  const problems: string[] = [];
  const docs = parseAllDocuments(text);
  if (docs.length !== 1) return [`expected one YAML document, got ${docs.length}`];
  const doc = docs[0]!;
  if (doc.errors.length) return doc.errors.map((e) => `YAML: ${e.message}`);
  const items: unknown = doc.toJS();
  if (!Array.isArray(items) || items.length === 0)
    return ['a Falco rules file is a non-empty YAML list'];
  items.forEach((item, i) => {
    const at = `item ${i}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${at}: must be a mapping`);
      return;
    }
    const o = item as Record<string, unknown>;
    const kind = ['rule', 'macro', 'list'].filter((k) => k in o);
    if (kind.length !== 1) {
      problems.push(`${at}: must have exactly one of rule, macro, list`);
      return;
    }
    const k = kind[0]!;
    const allowed = k === 'rule' ? RULE_KEYS : k === 'macro' ? MACRO_KEYS : LIST_KEYS;
    for (const key of Object.keys(o))
      if (!allowed.has(key)) problems.push(`${at}: unknown key "${key}" for a ${k}`);
    if (typeof o[k] !== 'string' || o[k] === '')
      problems.push(`${at}: ${k} name must be a non-empty string`);
    if ('override' in o) {
      const ov = o.override;
      if (!ov || typeof ov !== 'object' || Array.isArray(ov))
        problems.push(`${at}: override must be a mapping`);
      else
        for (const [key, mode] of Object.entries(ov)) {
          if (mode !== 'append' && mode !== 'replace')
            problems.push(`${at}: override.${key} must be append or replace`);
          if (!(key in o))
            problems.push(`${at}: override.${key} names a key the item does not set`);
          if (k === 'rule' && !RULE_OVERRIDABLE.has(key))
            problems.push(`${at}: override.${key} is not overridable`);
          if (k === 'macro' && key !== 'condition')
            problems.push(`${at}: macros only override condition`);
          if (k === 'list' && key !== 'items') problems.push(`${at}: lists only override items`);
        }
    }
    if (k === 'list' && !Array.isArray(o.items))
      problems.push(`${at}: list items must be a YAML list`);
    if (k === 'macro' && typeof o.condition !== 'string')
      problems.push(`${at}: macro condition must be a string`);
    if (k === 'rule') {
      const isNew = !('override' in o) && !('append' in o);
      if (isNew)
        for (const req of ['desc', 'condition', 'output', 'priority'])
          if (!(req in o)) problems.push(`${at}: a new rule needs ${req}`);
      if ('priority' in o && (typeof o.priority !== 'string' || !PRIORITIES.test(o.priority)))
        problems.push(`${at}: bad priority`);
      if ('tags' in o && !Array.isArray(o.tags)) problems.push(`${at}: tags must be a list`);
      if ('exceptions' in o) problems.push(...checkExceptions(o.exceptions, at));
    }
  });
  return problems;
}

function checkExceptions(exceptions: unknown, at: string): string[] {
  const problems: string[] = [];
  if (!Array.isArray(exceptions)) return [`${at}: exceptions must be a list`];
  exceptions.forEach((e, j) => {
    const where = `${at} exception ${j}`;
    if (!e || typeof e !== 'object') {
      problems.push(`${where}: must be a mapping`);
      return;
    }
    const x = e as Record<string, unknown>;
    for (const key of Object.keys(x))
      if (!['name', 'fields', 'comps', 'values'].includes(key))
        problems.push(`${where}: unknown key ${key}`);
    if (typeof x.name !== 'string' || !/^[A-Za-z0-9_]+$/.test(x.name))
      problems.push(`${where}: name must be an identifier`);
    const fields = x.fields;
    if (Array.isArray(fields)) {
      if (fields.some((f) => typeof f !== 'string'))
        problems.push(`${where}: fields must be strings`);
      const comps = x.comps;
      if (comps !== undefined) {
        if (!Array.isArray(comps) || comps.length !== fields.length)
          problems.push(`${where}: comps must list one operator per field`);
        else
          for (const c of comps)
            if (!COMPS.has(String(c)))
              problems.push(`${where}: unknown comparison operator ${String(c)}`);
      }
      if (x.values !== undefined) {
        if (!Array.isArray(x.values)) problems.push(`${where}: values must be a list of rows`);
        else
          x.values.forEach((row, r) => {
            if (!Array.isArray(row) || row.length !== fields.length)
              problems.push(`${where}: values row ${r} must have one value per field`);
          });
      }
    } else if (typeof fields === 'string') {
      if (x.comps !== undefined && (typeof x.comps !== 'string' || !COMPS.has(x.comps)))
        problems.push(`${where}: comps must be one operator`);
      if (x.values !== undefined && !Array.isArray(x.values))
        problems.push(`${where}: values must be a list`);
    } else problems.push(`${where}: fields must be a field name or a list of them`);
  });
  return problems;
}
