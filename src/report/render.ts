import type { KnownBlock } from '@slack/types';
import { fullReportModal } from '../../blocks/full-report-modal.js';
import { incidentMessage } from '../../blocks/incident-message.js';
import type { ModalView } from '@slack/types';
import type { GuidanceLibrary } from '../guidance/guidance.js';
import { RESOLUTION_LABELS, type Incident, type TimelineEntry } from '../incidents/model.js';
import type { MessagePayload } from '../slack/publisher.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { codeBlockContent, escapeMrkdwn, mrkdwnText, plainText } from '../text/mrkdwn.js';
import { truncate } from '../text/truncate.js';
import { buildIncidentView, formatUtc } from './view-model.js';

/** Functions, not methods: the publisher takes them detached from the renderer. */
export interface Renderer {
  render: (incident: Incident) => Promise<MessagePayload>;
  fullReport: (incident: Incident) => { modal: ModalView; omitted: number };
  renderFallback: (incident: Incident) => MessagePayload;
  threadLine: (entry: TimelineEntry, incident: Incident) => Promise<string | null>;
}

/** incident -> view model -> blocks: the one path every incident message takes. */
export function createRenderer(deps: {
  users: UserDirectory;
  guidance: GuidanceLibrary;
  now?: () => number;
}): Renderer {
  const now = deps.now ?? Date.now;
  const view = (incident: Incident) =>
    buildIncidentView(incident, deps.guidance.forAlert(incident.latest), now());
  /** Resolving as false positive hands over the Falco exception that silences exactly this pattern. */
  const falsePositiveSnippet = (incident: Incident): string => {
    const g = deps.guidance.forAlert(incident.latest);
    const snippet = g.doc.sections
      .find((s) => s.id === 'tune')
      ?.steps.flatMap((st) => st.code)
      .find((c) => c.lang === 'falco');
    if (!snippet)
      return "Tune the rule with an `exceptions` entry in your own rules file (see the report's Tune section).";
    return truncate(
      'To silence exactly this pattern, add this to a rules file loaded *after* the default rules ' +
        '(e.g. `/etc/falco/rules.d/falco-triage-exceptions.yaml`), never to the shipped rules file, and reload Falco:\n' +
        `\`\`\`${codeBlockContent(snippet.content)}\`\`\``,
      3500,
    );
  };
  return {
    render: (incident) => Promise.resolve(incidentMessage(view(incident))),
    fullReport: (incident) => fullReportModal(view(incident)),

    renderFallback(incident) {
      const text = escapeMrkdwn(
        truncate(
          plainText(
            `${incident.priority}: ${incident.rule} (${incident.id}), ${incident.occurrences} occurrence(s)`,
          ),
          3000,
        ),
      );
      const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'plain_text', text } }];
      return { text, blocks };
    },

    async threadLine(entry, incident) {
      if (
        entry.kind === 'occurrence' ||
        entry.kind === 'opened' ||
        entry.kind === 'expanded' ||
        entry.kind === 'collapsed'
      )
        return null;
      const actor =
        entry.actor === 'falco' ? 'Falco' : mrkdwnText(await deps.users.displayName(entry.actor));
      const d = entry.detail;
      switch (entry.kind) {
        case 'acknowledged':
          return `${actor} acknowledged ${incident.id}`;
        case 'unacknowledged':
          return `${actor} took back the acknowledgement`;
        case 'assigned':
          return `${actor} assigned ${incident.id} to ${d.assignee ? `<@${d.assignee}>` : 'someone'}`;
        case 'unassigned':
          return `${actor} removed the assignee`;
        case 'resolved': {
          const reason =
            d.reason && d.reason in RESOLUTION_LABELS
              ? RESOLUTION_LABELS[d.reason as keyof typeof RESOLUTION_LABELS]
              : d.reason;
          const note = d.note ? `: ${mrkdwnText(truncate(d.note, 2000))}` : '';
          const line = `${actor} resolved ${incident.id} as ${reason ?? 'resolved'}${note}`;
          return d.reason === 'false_positive'
            ? `${line}\n${falsePositiveSnippet(incident)}`
            : line;
        }
        case 'reopened':
          return entry.actor === 'falco'
            ? `Reopened: Falco saw this again`
            : `${actor} reopened ${incident.id}`;
        case 'snoozed':
          return `${actor} snoozed ${incident.id} until ${formatUtc(Number(d.until))}`;
        case 'unsnoozed':
          return `${actor} ended the snooze`;
        case 'note':
          // Notes are what people wrote in this very thread: never echoed back.
          return null;
        default:
          return null;
      }
    },
  };
}
