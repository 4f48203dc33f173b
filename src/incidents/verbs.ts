import type { RefusalReason } from './errors.js';
import {
  RESOLUTION_LABELS,
  RESOLUTION_REASONS,
  type Incident,
  type TimelineEntry,
  type TimelineKind,
} from './model.js';

/**
 * The triage verbs, one entry each: how a button, a `/falco` subcommand and a mention
 * in the incident's thread invoke it, who may, why the store may refuse it, what it
 * writes to the timeline and how that entry reads. Buttons (blocks/triage-actions.ts),
 * the subcommands and mentions (src/slack/listeners/), the help text, the view model's
 * available actions and the timeline wording (src/report/phrases.ts) are all derived
 * from this table. Adding a verb = one entry here + its branch in transition-6.lua + tests.
 */

/** The transition script's actions (ARGV[3] of transition-6.lua). */
export type StoreAction = VerbName | 'expand';

/** Arguments as transition-6.lua takes them (ARGV[9], ARGV[10]). */
export type VerbArgs = readonly [string?, string?];

export type Parsed = { args: VerbArgs } | { usage: string };

export interface ParseContext {
  now: number;
  /** A Slack user id for `<@U…>`, `<@U…|name>` or a plain `@name`; undefined if there is none. */
  resolveUser: (word: string) => Promise<string | undefined>;
}

/** How the verb appears on the incident message. */
export type VerbControl =
  | { kind: 'button'; label: string; style?: 'primary' | 'danger'; opensResolveDialog?: true }
  | { kind: 'users_select'; placeholder: string }
  | { kind: 'static_select'; placeholder: string; options: readonly SnoozeOption[] }
  | { kind: 'none'; why: string };

/** What a click on the control carries (the parts of a Slack block action we read). */
export interface Click {
  selected_user?: string | null;
  selected_option?: { value?: string } | null;
}

/** How a timeline entry's sentence is put together for where it is shown. */
export interface PhraseParts {
  /** Who did it, already safe for where the line goes ("Falco" for Falco). */
  actor: string;
  /** The incident: its id in the thread, "it" in the record (which is about one incident). */
  subject: string;
  /** A person named in the entry (an assignee). */
  person: (userId: string) => string;
  /** Free text someone typed (a resolution note), made safe for where the line goes. */
  text: (s: string) => string;
  time: (ms: number) => string;
}

/** One row of the table; `VerbSpec` is the same with its name typed. */
export interface VerbEntry {
  name: string;
  /** Block Kit action_id of its control. */
  actionId: string;
  control: VerbControl;
  /** The word after `/falco` and after `@falco-triage` in a thread. */
  command: string;
  /** Its arguments after the incident id, as shown in help ('' when none). */
  usage: string;
  /** Example arguments, as someone would type them (tests send exactly these). */
  example: string;
  /** What it does, for the help text. */
  help: string;
  /** Only the people CONFIG_FILE `permissions` lists may use it. */
  restricted: boolean;
  /** Why the store may refuse it (errors.ts has each message). */
  refusals: readonly RefusalReason[];
  /** The timeline entry it writes. */
  timeline: TimelineKind;
  /** "Done: FT-42 <done>." */
  done: string;
  /** Whether its control is offered on the message in this state (a refused one is not). */
  offered: (i: Pick<Incident, 'status' | 'assignee' | 'snoozedUntil'>, now: number) => boolean;
  /** Typed arguments (after the incident id) -> script arguments, or what to type instead. */
  parse: (words: string[], ctx: ParseContext) => Promise<Parsed>;
  /** A click on its control -> script arguments (or the name of another verb to apply); undefined to ignore it. */
  click: (c: Click, now: number) => VerbArgs | { instead: string } | undefined;
  /** The sentence its timeline entry reads as, in the thread and in the record. */
  phrase: (e: TimelineEntry, p: PhraseParts) => string;
}

export interface SnoozeOption {
  label: string;
  minutes: number;
}

export const SNOOZE_OPTIONS: readonly SnoozeOption[] = [
  { label: '30 minutes', minutes: 30 },
  { label: '1 hour', minutes: 60 },
  { label: '4 hours', minutes: 240 },
  { label: '24 hours', minutes: 1440 },
];

/** Longest snooze, typed or clicked. */
const MAX_SNOOZE_MINUTES = 7 * 1440;
const DURATION = /^(\d+)(m|h|d)$/;

const noArgs = (): Promise<Parsed> => Promise.resolve({ args: [] });
const noClickArgs = (): VerbArgs => [];
const open = (i: Pick<Incident, 'status'>) => i.status !== 'resolved';
const snoozed = (i: Pick<Incident, 'snoozedUntil'>, now: number) =>
  Boolean(i.snoozedUntil && i.snoozedUntil > now);
const until = (minutes: number, now: number): VerbArgs | undefined =>
  Number.isFinite(minutes) && minutes > 0 && minutes <= MAX_SNOOZE_MINUTES
    ? [String(now + minutes * 60_000)]
    : undefined;

function reasonLabel(reason: string | undefined): string {
  return reason && reason in RESOLUTION_LABELS
    ? RESOLUTION_LABELS[reason as keyof typeof RESOLUTION_LABELS]
    : (reason ?? 'resolved');
}

const VERB_LIST = [
  {
    name: 'acknowledge',
    actionId: 'incident_acknowledge',
    control: { kind: 'button', label: 'Acknowledge', style: 'primary' },
    command: 'ack',
    usage: '',
    example: '',
    help: 'you are looking at it',
    restricted: true,
    refusals: ['already_acknowledged', 'resolved'],
    timeline: 'acknowledged',
    done: 'acknowledged',
    offered: (i) => i.status === 'open',
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} acknowledged ${p.subject}`,
  },
  {
    name: 'unacknowledge',
    actionId: 'incident_unacknowledge',
    control: { kind: 'button', label: 'Unacknowledge' },
    command: 'unack',
    usage: '',
    example: '',
    help: 'take the acknowledgement back',
    restricted: true,
    refusals: ['not_acknowledged', 'resolved'],
    timeline: 'unacknowledged',
    done: 'no longer acknowledged',
    offered: (i) => i.status === 'acknowledged',
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} took back the acknowledgement`,
  },
  {
    name: 'assign',
    actionId: 'incident_assign',
    control: { kind: 'users_select', placeholder: 'Assign to…' },
    command: 'assign',
    usage: '@someone',
    example: '@bob',
    help: 'give it to someone',
    restricted: true,
    refusals: ['resolved', 'bad_assignee', 'already_assigned'],
    timeline: 'assigned',
    done: 'assigned',
    offered: open,
    async parse(words, ctx) {
      const user = words[0] ? await ctx.resolveUser(words[0]) : undefined;
      return user ? { args: [user] } : { usage: '@someone (a person in this workspace)' };
    },
    // A select with nobody chosen leaves it unassigned.
    click: (c) => (c.selected_user ? [c.selected_user] : { instead: 'unassign' }),
    phrase: (e, p) =>
      `${p.actor} assigned ${p.subject} to ${e.detail.assignee ? p.person(e.detail.assignee) : 'someone'}`,
  },
  {
    name: 'unassign',
    actionId: 'incident_unassign',
    control: { kind: 'button', label: 'Unassign' },
    command: 'unassign',
    usage: '',
    example: '',
    help: 'remove the assignee',
    restricted: true,
    refusals: ['resolved', 'not_assigned'],
    timeline: 'unassigned',
    done: 'unassigned',
    offered: (i) => open(i) && Boolean(i.assignee),
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} removed the assignee`,
  },
  {
    name: 'resolve',
    actionId: 'incident_resolve',
    control: { kind: 'button', label: 'Resolve…', opensResolveDialog: true },
    command: 'resolve',
    usage: `<reason> [note]`,
    example: 'benign looked at it',
    help: `close it (reasons: ${RESOLUTION_REASONS.join(', ')})`,
    restricted: true,
    refusals: ['already_resolved', 'bad_reason'],
    timeline: 'resolved',
    done: 'resolved',
    offered: open,
    parse(words) {
      const reason = (words[0] ?? '').toLowerCase().replace(/-/g, '_');
      if (!(RESOLUTION_REASONS as readonly string[]).includes(reason))
        return Promise.resolve({
          usage: `<reason> [note]; reasons: ${RESOLUTION_REASONS.join(', ')}`,
        });
      return Promise.resolve({ args: [reason, words.slice(1).join(' ').trim()] });
    },
    // The button opens the Resolve dialog; its submission resolves.
    click: () => undefined,
    phrase: (e, p) =>
      `${p.actor} resolved ${p.subject} as ${reasonLabel(e.detail.reason)}${e.detail.note ? `: ${p.text(e.detail.note)}` : ''}`,
  },
  {
    name: 'reopen',
    actionId: 'incident_reopen',
    control: { kind: 'button', label: 'Reopen', style: 'danger' },
    command: 'reopen',
    usage: '',
    example: '',
    help: 'it is not over after all',
    restricted: true,
    refusals: ['not_resolved'],
    timeline: 'reopened',
    done: 'reopened',
    offered: (i) => i.status === 'resolved',
    parse: noArgs,
    click: noClickArgs,
    phrase: (e, p) =>
      e.actor === 'falco'
        ? `Falco saw ${p.subject} again: reopened`
        : `${p.actor} reopened ${p.subject}`,
  },
  {
    name: 'snooze',
    actionId: 'incident_snooze',
    control: { kind: 'static_select', placeholder: 'Snooze…', options: SNOOZE_OPTIONS },
    command: 'snooze',
    usage: '<30m|1h|4h|24h>',
    example: '1h',
    help: 'repeats stop updating the message for a while (at most 7d)',
    restricted: true,
    refusals: ['resolved', 'snooze_in_past'],
    timeline: 'snoozed',
    done: 'snoozed',
    offered: (i, now) => open(i) && !snoozed(i, now),
    parse(words, ctx) {
      const m = DURATION.exec(words[0] ?? '');
      const minutes = m ? Number(m[1]) * (m[2] === 'm' ? 1 : m[2] === 'h' ? 60 : 1440) : NaN;
      const args = until(minutes, ctx.now);
      return Promise.resolve(args ? { args } : { usage: '<30m|1h|4h|24h> (at most 7d)' });
    },
    click: (c, now) => until(Number(c.selected_option?.value), now),
    phrase: (e, p) => `${p.actor} snoozed ${p.subject} until ${p.time(Number(e.detail.until))}`,
  },
  {
    name: 'unsnooze',
    actionId: 'incident_unsnooze',
    control: { kind: 'button', label: 'End snooze' },
    command: 'unsnooze',
    usage: '',
    example: '',
    help: 'end the snooze',
    restricted: true,
    refusals: ['not_snoozed'],
    timeline: 'unsnoozed',
    done: 'no longer snoozed',
    offered: (i, now) => open(i) && snoozed(i, now),
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} ended the snooze`,
  },
] as const satisfies readonly VerbEntry[];

export type VerbName = (typeof VERB_LIST)[number]['name'];
export type VerbSpec = VerbEntry & { name: VerbName };
/** The timeline kinds the verbs write (the others are Falco's, notes and view changes). */
export type VerbTimelineKind = (typeof VERB_LIST)[number]['timeline'];

/** In the order their controls appear on the message. */
export const VERBS: readonly VerbSpec[] = VERB_LIST;

export const VERB_BY_NAME = Object.fromEntries(VERBS.map((v) => [v.name, v])) as Record<
  VerbName,
  VerbSpec
>;

/** The verb a typed word names (`ack`, `resolve`...), or undefined. */
export function verbForCommand(word: string): VerbSpec | undefined {
  const w = word.toLowerCase();
  return VERBS.find((v) => v.command === w);
}

/** The verbs whose controls make sense in the incident's state: a refused one is not offered. */
export function availableVerbs(
  i: Pick<Incident, 'status' | 'assignee' | 'snoozedUntil'>,
  now: number,
): VerbName[] {
  return VERBS.filter((v) => v.offered(i, now)).map((v) => v.name);
}

/** The verb that writes a timeline kind, if a verb does. */
export function verbForTimeline(kind: TimelineKind): VerbSpec | undefined {
  return VERBS.find((v) => v.timeline === kind);
}
