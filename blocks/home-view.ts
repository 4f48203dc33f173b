import type { HomeView, KnownBlock } from '@slack/types';
import type { Incident } from '../src/incidents/model.js';
import { formatUtc } from '../src/report/view-model.js';
import { inlineValue } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import { PRIORITY_MARKERS } from './incident-message.js';
import { LIMITS } from './limits.js';

/** Slack's permalink shape; the ts and channel are ours (from Slack), never from an alert. */
function link(i: Incident): string {
  return i.ts ? ` <https://slack.com/archives/${i.channel}/p${i.ts.replace('.', '')}|open>` : '';
}

function line(i: Incident): string {
  const state =
    i.status === 'acknowledged' && i.acknowledgedBy
      ? `acknowledged by <@${i.acknowledgedBy}>`
      : i.status;
  return truncate(
    `${PRIORITY_MARKERS[i.priority]} *${i.id}* ${inlineValue(i.rule, 150)} ×${i.occurrences.toLocaleString('en-US')}, ${state}, last ${formatUtc(i.lastSeen)}${link(i)}`,
    LIMITS.sectionText,
  );
}

function list(title: string, incidents: Incident[], empty: string): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title } }];
  if (!incidents.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: empty }] });
    return blocks;
  }
  for (const i of incidents)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: line(i) } });
  return blocks;
}

/**
 * The bot's Home tab: what is assigned to the person looking, then the open incidents
 * by priority. At most 20 + 20 rows, well inside a home view's 100 blocks.
 */
export function homeView(mine: Incident[], open: Incident[]): HomeView {
  return {
    type: 'home',
    blocks: [
      ...list('Assigned to you', mine.slice(0, 20), 'Nothing is assigned to you.'),
      { type: 'divider' },
      ...list('Open incidents, highest priority first', open.slice(0, 20), 'No open incidents.'),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Act on an incident from its message, or with `/falco ack FT-42`; `/falco help` lists every command.',
          },
        ],
      },
    ],
  };
}
