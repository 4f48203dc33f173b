import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

/**
 * A message someone writes in an incident's thread is part of its record: it goes on
 * the incident's timeline (and so into `/falco timeline` and `/falco export`). Bot
 * messages, edits and deletions are not notes.
 */
export function threadMessage(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'events' });
  return async ({ event }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs) => {
    const m = event as {
      subtype?: string;
      bot_id?: string;
      user?: string;
      text?: string;
      ts: string;
      thread_ts?: string;
      channel: string;
    };
    if (!m.thread_ts || m.thread_ts === m.ts || !m.user || m.bot_id) return;
    if (m.subtype && m.subtype !== 'thread_broadcast' && m.subtype !== 'file_share') return;
    const id = await deps.store.findByMessage(m.channel, m.thread_ts);
    if (!id) return;
    const recorded = await deps.store.addNote(id, m.user, m.text ?? '', m.ts);
    log.debug({ incident: id, recorded }, 'thread message');
  };
}
