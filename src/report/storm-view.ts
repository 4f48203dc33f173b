import { PRIORITIES } from '../alert.js';
import type { Incident } from '../incidents/model.js';
import type { StormCount, StormDigest, StormEvent } from '../incidents/store.js';
import { offeredOn, type VerbName } from '../incidents/verbs.js';
import { inlineValue, plainText } from '../text/mrkdwn.js';
import { truncate } from '../text/truncate.js';
import { formatUtc } from './view-model.js';

/** Values listed per dimension; the rest are summed on one line. */
export const TOP_VALUES = 10;
/** Incidents offered in the digest's select (Slack allows 100 options). */
export const SELECT_OPTIONS = 100;

/** One line of a dimension, already safe for mrkdwn. */
export interface CountLine {
  label: string;
  incidents: number;
  alerts: number;
}

export interface DimensionView {
  title: string;
  lines: CountLine[];
  /** Values beyond the lines shown (and counted in `rest`). */
  moreValues: number;
  rest?: { incidents: number; alerts: number };
}

/** A storm's digest, ready for blocks: every value from alerts is already escaped. */
export interface StormView {
  id: string;
  open: boolean;
  incidents: number;
  alerts: number;
  started: string;
  firstSeen?: string;
  lastSeen?: string;
  closed?: string;
  foldedUpTo: string;
  dimensions: DimensionView[];
  /** Incidents offered in the select: plain-text labels, our ids as values. */
  options: { label: string; id: string }[];
  actions: VerbName[];
}

function label(value: string | undefined, none: string): string {
  if (value === undefined) return '_others_';
  if (value === '') return `_${none}_`;
  return inlineValue(value, 80);
}

function dimension(title: string, counts: StormCount[], none: string): DimensionView {
  const shown = counts.slice(0, TOP_VALUES);
  const rest = counts.slice(TOP_VALUES);
  return {
    title,
    lines: shown.map((c) => ({
      label: label(c.value, none),
      incidents: c.incidents,
      alerts: c.alerts,
    })),
    moreValues: rest.filter((c) => c.value !== undefined).length,
    ...(rest.length
      ? {
          rest: {
            incidents: rest.reduce((n, c) => n + c.incidents, 0),
            alerts: rest.reduce((n, c) => n + c.alerts, 0),
          },
        }
      : {}),
  };
}

/** A select option's text: plain text (Slack shows it as typed), at most 75 characters. */
function optionLabel(i: Incident): string {
  const ns = i.latest.output_fields['k8s.ns.name'];
  const where =
    typeof ns === 'string' && ns ? ` · ${ns}` : i.latest.hostname ? ` · ${i.latest.hostname}` : '';
  return truncate(plainText(`${i.id} ${i.rule}${where}`), 75);
}

export function buildStormView(
  d: StormDigest,
  sample: Incident[],
  foldRank: number,
  now: number,
): StormView {
  return {
    id: d.id,
    open: d.status === 'open',
    incidents: d.incidents,
    alerts: d.alerts,
    started: formatUtc(d.startedAt),
    ...(d.firstSeen !== undefined ? { firstSeen: formatUtc(d.firstSeen) } : {}),
    ...(d.lastSeen !== undefined ? { lastSeen: formatUtc(d.lastSeen) } : {}),
    ...(d.closedAt !== undefined ? { closed: formatUtc(d.closedAt) } : {}),
    foldedUpTo: PRIORITIES[foldRank] ?? 'Warning',
    dimensions: [
      dimension('By rule', d.byRule, 'no rule'),
      dimension('By namespace', d.byNs, 'no namespace'),
      dimension('By host', d.byHost, 'no host'),
    ],
    options: sample.slice(0, SELECT_OPTIONS).map((i) => ({ label: optionLabel(i), id: i.id })),
    actions: offeredOn({ on: 'storm', open: d.status === 'open' }, now),
  };
}

/** The line a storm event writes in the digest's thread (null: none). */
export function stormEventLine(
  e: StormEvent,
  d: Pick<StormDigest, 'id' | 'incidents' | 'alerts' | 'startedAt' | 'closedAt'>,
): ((actorName: string) => string) | null {
  const n = (s: string | undefined) => Number(s ?? 0).toLocaleString('en-US');
  switch (e.kind) {
    case 'storm_closed':
      return () =>
        `:white_check_mark: ${d.id} is over: ${n(String(d.incidents))} incidents, ${n(String(d.alerts))} alerts from ${formatUtc(d.startedAt)} to ${formatUtc(d.closedAt ?? e.at)}. New incidents are posted one by one again.`;
    default:
      return null;
  }
}
