import { revealInvisible } from './invisible.js';
import { truncate } from './truncate.js';

export { revealInvisible } from './invisible.js';

/**
 * Slack reads `<...>` as links and mentions and `&...;` as entities, in every mrkdwn
 * and in `text`; these three are the only characters Slack asks us to escape
 * (https://docs.slack.dev/messaging/formatting-message-text#escaping).
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A look-alike for the backtick, so a value can never close the code span around it. */
const BACKTICK_LOOKALIKE = 'ˋ';

/** Longest alert value shown inline; the whole value stays in the full report. */
export const INLINE_VALUE_MAX = 300;

/**
 * An alert value shown inline in mrkdwn: as inline code, so it can neither format,
 * link nor mention; on one line; invisible characters revealed; capped in length
 * with a visible marker.
 */
export function inlineValue(value: string, max = INLINE_VALUE_MAX): string {
  const oneLine = revealInvisible(value.replace(/\r\n|\r|\n/g, '⏎').replace(/\t/g, ' ')).replace(
    /`/g,
    BACKTICK_LOOKALIKE,
  );
  if (oneLine.trim() === '')
    return value === '' ? '_(empty)_' : `\`${escapeMrkdwn(JSON.stringify(value))}\``;
  return `\`${escapeMrkdwn(truncate(oneLine, max))}\``;
}

/**
 * Text from outside (a user's note, a display name) shown as prose in mrkdwn: escaped,
 * invisible characters revealed, and the formatting characters replaced by look-alikes
 * so it renders as typed rather than as bold, strike-through, code or a quote.
 */
export function mrkdwnText(s: string): string {
  return escapeMrkdwn(revealInvisible(s))
    .replace(/`/g, BACKTICK_LOOKALIKE)
    .replace(/\*/g, '∗')
    .replace(/~/g, '∼')
    .replace(/(^|[^\p{L}\p{N}])_|_(?=[^\p{L}\p{N}]|$)/gu, (m) => m.replace('_', 'ˍ'))
    .replace(/^&gt;/gm, '›');
}

/**
 * Content for a ``` code block: escaped for Slack, invisible characters revealed, and
 * no run of three backticks that would end the block early. Never empty (Slack shows
 * an empty block as literal backticks).
 */
export function codeBlockContent(s: string): string {
  const safe = escapeMrkdwn(revealInvisible(s)).replace(/`{3,}/g, (run) =>
    BACKTICK_LOOKALIKE.repeat(run.length),
  );
  // A backtick right at either edge would merge with the fence.
  const edged = safe.replace(/^`/, BACKTICK_LOOKALIKE).replace(/`$/, BACKTICK_LOOKALIKE);
  return edged === '' ? ' ' : edged;
}

export function codeBlock(s: string): string {
  return `\`\`\`${codeBlockContent(s)}\`\`\``;
}

/**
 * Text for plain_text objects (headers, buttons, modal titles) and the notification
 * `text`: one line, invisible characters revealed, and angle brackets shown as ‹ ›.
 * Slack does not parse mentions in plain_text, but whether it decodes `&lt;` there is not
 * specified, so escaping could show entities; look-alikes keep `<!channel>` inert and
 * readable everywhere. Callers putting the result in mrkdwn or `text` still escape `&`.
 */
/**
 * A message's top-level `text` (what push notifications and screen readers show) built
 * from alert values: one line, no mention or link (angle brackets become look-alikes),
 * and no character that formats (backticks, `*`, `_`, `~`, a leading `>`), so a value
 * cannot open an unbalanced code fence or bold the rest of the notification.
 */
export function notificationText(s: string, max: number): string {
  return mrkdwnText(truncate(plainText(s), max));
}

export function plainText(s: string): string {
  return revealInvisible(s.replace(/\s*[\r\n]+\s*/g, ' '))
    .replace(/\s+/g, ' ')
    .replace(/</g, '‹')
    .replace(/>/g, '›');
}
