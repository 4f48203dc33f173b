import type { ModalView } from '@slack/types';
import { plainText } from '../src/text/mrkdwn.js';
import { truncate } from '../src/text/truncate.js';
import { MUTE_INPUT, VIEW } from './action-ids.js';
import { LIMITS } from './limits.js';

export interface MuteModalMetadata {
  /** The incident or storm it was opened from. */
  from: string;
  channel: string;
}

export const MUTE_DURATIONS = [
  { label: '30 minutes', minutes: 30 },
  { label: '1 hour', minutes: 60 },
  { label: '4 hours', minutes: 240 },
  { label: '24 hours', minutes: 1440 },
  { label: '7 days', minutes: 7 * 1440 },
] as const;

/**
 * The Mute dialog: the matchers proposed from the alert (one `field=value` a line, `*`
 * matches anything; people edit them), a duration and a reason.
 */
export function muteModal(meta: MuteModalMetadata, proposed: Record<string, string>): ModalView {
  const initial = Object.entries(proposed)
    .map(([k, v]) => `${k}=${plainText(v)}`)
    .join('\n');
  const duration = MUTE_DURATIONS[2];
  return {
    type: 'modal',
    callback_id: VIEW.mute,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: truncate(`Mute like ${meta.from}`, LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: 'Mute' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: 'Alerts matching every line below open and post nothing until the silence ends; they are counted on it, and its end is announced with the count.',
        },
      },
      {
        type: 'input',
        block_id: MUTE_INPUT.matchersBlock,
        label: { type: 'plain_text', text: 'Matching (field=value, * for anything)' },
        element: {
          type: 'plain_text_input',
          action_id: MUTE_INPUT.matchersAction,
          multiline: true,
          max_length: 2000,
          ...(initial ? { initial_value: truncate(initial, 2000) } : {}),
        },
      },
      {
        type: 'input',
        block_id: MUTE_INPUT.durationBlock,
        label: { type: 'plain_text', text: 'For' },
        element: {
          type: 'static_select',
          action_id: MUTE_INPUT.durationAction,
          initial_option: {
            text: { type: 'plain_text', text: duration.label },
            value: String(duration.minutes),
          },
          options: MUTE_DURATIONS.map((d) => ({
            text: { type: 'plain_text', text: d.label },
            value: String(d.minutes),
          })),
        },
      },
      {
        type: 'input',
        block_id: MUTE_INPUT.reasonBlock,
        label: { type: 'plain_text', text: 'Why' },
        element: {
          type: 'plain_text_input',
          action_id: MUTE_INPUT.reasonAction,
          max_length: 500,
          placeholder: { type: 'plain_text', text: 'e.g. known backup job, ticket OPS-123' },
        },
      },
    ],
  };
}
