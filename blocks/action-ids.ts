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
} as const;

export const VIEW = {
  resolve: 'incident_resolve_modal',
  fullReport: 'incident_full_report_modal',
} as const;

export const RESOLVE_INPUT = {
  reasonBlock: 'resolve_reason',
  reasonAction: 'reason',
  noteBlock: 'resolve_note',
  noteAction: 'note',
} as const;
