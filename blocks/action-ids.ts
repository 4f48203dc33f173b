import { VERBS, type VerbName } from '../src/incidents/verbs.js';

export { SNOOZE_OPTIONS } from '../src/incidents/verbs.js';

/** The triage verbs' action ids come from their table (src/incidents/verbs.ts). */
const VERB_ACTIONS = Object.fromEntries(VERBS.map((v) => [v.name, v.actionId])) as Record<
  VerbName,
  string
>;

/** Every action_id and callback_id the bot's Block Kit uses; listeners register these same constants. */
export const ACTION = {
  ...VERB_ACTIONS,
  expand: 'incident_expand',
  collapse: 'incident_collapse',
  fullReport: 'incident_full_report',
  postRuleGuidance: 'rule_post_to_channel',
  /** The digest's select: opens one incident of the storm in the digest's thread. */
  stormOpen: 'storm_open_incident',
} as const;

export const VIEW = {
  resolve: 'incident_resolve_modal',
  fullReport: 'incident_full_report_modal',
  mute: 'mute_modal',
} as const;

export const MUTE_INPUT = {
  matchersBlock: 'mute_matchers',
  matchersAction: 'matchers',
  durationBlock: 'mute_duration',
  durationAction: 'duration',
  reasonBlock: 'mute_reason',
  reasonAction: 'reason',
} as const;

export const RESOLVE_INPUT = {
  reasonBlock: 'resolve_reason',
  reasonAction: 'reason',
  noteBlock: 'resolve_note',
  noteAction: 'note',
} as const;
