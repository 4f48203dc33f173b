import type { RichText } from '../src/report/rich-text.js';
import { inlineValue, mrkdwnText } from '../src/text/mrkdwn.js';

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Renders view-model text to Slack mrkdwn. Literal segments are ours and may carry
 * formatting; values come from the alert and are always shown as inline code, and
 * prose from the alert is escaped, so neither can format, link nor mention.
 */
export function mrkdwn(text: RichText): string {
  return text
    .map((seg) => {
      if (typeof seg === 'string') return seg;
      if ('value' in seg) return inlineValue(seg.value);
      if ('prose' in seg) return mrkdwnText(seg.prose);
      if ('user' in seg) return USER_ID.test(seg.user) ? `<@${seg.user}>` : inlineValue(seg.user);
      return mrkdwnText(seg.userName);
    })
    .join('');
}

/** The same text without formatting, for `text` fallbacks and plain_text objects. */
export function plain(text: RichText): string {
  return text
    .map((seg) => {
      if (typeof seg === 'string') return seg.replace(/[*_~`]/g, '');
      if ('value' in seg) return seg.value;
      if ('prose' in seg) return seg.prose;
      if ('user' in seg) return seg.user;
      return seg.userName;
    })
    .join('');
}
