import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';

/** users.list pages read to find a plain `@name` (200 people each): 2,000 people at most. */
const MAX_DIRECTORY_PAGES = 10;
const DIRECTORY_TTL_MS = 10 * 60_000;
/** Display names kept; the oldest goes first. */
const MAX_CACHED_NAMES = 5_000;

const MENTION = /^<@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?>$/;
const PLAIN = /^@([\p{L}\p{N}._-]{1,80})$/u;

/**
 * People in the workspace: display names for thread lines such as "alice acknowledged"
 * (naming the actor without an @-mention, which would ping them about their own click),
 * and the user id behind `@name` as people type it.
 */
export class UserDirectory {
  private readonly cache = new Map<string, { name: string; until: number }>();
  private byName?: { ids: Map<string, string | null>; until: number };

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly ttlMs = 60 * 60_000,
  ) {}

  /**
   * `via` wraps the users.info call, so a caller can pace and count it with its own
   * Slack calls (the publisher does).
   */
  async displayName(
    userId: string,
    via: <T>(lookup: () => Promise<T>) => Promise<T> = (lookup) => lookup(),
  ): Promise<string> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > Date.now()) return hit.name;
    try {
      const res = await via(() => this.client.users.info({ user: userId }));
      const u = res.user;
      const name = u?.profile?.display_name || u?.real_name || u?.name || userId;
      this.cache.delete(userId);
      this.cache.set(userId, { name, until: Date.now() + this.ttlMs });
      if (this.cache.size > MAX_CACHED_NAMES) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      return name;
    } catch (err) {
      this.log.debug({ err, userId }, 'users.info failed; showing the user id');
      return userId;
    }
  }

  /**
   * The user a typed word names: `<@U123>` or `<@U123|alice>` (Slack's escaped form), or
   * a plain `@alice` (what a slash command with should_escape: false receives), matched
   * against usernames and display names. Undefined when nobody, or more than one person,
   * has that name.
   */
  async userIdFor(word: string): Promise<string | undefined> {
    const mention = MENTION.exec(word);
    if (mention) return mention[1];
    const plain = PLAIN.exec(word);
    if (!plain?.[1]) return undefined;
    return (await this.names()).get(plain[1].toLowerCase()) ?? undefined;
  }

  private async names(): Promise<Map<string, string | null>> {
    if (this.byName && this.byName.until > Date.now()) return this.byName.ids;
    const ids = new Map<string, string | null>();
    let failed = false;
    const add = (name: string | undefined, id: string) => {
      if (!name) return;
      const key = name.toLowerCase();
      const known = ids.get(key);
      // Two people with one name: neither is guessed.
      ids.set(key, known === undefined || known === id ? id : null);
    };
    try {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_DIRECTORY_PAGES; page++) {
        const res = await this.client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
        for (const m of res.members ?? []) {
          if (!m.id || m.deleted) continue;
          add(m.name, m.id);
          add(m.profile?.display_name, m.id);
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
    } catch (err) {
      this.log.warn({ err }, 'users.list failed; @names cannot be resolved (users:read scope?)');
      failed = true;
    }
    this.byName = { ids, until: Date.now() + (failed ? 30_000 : DIRECTORY_TTL_MS) };
    return ids;
  }
}
