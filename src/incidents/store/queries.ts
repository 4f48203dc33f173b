import { priorityRank, type Priority } from '../../alert.js';
import type { Incident, TimelineEntry } from '../model.js';
import type { StoreContext } from './context.js';
import { decodeIncident, decodeTimelineEntry, present } from './decode.js';

/** Reads every consumer needs; plain Redis commands, no scripts. */
export class IncidentQueries {
  constructor(protected readonly ctx: StoreContext) {}

  async get(id: string): Promise<Incident | undefined> {
    const h = await this.ctx.redis.hgetall(this.ctx.keys.incident(id));
    return Object.keys(h).length ? decodeIncident(h) : undefined;
  }

  /** Same order as `ids`; undefined where an incident does not exist. */
  async getMany(ids: string[]): Promise<(Incident | undefined)[]> {
    if (ids.length === 0) return [];
    const p = this.ctx.redis.pipeline();
    for (const id of ids) p.hgetall(this.ctx.keys.incident(id));
    const results = (await p.exec()) ?? [];
    return ids.map((_, i) => {
      const [err, h] = results[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const hash = h as Record<string, string>;
      return Object.keys(hash).length ? decodeIncident(hash) : undefined;
    });
  }

  /** Unresolved incidents, most severe first, oldest first within a priority. */
  async listOpen(
    opts: { limit?: number; offset?: number; minPriority?: Priority } = {},
  ): Promise<Incident[]> {
    const max = opts.minPriority ? `(${(priorityRank(opts.minPriority) + 1) * 1e13}` : '+inf';
    const ids = await this.ctx.redis.zrangebyscore(
      this.ctx.keys.openByPriority,
      '-inf',
      max,
      'LIMIT',
      opts.offset ?? 0,
      opts.limit ?? 50,
    );
    return present(await this.getMany(ids));
  }

  /** A person's unresolved incidents, oldest first. */
  async listByAssignee(user: string, opts: { limit?: number } = {}): Promise<Incident[]> {
    const ids = await this.ctx.redis.zrange(
      this.ctx.keys.byAssignee(user),
      0,
      String((opts.limit ?? 100) - 1),
    );
    return present(await this.getMany(ids));
  }

  /** A rule's incidents in any state, most recently seen first. */
  async listByRule(rule: string, opts: { limit?: number } = {}): Promise<Incident[]> {
    const ids = await this.ctx.redis.zrevrange(
      this.ctx.keys.byRule(rule),
      0,
      (opts.limit ?? 100) - 1,
    );
    return present(await this.getMany(ids));
  }

  /** Timeline entries in order; `after` is exclusive (a thread cursor). */
  async timeline(
    id: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<TimelineEntry[]> {
    const start = opts.after ? `(${opts.after}` : '-';
    const raw = await this.ctx.redis.xrange(
      this.ctx.keys.timeline(id),
      start,
      '+',
      'COUNT',
      opts.limit ?? 100,
    );
    return raw.map(([entryId, fields]) => decodeTimelineEntry(entryId, fields));
  }

  /** The id of the incident's newest timeline entry, if it has any. */
  async lastTimelineEntryId(id: string): Promise<string | undefined> {
    const raw = await this.ctx.redis.xrevrange(this.ctx.keys.timeline(id), '+', '-', 'COUNT', 1);
    return raw[0]?.[0];
  }

  /** The incident whose Slack message (or thread) this is. */
  async findByMessage(channel: string, ts: string): Promise<string | undefined> {
    return (await this.ctx.redis.hget(this.ctx.keys.messageIndex, `${channel}:${ts}`)) ?? undefined;
  }
}
