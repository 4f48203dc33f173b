/**
 * Characters that change how text is displayed without being visible themselves:
 * bidirectional overrides and isolates (the "Trojan Source" trick, which makes a
 * command line read differently from what runs), zero-width characters, line and
 * paragraph separators, and C0/C1 control characters other than tab and newline.
 */
export const INVISIBLE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- control and combining characters are exactly what this matches
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\ufff9-\ufffb]/g;

/** Half of a surrogate pair without its other half: not a character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// eslint-disable-next-line no-misleading-character-class -- see INVISIBLE
const INVISIBLE_ONE = new RegExp(`${INVISIBLE.source}|${LONE_SURROGATE.source}`);

/** True if `s` contains an invisible character (stateless, unlike the global regex). */
export function hasInvisible(s: string): boolean {
  return INVISIBLE_ONE.test(s);
}

/** `U+202E` style name of a code point, for visible markers. */
export function codePointName(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Replaces every invisible character with a visible marker such as `⟨U+202E⟩`. */
export function revealInvisible(s: string): string {
  return s
    .replace(INVISIBLE, (ch) => `⟨${codePointName(ch)}⟩`)
    .replace(LONE_SURROGATE, (ch) => `⟨${codePointName(ch)}⟩`);
}
