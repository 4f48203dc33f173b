import {
  displayValue,
  fieldString,
  parseFalcoTime,
  sourceOf,
  type Alert,
  type Priority,
} from '../alert.js';
import type { RenderedGuidance } from '../guidance/guidance.js';
import { RESOLUTION_LABELS, type Incident } from '../incidents/model.js';
import { availableVerbs, type VerbName } from '../incidents/verbs.js';
import { explainFields, type FieldExplanation } from './field-analysis.js';
import type { Fact, RichText } from './rich-text.js';

export interface IncidentView {
  id: string;
  rule: string;
  priority: Priority;
  source: string;
  /** Recognised as a falcosecurity/event-generator test event. */
  testEvent: boolean;
  summary: RichText;
  facts: Fact[];
  status: RichText;
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  /** Every output field, raw, for the full report. */
  fields: Array<{ key: string; value: string }>;
  output: string;
  tags: string[];
  hostname?: string;
  expanded: boolean;
  /** What the fields mean (the report's detailed analysis). */
  analysis: FieldExplanation[];
  guidance: RenderedGuidance;
  /** The triage verbs whose controls make sense in the incident's current state. */
  actions: VerbName[];
}

/** One incident as a line of a list (the Home tab, `/falco list`). */
export interface IncidentLineView {
  id: string;
  priority: Priority;
  rule: string;
  occurrences: number;
  /** "open", "acknowledged by <user>", "resolved". */
  state: RichText;
  assignee?: string;
  lastSeen: string;
  /** Where its Slack message is, once posted (ours, from Slack: never alert data). */
  message?: { channel: string; ts: string };
}

export function incidentLineView(i: Incident): IncidentLineView {
  const state: RichText =
    i.status === 'acknowledged' && i.acknowledgedBy
      ? ['acknowledged by ', { user: i.acknowledgedBy }]
      : [i.status];
  return {
    id: i.id,
    priority: i.priority,
    rule: i.rule,
    occurrences: i.occurrences,
    state,
    ...(i.assignee && i.status !== 'resolved' ? { assignee: i.assignee } : {}),
    lastSeen: formatUtc(i.lastSeen),
    ...(i.ts ? { message: { channel: i.channel, ts: i.ts } } : {}),
  };
}

export function formatUtc(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown time';
  return `${new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} UTC`;
}

/** Falco's output minus its "HH:MM:SS.nnn: Priority " prefix and the trailing "(k=v ...)" field list. */
export function headline(alert: Alert): string {
  let s = alert.output
    .replace(/^\d{2}:\d{2}:\d{2}(\.\d+)?:\s+\S+\s+/, '')
    .replace(/<NA>/g, '(none)');
  // Modern rules separate message and fields with " | ", older ones with " (k=v ...)".
  const bar = s.indexOf(' | ');
  if (bar > 0) s = s.slice(0, bar);
  const paren = s.search(/\s\(\S+=/);
  if (paren > 0) s = s.slice(0, paren);
  s = s.replace(/\s*\b[\w.]+=\S.*$/, '').trim();
  return s.length > 0 && s.length <= 300 ? s : alert.rule;
}

const TEST_MARKERS = [/falco-event-generator/i, /\bevent-generator\b/];

/** falcosecurity/event-generator names its files and itself so; say so first. */
export function isTestEvent(alert: Alert): boolean {
  const haystack = [
    alert.output,
    fieldString(alert, 'proc.name'),
    fieldString(alert, 'proc.pname'),
    fieldString(alert, 'proc.cmdline'),
    fieldString(alert, 'proc.exepath'),
    fieldString(alert, 'fd.name'),
    fieldString(alert, 'container.image.repository'),
  ]
    .filter(Boolean)
    .join('\n');
  return TEST_MARKERS.some((re) => re.test(haystack));
}

function v(s: string): { value: string } {
  return { value: s };
}

function workload(alert: Alert): RichText | undefined {
  const ns = fieldString(alert, 'k8s.ns.name');
  const pod = fieldString(alert, 'k8s.pod.name');
  const cid = fieldString(alert, 'container.id');
  const cname = fieldString(alert, 'container.name');
  if (pod) return ['pod ', v(ns ? `${ns}/${pod}` : pod)];
  if (cid === 'host') return ['the host itself (not a container)'];
  if (cname && cname !== 'host')
    return ['container ', v(cname), ...(cid ? [' (', v(cid), ')'] : [])];
  if (cid) return ['container ', v(cid)];
  return undefined;
}

/** One sentence: who did what, where. */
export function summarize(alert: Alert): RichText {
  const src = sourceOf(alert);
  // The headline comes from Falco's output line: attacker-influenced, so prose to escape.
  const out: RichText = [{ prose: headline(alert) }, '.'];
  if (src === 'syscall') {
    const user = fieldString(alert, 'user.name');
    const cmd = fieldString(alert, 'proc.cmdline') ?? fieldString(alert, 'proc.name');
    const parent = fieldString(alert, 'proc.pname');
    const file = fieldString(alert, 'fd.name');
    const where = workload(alert);
    const host = alert.hostname;
    if (cmd) {
      out.push(' ', ...(user ? [v(user), ' ran '] : ['A process ran ']), v(cmd));
      if (parent) out.push(' (parent ', v(parent), ')');
      if (file) out.push(' on ', v(file));
      if (where) out.push(' in ', ...where);
      if (host) out.push(' on host ', v(host));
      out.push('.');
    }
  } else if (src === 'k8s_audit') {
    const user = fieldString(alert, 'ka.user.name');
    const verb = fieldString(alert, 'ka.verb') ?? fieldString(alert, 'ka.target.subresource');
    const res = fieldString(alert, 'ka.target.resource');
    const ns = fieldString(alert, 'ka.target.namespace');
    const name = fieldString(alert, 'ka.target.name');
    if (user) {
      out.push(' ', v(user));
      if (verb) out.push(' did ', v(verb));
      if (res) out.push(' on ', v(res));
      if (name) out.push(' ', v(ns ? `${ns}/${name}` : name));
      out.push('.');
    }
  } else {
    const user =
      fieldString(alert, 'gcp.user') ??
      fieldString(alert, 'ct.user') ??
      fieldString(alert, 'github.user') ??
      fieldString(alert, 'okta.actor.name');
    if (user) out.push(' Actor: ', v(user), '.');
  }
  return out;
}

function imageOf(alert: Alert): string | undefined {
  const repo = fieldString(alert, 'container.image.repository');
  const tag = fieldString(alert, 'container.image.tag');
  return repo ? (tag ? `${repo}:${tag}` : repo) : fieldString(alert, 'container.image');
}

export function keyFacts(
  alert: Alert,
  incident?: Pick<Incident, 'occurrences' | 'firstSeen' | 'lastSeen'>,
): Fact[] {
  const facts: Fact[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined) facts.push({ label, value: [v(value)] });
  };
  add('Host', alert.hostname);
  const where = workload(alert);
  if (where) facts.push({ label: 'Where', value: where });
  add('Image', imageOf(alert));
  const user = fieldString(alert, 'user.name') ?? fieldString(alert, 'ka.user.name');
  if (user) {
    const uid = fieldString(alert, 'user.uid');
    const loginuid = alert.output_fields['user.loginuid'];
    const parts: RichText = [v(user)];
    if (uid !== undefined) parts.push(' (uid ', v(uid), ')');
    if (loginuid === -1 || loginuid === '-1' || loginuid === 4294967295)
      parts.push(', no login session');
    facts.push({ label: 'User', value: parts });
  }
  facts.push({ label: 'Time', value: [formatUtc(parseFalcoTime(alert.time))] });
  if (incident && incident.occurrences > 1) {
    facts.push({
      label: 'Occurrences',
      value: [
        `${incident.occurrences.toLocaleString('en-US')} (first ${formatUtc(incident.firstSeen)}, last ${formatUtc(incident.lastSeen)})`,
      ],
    });
  }
  return facts;
}

export function statusLine(i: Incident, now: number): RichText {
  const out: RichText = [];
  if (i.status === 'open') out.push('Open');
  if (i.status === 'acknowledged') {
    out.push('Acknowledged');
    if (i.acknowledgedBy) out.push(' by ', { user: i.acknowledgedBy });
  }
  if (i.status === 'resolved') {
    out.push('Resolved');
    if (i.resolvedBy) out.push(' by ', { user: i.resolvedBy });
    if (i.resolution) out.push(` as ${RESOLUTION_LABELS[i.resolution]}`);
  }
  if (i.assignee && i.status !== 'resolved') out.push(' · assigned to ', { user: i.assignee });
  if (i.snoozedUntil && i.snoozedUntil > now && i.status !== 'resolved')
    out.push(` · snoozed until ${formatUtc(i.snoozedUntil)}`);
  return out;
}

export function buildIncidentView(
  incident: Incident,
  guidance: RenderedGuidance,
  now = Date.now(),
): IncidentView {
  const alert = incident.latest;
  return {
    id: incident.id,
    rule: incident.rule,
    priority: incident.priority,
    source: incident.source,
    testEvent: isTestEvent(alert),
    summary: summarize(alert),
    facts: keyFacts(alert, incident),
    status: statusLine(incident, now),
    occurrences: incident.occurrences,
    firstSeen: formatUtc(incident.firstSeen),
    lastSeen: formatUtc(incident.lastSeen),
    fields: Object.entries(alert.output_fields)
      .map(([key, val]) => ({ key, value: displayValue(val) ?? '(none)' }))
      .sort((a, b) => a.key.localeCompare(b.key)),
    // Falco prints an unresolved field as <NA>; we show it the way every other missing
    // value is shown, so the report never reads as if "<NA>" were a value.
    output: alert.output.replace(/<NA>/g, '(none)'),
    tags: alert.tags ?? [],
    hostname: alert.hostname,
    expanded: incident.expanded,
    analysis: explainFields(alert),
    guidance,
    actions: availableVerbs(incident, now),
  };
}
