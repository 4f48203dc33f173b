/**
 * How libsinsp compares one extracted value with one right-hand value (filter_compare.cpp),
 * for the kinds of values an event carries here: strings, numbers, booleans, IP addresses and
 * networks. Our events are synthetic and untyped, so the kind is read off the operands: two
 * numbers compare as numbers, an address against an address or a CIDR compares as addresses,
 * everything else as bytes (strcmp), which is what a string field does upstream.
 */

export class ComparisonError extends Error {}

const NUMBER = /^[+-]?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?)$/;

function asNumber(s: string): number | undefined {
  if (!NUMBER.test(s)) return undefined;
  const n = /^[+-]?0[xX]/.test(s) ? Number.parseInt(s, 16) : Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** IPv4 or IPv6 to a bigint plus its width in bits, or undefined. */
export function parseIp(s: string): { value: bigint; bits: 32 | 128 } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return { value, bits: 128 };
}

export function parseCidr(
  s: string,
): { value: bigint; bits: 32 | 128; prefix: number } | undefined {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!ip || prefix > ip.bits) return undefined;
  return { ...ip, prefix };
}

function inNetwork(ip: string, net: string): boolean | undefined {
  const a = parseIp(ip);
  const n = parseCidr(net);
  if (!a || !n) return undefined;
  if (a.bits !== n.bits) return false;
  const shift = BigInt(a.bits - n.prefix);
  return a.value >> shift === n.value >> shift;
}

/** `=` as libsinsp does it for these kinds of values. */
export function equalValues(lhs: string, rhs: string): boolean {
  const net = inNetwork(lhs, rhs);
  if (net !== undefined) return net;
  const a = parseIp(lhs);
  const b = parseIp(rhs);
  if (a && b) return a.bits === b.bits && a.value === b.value;
  const x = asNumber(lhs);
  const y = asNumber(rhs);
  if (x !== undefined && y !== undefined) return x === y;
  return lhs === rhs;
}

/** fnmatch(3) without flags: `*` and `?` match any character including `/`; `[...]`, `[!...]`. */
export function globMatch(pattern: string, text: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const t = caseInsensitive ? text.toLowerCase() : text;
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let res: boolean;
    if (i === p.length) res = j === t.length;
    else {
      const c = p[i]!;
      if (c === '*') res = go(i + 1, j) || (j < t.length && go(i, j + 1));
      else if (j === t.length) res = false;
      else if (c === '?') res = go(i + 1, j + 1);
      else if (c === '[') {
        const close = p.indexOf(']', i + 2);
        if (close === -1) res = t[j] === '[' && go(i + 1, j + 1);
        else {
          let body = p.slice(i + 1, close);
          const negate = body[0] === '!' || body[0] === '^';
          if (negate) body = body.slice(1);
          let matched = false;
          for (let k = 0; k < body.length; k++) {
            if (body[k + 1] === '-' && k + 2 < body.length) {
              if (t[j]! >= body[k]! && t[j]! <= body[k + 2]!) matched = true;
              k += 2;
            } else if (body[k] === t[j]) matched = true;
          }
          res = matched !== negate && go(close + 1, j + 1);
        }
      } else if (c === '\\' && i + 1 < p.length) res = p[i + 1] === t[j] && go(i + 2, j + 1);
      else res = c === t[j] && go(i + 1, j + 1);
    }
    memo.set(key, res);
    return res;
  };
  return go(0, 0);
}

const components = (path: string) => path.split('/').filter((c) => c !== '');

/** `pmatch`: the value is the search path or below it; components may be globs. */
export function pathPrefixMatch(path: string, prefix: string): boolean {
  const pc = components(path);
  const sc = components(prefix);
  if (sc.length > pc.length) return false;
  return sc.every((s, i) => globMatch(s, pc[i]!));
}

function hexBytes(hex: string): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex))
    throw new ComparisonError(`bcontains needs an even number of hex digits, got ${hex}`);
  return Buffer.from(hex, 'hex');
}

const regexCache = new Map<string, RegExp>();
function fullRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    // RE2 semantics match whole values (ANCHOR_BOTH); JS has no RE2, the official rules use none.
    re = new RegExp(`^(?:${pattern})$`, 'u');
    regexCache.set(pattern, re);
  }
  return re;
}

/** One value against one right-hand value, for the operators that take one. */
export function compareOne(op: string, lhs: string, rhs: string): boolean {
  switch (op) {
    case '=':
    case '==':
    case 'in':
    case 'intersects':
      return equalValues(lhs, rhs);
    case '!=':
      return !equalValues(lhs, rhs);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const x = asNumber(lhs);
      const y = asNumber(rhs);
      const c =
        x !== undefined && y !== undefined ? Math.sign(x - y) : lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
    case 'contains':
      return lhs.includes(rhs);
    case 'icontains':
      return lhs.toLowerCase().includes(rhs.toLowerCase());
    case 'startswith':
      return lhs.startsWith(rhs);
    case 'endswith':
      return lhs.endsWith(rhs);
    case 'bcontains':
      return Buffer.from(lhs, 'latin1').includes(hexBytes(rhs));
    case 'bstartswith': {
      const needle = hexBytes(rhs);
      return Buffer.from(lhs, 'latin1').subarray(0, needle.length).equals(needle);
    }
    case 'glob':
      return globMatch(rhs, lhs);
    case 'iglob':
      return globMatch(rhs, lhs, true);
    case 'regex':
      return fullRegex(rhs).test(lhs);
    case 'pmatch':
      return pathPrefixMatch(lhs, rhs);
    default:
      throw new ComparisonError(`unknown operator ${op}`);
  }
}
