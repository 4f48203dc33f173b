import { SubjectRefused, type RefusalReason } from '../errors.js';
import { eventTag } from '../fingerprint.js';
import type { StoreContext } from './context.js';
import { ENDED_SILENCE_KEEP_SEC } from './context.js';
import { str } from './decode.js';

/** A silence as stored. */
export interface Silence {
  id: string;
  channel: string;
  /** Field -> pattern (`*` matches any run of characters); `rule` is the rule name. */
  matchers: Record<string, string>;
  endsAt: number;
  reason: string;
  /** A description of what it matches, for people. */
  what: string;
  createdBy: string;
  createdAt: number;
  /** Alerts it swallowed. */
  count: number;
  status: 'active' | 'ended';
  endedAt?: number;
  /** Who ended it ('falco' when it expired). */
  endedBy?: string;
  ts?: string;
  version: number;
  renderedVersion: number;
  renderedHash?: string;
  postAttempted: boolean;
  postAttemptedAt?: number;
  /** The end was announced in the channel. */
  endPosted: boolean;
  endAttemptedAt?: number;
}

export interface NewSilence {
  channel: string;
  matchers: Record<string, string>;
  durationMs: number;
  reason: string;
  what: string;
  actor: string;
  now?: number;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export function decodeSilence(h: Record<string, string>): Silence | undefined {
  if (!h.id) return undefined;
  let matchers: Record<string, string> = {};
  try {
    const m = JSON.parse(h.matchers ?? '{}') as unknown;
    if (m && typeof m === 'object') matchers = m as Record<string, string>;
  } catch {
    matchers = {};
  }
  return {
    id: h.id,
    channel: h.channel ?? '',
    matchers,
    endsAt: Number(h.endsAt ?? 0),
    reason: h.reason ?? '',
    what: h.what ?? '',
    createdBy: h.createdBy ?? '',
    createdAt: Number(h.createdAt ?? 0),
    count: Number(h.count ?? 0),
    status: h.status === 'ended' ? 'ended' : 'active',
    endedAt: num(h.endedAt),
    endedBy: h.endedBy || undefined,
    ts: h.ts || undefined,
    version: Number(h.version ?? 0),
    renderedVersion: Number(h.renderedVersion ?? 0),
    renderedHash: h.renderedHash || undefined,
    postAttempted: h.postAttempted === '1',
    postAttemptedAt: num(h.postAttemptedAt),
    endPosted: h.endPosted === '1',
    endAttemptedAt: num(h.endAttemptedAt),
  };
}

/**
 * Silences in Redis: created and ended by people (the Slack listeners), ended by time
 * (every replica's sweeper; each ends once), matched alerts counted instead of recorded
 * (the engine), and announced through the outbox (the publisher).
 */
export class SilenceStore {
  constructor(private readonly ctx: StoreContext) {}

  async mute(s: NewSilence): Promise<Silence> {
    const { redis, keys, o } = this.ctx;
    const now = s.now ?? Date.now();
    if (!(s.durationMs > 0) || s.durationMs > o.silenceMaxDurationMs)
      throw new SubjectRefused(
        'bad_silence',
        'MUTE-0',
        `at most ${Math.round(o.silenceMaxDurationMs / 3_600_000)} hours`,
      );
    const reply = await redis.ftSilence(
      keys.activeSilences,
      keys.silenceSeq,
      keys.outboxDue,
      keys.base,
      'mute',
      Math.round(now),
      s.actor,
      s.channel,
      JSON.stringify(s.matchers),
      Math.round(now + s.durationMs),
      s.reason.slice(0, 500),
      s.what.slice(0, 500),
      o.silenceMaxActive,
      ENDED_SILENCE_KEEP_SEC,
    );
    if (Number(reply[0]) !== 0)
      throw new SubjectRefused(str(reply[1]) as RefusalReason, 'MUTE-0', str(reply[2]));
    const created = await this.get(str(reply[1]));
    if (!created) throw new SubjectRefused('not_muted', str(reply[1]));
    return created;
  }

  /** Ends a silence now; its end is announced with what it swallowed. */
  async unmute(id: string, actor: string, now = Date.now()): Promise<Silence> {
    const { redis, keys } = this.ctx;
    const reply = await redis.ftSilence(
      keys.activeSilences,
      keys.silenceSeq,
      keys.outboxDue,
      keys.base,
      'unmute',
      Math.round(now),
      actor,
      id,
      ENDED_SILENCE_KEEP_SEC,
    );
    if (Number(reply[0]) !== 0) throw new SubjectRefused('not_muted', id);
    const ended = await this.get(id);
    if (!ended) throw new SubjectRefused('not_muted', id);
    return ended;
  }

  /** Ends the silences whose time is up; returns the ones this call ended (each once). */
  async expire(now = Date.now()): Promise<string[]> {
    const { redis, keys } = this.ctx;
    const reply = await redis.ftSilence(
      keys.activeSilences,
      keys.silenceSeq,
      keys.outboxDue,
      keys.base,
      'expire',
      Math.round(now),
      'falco',
      ENDED_SILENCE_KEEP_SEC,
      500,
    );
    return reply.slice(1).map(str);
  }

  /** Counts the alert on the silence: 'swallowed', 'duplicate', or 'inactive' (record it). */
  async swallow(
    silenceId: string,
    fingerprint: string,
    eventId: string,
    now = Date.now(),
  ): Promise<'swallowed' | 'duplicate' | 'inactive'> {
    const { redis, keys, o } = this.ctx;
    const r = await redis.ftSwallow(
      keys.dedupe(fingerprint),
      keys.activeSilences,
      keys.base,
      silenceId,
      Math.round(now),
      o.dedupeWindowSec * 1000,
      eventTag(eventId),
      o.dedupeMaxPerFingerprint,
    );
    return r === 1 ? 'swallowed' : r === 2 ? 'duplicate' : 'inactive';
  }

  async get(id: string): Promise<Silence | undefined> {
    return decodeSilence(await this.ctx.redis.hgetall(this.ctx.keys.silence(id)));
  }

  /** Silences active at `now`, soonest to end first. */
  async active(now = Date.now()): Promise<Silence[]> {
    const { redis, keys } = this.ctx;
    const ids = await redis.zrangebyscore(keys.activeSilences, `(${Math.round(now)}`, '+inf');
    if (ids.length === 0) return [];
    const p = redis.pipeline();
    for (const id of ids) p.hgetall(keys.silence(id));
    const res = (await p.exec()) ?? [];
    return res
      .map(([, h]) => decodeSilence((h ?? {}) as Record<string, string>))
      .filter((s): s is Silence => s !== undefined);
  }

  /** The end was announced (or found announced): never again. */
  async markEndPosted(id: string): Promise<void> {
    await this.ctx.redis.hset(this.ctx.keys.silence(id), 'endPosted', '1');
  }

  /** Before posting the end: if that post fails ambiguously, the next attempt looks first. */
  async markEndAttempted(id: string, now = Date.now()): Promise<void> {
    await this.ctx.redis.hsetnx(
      this.ctx.keys.silence(id),
      'endAttemptedAt',
      String(Math.round(now)),
    );
  }
}
