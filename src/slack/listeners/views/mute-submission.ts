import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { MUTE_INPUT } from '../../../../blocks/action-ids.js';
import type { MuteModalMetadata } from '../../../../blocks/mute-modal.js';
import { MATCHER_ALIASES, VERB_BY_NAME, type MuteSpec } from '../../../incidents/verbs.js';
import { applyVerb } from '../apply-verb.js';
import type { ListenerDeps } from '../deps.js';

/** "field=value" lines -> matchers; undefined (with the line) when one is not of that form. */
export function parseMatcherLines(text: string): Record<string, string> | { bad: string } {
  const m: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const kv = /^([A-Za-z][\w.[\]-]{0,80})\s*=\s*(.+)$/.exec(line);
    if (!kv) return { bad: line.slice(0, 60) };
    m[MATCHER_ALIASES[kv[1]!.toLowerCase()] ?? kv[1]!] = kv[2]!.trim().slice(0, 500);
  }
  return m;
}

/**
 * The Mute dialog's submit: the silence is created before the ack so a refusal (too many
 * silences, nothing to match) is shown in the dialog; a Redis call takes milliseconds.
 */
export function muteSubmission(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'views' });
  return async ({
    ack,
    view,
    body,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const fail = (block: string, text: string) =>
      ack({ response_action: 'errors', errors: { [block]: text } });
    let meta: MuteModalMetadata;
    try {
      meta = JSON.parse(view.private_metadata) as MuteModalMetadata;
    } catch {
      await fail(MUTE_INPUT.matchersBlock, 'This dialog is out of date; open it again.');
      return;
    }
    const v = view.state.values;
    const lines = v[MUTE_INPUT.matchersBlock]?.[MUTE_INPUT.matchersAction]?.value ?? '';
    const minutes = Number(
      v[MUTE_INPUT.durationBlock]?.[MUTE_INPUT.durationAction]?.selected_option?.value,
    );
    const reason = (v[MUTE_INPUT.reasonBlock]?.[MUTE_INPUT.reasonAction]?.value ?? '').trim();
    const matchers = parseMatcherLines(lines);
    if ('bad' in matchers) {
      await fail(MUTE_INPUT.matchersBlock, `Not field=value: ${matchers.bad}`);
      return;
    }
    if (!matchers.rule) {
      await fail(MUTE_INPUT.matchersBlock, 'Name the rule (rule=…, `*` allowed).');
      return;
    }
    if (!(minutes > 0)) {
      await fail(MUTE_INPUT.durationBlock, 'Choose how long.');
      return;
    }
    if (!reason) {
      await fail(MUTE_INPUT.reasonBlock, 'Say why.');
      return;
    }
    const spec: MuteSpec = { matchers, durationMs: minutes * 60_000, reason };
    try {
      const result = await applyVerb(
        deps,
        VERB_BY_NAME.mute,
        '',
        body.user.id,
        [JSON.stringify(spec)],
        deps.now(),
        meta.channel,
      );
      if (!result.ok) {
        await fail(MUTE_INPUT.matchersBlock, result.text.replace(/^:\w+: /, ''));
        return;
      }
      await ack();
    } catch (err) {
      log.error({ err, from: meta.from }, 'mute failed');
      await fail(MUTE_INPUT.matchersBlock, 'That did not work; the bot logs have the details.');
    }
  };
}
