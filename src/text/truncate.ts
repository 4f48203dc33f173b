/**
 * Trimming that Slack cannot reject and a reader cannot miss: the result is at most
 * `max` UTF-16 code units (Slack's unit), ends with a visible marker saying how much
 * was cut, never splits a surrogate pair or an `&amp;`-style entity, and closes a
 * ``` code block or an inline code span that the cut left open.
 */
export interface Truncated {
  text: string;
  /** Characters removed from the original; 0 when it fitted. */
  trimmed: number;
}

const marker = (n: number) => `… [${n.toLocaleString('en-US')} more characters trimmed]`;
const SHORT_MARKER = '…';

export function truncateWithInfo(text: string, max: number): Truncated {
  if (text.length <= max) return { text, trimmed: 0 };
  if (max <= 0) return { text: '', trimmed: text.length };
  // The marker length depends on the count, which depends on the cut: two passes settle it.
  let keep = Math.max(0, max - marker(text.length).length - 4);
  let tail = marker(text.length - keep);
  if (keep === 0 || tail.length + 4 > max) {
    keep = Math.max(0, max - SHORT_MARKER.length - 4);
    tail = SHORT_MARKER;
  }
  let head = safeCut(text, keep);
  // Closers are at most four characters, reserved above; the loop is a safety net.
  while (head.length + closers(head).length + tail.length > max && head.length > 0)
    head = safeCut(head, head.length - 1);
  if (tail !== SHORT_MARKER) tail = marker(text.length - head.length);
  return { text: head + closers(head) + tail, trimmed: text.length - head.length };
}

export function truncate(text: string, max: number): string {
  return truncateWithInfo(text, max).text;
}

/** Cuts at `n` or just before, never inside a surrogate pair or an HTML entity. */
function safeCut(text: string, n: number): string {
  let end = Math.min(n, text.length);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  const amp = text.lastIndexOf('&', end - 1);
  if (
    amp >= 0 &&
    end - amp < 6 &&
    /^&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+)?;?/i.test(text.slice(amp, amp + 8))
  ) {
    const semi = text.indexOf(';', amp);
    if (semi === -1 || semi >= end) end = amp;
  }
  // Our own `<url|label>` links: never leave one half open.
  const lt = text.lastIndexOf('<', end - 1);
  if (lt >= 0 && text.indexOf('>', lt) >= end) end = lt;
  return text.slice(0, end);
}

/** What must follow `head` so an open code block or code span does not swallow the marker. */
function closers(head: string): string {
  const fences = head.split('```').length - 1;
  if (fences % 2 === 1) return '```\n';
  const lastFence = head.lastIndexOf('```');
  const afterFence = lastFence === -1 ? head : head.slice(lastFence + 3);
  const lastLine = afterFence.slice(afterFence.lastIndexOf('\n') + 1);
  return (lastLine.match(/`/g) ?? []).length % 2 === 1 ? '`' : '';
}
