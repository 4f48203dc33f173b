import { RESOLUTION_LABELS, type Incident, type TimelineEntry } from '../incidents/model.js';
import { phrase } from './phrases.js';
import { formatUtc } from './view-model.js';

/**
 * An incident's record as plain text: what Falco saw, every change and every message
 * people wrote in its thread, in order. Used for `/falco timeline` (shown escaped in
 * Slack) and `/falco export` (a file, where text is text).
 */
export function timelineLine(e: TimelineEntry, name: (userId: string) => string): string {
  const line = phrase(e, {
    actor: e.actor === 'falco' ? 'Falco' : name(e.actor),
    subject: 'it',
    person: name,
    text: (s) => s,
    time: formatUtc,
  });
  return `${formatUtc(e.at)}  ${line}`;
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
