import type { TimelineEntry } from '../../../../incidents/model.js';
import type { UserDirectory } from '../../../user-directory.js';

/** People named at most per answer: name lookups happen before the ack, inside Slack's 3 s. */
const MAX_NAMES = 30;

/** Display names for the people in these entries; past 30 people the rest show as user ids. */
export async function names(
  users: UserDirectory,
  entries: TimelineEntry[],
): Promise<(u: string) => string> {
  const ids = [...new Set(entries.flatMap((e) => [e.actor, e.detail.assignee ?? '']))]
    .filter((u) => u && u !== 'falco')
    .slice(0, MAX_NAMES);
  const map = new Map(
    await Promise.all(ids.map(async (u) => [u, await users.displayName(u)] as const)),
  );
  return (u) => map.get(u) ?? u;
}
