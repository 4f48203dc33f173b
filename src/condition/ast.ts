/**
 * The syntax tree of a Falco condition, shaped like libsinsp's (filter/ast.h) so the parser,
 * the macro resolver and the evaluator can follow upstream's semantics one to one.
 */

export interface FieldExpr {
  kind: 'field';
  /** `proc.aname`, `jevt.value`, `ka.req.pod.containers.image`. */
  name: string;
  /** What is inside `[...]`: `2` in `proc.aname[2]`, `/requestObject/spec` in `jevt.value[...]`. */
  arg?: string;
}

/** `tolower(proc.name)`, `val(proc.pname)`, `join("-", (a.b, "x"))`. */
export interface TransformerExpr {
  kind: 'transformer';
  name: string;
  args: TransformerArg[];
  arg?: string;
}

/** A literal in a transformer's argument list (a quoted string or a number). */
export interface LiteralExpr {
  kind: 'literal';
  value: string;
}

/** `("aaa", fd.name)`: a list argument of `join`. */
export interface TransformerListExpr {
  kind: 'tlist';
  items: TransformerArg[];
}

export type TransformerArg = FieldExpr | TransformerExpr | LiteralExpr | TransformerListExpr;

/** The left-hand side of a check. */
export type Operand = FieldExpr | TransformerExpr;

/** A right-hand value: one string, an identifier (after a list operator), or a list. */
export interface ValueExpr {
  kind: 'value';
  value: string;
}

export interface ListExpr {
  kind: 'list';
  values: string[];
}

export interface AndExpr {
  kind: 'and';
  children: Expr[];
}

export interface OrExpr {
  kind: 'or';
  children: Expr[];
}

export interface NotExpr {
  kind: 'not';
  child: Expr;
}

/** A bare identifier: a macro reference until the macro resolver replaces it. */
export interface IdentifierExpr {
  kind: 'identifier';
  name: string;
}

export interface UnaryCheckExpr {
  kind: 'unary';
  left: Operand;
  op: 'exists';
}

export interface BinaryCheckExpr {
  kind: 'binary';
  left: Operand;
  /** `=`, `!=`, `in`, `startswith`, `contains anyof`... (`==` is kept as written). */
  op: string;
  right: ValueExpr | ListExpr | TransformerExpr;
}

export type Expr = AndExpr | OrExpr | NotExpr | IdentifierExpr | UnaryCheckExpr | BinaryCheckExpr;

const BARE_SAFE = /^[^()"'\s=,]+$/;

/** A value as it can be written back into a condition and parsed to the same string. */
export function quoteValue(value: string): string {
  if (value !== '' && BARE_SAFE.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function printOperand(e: Operand | TransformerArg): string {
  switch (e.kind) {
    case 'field':
      return e.arg === undefined ? e.name : `${e.name}[${printArg(e.arg)}]`;
    case 'transformer': {
      const inner = `${e.name}(${e.args.map(printOperand).join(', ')})`;
      return e.arg === undefined ? inner : `${inner}[${printArg(e.arg)}]`;
    }
    case 'literal':
      // Transformer arguments are numbers or quoted strings; a bare word would be a field.
      return /^[+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?$|^0[xX][0-9a-fA-F]+$/.test(e.value)
        ? e.value
        : `"${e.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    case 'tlist':
      return `(${e.items.map(printOperand).join(', ')})`;
  }
}

function printArg(arg: string): string {
  return /^[^\]["'\s]+$/.test(arg) ? arg : `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A canonical one-line form: every compound in parentheses, values quoted only when needed.
 * Parsing it gives the same tree, so it is what the catalog stores and hashes.
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'and':
      return `(${e.children.map(printExpr).join(' and ')})`;
    case 'or':
      return `(${e.children.map(printExpr).join(' or ')})`;
    case 'not':
      return `not ${printExpr(e.child)}`;
    case 'identifier':
      return e.name;
    case 'unary':
      return `${printOperand(e.left)} exists`;
    case 'binary': {
      const r = e.right;
      const right =
        r.kind === 'list'
          ? `(${r.values.map(quoteValue).join(', ')})`
          : r.kind === 'value'
            ? quoteValue(r.value)
            : printOperand(r);
      return `${printOperand(e.left)} ${e.op} ${right}`;
    }
  }
}

/** Every node, depth first (checks and identifiers included). */
export function* walkExpr(e: Expr): Generator<Expr> {
  yield e;
  if (e.kind === 'and' || e.kind === 'or') for (const c of e.children) yield* walkExpr(c);
  else if (e.kind === 'not') yield* walkExpr(e.child);
}

/** The fields an operand reads (a transformer reads those of its arguments). */
export function operandFields(e: Operand | TransformerArg): FieldExpr[] {
  switch (e.kind) {
    case 'field':
      return [e];
    case 'transformer':
      return e.args.flatMap(operandFields);
    case 'tlist':
      return e.items.flatMap(operandFields);
    case 'literal':
      return [];
  }
}

export function fieldRef(f: FieldExpr): string {
  return f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
}
