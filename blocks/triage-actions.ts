import type { ActionsBlock, Button, StaticSelect, UsersSelect } from '@slack/types';
import { VERB_BY_NAME, type VerbName, type VerbSpec } from '../src/incidents/verbs.js';
import type { IncidentView } from '../src/report/view-model.js';
import { ACTION } from './action-ids.js';

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

/** A verb's control, as its table entry describes it; selects find the incident in the block_id. */
function element(v: VerbSpec, id: string): Button | UsersSelect | StaticSelect | undefined {
  const c = v.control;
  switch (c.kind) {
    case 'button':
      return button(c.label, v.actionId, id, c.style);
    case 'users_select':
      return {
        type: 'users_select',
        action_id: v.actionId,
        placeholder: { type: 'plain_text', text: c.placeholder },
      };
    case 'static_select':
      return {
        type: 'static_select',
        action_id: v.actionId,
        placeholder: { type: 'plain_text', text: c.placeholder },
        options: c.options.map((o) => ({
          text: { type: 'plain_text', text: o.label },
          value: String(o.minutes),
        })),
      };
    case 'none':
      return undefined;
  }
}

/** The controls of these verbs for a subject (incident, storm or silence id); selects find it in the block_id. */
export function verbControls(names: readonly VerbName[], id: string): ActionsBlock {
  return {
    type: 'actions',
    block_id: `triage:${id}`,
    elements: names
      .map((a) => element(VERB_BY_NAME[a], id))
      .filter((e): e is Button | UsersSelect | StaticSelect => e !== undefined),
  };
}

/** The triage controls for the incident's state; the block_id carries the incident id for selects. */
export function triageActions(view: IncidentView): ActionsBlock {
  return {
    type: 'actions',
    block_id: `triage:${view.id}`,
    elements: view.actions
      .map((a) => element(VERB_BY_NAME[a], view.id))
      .filter((e): e is Button | UsersSelect | StaticSelect => e !== undefined),
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
