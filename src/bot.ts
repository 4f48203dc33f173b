import type { Server } from 'node:http';
import bolt from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Config } from './config.js';
import { RefusalLog } from './http/refusal-log.js';
import { createHttpServer, listen } from './http/server.js';
import { guardSlackRequests } from './http/slack-request-guard.js';
import { AlertQueue } from './ingest/alert-queue.js';
import type { ReadGate } from './ingest/read-gate.js';
import { createIngestHandler } from './ingest/ingest-route.js';
import { RedisHealth } from './ingest/redis-health.js';
import { Spool } from './ingest/spool.js';
import { SpoolDrainer } from './ingest/spool-drainer.js';
import { StreamCap } from './ingest/stream-cap.js';
import { IncidentEngine } from './incidents/engine.js';
import { Keys } from './incidents/keys.js';
import { IncidentStore } from './incidents/store.js';
import { RetentionTimer } from './incidents/retention-timer.js';
import { Sweeper } from './incidents/sweeper.js';
import { slackLogger, type Logger } from './logger.js';
import {
  collectProcessMetrics,
  countingFetch,
  createBotMetrics,
  registerRedisGauges,
  renderMetrics,
  type BotMetrics,
  type ChildMetrics,
} from './metrics.js';
import { createGuidanceLibrary } from './guidance/guidance.js';
import { createRenderer } from './report/render.js';
import { registerListeners } from './slack/listeners/index.js';
import { Permissions } from './slack/permissions.js';
import { checkBotToken, retryBotToken } from './slack/bot-identity.js';
import { Publisher } from './slack/publisher.js';
import { UserDirectory } from './slack/user-directory.js';
import { routeAlert } from './routing.js';
import {
  createRedisClient,
  parseRedisUrl,
  redactRedisUrl,
  type RedisClient,
} from './redis-connection.js';

const { App, HTTPReceiver, SocketModeReceiver } = bolt;

export interface Bot {
  /** The port of /slack/events (and, without INTERNAL_PORT, of everything); 0 without HTTP. */
  port: number;
  /** The port of /falco and /metrics when INTERNAL_PORT separates them. */
  internalPort?: number;
  server?: Server;
  store: IncidentStore;
  queue: AlertQueue;
  engine: IncidentEngine;
  publisher: Publisher;
  sweeper: Sweeper;
  retentionTimer: RetentionTimer;
  metrics: BotMetrics;
  keys: Keys;
  redis: RedisClient;
  /** Ingest only: undefined elsewhere, and with SPOOL_MAX_BYTES=0. */
  spool?: Spool;
  spoolDrainer?: SpoolDrainer;
  streamCap?: StreamCap;
  stop(): Promise<void>;
}

export interface BotOptions {
  /** Tuning for tests: how long before another worker takes over a stalled entry, etc. */
  claimIdleMs?: number;
  leaseMs?: number;
  pollMs?: number;
  /** false: no HTTP listener (an engine/publisher child whose parent serves the probes). */
  http?: boolean;
  /** Metrics of child processes, merged into this process's /metrics. */
  childMetrics?: () => Promise<ChildMetrics[]>;
  /** Extra readiness condition (the default layout: the engine child is alive). */
  ready?: () => boolean;
  /** The engine waits here before each read while ingest is busy (the default layout). */
  readGate?: ReadGate;
  /** The clock of storms, silences and the outbox (tests move it themselves). */
  now?: () => number;
  /** A token Slack refuses after an unreachable start (default: log and exit 78). */
  onFatal?: (err: Error) => void;
  /** The clock signed Slack requests are checked against (tests of the replay window). */
  slackClock?: () => number;
}

/**
 * Wires one bot instance: Redis connections, the incident store, the HTTP port
 * (Slack + alerts + probes), the stream worker and the Slack publisher. main.ts
 * calls this with the real configuration; tests call it with theirs.
 */
export async function startBot(
  config: Readonly<Config>,
  log: Logger,
  opts: BotOptions = {},
): Promise<Bot> {
  const keys = new Keys(config.redis.keyPrefix);
  // Commands fail fast while Redis is away (the alert endpoint answers 503 and the
  // sender retries) instead of piling up in ioredis's offline queue.
  const redis = createRedisClient(config.redis.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    // Concurrent requests and the worker's parallel scripts go out as one pipeline per tick.
    enableAutoPipelining: true,
  });
  const blockingRedis = createRedisClient(config.redis.url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    // A Cluster client keeps a command sent after disconnect() queued forever (a single
    // server's client rejects it), which would hang engine.stop(); without the queue it
    // fails at once, and while the cluster is away the engine's back-off retries.
    ...(parseRedisUrl(config.redis.url).kind === 'cluster' && { enableOfflineQueue: false }),
  });
  redis.on('error', (err) => log.warn({ err, module: 'redis' }, 'Redis connection error'));
  blockingRedis.on('error', (err) => log.warn({ err, module: 'redis' }, 'Redis connection error'));
  try {
    await redis.connect();
    await blockingRedis.connect();
  } catch (err) {
    redis.disconnect();
    blockingRedis.disconnect();
    throw new Error(
      `Cannot connect to Redis at ${redactRedisUrl(config.redis.url)}: ${(err as Error).message}. Is it running? Set REDIS_URL.`,
      { cause: err },
    );
  }

  const roles = new Set(config.roles);
  const serveHttp = opts.http !== false;
  const metrics = createBotMetrics();
  collectProcessMetrics(metrics);
  if (serveHttp) registerRedisGauges(metrics, redis, keys);
  metrics.spoolDepth.set(0);
  const store = new IncidentStore(redis, keys, {
    coalesceMs: config.incidents.coalesceMs,
    dedupeWindowSec: config.incidents.dedupeWindowSec,
    dedupeMaxPerFingerprint: config.incidents.dedupeMaxPerFingerprint,
    reopenWindowSec: config.incidents.reopenWindowSec,
    resolvedRetentionSec: config.incidents.resolvedRetentionSec,
    stormThreshold: config.storms.threshold,
    stormWindowMs: config.storms.windowMs,
    stormFoldRank: config.storms.foldRank,
    stormUpdateMs: config.storms.updateMs,
    stormRetentionSec: config.storms.retentionSec,
    silenceMaxActive: config.silences.maxActive,
    silenceMaxDurationMs: config.silences.maxDurationMs,
  });
  const gate = opts.readGate;
  if (gate)
    gate.onDeferred = (seconds) => {
      metrics.engineDeferrals.inc();
      metrics.engineDeferredSeconds.inc({}, seconds);
    };
  const queue = new AlertQueue(redis, keys, gate && (() => gate.wait()));
  await queue.ensureGroup();

  // Ingest's side of outages: a spool on disk while Redis cannot take alerts, and a cap
  // on the stream while the engine cannot keep up (src/ingest/ingest-route.ts).
  const timeoutMs = config.ingest.redisTimeoutMs;
  let drainer: SpoolDrainer | undefined;
  const health = new RedisHealth(redis, timeoutMs, log.child({ module: 'ingest' }), () =>
    drainer?.wake(),
  );
  let cap: StreamCap | undefined;
  let spool: Spool | undefined;
  if (roles.has('ingest')) {
    cap = new StreamCap(queue, config.ingest.streamMaxLen, timeoutMs);
    await cap.start();
    if (config.ingest.spool.maxBytes > 0) {
      try {
        spool = await Spool.open({
          dir: config.ingest.spool.dir,
          maxBytes: config.ingest.spool.maxBytes,
          log: log.child({ module: 'spool' }),
          onDepth: (d) => {
            metrics.spoolDepth.set(d.alerts);
            metrics.spoolBytes.set(d.bytes);
          },
        });
      } catch (err) {
        cap.stop();
        redis.disconnect();
        blockingRedis.disconnect();
        throw new Error(
          `Cannot use the spool directory (SPOOL_DIR ${config.ingest.spool.dir}): ${(err as Error).message}`,
          { cause: err },
        );
      }
      drainer = new SpoolDrainer({
        spool,
        queue,
        health,
        cap,
        timeoutMs,
        log: log.child({ module: 'spool' }),
        onDrained: (n) => {
          metrics.alertsUnspooled.inc({}, n);
          metrics.alertsEnqueued.inc({}, n);
        },
      });
      // Leftovers of a previous run go first, before anything new is accepted.
      drainer.start();
    }
  }

  const slackClientOptions = {
    slackApiUrl: config.slack.apiUrl,
    logger: slackLogger(log),
    // Every Slack client (publisher, listeners, Socket Mode) counts its calls here.
    fetch: countingFetch(metrics, config.slack.apiUrl),
  };
  // The publisher handles 429s itself (per channel, shared through Redis), so this
  // client must hand them back instead of sleeping inside the call.
  const publisherClient = new WebClient(config.slack.botToken, {
    ...slackClientOptions,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
  });
  const users = new UserDirectory(publisherClient, log);
  const guidance = createGuidanceLibrary();
  const renderer = createRenderer({
    guidance,
    now: opts.now,
    stormFoldRank: config.storms.foldRank,
  });

  const publisher = new Publisher({
    store: store.outbox,
    client: publisherClient,
    render: renderer.render,
    renderFallback: renderer.renderFallback,
    threadLine: renderer.threadLine,
    storms: store.storms,
    silences: store.silences,
    renderStorm: renderer.renderStorm,
    stormLine: renderer.stormLine,
    stormUpdateMs: config.storms.updateMs,
    renderSilence: renderer.renderSilence,
    silenceEndLine: renderer.silenceEndLine,
    users,
    log,
    metrics,
    channelIntervalMs: config.incidents.channelPostIntervalMs,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    now: opts.now,
  });
  const sweeper = new Sweeper({
    storms: store.storms,
    silences: store.silences,
    log,
    onEnded: () => publisher.wake(),
    now: opts.now,
  });
  const retentionTimer = new RetentionTimer({
    retention: store.retention,
    log,
    intervalMs: config.incidents.retentionIntervalSec * 1000,
    now: opts.now,
  });
  const engine = new IncidentEngine({
    queue,
    store: store.occurrences,
    silences: store.silences,
    blockingRedis,
    grouping: config.file.grouping,
    channelFor: (alert) => routeAlert(alert, config.file.routes, config.slack.defaultChannel),
    log,
    metrics,
    onRecorded: () => publisher.wake(),
    claimIdleMs: opts.claimIdleMs,
    now: opts.now,
  });

  // Before anything claims to run: a token Slack refuses stops the bot here with one
  // clear line (BotTokenError); Slack unreachable does not stop ingest (see /readyz).
  // Checked where Slack's requests arrive (the ingest role; in the default layout the
  // parent, which stops the engine child when it stops).
  const needsSlack = roles.has('ingest');
  const identity = needsSlack
    ? await checkBotToken(config.slack.botToken, slackClientOptions).catch((err: unknown) => {
        redis.disconnect();
        blockingRedis.disconnect();
        throw err;
      })
    : undefined;
  let tokenRetry: { stop(): void } | undefined;
  if (identity && !identity.reachable) {
    log.warn(
      { error: identity.error },
      'Slack is unreachable at start: alerts are still accepted into Redis and posted once Slack answers; retrying auth.test with backoff',
    );
    tokenRetry = retryBotToken(
      config.slack.botToken,
      slackClientOptions,
      log,
      opts.onFatal ??
        ((err) => {
          log.fatal(err.message);
          process.exit(78);
        }),
    );
  }

  const socketMode = Boolean(config.slack.appToken);
  const receiver = socketMode
    ? new SocketModeReceiver({
        appToken: config.slack.appToken!,
        logger: slackLogger(log),
        // Without this the Socket Mode client would open its connection at slack.com
        // whatever SLACK_API_URL says (proxies, the tests' emulator).
        installerOptions: { clientOptions: slackClientOptions },
      })
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret,
        logger: slackLogger(log),
        // Acks go out as soon as a listener calls ack(), well inside Slack's 3 s.
        processBeforeResponse: false,
      });
  const app = new App({
    token: config.slack.botToken,
    // Bolt's own auth.test runs unawaited in its constructor and crashes the process
    // with a stack trace on a wrong token; ours above already ran. With its answer Bolt
    // needs no call; without (Slack was unreachable) Bolt asks when a request comes.
    tokenVerificationEnabled: false,
    ...(identity?.reachable ? { botId: identity.botId, botUserId: identity.botUserId } : {}),
    receiver,
    logger: slackLogger(log),
    clientOptions: slackClientOptions,
  });
  const permissions = new Permissions(
    app.client,
    config.file.permissions.users,
    config.file.permissions.usergroups,
    log,
  );
  registerListeners(app, {
    store: store.triage,
    storms: store.storms,
    silences: store.silences,
    publisher,
    users,
    renderer,
    guidance,
    permissions,
    config,
    log,
    now: opts.now ?? Date.now,
  });
  app.error((err) => {
    log.error({ err, module: 'bolt' }, 'unhandled error in a Slack listener');
    return Promise.resolve();
  });

  const ingest = roles.has('ingest')
    ? createIngestHandler({
        queue,
        token: config.ingest.token,
        maxBodyBytes: config.ingest.maxBodyBytes,
        dropInternal: config.ingest.dropInternal,
        metrics,
        log,
        health,
        cap: cap!,
        timeoutMs,
        spool,
        onSpooled: () => drainer?.wake(),
      })
    : undefined;
  const slackRefusals = new RefusalLog(
    log.child({ module: 'slack-events' }),
    'Slack request refused',
  );
  const slackEvents =
    roles.has('ingest') && !socketMode
      ? guardSlackRequests((receiver as InstanceType<typeof HTTPReceiver>).requestListener, {
          signingSecret: config.slack.signingSecret,
          redis,
          replayKey: (sig) => keys.slackSignature(sig),
          refusals: slackRefusals,
          onRefused: (reason) => metrics.slackRequestsRefused.inc({ reason }),
          now: opts.slackClock,
        })
      : undefined;
  /**
   * Ready: the engine child (default layout) is alive and Redis answers a PING within
   * REDIS_TIMEOUT_MS. When Redis does not, an ingest process whose spool has room stays
   * ready: every replica sees the same Redis, so going unready would empty the Service
   * and Falco, which does not retry, would lose what the spool would have kept.
   */
  const ready = async () => {
    if (!(opts.ready?.() ?? true)) return false;
    if (await health.answers()) return true;
    const spooling = spool !== undefined && spool.hasRoom(64 * 1024);
    return { ready: spooling, detail: { redis: 'unavailable', spooling } };
  };
  const readyDetails = async () => {
    const v = (await metrics.slackReachable.get()).values[0]?.value;
    return { slack: v === undefined ? 'unknown' : v === 1 ? 'reachable' : 'unreachable' };
  };
  const metricsRoute = async () => renderMetrics(metrics, (await opts.childMetrics?.()) ?? []);
  const servers: Server[] = [];
  let port = 0;
  let internalPort: number | undefined;
  if (serveHttp) {
    const separate = config.http.internalPort !== undefined;
    servers.push(
      createHttpServer(
        separate
          ? { slackEvents, ready, readyDetails }
          : { ingest, slackEvents, ready, readyDetails, metrics: metricsRoute },
        log,
      ),
    );
    port = await listen(servers[0]!, config.http.port, config.http.host);
    if (separate) {
      servers.push(createHttpServer({ ingest, ready, readyDetails, metrics: metricsRoute }, log));
      internalPort = await listen(servers[1]!, config.http.internalPort!, config.http.internalHost);
    }
  }
  const server = servers[0];
  if (socketMode && roles.has('ingest')) await app.start();
  if (roles.has('engine')) engine.start();
  if (roles.has('publisher')) publisher.start();
  // Storms and silences end with time; wherever incidents are recorded or published.
  if (roles.has('engine') || roles.has('publisher')) sweeper.start();
  // Retention runs beside the engine; one replica per interval purges (RetentionTimer).
  if (roles.has('engine')) retentionTimer.start();
  log.info(
    { port, internalPort, roles: [...roles], socketMode, channel: config.slack.defaultChannel },
    'falco-triage is running',
  );

  let stopped = false;
  return {
    port,
    internalPort,
    server,
    store,
    queue,
    engine,
    publisher,
    sweeper,
    retentionTimer,
    metrics,
    keys,
    redis,
    spool,
    spoolDrainer: drainer,
    streamCap: cap,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(
        servers.map(
          (srv) =>
            new Promise<void>((resolve) => {
              srv.close(() => resolve());
              srv.closeIdleConnections();
            }),
        ),
      );
      if (socketMode && roles.has('ingest')) await app.stop();
      // Requests are answered; what the spool holds stays on disk for the next start.
      await drainer?.stop();
      await spool?.close();
      cap?.stop();
      health.stop();
      gate?.close();
      slackRefusals.flush();
      tokenRetry?.stop();
      await engine.stop();
      await sweeper.stop();
      await retentionTimer.stop();
      await publisher.stop();
      await redis.quit().catch(() => undefined);
      blockingRedis.disconnect();
    },
  };
}
