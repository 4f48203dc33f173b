import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';

/**
 * Display names for thread lines such as "alice acknowledged": naming the actor
 * without an @-mention, which would ping them about their own click.
 */
export class UserDirectory {
  private readonly cache = new Map<string, { name: string; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly ttlMs = 60 * 60_000,
  ) {}

  async displayName(userId: string): Promise<string> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > Date.now()) return hit.name;
    try {
      const res = await this.client.users.info({ user: userId });
      const u = res.user;
      const name = u?.profile?.display_name || u?.real_name || u?.name || userId;
      this.cache.set(userId, { name, until: Date.now() + this.ttlMs });
      return name;
    } catch (err) {
      this.log.debug({ err, userId }, 'users.info failed; showing the user id');
      return userId;
    }
  }
}
