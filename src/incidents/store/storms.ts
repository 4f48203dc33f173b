import { SubjectRefused, type RefusalReason } from '../errors.js';
import type { Incident } from '../model.js';
import { TIMELINE_MAX_LEN } from './context.js';
import { str } from './decode.js';
import { IncidentQueries } from './queries.js';

export type StormDimension = 'rule' | 'ns' | 'host';

/** One value of a dimension: how many incidents and alerts of the storm had it. */
export interface StormCount {
  /** The value as the alert had it ('' when absent); undefined for "all the others". */
  value: string | undefined;
  incidents: number;
  alerts: number;
}

/** A storm's digest as stored: exact counts, times, and its Slack message. */
export interface StormDigest {
  id: string;
  channel: string;
  status: 'open' | 'closed';
  startedAt: number;
  closedAt?: number;
  firstSeen?: number;
  lastSeen?: number;
  incidents: number;
  alerts: number;
  version: number;
  renderedVersion: number;
  renderedHash?: string;
  renderedAt?: number;
  ts?: string;
  postAttempted: boolean;
  postAttemptedAt?: number;
  threadCursor: string;
  /** Most incidents first. */
  byRule: StormCount[];
  byNs: StormCount[];
  byHost: StormCount[];
}

export interface StormEvent {
  id: string;
  kind: string;
  actor: string;
  at: number;
  detail: Record<string, string>;
}

const OTHER = '\0';

function counts(h: Record<string, string>): StormCount[] {
  const by = new Map<string, StormCount>();
  for (const [field, n] of Object.entries(h)) {
    const what = field.slice(0, 2);
    const raw = field.slice(2);
    const c = by.get(raw) ?? {
      value: raw === OTHER ? undefined : raw,
      incidents: 0,
      alerts: 0,
    };
    if (what === 'i:') c.incidents = Number(n);
    else if (what === 'a:') c.alerts = Number(n);
    by.set(raw, c);
  }
  return [...by.values()].sort(
    (a, b) =>
      Number(a.value === undefined) - Number(b.value === undefined) ||
      b.incidents - a.incidents ||
      b.alerts - a.alerts ||
      String(a.value).localeCompare(String(b.value)),
  );
}

const optNum = (v: string | undefined) =>
  v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v);

/** Storms: the digest the publisher renders, the members people open, the sweeper. */
export class StormStore extends IncidentQueries {
  async digest(id: string): Promise<StormDigest | undefined> {
    const { redis, keys } = this.ctx;
    const [h, rule, ns, host] = await Promise.all([
      redis.hgetall(keys.storm(id)),
      redis.hgetall(keys.stormCounts(id, 'rule')),
      redis.hgetall(keys.stormCounts(id, 'ns')),
      redis.hgetall(keys.stormCounts(id, 'host')),
    ]);
    if (!h.id) return undefined;
    return {
      id: h.id,
      channel: h.channel ?? '',
      status: h.status === 'closed' ? 'closed' : 'open',
      startedAt: Number(h.startedAt ?? 0),
      closedAt: optNum(h.closedAt),
      firstSeen: optNum(h.firstSeen),
      lastSeen: optNum(h.lastSeen),
      incidents: Number(h.incidents ?? 0),
      alerts: Number(h.alerts ?? 0),
      version: Number(h.version ?? 0),
      renderedVersion: Number(h.renderedVersion ?? 0),
      renderedHash: h.renderedHash || undefined,
      renderedAt: optNum(h.renderedAt),
      ts: h.ts || undefined,
      postAttempted: h.postAttempted === '1',
      postAttemptedAt: optNum(h.postAttemptedAt),
      threadCursor: h.threadCursor || '0-0',
      byRule: counts(rule),
      byNs: counts(ns),
      byHost: counts(host),
    };
  }

  /** The storm's incident ids in incident order, a page at a time. */
  memberIds(id: string, offset = 0, limit = 100): Promise<string[]> {
    return this.ctx.redis.zrange(
      this.ctx.keys.stormMembers(id),
      offset,
      String(offset + limit - 1),
    );
  }

  async memberCount(id: string): Promise<number> {
    return this.ctx.redis.zcard(this.ctx.keys.stormMembers(id));
  }

  async members(id: string, offset = 0, limit = 100): Promise<Incident[]> {
    const ids = await this.memberIds(id, offset, limit);
    return (await this.getMany(ids)).filter((i): i is Incident => i !== undefined);
  }

  /** Storm ids in progress. */
  openStorms(): Promise<string[]> {
    return this.ctx.redis.zrange(this.ctx.keys.openStorms, 0, '-1');
  }

  /** Closes the storms whose rate fell back; each is closed once across replicas. */
  sweep(now = Date.now()): Promise<string[]> {
    const { redis, keys, o } = this.ctx;
    return redis.ftSweepStorms(
      keys.openStorms,
      keys.outboxDue,
      keys.base,
      Math.round(now),
      o.stormThreshold,
      o.stormWindowMs,
      o.stormRetentionSec,
    );
  }

  /**
   * Opens a folded incident from its digest: its report is posted in the digest's thread.
   * 'posting', 'shown' (it has a message already) or 'missing'.
   */
  async show(incidentId: string, now = Date.now()): Promise<'posting' | 'shown' | 'missing'> {
    const { redis, keys } = this.ctx;
    const r = await redis.ftShowInStorm(
      keys.incident(incidentId),
      keys.outboxDue,
      incidentId,
      Math.round(now),
    );
    return r === 1 ? 'posting' : r === 2 ? 'shown' : 'missing';
  }

  /**
   * Applies a storm verb (ackall, assignall, resolveall) to every incident of the storm,
   * 500 at a time; returns how many changed and how many were refused (already done).
   */
  async act(
    id: string,
    action: 'ackall' | 'assignall' | 'resolveall',
    actor: string,
    args: readonly [string?, string?],
    now = Date.now(),
  ): Promise<{ changed: number; refused: number }> {
    const { redis, keys, o } = this.ctx;
    let cursor = '0';
    let changed = 0;
    let refused = 0;
    for (;;) {
      const reply = await redis.ftStormAction(
        keys.openByPriority,
        keys.resolvedByTime,
        keys.outboxDue,
        keys.outboxLeases,
        keys.base,
        id,
        action,
        actor,
        Math.round(now),
        o.resolvedRetentionSec,
        TIMELINE_MAX_LEN,
        args[0] ?? '',
        args[1] ?? '',
        cursor,
        500,
        changed,
        refused,
      );
      const code = Number(reply[0]);
      if (code === -1) throw new SubjectRefused('storm_gone', id);
      if (code === -2) throw new SubjectRefused(str(reply[1]) as RefusalReason, id);
      changed = Number(reply[2]);
      refused = Number(reply[3]);
      cursor = str(reply[1]);
      if (cursor === '') return { changed, refused };
    }
  }

  /** The storm's events after `after` (exclusive): what its thread has not shown yet. */
  async events(id: string, after = '0-0', limit = 50): Promise<StormEvent[]> {
    const raw = await this.ctx.redis.xrange(
      this.ctx.keys.stormTimeline(id),
      `(${after}`,
      '+',
      'COUNT',
      limit,
    );
    return raw.map(([entryId, fields]) => {
      const f: Record<string, string> = {};
      const detail: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const k = fields[i] ?? '';
        const v = fields[i + 1] ?? '';
        if (k.startsWith('d:')) detail[k.slice(2)] = v;
        else f[k] = v;
      }
      return {
        id: entryId,
        kind: f.kind ?? '',
        actor: f.actor ?? '',
        at: Number(f.at ?? 0),
        detail,
      };
    });
  }
}
