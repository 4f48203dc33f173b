import type { ModalView } from '@slack/types';
import { RESOLUTION_LABELS, RESOLUTION_REASONS } from '../src/incidents/model.js';
import { truncate } from '../src/text/truncate.js';
import { RESOLVE_INPUT, VIEW } from './action-ids.js';
import { LIMITS } from './limits.js';

export interface ResolveModalMetadata {
  id: string;
  channel: string;
}

const REASON_HELP: Record<(typeof RESOLUTION_REASONS)[number], string> = {
  benign: 'Expected activity',
  false_positive:
    'The rule matched something it should not (a Falco exception is posted in the thread)',
  contained: 'Real, and contained',
  mitigated: 'Real, and the cause is fixed',
  test_event: 'Generated on purpose (event-generator, a drill)',
  duplicate: 'Already handled in another incident',
};

/** The Resolve dialog: a reason (required) and a note. */
export function resolveModal(meta: ResolveModalMetadata, title: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.resolve,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: truncate(`Resolve ${meta.id}`, LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: 'Resolve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'plain_text', text: truncate(title, LIMITS.sectionText) } },
      {
        type: 'input',
        block_id: RESOLVE_INPUT.reasonBlock,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'static_select',
          action_id: RESOLVE_INPUT.reasonAction,
          placeholder: { type: 'plain_text', text: 'Why is it resolved?' },
          options: RESOLUTION_REASONS.map((r) => ({
            text: { type: 'plain_text', text: RESOLUTION_LABELS[r] },
            description: { type: 'plain_text', text: truncate(REASON_HELP[r], 75) },
            value: r,
          })),
        },
      },
      {
        type: 'input',
        block_id: RESOLVE_INPUT.noteBlock,
        optional: true,
        label: { type: 'plain_text', text: 'Note' },
        element: {
          type: 'plain_text_input',
          action_id: RESOLVE_INPUT.noteAction,
          multiline: true,
          max_length: 2000,
          placeholder: { type: 'plain_text', text: 'What did you find? (goes to the thread)' },
        },
      },
    ],
  };
}
