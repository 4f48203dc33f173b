import { errorFromReply } from '../errors.js';
import { RESOLUTION_REASONS, type Incident, type ResolutionReason } from '../model.js';
import type { StoreAction } from '../verbs.js';
import { TIMELINE_MAX_LEN } from './context.js';
import { decodeIncident, failed, pairs } from './decode.js';
import { IncidentQueries } from './queries.js';

export interface TransitionOptions {
  now?: number;
  /** Refuse with VersionConflict when the incident is no longer at this version. */
  expectedVersion?: number;
  /** The verb's arguments as transition-6.lua takes them (ARGV[9], ARGV[10]). */
  args?: readonly [string?, string?];
}

/**
 * What the Slack listeners need: people's changes to an incident (the verbs of
 * src/incidents/verbs.ts), notes from its thread, and the reads to answer them. Every
 * change is one atomic script; a refused one changes nothing and throws a typed error.
 */
export class TriageStore extends IncidentQueries {
  /** Applies one verb; the named methods below are typed shorthands for it. */
  async transition(
    id: string,
    action: StoreAction,
    actor: string,
    opts: TransitionOptions = {},
  ): Promise<Incident> {
    const { redis, keys, o } = this.ctx;
    const [arg1 = '', arg2 = ''] = opts.args ?? [];
    const reply = await redis.ftTransition(
      keys.incident(id),
      keys.timeline(id),
      keys.openByPriority,
      keys.resolvedByTime,
      keys.outboxDue,
      keys.outboxLeases,
      keys.base,
      id,
      action,
      actor,
      Math.round(opts.now ?? Date.now()),
      opts.expectedVersion === undefined ? '' : String(opts.expectedVersion),
      o.resolvedRetentionSec,
      TIMELINE_MAX_LEN,
      arg1,
      arg2,
    );
    if (Number(reply[0]) === 0) return decodeIncident(pairs(reply, 2));
    throw errorFromReply(failed(reply), { id, expectedVersion: opts.expectedVersion });
  }

  /** open -> acknowledged. */
  acknowledge(id: string, actor: string, now = Date.now(), expectedVersion?: number) {
    return this.transition(id, 'acknowledge', actor, { now, expectedVersion });
  }

  /** acknowledged -> open. */
  unacknowledge(id: string, actor: string, now = Date.now(), expectedVersion?: number) {
    return this.transition(id, 'unacknowledge', actor, { now, expectedVersion });
  }

  /** Any time before resolution. */
  assign(id: string, actor: string, assignee: string, now = Date.now(), expectedVersion?: number) {
    return this.transition(id, 'assign', actor, { now, expectedVersion, args: [assignee] });
  }

  unassign(id: string, actor: string, now = Date.now(), expectedVersion?: number) {
    return this.transition(id, 'unassign', actor, { now, expectedVersion });
  }

  /** open | acknowledged -> resolved; the incident expires resolvedRetentionSec later unless reopened. */
  resolve(
    id: string,
    actor: string,
    reason: ResolutionReason,
    note?: string,
    now = Date.now(),
    expectedVersion?: number,
  ) {
    // An unknown reason goes to the script as '' so the refusal carries the incident.
    const valid = (RESOLUTION_REASONS as readonly string[]).includes(reason) ? reason : '';
    const args = [valid, note?.trim() ?? ''] as const;
    return this.transition(id, 'resolve', actor, { now, expectedVersion, args });
  }

  /** resolved -> open. */
  reopen(id: string, actor: string, now = Date.now(), expectedVersion?: number) {
    return this.transition(id, 'reopen', actor, { now, expectedVersion });
  }

  /** Occurrences stop updating the Slack message until `untilMs`; not on resolved incidents. */
  snooze(id: string, actor: string, untilMs: number, now = Date.now(), expectedVersion?: number) {
    const until = Number.isFinite(untilMs) ? String(Math.round(untilMs)) : '0';
    return this.transition(id, 'snooze', actor, { now, expectedVersion, args: [until] });
  }

  unsnooze(id: string, actor: string, now = Date.now(), expectedVersion?: number) {
    return this.transition(id, 'unsnooze', actor, { now, expectedVersion });
  }

  /** View state only: no timeline entry, but the message is re-rendered. A no-op if unchanged. */
  setExpanded(
    id: string,
    actor: string,
    expanded: boolean,
    now = Date.now(),
    expectedVersion?: number,
  ) {
    const args = [expanded ? '1' : '0'] as const;
    return this.transition(id, 'expand', actor, { now, expectedVersion, args });
  }

  /**
   * Appends what someone wrote in the incident's thread to its timeline. False when the
   * incident is gone or this Slack message was already recorded.
   */
  async addNote(
    id: string,
    actor: string,
    text: string,
    messageTs: string,
    now = Date.now(),
  ): Promise<boolean> {
    const res = await this.ctx.redis.ftAddNote(
      this.ctx.keys.incident(id),
      this.ctx.keys.timeline(id),
      actor,
      Math.round(now),
      TIMELINE_MAX_LEN,
      text.slice(0, 20_000),
      messageTs,
    );
    return res !== 0 && res !== '0';
  }

  /**
   * A note was edited (new text) or deleted (text undefined) in Slack: its timeline entry
   * is replaced by one saying so, so the record never keeps words their author took back.
   * False when the message was never recorded as a note, or this change was already seen.
   */
  async changeNote(
    id: string,
    actor: string,
    messageTs: string,
    change: { text: string; editedTs: string } | { deleted: true },
    now = Date.now(),
  ): Promise<boolean> {
    const edit = 'text' in change;
    const res = await this.ctx.redis.ftChangeNote(
      this.ctx.keys.incident(id),
      this.ctx.keys.timeline(id),
      actor,
      Math.round(now),
      TIMELINE_MAX_LEN,
      messageTs,
      edit ? 'edit' : 'delete',
      edit ? change.text.slice(0, 20_000) : '',
      edit ? change.editedTs : '',
    );
    return res !== 0 && res !== '0';
  }

  /**
   * True the first time it is called for an incident version: the caller attaches the
   * raw alert to the thread then, and repeated clicks do not attach it again.
   */
  async claimRawAttachment(id: string, version: number): Promise<boolean> {
    const key = this.ctx.keys.rawAttached(id);
    const res = await this.ctx.redis.multi().sadd(key, version).expire(key, 86_400).exec();
    return res?.[0]?.[1] === 1;
  }

  /** Gives the claim back when the upload failed, so the next click tries again. */
  async releaseRawAttachment(id: string, version: number): Promise<void> {
    await this.ctx.redis.srem(this.ctx.keys.rawAttached(id), version);
  }
}
