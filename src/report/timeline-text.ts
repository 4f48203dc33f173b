import { RESOLUTION_LABELS, type Incident, type TimelineEntry } from '../incidents/model.js';
import { formatUtc } from './view-model.js';

/**
 * An incident's record as plain text: what Falco saw, every change and every message
 * people wrote in its thread, in order. Used for `/falco timeline` (shown escaped in
 * Slack) and `/falco export` (a file, where text is text).
 */
export function timelineLine(e: TimelineEntry, name: (userId: string) => string): string {
  const who = e.actor === 'falco' ? 'Falco' : name(e.actor);
  const d = e.detail;
  const at = formatUtc(e.at);
  switch (e.kind) {
    case 'opened':
      return `${at}  Falco opened the incident`;
    case 'occurrence':
      return `${at}  Falco saw it ${d.count ?? '?'} more time(s) (${formatUtc(Number(d.first))} to ${formatUtc(Number(d.last))})`;
    case 'reopened':
      return `${at}  ${e.actor === 'falco' ? 'Falco saw it again: reopened' : `${who} reopened it`}`;
    case 'acknowledged':
      return `${at}  ${who} acknowledged`;
    case 'unacknowledged':
      return `${at}  ${who} took back the acknowledgement`;
    case 'assigned':
      return `${at}  ${who} assigned it to ${d.assignee ? name(d.assignee) : 'someone'}`;
    case 'unassigned':
      return `${at}  ${who} removed the assignee`;
    case 'resolved': {
      const reason =
        d.reason && d.reason in RESOLUTION_LABELS
          ? RESOLUTION_LABELS[d.reason as keyof typeof RESOLUTION_LABELS]
          : (d.reason ?? 'resolved');
      return `${at}  ${who} resolved it as ${reason}${d.note ? `: ${d.note}` : ''}`;
    }
    case 'snoozed':
      return `${at}  ${who} snoozed it until ${formatUtc(Number(d.until))}`;
    case 'unsnoozed':
      return `${at}  ${who} ended the snooze`;
    case 'expanded':
      return `${at}  ${who} expanded the report`;
    case 'collapsed':
      return `${at}  ${who} collapsed the report`;
    case 'note':
      return `${at}  ${who}: ${d.text ?? ''}`;
    case 'note_edited':
      return `${at}  ${who} (edited): ${d.text ?? ''}`;
    case 'note_deleted':
      return `${at}  ${who} deleted a message`;
  }
}

/** The export file: a header with the incident's facts, then the whole timeline. */
export function exportText(
  incident: Incident,
  entries: TimelineEntry[],
  name: (userId: string) => string,
): string {
  const a = incident.latest;
  const head = [
    `${incident.id}: ${incident.priority} ${incident.rule}`,
    `status: ${incident.status}${incident.resolution ? ` (${RESOLUTION_LABELS[incident.resolution]})` : ''}`,
    `source: ${incident.source}`,
    `occurrences: ${incident.occurrences} (first ${formatUtc(incident.firstSeen)}, last ${formatUtc(incident.lastSeen)})`,
    `latest alert: ${a.output}`,
    '',
    'timeline:',
  ];
  return `${[...head, ...entries.map((e) => timelineLine(e, name))].join('\n')}\n`;
}
