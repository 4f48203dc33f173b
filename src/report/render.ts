import type { KnownBlock } from '@slack/types';
import { fullReportModal } from '../../blocks/full-report-modal.js';
import { silenceEndLine, silenceNotice } from '../../blocks/silence-notice.js';
import { stormDigest } from '../../blocks/storm-digest.js';
import { incidentMessage } from '../../blocks/incident-message.js';
import type { ModalView } from '@slack/types';
import type { GuidanceLibrary } from '../guidance/guidance.js';
import type { Incident, TimelineEntry, TimelineKind } from '../incidents/model.js';
import type { Silence, StormDigest, StormEvent } from '../incidents/store.js';
import { verbForTimeline } from '../incidents/verbs.js';
import { codeBlockContent, mrkdwnText, notificationText } from '../text/mrkdwn.js';
import { truncate } from '../text/truncate.js';
import { inThread, phrase } from './phrases.js';
import { buildStormView, stormEventLine } from './storm-view.js';
import { buildIncidentView, formatUtc } from './view-model.js';

const SLACK_USER_ID = /^[UW][A-Z0-9]{1,30}$/;

/** An incident message: blocks and the `text` fallback. */
export interface MessagePayload {
  text: string;
  blocks: KnownBlock[];
}

/** Functions, not methods: the publisher takes them detached from the renderer. */
export interface Renderer {
  render: (incident: Incident) => Promise<MessagePayload>;
  fullReport: (incident: Incident) => { modal: ModalView; omitted: number };
  renderFallback: (incident: Incident) => MessagePayload;
  /**
   * The thread line for a timeline entry, given its actor's display name (the publisher
   * looks names up through its paced, counted client: this layer makes no network calls),
   * or null for entries that stay out of the thread.
   */
  threadLine: (entry: TimelineEntry, incident: Incident) => ((actorName: string) => string) | null;
  /** A storm's digest, with some of its incidents for the select. */
  renderStorm: (d: StormDigest, sample: Incident[]) => MessagePayload;
  /** The digest thread's line for a storm event (a storm verb, the end), or null. */
  stormLine: (e: StormEvent, d: StormDigest) => ((actorName: string) => string) | null;
  /** A silence's notice; `name` gives people's display names (no pings). */
  renderSilence: (s: Silence, name: (u: string | undefined) => string) => MessagePayload;
  silenceEndLine: (s: Silence, name: (u: string | undefined) => string) => string;
}

/** incident -> view model -> blocks: the one path every incident message takes. */
export function createRenderer(deps: {
  guidance: GuidanceLibrary;
  now?: () => number;
  /** Priority rank from which new incidents are folded into a storm (4 = Warning). */
  stormFoldRank?: number;
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
  const safeName = (u: string | undefined, name: (u: string | undefined) => string) =>
    mrkdwnText(name(u));
  return {
    renderStorm: (d, sample) =>
      stormDigest(buildStormView(d, sample, deps.stormFoldRank ?? 4, now())),
    stormLine(e, d) {
      const own = stormEventLine(e, d);
      if (own) return own;
      const verb = verbForTimeline(e.kind as TimelineKind);
      if (!verb) return null;
      return (actorName) =>
        verb.phrase(
          { id: e.id, kind: e.kind as TimelineKind, actor: e.actor, at: e.at, detail: e.detail },
          {
            actor: mrkdwnText(actorName),
            subject: d.id,
            person: (u) => (SLACK_USER_ID.test(u) ? `<@${u}>` : 'someone'),
            text: (s) => mrkdwnText(truncate(s, 2000)),
            time: formatUtc,
          },
        );
    },
    renderSilence: (s, name) => silenceNotice(s, now(), (u) => safeName(u, name)),
    silenceEndLine: (s, name) => silenceEndLine(s, (u) => safeName(u, name)),
    render: (incident) => Promise.resolve(incidentMessage(view(incident))),
    fullReport: (incident) => fullReportModal(view(incident)),

    renderFallback(incident) {
      const text = notificationText(
        `${incident.priority}: ${incident.rule} (${incident.id}), ${incident.occurrences} occurrence(s)`,
        3000,
      );
      const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'plain_text', text } }];
      return { text, blocks };
    },

    threadLine(entry, incident) {
      if (!inThread(entry.kind)) return null;
      return (actorName) => {
        const line = phrase(entry, {
          actor: mrkdwnText(actorName),
          subject: incident.id,
          // The assignee is pinged on purpose: it is how they learn of it.
          person: (u) => (SLACK_USER_ID.test(u) ? `<@${u}>` : 'someone'),
          text: (s) => mrkdwnText(truncate(s, 2000)),
          time: formatUtc,
        });
        return entry.kind === 'resolved' && entry.detail.reason === 'false_positive'
          ? `${line}\n${falsePositiveSnippet(incident)}`
          : line;
      };
    },
  };
}
