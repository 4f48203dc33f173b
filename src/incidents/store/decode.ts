import { PRIORITIES, type Alert } from '../../alert.js';
import { IncidentError, type FailedReply } from '../errors.js';
import {
  INCIDENT_STATUSES,
  RESOLUTION_REASONS,
  TIMELINE_KINDS,
  type Incident,
  type TimelineEntry,
} from '../model.js';
import type { ScriptReply } from '../scripts.js';

/** Script replies and Redis hashes as typed values: the one place that reads stored shapes. */

export function str(v: string | number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** {code, info, field, value, ...} -> the field/value pairs from `from` on. */
export function pairs(reply: ScriptReply, from: number): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = from; i + 1 < reply.length; i += 2) h[str(reply[i])] = str(reply[i + 1]);
  return h;
}

/** The incident a script replied with, if its hash still exists. */
export function replyIncident(reply: ScriptReply): Incident | undefined {
  const hash = pairs(reply, 2);
  return Object.keys(hash).length ? decodeIncident(hash) : undefined;
}

export function failed(reply: ScriptReply): FailedReply {
  return { code: Number(reply[0]), info: str(reply[1]), incident: replyIncident(reply) };
}

export function present(list: (Incident | undefined)[]): Incident[] {
  return list.filter((i): i is Incident => i !== undefined);
}

function oneOf<T extends string>(list: readonly T[], v: string | undefined, what: string): T {
  if (v !== undefined && (list as readonly string[]).includes(v)) return v as T;
  throw new IncidentError('corrupt_incident', `incident hash has an invalid ${what}`);
}

function optNum(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function optStr(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The hash at Keys.incident(id) as an Incident. */
export function decodeIncident(h: Record<string, string>): Incident {
  if (!h.id || !h.latest)
    throw new IncidentError('corrupt_incident', 'incident hash lacks id or latest');
  // Stored by recordOccurrence from an alert that passed alertSchema.
  const latest = JSON.parse(h.latest) as Alert;
  const resolution = optStr(h.resolution);
  return {
    id: h.id,
    fingerprint: h.fingerprint ?? '',
    rule: h.rule ?? '',
    source: h.source ?? '',
    priority: oneOf(PRIORITIES, h.priority, 'priority'),
    status: oneOf(INCIDENT_STATUSES, h.status, 'status'),
    occurrences: Number(h.occurrences ?? 0),
    firstSeen: Number(h.firstSeen ?? 0),
    lastSeen: Number(h.lastSeen ?? 0),
    latest,
    assignee: optStr(h.assignee),
    acknowledgedBy: optStr(h.acknowledgedBy),
    acknowledgedAt: optNum(h.acknowledgedAt),
    resolvedBy: optStr(h.resolvedBy),
    resolvedAt: optNum(h.resolvedAt),
    resolution:
      resolution === undefined ? undefined : oneOf(RESOLUTION_REASONS, resolution, 'resolution'),
    resolutionNote: optStr(h.resolutionNote),
    snoozedUntil: optNum(h.snoozedUntil),
    expanded: h.expanded === '1',
    channel: h.channel ?? '',
    ts: optStr(h.ts),
    version: Number(h.version ?? 0),
    renderedVersion: Number(h.renderedVersion ?? 0),
    renderedAt: optNum(h.renderedAt),
    threadCursor: h.threadCursor || '0-0',
    postAttempted: h.postAttempted === '1',
    postAttemptedAt: optNum(h.postAttemptedAt),
    renderedHash: optStr(h.renderedHash),
    storm: optStr(h.storm),
    show: h.show === 'thread' || h.show === 'top' ? h.show : undefined,
  };
}

export function decodeTimelineEntry(id: string, fields: string[]): TimelineEntry {
  const f: Record<string, string> = {};
  const detail: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] ?? '';
    const value = fields[i + 1] ?? '';
    if (name.startsWith('d:')) detail[name.slice(2)] = value;
    else f[name] = value;
  }
  return {
    id,
    kind: oneOf(TIMELINE_KINDS, f.kind, 'timeline kind'),
    actor: f.actor ?? '',
    at: Number(f.at ?? 0),
    detail,
  };
}
