import type { ActionsBlock, Button, StaticSelect, UsersSelect } from '@slack/types';
import type { IncidentView, TriageAction } from '../src/report/view-model.js';
import { ACTION, SNOOZE_OPTIONS } from './action-ids.js';

function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

const ELEMENTS: Record<TriageAction, (id: string) => Button | UsersSelect | StaticSelect> = {
  acknowledge: (id) => button('Acknowledge', ACTION.acknowledge, id, 'primary'),
  unacknowledge: (id) => button('Unacknowledge', ACTION.unacknowledge, id),
  assign: () => ({
    type: 'users_select',
    action_id: ACTION.assign,
    placeholder: { type: 'plain_text', text: 'Assign to…' },
  }),
  unassign: (id) => button('Unassign', ACTION.unassign, id),
  resolve: (id) => button('Resolve…', ACTION.resolve, id),
  reopen: (id) => button('Reopen', ACTION.reopen, id, 'danger'),
  snooze: () => ({
    type: 'static_select',
    action_id: ACTION.snooze,
    placeholder: { type: 'plain_text', text: 'Snooze…' },
    options: SNOOZE_OPTIONS.map((o) => ({
      text: { type: 'plain_text', text: o.label },
      value: String(o.minutes),
    })),
  }),
  unsnooze: (id) => button('End snooze', ACTION.unsnooze, id),
};

/** The triage buttons for the incident's state; the block_id carries the incident id for selects. */
export function triageActions(view: IncidentView): ActionsBlock {
  return {
    type: 'actions',
    block_id: `triage:${view.id}`,
    elements: view.actions.map((a) => ELEMENTS[a](view.id)),
  };
}

export function reportActions(view: IncidentView): ActionsBlock {
  return {
    type: 'actions',
    block_id: `report:${view.id}`,
    elements: [
      view.expanded
        ? button('Hide mitigations', ACTION.collapse, view.id)
        : button('Show all mitigations', ACTION.expand, view.id, 'primary'),
      button('Full report', ACTION.fullReport, view.id),
    ],
  };
}
