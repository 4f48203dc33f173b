import { IncidentError } from '../../incidents/errors.js';
import type { Incident } from '../../incidents/model.js';
import type { VerbArgs, VerbSpec } from '../../incidents/verbs.js';
import type { ListenerDeps } from './deps.js';

export const NOT_ALLOWED =
  ':no_entry: You are not allowed to change incidents here. The bot administrators choose who may (CONFIG_FILE permissions).';

export const INCIDENT_ID = /^[A-Z][A-Z0-9]*-\d+$/;

export type VerbResult = { ok: true; incident: Incident } | { ok: false; text: string };

/**
 * Whoever asked (a button, `/falco`, a mention in the thread): checks that they may,
 * applies the verb through the store, and wakes the publisher to show it. A refusal
 * comes back as the text to tell them; anything else unexpected is thrown.
 */
export async function applyVerb(
  deps: Pick<ListenerDeps, 'store' | 'permissions' | 'publisher'>,
  verb: Pick<VerbSpec, 'name' | 'restricted'>,
  id: string,
  user: string,
  args: VerbArgs,
  now: number,
): Promise<VerbResult> {
  if (verb.restricted && !(await deps.permissions.mayAct(user)))
    return { ok: false, text: NOT_ALLOWED };
  try {
    const incident = await deps.store.transition(id, verb.name, user, { now, args });
    deps.publisher.wake();
    return { ok: true, incident };
  } catch (err) {
    if (err instanceof IncidentError) return { ok: false, text: `:warning: ${err.message}` };
    throw err;
  }
}
