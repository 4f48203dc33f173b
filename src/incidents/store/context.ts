import type { RedisClient } from '../../redis-connection.js';
import type { Keys } from '../keys.js';
import { defineIncidentCommands } from '../scripts.js';

export interface StoreOptions {
  /** How long an event is remembered, so a retried or multiply-reported alert is counted once. */
  dedupeWindowSec?: number;
  /** Most events remembered per fingerprint (the newest); bounds dedupe memory by count. */
  dedupeMaxPerFingerprint?: number;
  /** A new occurrence this soon after resolution reopens the incident; later ones open a new one. */
  reopenWindowSec?: number;
  /** How long a resolved incident and its timeline are kept. */
  resolvedRetentionSec?: number;
  /** Minimum gap between two Slack updates of one incident caused by occurrences. */
  coalesceMs?: number;
  /** Human id prefix: FT-1, FT-2... */
  idPrefix?: string;
  /** More new incidents than this in a channel within stormWindowMs is a storm; 0 turns storms off. */
  stormThreshold?: number;
  stormWindowMs?: number;
  /** New incidents of this priority rank or lower (4 = Warning) are folded into a storm's digest. */
  stormFoldRank?: number;
  /** At most one digest update per this many ms. */
  stormUpdateMs?: number;
  /** Distinct rules, namespaces and hosts counted by name per digest; the rest as "others". */
  stormDimensionCap?: number;
  /** How long a closed storm's digest (counts, members) is kept. */
  stormRetentionSec?: number;
  /** Silences active at once, at most. */
  silenceMaxActive?: number;
  /** The longest silence (ms). */
  silenceMaxDurationMs?: number;
}

const DEFAULTS: Required<StoreOptions> = {
  dedupeWindowSec: 3600,
  dedupeMaxPerFingerprint: 128,
  reopenWindowSec: 24 * 3600,
  resolvedRetentionSec: 30 * 24 * 3600,
  coalesceMs: 5000,
  idPrefix: 'FT',
  stormThreshold: 10,
  stormWindowMs: 60_000,
  stormFoldRank: 4,
  stormUpdateMs: 15_000,
  stormDimensionCap: 200,
  stormRetentionSec: 7 * 24 * 3600,
  silenceMaxActive: 200,
  silenceMaxDurationMs: 7 * 24 * 3600 * 1000,
};

/** How long an ended silence is kept (for its end notice and `/falco mutes`). */
export const ENDED_SILENCE_KEEP_SEC = 7 * 24 * 3600;

/** Approximate cap on a timeline; bursts are coalesced, so this is hours of continuous firing. */
export const TIMELINE_MAX_LEN = 10_000;

/** What every part of the store shares: one connection, the key builder, the options. */
export interface StoreContext {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly o: Readonly<Required<StoreOptions>>;
}

export function storeContext(
  redis: RedisClient,
  keys: Keys,
  opts: StoreOptions = {},
): StoreContext {
  defineIncidentCommands(redis);
  const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { redis, keys, o: Object.freeze({ ...DEFAULTS, ...set }) };
}
