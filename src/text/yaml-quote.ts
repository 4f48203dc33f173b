import { hasInvisible } from './invisible.js';

/**
 * A YAML double-quoted scalar that reads back as exactly `value` (YAML 1.1 and 1.2,
 * which Falco's yaml-cpp reads). Control and invisible characters and the backtick
 * are written as escapes, so what Slack shows is what Falco loads, and a value can
 * never close the Slack code block around it.
 */
export function yamlString(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '`') out += '\\x60';
    else if (hasInvisible(ch)) out += `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}
