import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

interface SlackMessage {
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  edited?: { ts?: string };
}

const inThread = (m: SlackMessage | undefined): m is SlackMessage & { thread_ts: string } =>
  Boolean(m?.thread_ts && m.thread_ts !== m.ts);

/**
 * A message someone writes in an incident's thread is part of its record: it goes on
 * the incident's timeline (and so into `/falco timeline` and `/falco export`); when it is
 * edited or deleted in Slack, the record follows. Bot messages and messages that mention
 * the bot (those are commands: thread-mention.ts) are not notes.
 */
export function threadMessage(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'events' });
  return async ({
    event,
    context,
  }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    const e = event as SlackMessage & {
      channel: string;
      message?: SlackMessage;
      previous_message?: SlackMessage;
      deleted_ts?: string;
    };
    const incidentOf = (threadTs: string) => deps.store.findByMessage(e.channel, threadTs);

    if (e.subtype === 'message_changed') {
      const m = e.message;
      if (!inThread(m) || !m.user || m.bot_id) return;
      const id = await incidentOf(m.thread_ts);
      if (!id) return;
      const editedTs = m.edited?.ts ?? e.ts;
      const changed = await deps.store.changeNote(id, m.user, m.ts, {
        text: m.text ?? '',
        editedTs,
      });
      log.debug({ incident: id, changed }, 'thread message edited');
      return;
    }
    if (e.subtype === 'message_deleted') {
      const m = e.previous_message;
      if (!inThread(m) || !m.user) return;
      const id = await incidentOf(m.thread_ts);
      if (!id) return;
      // Slack does not say who deleted it; the record names whose message it was.
      const changed = await deps.store.changeNote(id, m.user, e.deleted_ts ?? m.ts, {
        deleted: true,
      });
      log.debug({ incident: id, changed }, 'thread message deleted');
      return;
    }

    if (!inThread(e) || !e.user || e.bot_id) return;
    if (e.subtype && e.subtype !== 'thread_broadcast' && e.subtype !== 'file_share') return;
    if (context.botUserId && e.text?.includes(`<@${context.botUserId}`)) return;
    const id = await incidentOf(e.thread_ts);
    if (!id) return;
    const recorded = await deps.store.addNote(id, e.user, e.text ?? '', e.ts);
    log.debug({ incident: id, recorded }, 'thread message');
  };
}
