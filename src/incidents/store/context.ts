import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { defineIncidentCommands } from '../scripts.js';

export interface StoreOptions {
  /** How long an event id is remembered, so a replayed alert is counted once. */
  dedupeTtlSec?: number;
  /** A new occurrence this soon after resolution reopens the incident; later ones open a new one. */
  reopenWindowSec?: number;
  /** How long a resolved incident and its timeline are kept. */
  resolvedRetentionSec?: number;
  /** Minimum gap between two Slack updates of one incident caused by occurrences. */
  coalesceMs?: number;
  /** Human id prefix: FT-1, FT-2... */
  idPrefix?: string;
}

const DEFAULTS: Required<StoreOptions> = {
  dedupeTtlSec: 7 * 24 * 3600,
  reopenWindowSec: 24 * 3600,
  resolvedRetentionSec: 30 * 24 * 3600,
  coalesceMs: 5000,
  idPrefix: 'FT',
};

/** Approximate cap on a timeline; bursts are coalesced, so this is hours of continuous firing. */
export const TIMELINE_MAX_LEN = 10_000;

/** What every part of the store shares: one connection, the key builder, the options. */
export interface StoreContext {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly o: Readonly<Required<StoreOptions>>;
}

export function storeContext(redis: Redis, keys: Keys, opts: StoreOptions = {}): StoreContext {
  defineIncidentCommands(redis);
  const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { redis, keys, o: Object.freeze({ ...DEFAULTS, ...set }) };
}
