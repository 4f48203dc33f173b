import type { IncidentLineView } from '../src/report/view-model.js';
import { inlineValue } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import { PRIORITY_MARKERS } from './incident-message.js';
import { LIMITS } from './limits.js';
import { mrkdwn } from './rich-text.js';

/** Slack's permalink shape; the ts and channel are ours (from Slack), never from an alert. */
function link(m: IncidentLineView['message']): string {
  return m ? ` <https://slack.com/archives/${m.channel}/p${m.ts.replace('.', '')}|open>` : '';
}

/** One incident in a list: the Home tab and `/falco list` both show it this way. */
export function incidentLine(v: IncidentLineView): string {
  const assigned = v.assignee ? `, assigned to ${mrkdwn([{ user: v.assignee }])}` : '';
  return truncate(
    `${PRIORITY_MARKERS[v.priority]} *${v.id}* ${v.priority}: ${inlineValue(v.rule, 150)} ×${v.occurrences.toLocaleString('en-US')}, ${mrkdwn(v.state)}${assigned}, last ${v.lastSeen}${link(v.message)}`,
    LIMITS.sectionText,
  );
}

export function incidentLines(views: IncidentLineView[]): string[] {
  return views.map(incidentLine);
}
