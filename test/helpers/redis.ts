import { randomUUID } from 'node:crypto';
import { createRedisClient, scanTargets, type RedisClient } from '../../src/redis-connection.js';

/** A single server (redis://) or the local test cluster (redis+cluster://, npm run test:cluster). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when the suite runs against a Redis Cluster. */
export const IS_CLUSTER = /^rediss?\+cluster:/.test(REDIS_URL);

/** A key prefix no other test uses. */
export function uniquePrefix(label = 'test'): string {
  return `ft-${label}-${randomUUID().slice(0, 8)}:`;
}

export function connect(): RedisClient {
  return createRedisClient(REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** Every key under the prefix (SCAN), from every master of a Cluster. */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const pattern = `${prefix.replace(/([*?[\]\\])/g, '\\$1')}*`;
  for (const node of await scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/**
 * Deletes every key under the prefix (SCAN, never KEYS, so a shared Redis is not blocked).
 * On a Cluster, SCAN sees one node's keys only, so every master is scanned.
 */
export async function deletePrefix(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  const pattern = `${prefix.replace(/([*?[\]\\])/g, '\\$1')}*`;
  for (const node of await scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // One UNLINK per key: on a Cluster a multi-key UNLINK must stay on one slot, and a
      // test may have written keys outside the bot's hash tag.
      if (keys.length) {
        const p = node.pipeline();
        for (const k of keys) p.unlink(k);
        for (const [err, n] of (await p.exec()) ?? []) if (!err) deleted += Number(n);
      }
    } while (cursor !== '0');
  }
  return deleted;
}
