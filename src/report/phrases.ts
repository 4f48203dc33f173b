import type { TimelineEntry, TimelineKind } from '../incidents/model.js';
import { VERBS, type PhraseParts, type VerbTimelineKind } from '../incidents/verbs.js';

export type { PhraseParts } from '../incidents/verbs.js';

interface Phrase {
  /** Posted in the incident's thread as it happens (else only in the record). */
  inThread: boolean;
  phrase: (e: TimelineEntry, p: PhraseParts) => string;
}

/** Timeline entries no verb writes: Falco's, people's notes, view changes. None go to the thread. */
const OTHER_PHRASES: Record<Exclude<TimelineKind, VerbTimelineKind>, Phrase> = {
  opened: { inThread: false, phrase: () => 'Falco opened the incident' },
  occurrence: {
    inThread: false,
    phrase: (e, p) =>
      `Falco saw ${p.subject} ${e.detail.count ?? '?'} more time(s) (${p.time(Number(e.detail.first))} to ${p.time(Number(e.detail.last))})`,
  },
  expanded: { inThread: false, phrase: (_e, p) => `${p.actor} expanded the report` },
  collapsed: { inThread: false, phrase: (_e, p) => `${p.actor} collapsed the report` },
  // Notes are what people wrote in the thread itself: never echoed back there.
  note: { inThread: false, phrase: (e, p) => `${p.actor}: ${p.text(e.detail.text ?? '')}` },
  note_edited: {
    inThread: false,
    phrase: (e, p) => `${p.actor} (edited): ${p.text(e.detail.text ?? '')}`,
  },
  note_deleted: { inThread: false, phrase: (_e, p) => `A message by ${p.actor} was deleted` },
};

/**
 * One phrase per timeline kind, for the thread line, `/falco timeline` and the export
 * alike: the verbs' from their table, the rest from above.
 */
export const PHRASES: Record<TimelineKind, Phrase> = {
  ...OTHER_PHRASES,
  ...(Object.fromEntries(
    VERBS.map((v) => [v.timeline, { inThread: true, phrase: v.phrase }]),
  ) as Record<VerbTimelineKind, Phrase>),
};

export function phrase(e: TimelineEntry, p: PhraseParts): string {
  return PHRASES[e.kind].phrase(e, p);
}

export function inThread(kind: TimelineKind): boolean {
  return PHRASES[kind].inThread;
}
