/** Slack's Block Kit limits we design against (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  modalTitle: 24,
  privateMetadata: 3000,
  /** Slack truncates message text past 40,000 characters; we stay well under. */
  messageText: 4000,
} as const;
