import type { KnownBlock } from '@slack/types';
import type { Silence } from '../src/incidents/store.js';
import { offeredOn } from '../src/incidents/verbs.js';
import { formatUtc } from '../src/report/view-model.js';
import { inlineValue, mrkdwnText } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import { LIMITS } from './limits.js';
import { verbControls } from './triage-actions.js';

/** A person's display name, already safe for mrkdwn (the publisher looks it up; no ping). */
export type NameOf = (userId: string | undefined) => string;

/** The message announcing a silence in its channel, with Unmute while it lasts. */
export function silenceNotice(
  s: Silence,
  now: number,
  who: NameOf,
): { text: string; blocks: KnownBlock[] } {
  const what = inlineValue(s.what, 600);
  const reason = s.reason ? `: ${mrkdwnText(truncate(s.reason, 500))}` : '';
  const text =
    s.status === 'active'
      ? `:mute: *${s.id}* ${who(s.createdBy)} muted ${what} until ${formatUtc(s.endsAt)}${reason}. Matching alerts open and post nothing; they are counted.`
      : `:sound: *${s.id}* (${what}) ended ${formatUtc(s.endedAt ?? s.endsAt)}, ${s.endedBy === 'falco' ? 'when its time was up' : `ended by ${who(s.endedBy)}`}. It swallowed ${s.count.toLocaleString('en-US')} alert(s)${reason}.`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } },
  ];
  const actions = offeredOn(
    { on: 'silence', active: s.status === 'active' && s.endsAt > now },
    now,
  );
  if (actions.length) blocks.push(verbControls(actions, s.id));
  // The fallback names our own id only: no alert value, no mention.
  return {
    text:
      s.status === 'active'
        ? `${s.id}: alerts muted until ${formatUtc(s.endsAt)}`
        : `${s.id} ended`,
    blocks,
  };
}

/** The line announcing a silence's end in the channel (our numbers and ids only). */
export function silenceEndLine(s: Silence, who: NameOf): string {
  return `:sound: ${s.id} ended ${s.endedBy === 'falco' ? '(its time was up)' : `(ended by ${who(s.endedBy)})`}: it swallowed ${s.count.toLocaleString('en-US')} alert(s).`;
}
