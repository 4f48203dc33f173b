import type { Expr, FieldExpr, Operand, TransformerArg, TransformerExpr } from './ast.js';
import { fieldRef, printExpr } from './ast.js';
import { ComparisonError, compareOne } from './compare.js';
import type { SymbolicExpr } from './ruleset.js';
import { lookupTable } from '../lookup-table.js';

/**
 * Evaluates a compiled condition over a synthetic event: a map from field (as written in
 * conditions, argument included: `proc.aname[2]`, `jevt.value[/verb]`) to its value.
 *
 * Semantics follow libsinsp (sinsp_filtercheck.cpp):
 * - a field the event lacks cannot be extracted, and every comparison on it is false
 *   (`!=` included); `not` of that is true. `null` in the event says "absent" explicitly.
 * - an array is a list field (plugin fields such as `ka.req.pod.containers.image`):
 *   `in` holds when every value is in the set, `intersects` when one is; an empty array is
 *   absent. Other operators on a list are an error, as Falco refuses them when it loads.
 * - `proc.aname`, `proc.apid`, `proc.aexe`, `proc.aexepath` given as an array are the
 *   ancestors, parent first: `proc.aname[1]` is the parent, `proc.aname[0]` the process itself,
 *   and the field without argument matches when any ancestor does.
 *
 * Every field the evaluation reads is recorded; fields it reads that the event does not
 * declare (neither a value nor null) are reported, so a claim cannot pass by leaving out a
 * field the condition would have looked at.
 */

export type Scalar = string | number | boolean;
export type FieldValue = Scalar | null | Scalar[];
export type SyntheticEvent = Readonly<Record<string, FieldValue>>;

export class EvaluationError extends Error {}

export interface TraceEntry {
  check: string;
  result: boolean;
}

export interface Evaluation {
  result: boolean;
  /** Fields read, in order of first reading. */
  consulted: string[];
  /** Fields read that the event neither sets nor marks absent. */
  undeclared: string[];
  /** Each check evaluated, with its outcome (short-circuited ones are not). */
  trace: TraceEntry[];
}

const ANCESTOR_FIELDS = lookupTable<{ self: string; parent: string }>({
  'proc.aname': { self: 'proc.name', parent: 'proc.pname' },
  'proc.apid': { self: 'proc.pid', parent: 'proc.ppid' },
  'proc.aexe': { self: 'proc.exe', parent: 'proc.pexe' },
  'proc.aexepath': { self: 'proc.exepath', parent: 'proc.pexepath' },
});
const PARENT_OF = lookupTable<string>(
  Object.fromEntries(Object.entries(ANCESTOR_FIELDS).map(([a, { parent }]) => [parent, a])),
);

const str = (v: Scalar) => (typeof v === 'string' ? v : String(v));

interface Extracted {
  /** undefined: the field could not be extracted. */
  values: string[] | undefined;
  list: boolean;
  /** `proc.aname` without argument: compare each ancestor, true if one matches. */
  anyOf: boolean;
}

class Evaluator {
  readonly consulted: string[] = [];
  readonly undeclared: string[] = [];
  readonly trace: TraceEntry[] = [];

  constructor(private readonly event: SyntheticEvent) {}

  private has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.event, key);
  }

  private note(key: string, declared: boolean): void {
    if (!this.consulted.includes(key)) this.consulted.push(key);
    if (!declared && !this.undeclared.includes(key)) this.undeclared.push(key);
  }

  private raw(key: string): { declared: boolean; value: FieldValue } {
    if (this.has(key)) return { declared: true, value: this.event[key]! };
    return { declared: false, value: null };
  }

  private ancestors(base: string): Scalar[] | undefined {
    const v = this.event[base];
    return this.has(base) && Array.isArray(v) ? v : undefined;
  }

  /** The value of one field reference, following the derivations described above. */
  extract(f: FieldExpr): Extracted {
    const key = fieldRef(f);
    let { declared, value } = this.raw(key);
    const anc = ANCESTOR_FIELDS[f.name];
    if (!declared && anc && f.arg !== undefined && /^\d+$/.test(f.arg)) {
      const n = Number(f.arg);
      const chain = this.ancestors(f.name);
      if (n === 0) ({ declared, value } = this.raw(anc.self));
      else if (chain) {
        declared = true;
        value = n <= chain.length ? chain[n - 1]! : null;
      } else if (n === 1) ({ declared, value } = this.raw(anc.parent));
    }
    if (!declared && PARENT_OF[key]) {
      const chain = this.ancestors(PARENT_OF[key]);
      if (chain) {
        declared = true;
        value = chain.length ? chain[0]! : null;
      }
    }
    this.note(key, declared);
    if (anc && f.arg === undefined) {
      if (value === null) return { values: undefined, list: false, anyOf: true };
      const all = Array.isArray(value) ? value.map(str) : [str(value)];
      return { values: all.length ? all : undefined, list: false, anyOf: true };
    }
    if (value === null) return { values: undefined, list: false, anyOf: false };
    if (Array.isArray(value))
      return { values: value.length ? value.map(str) : undefined, list: true, anyOf: false };
    return { values: [str(value)], list: false, anyOf: false };
  }

  operand(e: Operand | TransformerArg): Extracted {
    switch (e.kind) {
      case 'field':
        return this.extract(e);
      case 'literal':
        return { values: [e.value], list: false, anyOf: false };
      case 'tlist': {
        const out: string[] = [];
        for (const item of e.items) {
          const v = this.operand(item);
          if (!v.values) return { values: undefined, list: true, anyOf: false };
          out.push(...v.values);
        }
        return { values: out, list: true, anyOf: false };
      }
      case 'transformer':
        return this.transform(e);
    }
  }

  private transform(t: TransformerExpr): Extracted {
    const map = (fn: (s: string) => string | undefined): Extracted => {
      if (t.args.length !== 1) throw new EvaluationError(`${t.name}() takes one argument`);
      const inner = this.operand(t.args[0]!);
      if (!inner.values) return inner;
      const out: string[] = [];
      for (const v of inner.values) {
        const r = fn(v);
        if (r === undefined) return { values: undefined, list: inner.list, anyOf: false };
        out.push(r);
      }
      return { values: out, list: inner.list, anyOf: inner.anyOf };
    };
    switch (t.name) {
      case 'val':
        return this.operand(t.args[0]!);
      case 'tolower':
        return map((s) => s.toLowerCase());
      case 'toupper':
        return map((s) => s.toUpperCase());
      case 'basename':
        return map((s) => (s.endsWith('/') ? '' : s.slice(s.lastIndexOf('/') + 1)));
      case 'b64':
        return map((s) => {
          // Padding is optional, as in libsinsp's decoder; a lone trailing sextet is not base64.
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1)
            return undefined;
          return Buffer.from(s, 'base64').toString('latin1');
        });
      case 'len': {
        if (t.args.length !== 1) throw new EvaluationError('len() takes one argument');
        const inner = this.operand(t.args[0]!);
        if (!inner.values) return { values: ['0'], list: false, anyOf: false };
        return {
          values: [String(inner.list ? inner.values.length : inner.values[0]!.length)],
          list: false,
          anyOf: false,
        };
      }
      case 'concat': {
        if (t.args.length < 2) throw new EvaluationError('concat() takes two or more arguments');
        let s = '';
        for (const a of t.args) {
          if (a.kind === 'tlist') throw new EvaluationError('concat() takes no list');
          const v = this.operand(a);
          if (v.list) throw new EvaluationError('concat() takes no list field');
          if (!v.values) return { values: undefined, list: false, anyOf: false };
          s += v.values[0];
        }
        return { values: [s], list: false, anyOf: false };
      }
      case 'join': {
        const [sep, list] = t.args;
        if (t.args.length !== 2 || sep?.kind !== 'literal' || list?.kind !== 'tlist')
          throw new EvaluationError('join() takes a separator and a list');
        const v = this.operand(list);
        if (!v.values) return { values: undefined, list: false, anyOf: false };
        return { values: [v.values.join(sep.value)], list: false, anyOf: false };
      }
      case 'getopt': {
        const [args, spec] = t.args;
        if (t.args.length !== 2 || spec?.kind !== 'literal' || t.arg === undefined)
          throw new EvaluationError('getopt(field, "optstring")[option] is the only form');
        const v = args ? this.operand(args) : { values: undefined };
        if (!v.values) return { values: undefined, list: false, anyOf: false };
        const found = getopt(v.values.join(' ').split(/\s+/), spec.value, t.arg);
        return { values: found === undefined ? undefined : [found], list: false, anyOf: false };
      }
      default:
        throw new EvaluationError(`unknown transformer ${t.name}()`);
    }
  }

  check(e: Extract<Expr, { kind: 'unary' | 'binary' }>): boolean {
    const lhs = this.operand(e.left);
    let result: boolean;
    if (e.kind === 'unary') result = lhs.values !== undefined;
    else if (!lhs.values) result = false;
    else {
      let rhs: string[];
      if (e.right.kind === 'list') rhs = e.right.values;
      else if (e.right.kind === 'value') rhs = [e.right.value];
      else {
        const r = this.operand(e.right);
        if (!r.values) {
          this.trace.push({ check: printExpr(e), result: false });
          return false;
        }
        rhs = r.values;
      }
      result = this.compare(e.op, lhs, rhs, e.right.kind === 'transformer');
    }
    this.trace.push({ check: printExpr(e), result });
    return result;
  }

  private compare(op: string, lhs: Extracted, rhs: string[], rhsIsField: boolean): boolean {
    const [base, mod] = op.split(' ') as [string, string | undefined];
    const values = lhs.values!;
    const one = (v: string): boolean => {
      if (mod) {
        const hits = rhs.filter((r) => compareOne(base, v, r)).length;
        return mod === 'anyof' ? hits > 0 : mod === 'allof' ? hits === rhs.length : hits === 1;
      }
      if (base === 'in' || base === 'intersects' || base === 'pmatch' || rhsIsField)
        return rhs.some((r) => compareOne(base, v, r));
      if (rhs.length !== 1) throw new EvaluationError(`operator ${op} takes one value`);
      return compareOne(base, v, rhs[0]!);
    };
    try {
      if (lhs.anyOf) return values.some(one);
      if (lhs.list) {
        if (base === 'in') return values.every(one);
        if (base === 'intersects') return values.some(one);
        throw new EvaluationError(
          `a list field only supports the operators exists, in and intersects (got ${op})`,
        );
      }
      return one(values[0]!);
    } catch (err) {
      if (err instanceof ComparisonError) throw new EvaluationError(err.message);
      throw err;
    }
  }

  run(e: Expr | SymbolicExpr): boolean {
    switch (e.kind) {
      case 'and':
        for (const c of e.children) if (!this.run(c)) return false;
        return true;
      case 'or':
        for (const c of e.children) if (this.run(c)) return true;
        return false;
      case 'not':
        return !this.run(e.child);
      case 'macro':
        return this.run(e.child);
      case 'identifier':
        throw new EvaluationError(`unresolved macro ${e.name}`);
      default:
        return this.check(e);
    }
  }
}

/** `getopt(proc.args, "nt:")[t]`: the argument of option -t (or "" for a flag without one). */
function getopt(argv: string[], spec: string, option: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') continue;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const at = spec.indexOf(c);
      const takesArg = at >= 0 && spec[at + 1] === ':';
      if (takesArg) {
        const val = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (c === option) return val;
        break;
      }
      if (c === option) return '';
    }
  }
  return undefined;
}

export function evaluate(expr: Expr | SymbolicExpr, event: SyntheticEvent): Evaluation {
  const ev = new Evaluator(event);
  const result = ev.run(expr);
  return { result, consulted: ev.consulted, undeclared: ev.undeclared, trace: ev.trace };
}
