import type { Expr } from './ast.js';
import { printOperand, quoteValue } from './ast.js';
import type { CompiledRule, SymbolicExpr } from './ruleset.js';

/**
 * "What this rule matches", written from the rule's compiled condition, never by hand: the
 * event types it can fire on, what must hold (each top-level condition, macros shown with
 * their bodies and lists with their items) and what it excludes (each top-level `not`).
 * Plain text; the report escapes it for Slack.
 */

export interface MatchSummary {
  /** Event types the condition can fire on, or undefined when it is not limited to some. */
  events: string[] | undefined;
  requires: string[];
  excludes: string[];
  /** The same, one line: macro names instead of their bodies. */
  compact: string;
}

const ITEMS_SHOWN = 8;
const ENTRY_MAX = 320;

type EventSet = Set<string> | 'all';

/**
 * The event types for which the condition can be true, as Falco computes them to index rules
 * (ast::ppm_event_codes): `evt.type = x` and `evt.type in (...)` restrict, `and` intersects,
 * `or` unites, anything else (a negation included) leaves every type possible.
 */
export function eventTypes(e: Expr): EventSet {
  switch (e.kind) {
    case 'and': {
      let acc: Set<string> | undefined;
      for (const c of e.children) {
        const s = eventTypes(c);
        if (s === 'all') continue;
        acc = acc ? new Set([...acc].filter((x) => s.has(x))) : new Set(s);
      }
      return acc ?? 'all';
    }
    case 'or': {
      const acc = new Set<string>();
      for (const c of e.children) {
        const s = eventTypes(c);
        if (s === 'all') return 'all';
        s.forEach((x) => acc.add(x));
      }
      return acc;
    }
    case 'binary':
      if (e.left.kind === 'field' && e.left.name === 'evt.type' && e.left.arg === undefined) {
        if ((e.op === '=' || e.op === '==') && e.right.kind === 'value')
          return new Set([e.right.value]);
        if (e.op === 'in' && e.right.kind === 'list') return new Set(e.right.values);
      }
      return 'all';
    default:
      return 'all';
  }
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}

class Writer {
  constructor(private readonly lists: ReadonlyMap<string, readonly string[]>) {}

  private listText(name: string): string {
    const items = this.lists.get(name);
    if (!items) return quoteValue(name);
    const shown = items.slice(0, ITEMS_SHOWN).join(', ');
    const more = items.length > ITEMS_SHOWN ? `, … ${items.length - ITEMS_SHOWN} more` : '';
    return `${name} [${items.length ? shown + more : 'empty'}]`;
  }

  /** One node, macros named rather than opened (the caller opens the top-level ones). */
  node(e: SymbolicExpr, top = true): string {
    switch (e.kind) {
      case 'macro':
        return e.name;
      case 'and':
      case 'or': {
        const inner = e.children.map((c) => this.node(c, false)).join(` ${e.kind} `);
        return top ? inner : `(${inner})`;
      }
      case 'not':
        return `not ${this.node(e.child, false)}`;
      case 'identifier':
        return e.name;
      case 'unary':
        return `${printOperand(e.left)} exists`;
      case 'binary': {
        const r = e.right;
        let right: string;
        if (r.kind === 'list') {
          // A list written as `(name)` is one official list: show its items.
          right =
            r.values.length === 1 && this.lists.has(r.values[0]!)
              ? this.listText(r.values[0]!)
              : `(${r.values.map((v) => (this.lists.has(v) ? this.listText(v) : quoteValue(v))).join(', ')})`;
        } else if (r.kind === 'value') right = quoteValue(r.value);
        else right = printOperand(r);
        return `${printOperand(e.left)} ${e.op} ${right}`;
      }
    }
  }

  /** A top-level entry: a macro with what it stands for, or the check itself. */
  entry(e: SymbolicExpr): string {
    if (e.kind === 'macro') {
      const body = e.child;
      if (isNeverTrue(body)) return `${e.name}: matches nothing until you override it`;
      return clip(`${e.name}: ${this.node(body)}`, ENTRY_MAX);
    }
    return clip(this.node(e), ENTRY_MAX);
  }
}

/**
 * Falco's placeholder macros for user exceptions: `never_true` is `evt.num=0` and
 * `k8s_audit_never_true` is `jevt.rawtime=0`; no real event has either.
 */
function isNeverTrue(e: SymbolicExpr): boolean {
  if (e.kind === 'macro') return isNeverTrue(e.child);
  return (
    e.kind === 'binary' &&
    e.left.kind === 'field' &&
    (e.left.name === 'evt.num' || e.left.name === 'jevt.rawtime') &&
    (e.op === '=' || e.op === '==') &&
    e.right.kind === 'value' &&
    e.right.value === '0'
  );
}

function conjuncts(e: SymbolicExpr): SymbolicExpr[] {
  return e.kind === 'and' ? e.children.flatMap(conjuncts) : [e];
}

export function describeRule(
  rule: CompiledRule,
  lists: ReadonlyMap<string, readonly string[]>,
): MatchSummary {
  const w = new Writer(lists);
  const requires: string[] = [];
  const excludes: string[] = [];
  const shortReq: string[] = [];
  const shortEx: string[] = [];
  for (const c of conjuncts(rule.symbolic)) {
    const isNot = c.kind === 'not';
    const named = isNot ? c.child : c;
    const short = clip(named.kind === 'macro' ? named.name : w.node(named, false), 90);
    if (!(isNot && named.kind === 'macro' && isNeverTrue(named.child)))
      (isNot ? shortEx : shortReq).push(short);
    if (c.kind === 'not') {
      const inner = c.child;
      // `not never_true`-style placeholders exclude nothing: say so rather than hide them.
      excludes.push(
        inner.kind === 'macro' && isNeverTrue(inner.child)
          ? `${inner.name} (empty until you override it)`
          : w.entry(inner),
      );
    } else requires.push(w.entry(c));
  }
  const ev = eventTypes(rule.expr);
  const events = ev === 'all' ? undefined : [...ev].sort();
  let compact = `${events ? `${events.join('/')}: ` : ''}${shortReq.join(' and ')}`;
  if (shortEx.length) compact += `; not ${shortEx.join(', not ')}`;
  return { events, requires, excludes, compact: clip(compact, 600) };
}

/** The whole summary as plain text lines (used by tests and the docs). */
export function summaryLines(s: MatchSummary): string[] {
  const lines: string[] = [];
  lines.push(s.events ? `Events: ${s.events.join(', ')}` : 'Events: any event of its source');
  for (const r of s.requires) lines.push(`Requires: ${r}`);
  for (const x of s.excludes) lines.push(`Excludes: ${x}`);
  return lines;
}
