import type { RefusalReason } from './errors.js';
import {
  RESOLUTION_LABELS,
  RESOLUTION_REASONS,
  type Incident,
  type TimelineEntry,
  type TimelineKind,
} from './model.js';
import { lookupTable } from '../lookup-table.js';

/**
 * The triage verbs, one entry each: how a button, a `/falco` subcommand and a mention
 * in the incident's thread invoke it, who may, why the store may refuse it, what it
 * writes to the timeline and how that entry reads. Buttons (blocks/triage-actions.ts),
 * the subcommands and mentions (src/slack/listeners/), the help text, the view model's
 * available actions and the timeline wording (src/report/phrases.ts) are all derived
 * from this table. Adding a verb = one entry here + its branch in transition-6.lua + tests.
 */

/** The transition script's actions (ARGV[3] of transition-6.lua). */
export type StoreAction = IncidentVerbName | 'expand';

/**
 * What a verb acts on, and so which script has its branch: an incident
 * (transition-6.lua), a whole storm (stormAction-4.lua), or a silence (silence-3.lua).
 */
export type VerbSubject = 'incident' | 'storm' | 'silence';

/** Where a control is shown, and the state it is offered in. */
export type OfferState =
  | { on: 'incident'; incident: Pick<Incident, 'status' | 'assignee' | 'snoozedUntil'> }
  | { on: 'storm'; open: boolean }
  | { on: 'silence'; active: boolean };

/** How the subject is named after the command word, per subject. */
export const SUBJECT_ID: Record<VerbSubject, { pattern: RegExp; example: string; usage: string }> =
  {
    incident: { pattern: /^[A-Z][A-Z0-9]*-\d+$/, example: 'FT-42', usage: '<FT-n>' },
    storm: { pattern: /^STORM-\d+$/, example: 'STORM-3', usage: '<STORM-n>' },
    silence: { pattern: /^MUTE-\d+$/, example: 'MUTE-4', usage: '<MUTE-n>' },
  };

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
  | {
      kind: 'button';
      label: string;
      style?: 'primary' | 'danger';
      opensResolveDialog?: true;
      opensMuteDialog?: true;
    }
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
  /** What it acts on (which script has its branch). */
  subject: VerbSubject;
  /** The messages that show its control (none when control.kind is 'none'). */
  controlOn: readonly OfferState['on'][];
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
  /** Whether its control is offered on this message in this state (a refused one is not). */
  offered: (s: OfferState, now: number) => boolean;
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
type IncidentState = Pick<Incident, 'status' | 'assignee' | 'snoozedUntil'>;
/** Offered on incident messages when `pred` holds. */
const onIncident =
  (pred: (i: IncidentState, now: number) => boolean) =>
  (s: OfferState, now: number): boolean =>
    s.on === 'incident' && pred(s.incident, now);
const onOpenStorm = (s: OfferState): boolean => s.on === 'storm' && s.open;
const noClickArgs = (): VerbArgs => [];
const open = (i: Pick<Incident, 'status'>) => i.status !== 'resolved';
const snoozed = (i: Pick<Incident, 'snoozedUntil'>, now: number) =>
  Boolean(i.snoozedUntil && i.snoozedUntil > now);
const until = (minutes: number, now: number): VerbArgs | undefined =>
  Number.isFinite(minutes) && minutes > 0 && minutes <= MAX_SNOOZE_MINUTES
    ? [String(now + minutes * 60_000)]
    : undefined;

function parseResolve(words: string[]): Promise<Parsed> {
  const reason = (words[0] ?? '').toLowerCase().replace(/-/g, '_');
  if (!(RESOLUTION_REASONS as readonly string[]).includes(reason))
    return Promise.resolve({
      usage: `<reason> [note]; reasons: ${RESOLUTION_REASONS.join(', ')}`,
    });
  return Promise.resolve({ args: [reason, words.slice(1).join(' ').trim()] });
}

function reasonLabel(reason: string | undefined): string {
  return reason && reason in RESOLUTION_LABELS
    ? RESOLUTION_LABELS[reason as keyof typeof RESOLUTION_LABELS]
    : (reason ?? 'resolved');
}

const VERB_LIST = [
  {
    name: 'acknowledge',
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident((i) => i.status === 'open'),
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} acknowledged ${p.subject}`,
  },
  {
    name: 'unacknowledge',
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident((i) => i.status === 'acknowledged'),
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} took back the acknowledgement`,
  },
  {
    name: 'assign',
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident(open),
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
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident((i) => open(i) && Boolean(i.assignee)),
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} removed the assignee`,
  },
  {
    name: 'resolve',
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident(open),
    parse: (words) => parseResolve(words),
    // The button opens the Resolve dialog; its submission resolves.
    click: () => undefined,
    phrase: (e, p) =>
      `${p.actor} resolved ${p.subject} as ${reasonLabel(e.detail.reason)}${e.detail.note ? `: ${p.text(e.detail.note)}` : ''}`,
  },
  {
    name: 'reopen',
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident((i) => i.status === 'resolved'),
    parse: noArgs,
    click: noClickArgs,
    phrase: (e, p) =>
      e.actor === 'falco'
        ? `Falco saw ${p.subject} again: reopened`
        : `${p.actor} reopened ${p.subject}`,
  },
  {
    name: 'snooze',
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident((i, now) => open(i) && !snoozed(i, now)),
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
    subject: 'incident',
    controlOn: ['incident'],
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
    offered: onIncident((i, now) => open(i) && snoozed(i, now)),
    parse: noArgs,
    click: noClickArgs,
    phrase: (_e, p) => `${p.actor} ended the snooze`,
  },
  {
    name: 'mute',
    subject: 'silence',
    controlOn: ['incident', 'storm'],
    actionId: 'mute_similar',
    control: { kind: 'button', label: 'Mute similar…', opensMuteDialog: true },
    command: 'mute',
    usage: '<FT-n | STORM-n | rule=…> [field=value …] <30m|2h|1d> <reason>',
    example: 'FT-42 ns=default 2h known noisy backup job',
    help: 'matching alerts open and post nothing for a while; they are counted on the silence (`*` matches anything; fields: rule, ns, host, image or any output field)',
    restricted: true,
    refusals: ['bad_silence', 'too_many_silences'],
    timeline: 'muted',
    done: 'muted',
    offered: (s) => (s.on === 'incident' && s.incident.status !== 'resolved') || s.on === 'storm',
    parse: (words) => Promise.resolve(parseMute(words)),
    // The button opens the Mute dialog, proposing matchers from the alert; its submission mutes.
    click: () => undefined,
    phrase: (e, p) =>
      `${p.actor} muted ${p.text(e.detail.what ?? 'matching alerts')} until ${p.time(Number(e.detail.until))} (${e.detail.silence ?? '?'})${e.detail.reason ? `: ${p.text(e.detail.reason)}` : ''}`,
  },
  {
    name: 'unmute',
    subject: 'silence',
    controlOn: ['silence'],
    actionId: 'silence_unmute',
    control: { kind: 'button', label: 'Unmute' },
    command: 'unmute',
    usage: '',
    example: '',
    help: 'end a silence now (`/falco mutes` lists them)',
    restricted: true,
    refusals: ['not_muted'],
    timeline: 'unmuted',
    done: 'unmuted',
    offered: (s) => s.on === 'silence' && s.active,
    parse: noArgs,
    click: noClickArgs,
    phrase: (e, p) =>
      `${p.actor} ended ${p.subject}: it swallowed ${Number(e.detail.count ?? 0).toLocaleString('en-US')} alert(s)`,
  },
  {
    name: 'ackall',
    subject: 'storm',
    controlOn: ['storm'],
    actionId: 'storm_acknowledge',
    control: { kind: 'button', label: 'Acknowledge all', style: 'primary' },
    command: 'ackall',
    usage: '',
    example: '',
    help: 'acknowledge every open incident of a storm',
    restricted: true,
    refusals: ['storm_gone'],
    timeline: 'storm_acknowledged',
    done: 'acknowledged, every open incident of it',
    offered: onOpenStorm,
    parse: noArgs,
    click: noClickArgs,
    phrase: (e, p) =>
      `${p.actor} acknowledged all ${Number(e.detail.changed ?? 0).toLocaleString('en-US')} open incidents of ${p.subject}`,
  },
  {
    name: 'assignall',
    subject: 'storm',
    controlOn: ['storm'],
    actionId: 'storm_assign',
    control: { kind: 'users_select', placeholder: 'Assign all to…' },
    command: 'assignall',
    usage: '@someone',
    example: '@bob',
    help: 'give every open incident of a storm to someone',
    restricted: true,
    refusals: ['storm_gone', 'bad_assignee'],
    timeline: 'storm_assigned',
    done: 'assigned, every open incident of it',
    offered: onOpenStorm,
    async parse(words, ctx) {
      const user = words[0] ? await ctx.resolveUser(words[0]) : undefined;
      return user ? { args: [user] } : { usage: '@someone (a person in this workspace)' };
    },
    click: (c) => (c.selected_user ? [c.selected_user] : undefined),
    phrase: (e, p) =>
      `${p.actor} assigned all ${Number(e.detail.changed ?? 0).toLocaleString('en-US')} open incidents of ${p.subject} to ${e.detail.assignee ? p.person(e.detail.assignee) : 'someone'}`,
  },
  {
    name: 'resolveall',
    subject: 'storm',
    controlOn: ['storm'],
    actionId: 'storm_resolve',
    control: { kind: 'button', label: 'Resolve all…', opensResolveDialog: true },
    command: 'resolveall',
    usage: '<reason> [note]',
    example: 'false_positive a deploy restarted every pod',
    help: 'close every open incident of a storm with one reason',
    restricted: true,
    refusals: ['storm_gone', 'bad_reason'],
    timeline: 'storm_resolved',
    done: 'resolved, every open incident of it',
    offered: onOpenStorm,
    parse: (words) => parseResolve(words),
    click: () => undefined,
    phrase: (e, p) =>
      `${p.actor} resolved all ${Number(e.detail.changed ?? 0).toLocaleString('en-US')} open incidents of ${p.subject} as ${reasonLabel(e.detail.reason)}${e.detail.note ? `: ${p.text(e.detail.note)}` : ''}`,
  },
] as const satisfies readonly VerbEntry[];

export type VerbName = (typeof VERB_LIST)[number]['name'];
export type VerbSpec = VerbEntry & { name: VerbName };
/** The verbs whose branch is in transition-6.lua. */
export type IncidentVerbName = Extract<(typeof VERB_LIST)[number], { subject: 'incident' }>['name'];
/** The timeline kinds the verbs write (the others are Falco's, notes and view changes). */
export type VerbTimelineKind = (typeof VERB_LIST)[number]['timeline'];

/** In the order their controls appear on the message. */
export const VERBS: readonly VerbSpec[] = VERB_LIST;

export const VERB_BY_NAME = Object.fromEntries(VERBS.map((v) => [v.name, v])) as Record<
  VerbName,
  VerbSpec
>;

/** The verbs that act on one incident (its thread, its id). */
export const INCIDENT_VERBS: readonly VerbSpec[] = VERBS.filter((v) => v.subject === 'incident');

/** The verb a typed word names (`ack`, `resolve`...), or undefined. */
export function verbForCommand(word: string): VerbSpec | undefined {
  const w = word.toLowerCase();
  return VERBS.find((v) => v.command === w);
}

/** The verbs whose controls make sense on an incident message in its state: a refused one is not offered. */
export function availableVerbs(
  i: Pick<Incident, 'status' | 'assignee' | 'snoozedUntil'>,
  now: number,
): VerbName[] {
  return offeredOn({ on: 'incident', incident: i }, now);
}

/** The verbs whose controls are offered on a message of this kind in this state. */
export function offeredOn(s: OfferState, now: number): VerbName[] {
  return VERBS.filter(
    (v) => (v.controlOn as readonly string[]).includes(s.on) && v.offered(s, now),
  ).map((v) => v.name);
}

/** The verb that writes a timeline kind, if a verb does. */
export function verbForTimeline(kind: TimelineKind): VerbSpec | undefined {
  return VERBS.find((v) => v.timeline === kind);
}

/** Longest silence typed (the configuration may allow less). */
export const MAX_MUTE_MINUTES = 90 * 1440;

/** What `/falco mute` and the Mute dialog produce: the silence to create, as JSON in args[0]. */
export interface MuteSpec {
  /** An incident or storm whose alert proposes the matchers (rule and subject). */
  from?: string;
  /** Field -> pattern (`*` matches any run of characters); `rule` is the rule name. */
  matchers: Record<string, string>;
  durationMs: number;
  reason: string;
}

/** Short names people type for the fields they mute on most. */
export const MATCHER_ALIASES = lookupTable<string>({
  rule: 'rule',
  ns: 'k8s.ns.name',
  namespace: 'k8s.ns.name',
  host: 'hostname',
  hostname: 'hostname',
  image: 'container.image.repository',
  pod: 'k8s.pod.name',
  container: 'container.name',
});

/** Splits typed text into words, keeping "quoted phrases" (straight or curly quotes) together. */
export function shellishWords(text: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"“”]+|["“][^"“”]*["”])+/g;
  for (const m of text.matchAll(re)) out.push(m[0].replace(/["“”]/g, ''));
  return out;
}

const MUTE_USAGE =
  '<FT-n | STORM-n | rule=<name or pattern>> [field=value …] <30m|2h|1d> <reason>, e.g. `rule="Terminal shell in container" ns=dev 2h load test`';

/** `/falco mute …` words -> the silence to create, or what to type instead. */
export function parseMute(words: string[]): Parsed {
  const tokens = shellishWords(words.join(' '));
  const spec: MuteSpec = { matchers: {}, durationMs: 0, reason: '' };
  let i = 0;
  if (
    tokens[0] &&
    (SUBJECT_ID.incident.pattern.test(tokens[0].toUpperCase()) ||
      SUBJECT_ID.storm.pattern.test(tokens[0].toUpperCase()))
  ) {
    spec.from = tokens[0].toUpperCase();
    i = 1;
  }
  for (; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    const kv = /^([A-Za-z][\w.[\]-]{0,80})=(.+)$/s.exec(t);
    if (!kv) break;
    const key = kv[1]!.toLowerCase();
    const field = MATCHER_ALIASES[key] ?? kv[1]!;
    spec.matchers[field] = kv[2]!.slice(0, 500);
  }
  const d = DURATION.exec(tokens[i] ?? '');
  const minutes = d ? Number(d[1]) * (d[2] === 'm' ? 1 : d[2] === 'h' ? 60 : 1440) : NaN;
  spec.reason = tokens
    .slice(i + 1)
    .join(' ')
    .trim()
    .slice(0, 500);
  if (!spec.from && !spec.matchers.rule)
    return { usage: `${MUTE_USAGE} (name a rule, an incident or a storm)` };
  if (!(minutes > 0 && minutes <= MAX_MUTE_MINUTES))
    return { usage: `${MUTE_USAGE} (a duration such as 2h, at most 90d)` };
  if (!spec.reason) return { usage: `${MUTE_USAGE} (say why)` };
  spec.durationMs = minutes * 60_000;
  return { args: [JSON.stringify(spec)] };
}
