import type { ActionsBlock, KnownBlock, StaticSelect } from '@slack/types';
import type { DimensionView, StormView } from '../src/report/storm-view.js';
import { truncate } from '../src/text/truncate.js';
import { ACTION } from './action-ids.js';
import { LIMITS } from './limits.js';
import { verbControls } from './triage-actions.js';

const n = (x: number) => x.toLocaleString('en-US');

function dimensionText(d: DimensionView): string {
  const lines = d.lines.map(
    (l) => `• ${l.label}: ${n(l.incidents)} incident(s), ${n(l.alerts)} alert(s)`,
  );
  if (d.rest)
    lines.push(
      `• _${d.moreValues ? `${n(d.moreValues)} more` : 'others'}_: ${n(d.rest.incidents)} incident(s), ${n(d.rest.alerts)} alert(s)`,
    );
  // Labels are capped at 80 characters and lines at 10, so this stays far below 3,000.
  return truncate(`*${d.title}*\n${lines.join('\n') || '_none yet_'}`, LIMITS.sectionText);
}

/**
 * One message for a whole storm, updated in place: its size, exact counts by rule,
 * namespace and host (top ten each, the rest summed), its times, a select to open any
 * of its first hundred incidents in the thread, and the storm's verbs. Any storm fits:
 * at most 9 blocks, every section capped.
 */
export function stormDigest(v: StormView): { text: string; blocks: KnownBlock[] } {
  const size = `${n(v.incidents)} new incident(s), ${n(v.alerts)} alert(s)`;
  const title = v.open ? `Storm ${v.id}: ${size}` : `Storm ${v.id} is over: ${size}`;
  const times = [
    `Started ${v.started}`,
    v.firstSeen ? `first alert ${v.firstSeen}` : undefined,
    v.lastSeen ? `latest ${v.lastSeen}` : undefined,
    v.closed ? `over ${v.closed}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, LIMITS.headerText) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `${times}\nNew ${v.foldedUpTo} and lower incidents in this channel are counted here instead of posted one by one; Critical and above are always posted. ${v.open ? 'When the rate falls back, the storm closes and posting resumes.' : ''}`,
            LIMITS.sectionText,
          ),
        },
      ],
    },
    ...v.dimensions.map((d): KnownBlock => ({
      type: 'section',
      text: { type: 'mrkdwn', text: dimensionText(d) },
    })),
  ];
  if (v.options.length) {
    const select: StaticSelect = {
      type: 'static_select',
      action_id: ACTION.stormOpen,
      placeholder: { type: 'plain_text', text: 'Open an incident…' },
      options: v.options.map((o) => ({
        text: { type: 'plain_text', text: o.label },
        value: o.id,
      })),
    };
    const open: ActionsBlock = { type: 'actions', block_id: `storm:${v.id}`, elements: [select] };
    blocks.push(open, {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Its report is posted in this thread. ${v.incidents > v.options.length ? `The first ${n(v.options.length)} are listed; ` : ''}\`/falco storm ${v.id}\` lists all ${n(v.incidents)}, \`/falco show FT-n\` opens any.`,
        },
      ],
    });
  }
  if (v.actions.length) blocks.push(verbControls(v.actions, v.id));
  return { text: title, blocks };
}
