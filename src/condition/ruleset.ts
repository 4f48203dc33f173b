import type { Expr } from './ast.js';
import { walkExpr } from './ast.js';
import { parseCondition } from './parser.js';

/**
 * Falco's rule loader, as far as conditions go: lists, macros and rules collected in load
 * order with `override` / `append` (falco userspace/engine/rule_loader_collector.cpp), then
 * compiled (rule_loader_compiler.cpp): exceptions written into the condition, list names
 * replaced textually by their items, macros replaced by their parsed bodies.
 */

export interface ExceptionItem {
  name: string;
  fields: string | string[];
  comps?: string | string[];
  values: Array<string | Array<string | string[]>>;
}

export interface RuleDefinition {
  name: string;
  source: string;
  condition: string;
  enabled: boolean;
  exceptions: ExceptionItem[];
}

interface Indexed {
  index: number;
  visibility: number;
}

interface ListInfo extends Indexed {
  items: string[];
}
interface MacroInfo extends Indexed {
  condition: string;
}
interface RuleInfo extends Indexed {
  def: RuleDefinition;
}

export class RulesetError extends Error {}

type Item = Record<string, unknown>;

/** A YAML scalar as Falco reads it: a string, or a number or boolean written as text. */
const scalar = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(scalar) : []);

function overrideOf(item: Item, key: string): 'append' | 'replace' | undefined {
  const o = item.override;
  if (o && typeof o === 'object') {
    const v = (o as Record<string, unknown>)[key];
    if (v === 'append' || v === 'replace') return v;
  }
  if (item.append === true) return 'append';
  return undefined;
}

function exceptionsOf(v: unknown): ExceptionItem[] {
  if (!Array.isArray(v)) return [];
  return v.map((e: Item) => {
    const ex: ExceptionItem = {
      name: scalar(e.name),
      fields: Array.isArray(e.fields) ? asStrings(e.fields) : scalar(e.fields),
      values: Array.isArray(e.values)
        ? (e.values as unknown[]).map((row) =>
            Array.isArray(row)
              ? row.map((c) => (Array.isArray(c) ? asStrings(c) : scalar(c)))
              : scalar(row),
          )
        : [],
    };
    if (e.comps !== undefined)
      ex.comps = Array.isArray(e.comps) ? asStrings(e.comps) : scalar(e.comps);
    return ex;
  });
}

/** Collects items in load order, with Falco's define / append / replace semantics. */
export class RulesetCollector {
  private next = 0;
  readonly lists = new Map<string, ListInfo>();
  readonly macros = new Map<string, MacroInfo>();
  readonly rules = new Map<string, RuleInfo>();

  constructor(private readonly defaultSource = 'syscall') {}

  private define<T extends Indexed>(
    map: Map<string, T>,
    name: string,
    info: Omit<T, keyof Indexed>,
  ) {
    const id = this.next++;
    const prev = map.get(name);
    map.set(name, { ...info, index: prev ? prev.index : id, visibility: id } as T);
  }

  add(items: readonly Item[], file = 'rules'): this {
    for (const item of items) {
      if (typeof item.list === 'string') this.addList(item, file);
      else if (typeof item.macro === 'string') this.addMacro(item, file);
      else if (typeof item.rule === 'string') this.addRule(item, file);
    }
    return this;
  }

  private addList(item: Item, file: string): void {
    const name = item.list as string;
    const items = asStrings(item.items);
    const mode = overrideOf(item, 'items');
    const prev = this.lists.get(name);
    if (mode === 'append') {
      if (!prev) throw new RulesetError(`${file}: list ${name}: append to an undefined list`);
      prev.items = [...prev.items, ...items];
      prev.visibility = this.next++;
    } else if (mode === 'replace') {
      if (!prev) throw new RulesetError(`${file}: list ${name}: replace of an undefined list`);
      prev.items = items;
      prev.visibility = this.next++;
    } else {
      this.define(this.lists, name, { items });
    }
  }

  private addMacro(item: Item, file: string): void {
    const name = item.macro as string;
    const condition = typeof item.condition === 'string' ? item.condition : '';
    const mode = overrideOf(item, 'condition');
    const prev = this.macros.get(name);
    if (mode) {
      if (!prev) throw new RulesetError(`${file}: macro ${name}: ${mode} of an undefined macro`);
      prev.condition = mode === 'append' ? `${prev.condition} ${condition}` : condition;
      prev.visibility = this.next++;
    } else {
      this.define(this.macros, name, { condition });
    }
  }

  private addRule(item: Item, file: string): void {
    const name = (item.rule as string).trim();
    const prev = this.rules.get(name);
    const hasOverride = item.override && typeof item.override === 'object';
    if (!hasOverride && item.append !== true) {
      this.define(this.rules, name, {
        def: {
          name,
          source: typeof item.source === 'string' ? item.source : this.defaultSource,
          condition: typeof item.condition === 'string' ? item.condition : '',
          enabled: item.enabled !== false,
          exceptions: exceptionsOf(item.exceptions),
        },
      });
      return;
    }
    if (!prev) throw new RulesetError(`${file}: rule ${name}: override of an undefined rule`);
    const def = prev.def;
    const condMode = overrideOf(item, 'condition');
    if (typeof item.condition === 'string' && condMode) {
      def.condition = condMode === 'append' ? `${def.condition} ${item.condition}` : item.condition;
    }
    const exMode = overrideOf(item, 'exceptions');
    if (item.exceptions !== undefined && exMode) {
      const incoming = exceptionsOf(item.exceptions);
      if (exMode === 'replace') def.exceptions = incoming;
      else {
        for (const ex of incoming) {
          const same = def.exceptions.find((e) => e.name === ex.name);
          if (same) same.values.push(...ex.values);
          else def.exceptions.push(ex);
        }
      }
    }
    // `enabled` is replaced whether or not it is named in `override` (Falco's enabled-only items).
    if (typeof item.enabled === 'boolean') def.enabled = item.enabled;
    prev.visibility = this.next++;
  }

  compile(): CompiledRuleset {
    return compileRuleset(this);
  }
}

// ---- compilation -------------------------------------------------------------------------

/** Falco quotes an item that holds a space (and is not quoted already) when it substitutes it. */
function quoteItem(e: string): string {
  return e.includes(' ') && e[0] !== '"' && e[0] !== "'" ? `"${e}"` : e;
}

const BLANKS = ' \t\n\r';
const DELIMS = `${BLANKS}(),=`;

/**
 * resolve_list: every occurrence of the list's name bounded by delimiters is replaced by its
 * items, joined with ", ". Textual, as upstream does it (quoting quirks included).
 */
export function resolveList(
  cnd: string,
  name: string,
  items: readonly string[],
): { text: string; used: boolean } {
  let used = false;
  let start = cnd.indexOf(name);
  while (start !== -1) {
    let end = start + name.length;
    if (
      (start === 0 || DELIMS.includes(cnd[start - 1]!)) &&
      (end >= cnd.length || DELIMS.includes(cnd[end]!))
    ) {
      while (start > 0 && BLANKS.includes(cnd[start - 1]!)) start--;
      while (end < cnd.length && BLANKS.includes(cnd[end]!)) end++;
      const sub = items.map(quoteItem).join(', ');
      if (sub === '') {
        if (start > 0 && cnd[start - 1] === ',') start--;
        else if (end < cnd.length && cnd[end] === ',') end++;
      }
      let next = '';
      if (start > 0) next += `${cnd.slice(0, start)} `;
      next += `${sub} `;
      next += cnd.slice(end);
      cnd = next;
      start += sub.length + 1;
      used = true;
    }
    start = cnd.indexOf(name, start + 1);
  }
  return { text: cnd, used };
}

const LIST_OPS = new Set(['in', 'intersects', 'pmatch']);
const isListComp = (op: string) => LIST_OPS.has(op) || / (oneof|anyof|allof)$/.test(op);
const paren = (e: string) => (e[0] === '(' ? e : `(${e})`);

/** build_rule_exception_infos: the exceptions written as `and not (...)` after the condition. */
export function conditionWithExceptions(
  condition: string,
  exceptions: readonly ExceptionItem[],
): string {
  let cond = `(${condition})`;
  for (const ex of exceptions) {
    let icond = '';
    if (!Array.isArray(ex.fields)) {
      const comp = typeof ex.comps === 'string' ? ex.comps.trim() : 'in';
      for (const v of ex.values) {
        if (Array.isArray(v))
          throw new RulesetError(`exception ${ex.name}: values must be strings`);
        icond += icond === '' ? `(${ex.fields} ${comp} (` : ', ';
        icond += quoteItem(v);
      }
      icond += icond === '' ? '' : '))';
    } else {
      const comps = Array.isArray(ex.comps)
        ? ex.comps.map((c) => c.trim())
        : ex.fields.map(() => '=');
      if (comps.length !== ex.fields.length)
        throw new RulesetError(
          `exception ${ex.name}: fields and comps lists must have equal length`,
        );
      icond = '(';
      for (const row of ex.values) {
        if (!Array.isArray(row) || row.length !== ex.fields.length)
          throw new RulesetError(
            `exception ${ex.name}: fields and values lists must have equal length`,
          );
        icond += icond === '(' ? '' : ' or ';
        icond += '(';
        ex.fields.forEach((field, k) => {
          const value = row[k]!;
          let istr: string;
          if (Array.isArray(value)) istr = `(${value.map(quoteItem).join(', ')})`;
          else istr = isListComp(comps[k]!) ? paren(value) : quoteItem(value);
          icond += `${k === 0 ? '' : ' and '} ${field} ${comps[k]} ${istr}`;
        });
        icond += ')';
      }
      icond += ')';
      if (icond === '()') icond = '';
    }
    cond += icond === '' ? '' : ` and not ${icond}`;
  }
  return cond;
}

export interface CompiledRule {
  name: string;
  source: string;
  enabled: boolean;
  /** The condition as written (appends applied), before exceptions. */
  condition: string;
  exceptions: ExceptionItem[];
  /** Macros and lists replaced: what Falco evaluates. */
  expr: Expr;
  /** Same tree with list names kept and each macro marked where it was inlined (for reading). */
  symbolic: SymbolicExpr;
  macrosUsed: string[];
  listsUsed: string[];
}

/** A node of the readable tree: the evaluated kinds, plus a marker where a macro was inlined. */
export type SymbolicExpr =
  | Exclude<Expr, { kind: 'and' | 'or' | 'not' }>
  | { kind: 'and'; children: SymbolicExpr[] }
  | { kind: 'or'; children: SymbolicExpr[] }
  | { kind: 'not'; child: SymbolicExpr }
  | { kind: 'macro'; name: string; child: SymbolicExpr };

export interface CompiledRuleset {
  lists: Map<string, string[]>;
  macros: Map<string, Expr>;
  rules: Map<string, CompiledRule>;
}

function compileLists(col: RulesetCollector): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, list] of col.lists) {
    const items: string[] = [];
    for (const item of list.items) {
      const ref = col.lists.get(item);
      if (ref && ref.index < list.visibility) items.push(...ref.items);
      else items.push(item);
    }
    out.set(name, items);
  }
  return out;
}

function substituteLists(cond: string, lists: Map<string, string[]>, used?: Set<string>): string {
  for (const [name, items] of lists) {
    const r = resolveList(cond, name, items);
    if (r.used) used?.add(name);
    cond = r.text;
  }
  return cond;
}

class MacroResolver {
  constructor(
    private readonly col: RulesetCollector,
    private readonly lists: Map<string, string[]>,
  ) {}

  private readonly concrete = new Map<string, Expr>();
  private readonly symbolic = new Map<string, SymbolicExpr>();

  private visible(name: string, visibility: number): MacroInfo {
    const m = this.col.macros.get(name);
    if (!m || m.index >= visibility)
      throw new RulesetError(`Undefined macro '${name}' used in filter.`);
    return m;
  }

  resolve(e: Expr, visibility: number, stack: string[], used: Set<string>): Expr {
    switch (e.kind) {
      case 'and':
      case 'or':
        return {
          kind: e.kind,
          children: e.children.map((c) => this.resolve(c, visibility, stack, used)),
        };
      case 'not':
        return { kind: 'not', child: this.resolve(e.child, visibility, stack, used) };
      case 'identifier': {
        const m = this.visible(e.name, visibility);
        if (stack.includes(e.name)) throw new RulesetError(`macro ${e.name} refers to itself`);
        used.add(e.name);
        let body = this.concrete.get(e.name);
        if (!body) {
          body = this.resolve(
            parseCondition(substituteLists(m.condition, this.lists)),
            m.visibility,
            [...stack, e.name],
            used,
          );
          this.concrete.set(e.name, body);
        } else {
          this.markUsed(e.name, used);
        }
        return body;
      }
      default:
        return e;
    }
  }

  private markUsed(name: string, used: Set<string>): void {
    const m = this.col.macros.get(name)!;
    for (const n of walkExpr(parseCondition(substituteLists(m.condition, this.lists)))) {
      if (n.kind === 'identifier' && !used.has(n.name)) {
        used.add(n.name);
        this.markUsed(n.name, used);
      }
    }
  }

  resolveSymbolic(e: Expr, visibility: number, stack: string[]): SymbolicExpr {
    switch (e.kind) {
      case 'and':
      case 'or':
        return {
          kind: e.kind,
          children: e.children.map((c) => this.resolveSymbolic(c, visibility, stack)),
        };
      case 'not':
        return { kind: 'not', child: this.resolveSymbolic(e.child, visibility, stack) };
      case 'identifier': {
        const m = this.visible(e.name, visibility);
        if (stack.includes(e.name)) throw new RulesetError(`macro ${e.name} refers to itself`);
        let body = this.symbolic.get(e.name);
        if (!body) {
          body = this.resolveSymbolic(parseCondition(m.condition), m.visibility, [
            ...stack,
            e.name,
          ]);
          this.symbolic.set(e.name, body);
        }
        return { kind: 'macro', name: e.name, child: body };
      }
      default:
        return e;
    }
  }
}

function listsIn(cond: string, lists: Map<string, string[]>): string[] {
  return [...lists.keys()].filter((name) => resolveList(cond, name, []).used);
}

export function compileRuleset(col: RulesetCollector): CompiledRuleset {
  const lists = compileLists(col);
  const resolver = new MacroResolver(col, lists);
  const macros = new Map<string, Expr>();
  for (const [name, m] of col.macros) {
    try {
      macros.set(
        name,
        resolver.resolve(
          parseCondition(substituteLists(m.condition, lists)),
          m.visibility,
          [name],
          new Set(),
        ),
      );
    } catch (err) {
      throw new RulesetError(`macro ${name}: ${(err as Error).message}`);
    }
  }
  const rules = new Map<string, CompiledRule>();
  const ALL = Number.MAX_SAFE_INTEGER;
  for (const [name, { def }] of col.rules) {
    try {
      const text = def.exceptions.length
        ? conditionWithExceptions(def.condition, def.exceptions)
        : def.condition;
      const used = new Set<string>();
      const expr = resolver.resolve(parseCondition(substituteLists(text, lists)), ALL, [], used);
      const symbolic = resolver.resolveSymbolic(parseCondition(text), ALL, []);
      const macrosUsed = [...used].sort();
      const listNames = new Set<string>(listsIn(text, lists));
      for (const m of macrosUsed)
        for (const l of listsIn(col.macros.get(m)!.condition, lists)) listNames.add(l);
      rules.set(name, {
        name,
        source: def.source,
        enabled: def.enabled,
        condition: def.condition,
        exceptions: def.exceptions,
        expr,
        symbolic,
        macrosUsed,
        listsUsed: [...listNames].sort(),
      });
    } catch (err) {
      throw new RulesetError(`rule ${name}: ${(err as Error).message}`);
    }
  }
  return { lists, macros, rules };
}
