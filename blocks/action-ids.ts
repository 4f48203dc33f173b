/** Every action_id and callback_id the bot's Block Kit uses; listeners register these same constants. */
export const ACTION = {
  acknowledge: 'incident_acknowledge',
  unacknowledge: 'incident_unacknowledge',
  assign: 'incident_assign',
  unassign: 'incident_unassign',
  resolve: 'incident_resolve',
  reopen: 'incident_reopen',
  snooze: 'incident_snooze',
  unsnooze: 'incident_unsnooze',
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

export const SNOOZE_OPTIONS: Array<{ label: string; minutes: number }> = [
  { label: '30 minutes', minutes: 30 },
  { label: '1 hour', minutes: 60 },
  { label: '4 hours', minutes: 240 },
  { label: '24 hours', minutes: 1440 },
];
