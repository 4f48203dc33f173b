import { RESOLUTION_LABELS, RESOLUTION_REASONS, type Incident } from './model.js';

/**
 * What the Lua scripts return instead of a result. Shared by every script, so one
 * function below turns any of them into a typed error.
 */
export const SCRIPT_CODES = {
  notFound: -1,
  refused: -2,
  versionConflict: -3,
} as const;

/** Why a transition was refused, as the transition script reports it. */
export const REFUSAL_REASONS = [
  'already_acknowledged',
  'not_acknowledged',
  'already_resolved',
  'not_resolved',
  'resolved',
  'already_assigned',
  'not_assigned',
  'bad_assignee',
  'not_snoozed',
  'snooze_in_past',
  'bad_reason',
  'storm_gone',
  'bad_silence',
  'too_many_silences',
  'not_muted',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Base of every incident store error; `code` is stable, `message` is for people. */
export class IncidentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class IncidentNotFound extends IncidentError {
  constructor(readonly incidentId: string) {
    super(
      'incident_not_found',
      `${safeId(incidentId)} does not exist, or was purged after it was resolved.`,
    );
  }
}

/** The incident is not in a state that allows the change; nothing was changed. */
export class TransitionRefused extends IncidentError {
  constructor(
    readonly reason: RefusalReason,
    /** The incident as it is now, so the caller can show the current state. */
    readonly incident: Incident,
  ) {
    super('transition_refused', refusalMessage(reason, incident));
  }
}

/** A storm or silence verb was refused; nothing was changed. */
export class SubjectRefused extends IncidentError {
  constructor(
    readonly reason: RefusalReason,
    readonly subjectId: string,
    detail = '',
  ) {
    super('transition_refused', refusalText(reason, subjectId, detail));
  }
}

/** The incident changed since the caller read it (expectedVersion); nothing was changed. */
export class VersionConflict extends IncidentError {
  constructor(
    readonly expectedVersion: number,
    readonly incident: Incident,
  ) {
    super(
      'version_conflict',
      `${incident.id} changed while you were looking at it (now version ${incident.version}, you saw ${expectedVersion}); look again and retry.`,
    );
  }
}

export interface FailedReply {
  code: number;
  /** Refusal reason for `refused`. */
  info: string;
  incident: Incident | undefined;
}

/** The one place script codes become errors. */
export function errorFromReply(
  reply: FailedReply,
  ctx: { id: string; expectedVersion?: number | undefined },
): IncidentError {
  const { code, info, incident } = reply;
  if (code === SCRIPT_CODES.notFound || !incident) return new IncidentNotFound(ctx.id);
  if (code === SCRIPT_CODES.refused) {
    const reason = (REFUSAL_REASONS as readonly string[]).includes(info)
      ? (info as RefusalReason)
      : undefined;
    if (reason) return new TransitionRefused(reason, incident);
  }
  if (code === SCRIPT_CODES.versionConflict) {
    return new VersionConflict(ctx.expectedVersion ?? Number.NaN, incident);
  }
  return new IncidentError(
    'script_error',
    `Unexpected incident store reply ${code} (${safeWord(info)}).`,
  );
}

// These messages are shown in Slack. They name incidents by our own ids and people by
// Slack user id only: rule names and alert fields are written by whoever triggered the
// alert, and must not end up in text we present as the bot's own.
function refusalMessage(reason: RefusalReason, i: Incident): string {
  return refusalText(reason, i.id, '', i);
}

/** The message for a refusal, about an incident, a storm or a silence (by our own id only). */
export function refusalText(
  reason: RefusalReason,
  subjectId: string,
  detail = '',
  i?: Pick<Incident, 'acknowledgedBy' | 'resolvedBy' | 'assignee'>,
): string {
  const id = safeId(subjectId);
  switch (reason) {
    case 'already_acknowledged':
      return `${id} is already acknowledged by ${who(i?.acknowledgedBy)}.`;
    case 'not_acknowledged':
      return `${id} is not acknowledged.`;
    case 'already_resolved':
      return `${id} was already resolved by ${who(i?.resolvedBy)}.`;
    case 'resolved':
      return `${id} was resolved by ${who(i?.resolvedBy)}; reopen it first.`;
    case 'not_resolved':
      return `${id} is not resolved.`;
    case 'already_assigned':
      return `${id} is already assigned to ${who(i?.assignee)}.`;
    case 'not_assigned':
      return `${id} has no assignee.`;
    case 'bad_assignee':
      return `Choose a person to assign ${id} to.`;
    case 'not_snoozed':
      return `${id} is not snoozed.`;
    case 'snooze_in_past':
      return `A snooze must end in the future.`;
    case 'bad_reason':
      return `Choose a resolution: ${RESOLUTION_REASONS.map((r) => RESOLUTION_LABELS[r]).join(', ')}.`;
    case 'storm_gone':
      return `${id} is not a storm the bot still knows (its digest expires a while after it ends).`;
    case 'bad_silence':
      return `That silence cannot be created: ${safeDetail(detail) || 'check the rule, the fields and the duration'}.`;
    case 'too_many_silences':
      return `There are already ${safeDetail(detail) || 'too many'} silences; end one first (\`/falco mutes\`).`;
    case 'not_muted':
      return `${id} is not an active silence (\`/falco mutes\` lists them).`;
  }
}

/** A Slack mention when the value looks like a Slack user id, never free text. */
function who(user: string | undefined): string {
  return user && /^[UW][A-Z0-9]{1,30}$/.test(user) ? `<@${user}>` : 'someone';
}

function safeId(id: string): string {
  return /^[A-Za-z][A-Za-z0-9]{0,15}-\d{1,12}$/.test(id) ? id : 'That incident';
}

/** Details we write ourselves (numbers, limits); anything else is dropped. */
function safeDetail(s: string): string {
  return /^[\w .,:;()'-]{0,200}$/.test(s) ? s : '';
}

function safeWord(s: string): string {
  return /^[a-z_]{1,40}$/.test(s) ? s : '?';
}
