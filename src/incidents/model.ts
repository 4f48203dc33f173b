import type { Alert, Priority } from '../alert.js';

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const RESOLUTION_REASONS = [
  'benign',
  'false_positive',
  'contained',
  'mitigated',
  'test_event',
  'duplicate',
] as const;
export type ResolutionReason = (typeof RESOLUTION_REASONS)[number];

export const RESOLUTION_LABELS: Record<ResolutionReason, string> = {
  benign: 'benign',
  false_positive: 'false positive',
  contained: 'contained',
  mitigated: 'mitigated',
  test_event: 'test event',
  duplicate: 'duplicate',
};

/** One incident as stored in Redis (the hash at Keys.incident(id)), decoded. */
export interface Incident {
  /** Human id, e.g. "FT-42". */
  id: string;
  fingerprint: string;
  rule: string;
  source: string;
  /** Highest priority seen across occurrences. */
  priority: Priority;
  status: IncidentStatus;
  occurrences: number;
  firstSeen: number;
  lastSeen: number;
  /** The most recent alert of this incident. */
  latest: Alert;
  assignee?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  resolvedBy?: string;
  resolvedAt?: number;
  resolution?: ResolutionReason;
  resolutionNote?: string;
  snoozedUntil?: number;
  /** The report is shown expanded (all mitigations) rather than collapsed. */
  expanded: boolean;
  channel: string;
  /** Slack message ts once posted. */
  ts?: string;
  /** Incremented by every change; lets a renderer tell whether what it sent is current. */
  version: number;
  /** Version of the incident last rendered into Slack, and when. */
  renderedVersion: number;
  renderedAt?: number;
  /** Id of the last timeline entry already posted to the Slack thread. */
  threadCursor: string;
  /**
   * A post of this incident was attempted and not confirmed: the message may already be
   * in Slack, so look before posting it again.
   */
  postAttempted: boolean;
  /** When the first unconfirmed post was attempted (our clock): where to look for it. */
  postAttemptedAt?: number;
  /** Hash of what the Slack message shows; an update that would show the same is not sent. */
  renderedHash?: string;
  /** The storm whose digest this incident was folded into (STORM-3), if any. */
  storm?: string;
  /**
   * A folded incident is shown on its own once someone opens it from the digest
   * ('thread': its report in the digest's thread) or once it turns Critical ('top').
   */
  show?: 'thread' | 'top';
}

/** Every kind of timeline entry; the triage verbs' kinds come from src/incidents/verbs.ts. */
export const TIMELINE_KINDS = [
  'opened',
  'occurrence',
  'reopened',
  'acknowledged',
  'unacknowledged',
  'assigned',
  'unassigned',
  'resolved',
  'snoozed',
  'unsnoozed',
  'expanded',
  'collapsed',
  'note',
  'note_edited',
  'note_deleted',
  'muted',
  'unmuted',
  'storm_acknowledged',
  'storm_assigned',
  'storm_resolved',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  /** Redis stream entry id. */
  id: string;
  kind: TimelineKind;
  /** Slack user id of who did it, or "falco" for occurrences. */
  actor: string;
  at: number;
  /** Kind-specific detail: assignee, reason, note, count, until... */
  detail: Record<string, string>;
}
