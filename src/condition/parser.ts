import type {
  BinaryCheckExpr,
  Expr,
  FieldExpr,
  ListExpr,
  Operand,
  TransformerArg,
  TransformerExpr,
  ValueExpr,
} from './ast.js';

/**
 * A recursive-descent parser for Falco conditions, a port of libsinsp's
 * userspace/libsinsp/filter/parser.cpp (falcosecurity/libs): the same productions, the same
 * token expressions, the same order of attempts, so that what Falco accepts we accept and what
 * it refuses we refuse (test/unit/condition-parser.test.ts carries upstream's test vectors).
 *
 *   Expr ::= OrExpr;  OrExpr ::= AndExpr ('or' ...)*;  AndExpr ::= NotExpr ('and' ...)*
 *   NotExpr ::= ('not ')* ('not(' Expr ')' | Check)
 *   Check ::= Field Condition | FieldTransformer Condition | Identifier | '(' Expr ')'
 */

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly input: string,
    readonly index: number,
  ) {
    super(`${message} at position ${index + 1}`);
  }
}

const UNARY_OPS = ['exists'];
const NUM_OPS = ['<=', '<', '>=', '>'];
const STR_OPS = [
  '==',
  '=',
  '!=',
  'glob ',
  'iglob ',
  'contains ',
  'icontains ',
  'bcontains ',
  'startswith ',
  'bstartswith ',
  'endswith ',
  'regex ',
];
const STR_MODIFIERS = ['oneof ', 'anyof ', 'allof '];
const LIST_OPS = ['intersects', 'in', 'pmatch'];
const TRANSFORMER_VAL = 'val(';
const TRANSFORMERS = [
  'tolower(',
  'toupper(',
  'b64(',
  'basename(',
  'len(',
  'join(',
  'concat(',
  'getopt(',
];

// Upstream's token expressions (RE2 in POSIX mode, i.e. leftmost-longest, anchored at the cursor).
const RGX_NOT_BLANK = /^not[ \t\n\r\f\v]+/;
const RGX_IDENTIFIER = /^[a-zA-Z]+[a-zA-Z0-9_]*/;
const RGX_FIELDNAME = /^[a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+/;
const RGX_FIELDARG_BARESTR = /^[^\]["'\s]+/;
const RGX_HEXNUM = /^0[xX][0-9a-fA-F]+/;
const RGX_NUMBER = /^[+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?/;
const RGX_BARESTR = /^[^()"'\s=,]+/;
const BLANKS = new Set([' ', '\t', '\b', '\r', '\n']);

const MAX_DEPTH = 1000; // Falco's rule loader raises libsinsp's default of 100 to 1000.

/** Unescapes a quoted string token, delimiters included (escaping.cpp's unescape_str). */
export function unescapeQuoted(token: string): string {
  const quote = token[0]!;
  let out = '';
  let escaped = false;
  for (let i = 1; i < token.length - 1; i++) {
    const c = token[i]!;
    if (!escaped) {
      if (c === '\\') escaped = true;
      else out += c;
      continue;
    }
    switch (c) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case ' ': // upstream keeps this for rules written with a wrong escape: "\ " is a backslash
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case '"':
      case "'":
        if (c !== quote)
          throw new Error(
            c === '"'
              ? 'invalid \\" escape in \'-quoted string'
              : 'invalid \\\' escape in "-quoted string',
          );
        out += c;
        break;
      case 'x': {
        const hex = token.slice(i + 1, i + 3);
        if (i + 2 >= token.length - 1) throw new Error('truncated hex char escape sequence');
        if (!/^[0-9a-fA-F]{2}$/.test(hex))
          throw new Error(`invalid hex char escape sequence: ${hex}`);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        throw new Error(`unsupported string escape sequence: \\${c}`);
    }
    escaped = false;
  }
  return out;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private last = '';

  constructor(private readonly input: string) {}

  parse(): Expr {
    if (this.input.length === 0) throw this.error('filter input string is empty');
    const res = this.parseOr();
    if (this.pos !== this.input.length)
      throw this.error(`unexpected token after '${this.last}', expecting 'or', 'and'`);
    return res;
  }

  private error(msg: string): ConditionSyntaxError {
    return new ConditionSyntaxError(msg, this.input, this.pos);
  }

  private guard<T>(fn: () => T): T {
    if (++this.depth >= MAX_DEPTH) throw this.error(`exceeded max depth limit of ${MAX_DEPTH}`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private get rest(): string {
    return this.input.slice(this.pos);
  }

  private lexBlank(): boolean {
    let found = false;
    while (this.pos < this.input.length && BLANKS.has(this.input[this.pos]!)) {
      this.pos++;
      found = true;
    }
    return found;
  }

  private lexStr(s: string): boolean {
    if (this.input.startsWith(s, this.pos)) {
      this.last = s;
      this.pos += s.length;
      return true;
    }
    return false;
  }

  private lexRgx(re: RegExp): boolean {
    const m = re.exec(this.rest);
    if (!m) return false;
    this.last = m[0];
    this.pos += m[0].length;
    return true;
  }

  private lexStrList(list: readonly string[]): boolean {
    return list.some((s) => this.lexStr(s));
  }

  /** Operators written with a trailing blank need one after them, or they do not match. */
  private lexOperatorList(list: readonly string[]): boolean {
    for (const op of list) {
      if (!op.endsWith(' ')) {
        if (this.lexStr(op)) return true;
        continue;
      }
      const saved = this.pos;
      const savedLast = this.last;
      if (this.lexStr(op.trim())) {
        if (this.lexBlank()) return true;
        this.pos = saved;
        this.last = savedLast;
      }
    }
    return false;
  }

  private lexQuoted(): boolean {
    const delim = this.input[this.pos];
    if (delim !== '"' && delim !== "'") return false;
    let prev = '\\';
    let i = this.pos;
    let token = '';
    while (i < this.input.length) {
      const c = this.input[i]!;
      if (c === delim && prev !== '\\') {
        token += c;
        try {
          this.last = unescapeQuoted(token);
        } catch (err) {
          throw this.error((err as Error).message);
        }
        this.pos = i + 1;
        return true;
      }
      prev = c;
      token += c;
      i++;
    }
    return false;
  }

  private lexNum(): boolean {
    return this.lexRgx(RGX_HEXNUM) || this.lexRgx(RGX_NUMBER);
  }

  private parseOr(): Expr {
    return this.guard(() => {
      const children: Expr[] = [];
      this.lexBlank();
      children.push(this.parseAnd());
      this.lexBlank();
      while (this.lexStr('or')) {
        if (!this.lexBlank()) {
          if (this.lexStr('(')) children.push(this.parseEmbeddedRemainder());
          else throw this.error("expected blank or '(' after 'or'");
        } else {
          children.push(this.parseAnd());
        }
        this.lexBlank();
      }
      return children.length > 1 ? { kind: 'or', children } : children[0]!;
    });
  }

  private parseAnd(): Expr {
    return this.guard(() => {
      const children: Expr[] = [];
      this.lexBlank();
      children.push(this.parseNot());
      this.lexBlank();
      while (this.lexStr('and')) {
        if (!this.lexBlank()) {
          if (this.lexStr('(')) children.push(this.parseEmbeddedRemainder());
          else throw this.error("expected blank or '(' after 'and'");
        } else {
          children.push(this.parseNot());
        }
        this.lexBlank();
      }
      return children.length > 1 ? { kind: 'and', children } : children[0]!;
    });
  }

  private parseNot(): Expr {
    return this.guard(() => {
      let isNot = false;
      this.lexBlank();
      while (this.lexRgx(RGX_NOT_BLANK)) isNot = !isNot;
      let child: Expr;
      if (this.lexStr('not(')) {
        isNot = !isNot;
        child = this.parseEmbeddedRemainder();
      } else {
        child = this.parseCheck();
      }
      return isNot ? { kind: 'not', child } : child;
    });
  }

  private parseEmbeddedRemainder(): Expr {
    return this.guard(() => {
      this.lexBlank();
      const child = this.parseOr();
      this.lexBlank();
      if (!this.lexStr(')')) throw this.error("expected a ')' token");
      return child;
    });
  }

  private parseCheck(): Expr {
    return this.guard(() => {
      this.lexBlank();
      if (this.lexStr('(')) return this.parseEmbeddedRemainder();
      if (this.lexRgx(RGX_FIELDNAME))
        return this.parseCondition(this.parseFieldRemainder(this.last));
      if (this.lexStrList(TRANSFORMERS)) {
        this.lexBlank();
        const left = this.parseTransformerRemainder(this.last.slice(0, -1));
        return this.parseCondition(left);
      }
      if (this.lexRgx(RGX_IDENTIFIER)) return { kind: 'identifier', name: this.last };
      throw this.error("expected a '(' token, a field check, or an identifier");
    });
  }

  private parseFieldRemainder(name: string): FieldExpr {
    const arg = this.parseOptionalFieldArg();
    return arg === undefined ? { kind: 'field', name } : { kind: 'field', name, arg };
  }

  private parseOptionalFieldArg(): string | undefined {
    if (!this.lexStr('[')) return undefined;
    if (!this.lexQuoted() && !this.lexRgx(RGX_FIELDARG_BARESTR))
      throw this.error('expected a valid field argument: a quoted string or a bare string');
    const arg = this.last;
    if (!this.lexStr(']')) throw this.error("expected a ']' token");
    return arg;
  }

  private parseTransformerRemainder(name: string): TransformerExpr {
    return this.guard(() => {
      this.lexBlank();
      const args: TransformerArg[] = [];
      do {
        args.push(this.parseTransformerArg());
        this.lexBlank();
      } while (this.lexStr(','));
      this.lexBlank();
      if (!this.lexStr(')')) throw this.error("expected a ')' token closing the transformer");
      const arg = this.parseOptionalFieldArg();
      return arg === undefined
        ? { kind: 'transformer', name, args }
        : { kind: 'transformer', name, args, arg };
    });
  }

  private parseTransformerArg(): TransformerArg {
    return this.guard(() => {
      this.lexBlank();
      if (this.lexNum()) return { kind: 'literal', value: this.last };
      if (this.lexQuoted()) return { kind: 'literal', value: this.last };
      if (this.lexStr('(')) return this.parseTransformerList();
      if (this.lexStrList(TRANSFORMERS))
        return this.parseTransformerRemainder(this.last.slice(0, -1));
      if (this.lexRgx(RGX_FIELDNAME)) return this.parseFieldRemainder(this.last);
      throw this.error(
        'expected field transformer argument: field, transformer, quoted string, number, or transformer list',
      );
    });
  }

  private parseTransformerList(): TransformerArg {
    const items: TransformerArg[] = [];
    this.lexBlank();
    if (this.lexStr(')')) return { kind: 'tlist', items };
    items.push(this.parseTransformerListArg());
    this.lexBlank();
    while (this.lexStr(',')) {
      this.lexBlank();
      items.push(this.parseTransformerListArg());
      this.lexBlank();
    }
    if (!this.lexStr(')')) throw this.error("expected ')'");
    return { kind: 'tlist', items };
  }

  private parseTransformerListArg(): TransformerArg {
    if (this.lexRgx(RGX_FIELDNAME)) return this.parseFieldRemainder(this.last);
    if (this.lexStrList(TRANSFORMERS)) {
      this.lexBlank();
      return this.parseTransformerRemainder(this.last.slice(0, -1));
    }
    if (this.lexQuoted()) return { kind: 'literal', value: this.last };
    if (this.lexNum()) return { kind: 'literal', value: this.last };
    throw this.error(
      'expected transformer list argument: field, transformer, quoted string, or number',
    );
  }

  private parseCondition(left: Operand): Expr {
    return this.guard(() => {
      this.lexBlank();
      if (this.lexOperatorList(UNARY_OPS)) return { kind: 'unary', left, op: 'exists' };
      this.lexBlank();
      let op: string;
      let right: BinaryCheckExpr['right'];
      if (this.lexOperatorList(NUM_OPS)) {
        op = this.last;
        right = this.parseNumValueOrTransformer();
      } else if (this.lexOperatorList(STR_OPS)) {
        op = this.last.trim();
        // Word operators consumed their blank already; symbols need one before a modifier.
        const hadBlank = /^[a-z]/i.test(op) || this.lexBlank();
        const saved = this.pos;
        const savedLast = this.last;
        if (
          hadBlank &&
          this.lexOperatorList(STR_MODIFIERS) &&
          this.listValueFollows() &&
          !this.boolKeywordFollows()
        ) {
          op = `${op} ${this.last.trim()}`;
          right = this.parseListValue();
        } else {
          this.pos = saved;
          this.last = savedLast;
          right = this.parseStrValueOrTransformer(false);
        }
      } else if (this.lexOperatorList(LIST_OPS)) {
        op = this.last;
        right = this.parseListValueOrTransformer();
      } else {
        throw this.error(
          'expected a valid check operator: one of ' +
            [...UNARY_OPS, ...NUM_OPS, ...STR_OPS, ...LIST_OPS]
              .map((o) => `'${o.trim()}'`)
              .join(', '),
        );
      }
      return { kind: 'binary', left, op, right };
    });
  }

  private listValueFollows(): boolean {
    if (this.input[this.pos] === '(') return true;
    return RGX_IDENTIFIER.test(this.rest);
  }

  private boolKeywordFollows(): boolean {
    const s = this.rest;
    return ['and', 'or', 'not'].some(
      (kw) => s.startsWith(kw) && (s.length === kw.length || !/[a-zA-Z0-9]/.test(s[kw.length]!)),
    );
  }

  private parseNumValueOrTransformer(): ValueExpr | TransformerExpr {
    return this.guard(() => {
      this.lexBlank();
      const t = this.tryParseTransformerOrVal();
      if (t) return t;
      if (this.lexNum()) return { kind: 'value', value: this.last };
      throw this.error('expected a number value or a field with a valid transformer');
    });
  }

  private parseStrValueOrTransformer(noTransformer: boolean): ValueExpr | TransformerExpr {
    return this.guard(() => {
      this.lexBlank();
      if (!noTransformer) {
        const t = this.tryParseTransformerOrVal();
        if (t) return t;
      }
      if (this.lexQuoted() || this.lexRgx(RGX_BARESTR)) return { kind: 'value', value: this.last };
      throw this.error(
        noTransformer
          ? 'expected a string value'
          : 'expected a string value or a field with a valid transformer',
      );
    });
  }

  private tryParseListExpr(): ListExpr | undefined {
    if (!this.lexStr('(')) return undefined;
    const values: string[] = [];
    this.lexBlank();
    let empty = false;
    let first: ValueExpr | TransformerExpr | undefined;
    try {
      first = this.parseStrValueOrTransformer(true);
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      empty = true;
    }
    if (!empty && first?.kind === 'value') {
      values.push(first.value);
      this.lexBlank();
      while (this.lexStr(',')) {
        const next = this.parseStrValueOrTransformer(true);
        if (next.kind === 'value') values.push(next.value);
        this.lexBlank();
      }
    }
    if (!this.lexStr(')')) throw this.error("expected a ')' token");
    return { kind: 'list', values };
  }

  private parseListValue(): ListExpr | ValueExpr {
    return this.guard(() => {
      this.lexBlank();
      const list = this.tryParseListExpr();
      if (list) return list;
      if (this.lexRgx(RGX_IDENTIFIER)) return { kind: 'value', value: this.last };
      throw this.error('expected a list or an identifier');
    });
  }

  private parseListValueOrTransformer(): ListExpr | ValueExpr | TransformerExpr {
    return this.guard(() => {
      this.lexBlank();
      const list = this.tryParseListExpr();
      if (list) return list;
      const t = this.tryParseTransformerOrVal();
      if (t) return t;
      if (this.lexRgx(RGX_IDENTIFIER)) return { kind: 'value', value: this.last };
      throw this.error('expected a list, an identifier, or a field with a valid transformer');
    });
  }

  private tryParseTransformerOrVal(): TransformerExpr | undefined {
    return this.guard(() => {
      this.lexBlank();
      if (this.lexStr(TRANSFORMER_VAL)) {
        this.lexBlank();
        if (!this.lexRgx(RGX_FIELDNAME))
          throw this.error("expected a field within 'val' transformer");
        const field = this.parseFieldRemainder(this.last);
        this.lexBlank();
        if (!this.lexStr(')')) throw this.error("expected a ')' token closing the transformer");
        const arg = this.parseOptionalFieldArg();
        const t: TransformerExpr = { kind: 'transformer', name: 'val', args: [field] };
        if (arg !== undefined) t.arg = arg;
        return t;
      }
      if (this.lexStrList(TRANSFORMERS)) {
        this.lexBlank();
        return this.parseTransformerRemainder(this.last.slice(0, -1));
      }
      return undefined;
    });
  }
}

/** Parses one condition (lists already substituted, macros left as identifiers). */
export function parseCondition(input: string): Expr {
  return new Parser(input).parse();
}
