/**
 * A publisher and an incident store on a clock the test moves, against the Slack
 * emulator and a real Redis: what is due at an instant is written by `drain()`, what
 * waits for a later posting slot is not, so time-based behaviour is tested without
 * sleeping or depending on the machine's speed.
 */
import type { TestContext } from 'node:test';
import { WebClient } from '@slack/web-api';
import type { RedisClient } from '../../src/redis-connection.js';
import { createGuidanceLibrary, type GuidanceLibrary } from '../../src/guidance/guidance.js';
import { Keys } from '../../src/incidents/keys.js';
import { IncidentStore, type StoreOptions } from '../../src/incidents/store.js';
import { createLogger } from '../../src/logger.js';
import { createBotMetrics } from '../../src/metrics.js';
import { createRenderer } from '../../src/report/render.js';
import { Publisher } from '../../src/slack/publisher.js';
import { UserDirectory } from '../../src/slack/user-directory.js';
import { deletePrefix, uniquePrefix } from './redis.js';
import type { SlackEmulator } from './slack-emulator.js';

let guidance: GuidanceLibrary | undefined;

export interface Clock {
  now: () => number;
  set: (ms: number) => void;
}

export function manualClock(start: number): Clock {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms) };
}

export interface Harness {
  keys: Keys;
  store: IncidentStore;
  clock: Clock;
  /** A publisher (a replica); `replica()` makes another on the same Redis and clock. */
  publisher: Publisher;
  replica: () => Publisher;
  /** Moves the clock forward in steps, writing what is due at each. */
  advance: (ms: number, stepMs?: number) => Promise<void>;
}

export function publisherHarness(
  t: TestContext,
  redis: RedisClient,
  emu: SlackEmulator,
  opts: { start: number; store?: StoreOptions; channelIntervalMs?: number; leaseMs?: number },
): Harness {
  const prefix = uniquePrefix('pub');
  const keys = new Keys(prefix);
  const store = new IncidentStore(redis, keys, opts.store);
  const clock = manualClock(opts.start);
  guidance ??= createGuidanceLibrary();
  const renderer = createRenderer({ guidance, now: clock.now });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });
  const replica = () => {
    const client = new WebClient(emu.token, {
      slackApiUrl: emu.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    return new Publisher({
      store: store.outbox,
      client,
      render: renderer.render,
      renderFallback: renderer.renderFallback,
      threadLine: renderer.threadLine,
      storms: store.storms,
      silences: store.silences,
      renderStorm: renderer.renderStorm,
      stormLine: renderer.stormLine,
      stormUpdateMs: opts.store?.stormUpdateMs ?? 15_000,
      renderSilence: renderer.renderSilence,
      silenceEndLine: renderer.silenceEndLine,
      users: new UserDirectory(client, log),
      log,
      metrics: createBotMetrics(),
      channelIntervalMs: opts.channelIntervalMs ?? 1000,
      leaseMs: opts.leaseMs,
      now: clock.now,
    });
  };
  const publisher = replica();
  t.after(async () => {
    await deletePrefix(redis, prefix);
  });
  return {
    keys,
    store,
    clock,
    publisher,
    replica,
    async advance(ms, stepMs = 250) {
      const end = clock.now() + ms;
      await publisher.drain();
      while (clock.now() < end) {
        clock.set(Math.min(end, clock.now() + stepMs));
        await publisher.drain();
      }
    },
  };
}
