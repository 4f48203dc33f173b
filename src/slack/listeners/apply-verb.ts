import { IncidentError, SubjectRefused } from '../../incidents/errors.js';
import type { Incident } from '../../incidents/model.js';
import {
  describeMatchers,
  proposeFromIncident,
  proposeFromStorm,
} from '../../incidents/silence-match.js';
import type { IncidentVerbName, MuteSpec, VerbArgs, VerbSpec } from '../../incidents/verbs.js';
import { formatUtc } from '../../report/view-model.js';
import { inlineValue } from '../../text/mrkdwn.js';
import type { ListenerDeps } from './deps.js';

export const NOT_ALLOWED =
  ':no_entry: You are not allowed to change incidents here. The bot administrators choose who may (CONFIG_FILE permissions).';

export const INCIDENT_ID = /^[A-Z][A-Z0-9]*-\d+$/;

export type VerbResult =
  { ok: true; incident?: Incident; text: string } | { ok: false; text: string };

type Deps = Pick<ListenerDeps, 'store' | 'storms' | 'silences' | 'permissions' | 'publisher'>;

/**
 * Whoever asked (a button, `/falco`, a mention in a thread, a dialog): checks that they
 * may, applies the verb to its subject (an incident, a whole storm, a silence) through
 * the store, and wakes the publisher to show it. A refusal comes back as the text to
 * tell them; anything else unexpected is thrown.
 */
export async function applyVerb(
  deps: Deps,
  verb: Pick<VerbSpec, 'name' | 'restricted' | 'subject' | 'done'>,
  id: string,
  user: string,
  args: VerbArgs,
  now: number,
  /** Where a silence created here is announced when it names no incident or storm. */
  channel?: string,
): Promise<VerbResult> {
  if (verb.restricted && !(await deps.permissions.mayAct(user)))
    return { ok: false, text: NOT_ALLOWED };
  try {
    let result: VerbResult;
    if (verb.subject === 'incident') {
      const incident = await deps.store.transition(id, verb.name as IncidentVerbName, user, {
        now,
        args,
      });
      result = { ok: true, incident, text: `Done: ${id} ${verb.done}.` };
    } else if (verb.subject === 'storm') {
      const r = await deps.storms.act(
        id,
        verb.name as 'ackall' | 'assignall' | 'resolveall',
        user,
        args,
        now,
      );
      result = {
        ok: true,
        text: `Done: ${id} ${verb.done} (${r.changed.toLocaleString('en-US')} changed, ${r.refused.toLocaleString('en-US')} already so).`,
      };
    } else if (verb.name === 'mute') {
      result = await mute(deps, JSON.parse(args[0] ?? '{}') as MuteSpec, user, now, channel);
    } else {
      const s = await deps.silences.unmute(id, user, now);
      result = {
        ok: true,
        text: `Done: ${s.id} ended; it swallowed ${s.count.toLocaleString('en-US')} alert(s).`,
      };
    }
    deps.publisher.wake();
    return result;
  } catch (err) {
    if (err instanceof IncidentError) return { ok: false, text: `:warning: ${err.message}` };
    throw err;
  }
}

/** Creates the silence a `/falco mute` or the Mute dialog asked for. */
async function mute(
  deps: Deps,
  spec: MuteSpec,
  user: string,
  now: number,
  channel: string | undefined,
): Promise<VerbResult> {
  let matchers: Record<string, string> = {};
  let where = channel;
  if (spec.from?.startsWith('STORM-')) {
    const d = await deps.storms.digest(spec.from);
    if (!d) throw new SubjectRefused('storm_gone', spec.from);
    const proposed = proposeFromStorm(d);
    if (!proposed && !spec.matchers.rule)
      throw new SubjectRefused(
        'bad_silence',
        spec.from,
        'the storm has several rules, name one with rule=',
      );
    matchers = proposed ?? {};
    where = d.channel;
  } else if (spec.from) {
    const i = await deps.store.get(spec.from);
    if (!i)
      return {
        ok: false,
        text: `:warning: ${spec.from} does not exist, or was purged after it was resolved.`,
      };
    matchers = proposeFromIncident(i);
    where = i.channel;
  }
  matchers = { ...matchers, ...spec.matchers };
  if (!where) throw new SubjectRefused('bad_silence', 'MUTE-0', 'no channel to announce it in');
  const s = await deps.silences.mute({
    channel: where,
    matchers,
    durationMs: spec.durationMs,
    reason: spec.reason,
    what: describeMatchers(matchers),
    actor: user,
    now,
  });
  return {
    ok: true,
    text: `Muted as ${s.id} until ${formatUtc(s.endsAt)}: ${inlineValue(s.what, 300)}. Matching alerts are counted, not posted; \`/falco unmute ${s.id}\` ends it.`,
  };
}
