import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';

/**
 * Who may change incident state: the users and the members of the user groups in
 * CONFIG_FILE's `permissions`. With both lists empty, everyone in the channel may.
 */
export class Permissions {
  private groupMembers?: { users: Set<string>; until: number };

  constructor(
    private readonly client: WebClient,
    private readonly users: readonly string[],
    private readonly usergroups: readonly string[],
    private readonly log: Logger,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  get restricted(): boolean {
    return this.users.length > 0 || this.usergroups.length > 0;
  }

  async mayAct(userId: string): Promise<boolean> {
    if (!this.restricted) return true;
    if (this.users.includes(userId)) return true;
    if (this.usergroups.length === 0) return false;
    return (await this.members()).has(userId);
  }

  private async members(): Promise<Set<string>> {
    if (this.groupMembers && this.groupMembers.until > Date.now()) return this.groupMembers.users;
    const users = new Set<string>();
    for (const usergroup of this.usergroups) {
      try {
        const res = await this.client.usergroups.users.list({ usergroup });
        for (const u of res.users ?? []) users.add(u);
      } catch (err) {
        // Failing closed: a group we cannot read grants nothing.
        this.log.error(
          { err, usergroup },
          'cannot read user group members (usergroups:read scope?)',
        );
      }
    }
    this.groupMembers = { users, until: Date.now() + this.ttlMs };
    return users;
  }
}
