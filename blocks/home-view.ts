import type { HomeView, KnownBlock } from '@slack/types';
import type { IncidentLineView } from '../src/report/view-model.js';
import { incidentLine } from './incident-line.js';

function list(title: string, incidents: IncidentLineView[], empty: string): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title } }];
  if (!incidents.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: empty }] });
    return blocks;
  }
  for (const i of incidents)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: incidentLine(i) } });
  return blocks;
}

/**
 * The bot's Home tab: what is assigned to the person looking, then the open incidents
 * by priority. At most 20 + 20 rows, well inside a home view's 100 blocks.
 */
export function homeView(mine: IncidentLineView[], open: IncidentLineView[]): HomeView {
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
