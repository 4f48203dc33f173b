import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parsePriority, priorityRank } from './alert.js';
import { parseRoles, type Role } from './roles.js';
import { parseRedisUrl } from './redis-connection.js';

/**
 * The environment contract. Parsed once at start-up; every problem is reported at
 * once so an operator fixes the deployment in one go rather than one crash at a time.
 */

// Treat "" as unset: `FOO=` in a .env file or a Helm chart almost always means "no value".
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const withDefault = (d: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().default(d));
const intWithDefault = (d: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int(`must be a whole number from ${min} to ${max}`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(d),
  );

const wholeNumber = ([min, max]: readonly [number, number]) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
/** A number the environment may leave unset (then CONFIG_FILE or the default decides). */
const optionalInt = (bounds: readonly [number, number]) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    wholeNumber(bounds).optional(),
  );

/** More new incidents than `threshold` in a channel within `windowSec` is a storm (0 = never). */
const STORM_BOUNDS = {
  threshold: [0, 10_000],
  windowSec: [5, 3600],
  updateSec: [1, 600],
  retentionSec: [3600, 90 * 24 * 3600],
} as const;
const STORM_DEFAULTS = {
  threshold: 10,
  windowSec: 60,
  foldPriority: 'Warning',
  updateSec: 15,
  retentionSec: 7 * 24 * 3600,
} as const;
/** The spool holds accepted alerts on disk while Redis cannot take them; 0 bytes = no spool. */
const SPOOL_BOUNDS = { maxBytes: [0, 64 * 1024 ** 3] } as const;
const SPOOL_DEFAULTS = { maxBytes: 256 * 1024 ** 2 } as const;
/** Unprocessed alerts the stream may hold before ingest spools or refuses (never trims). */
const STREAM_BOUNDS = { maxLen: [1, 100_000_000] } as const;
const STREAM_DEFAULTS = { maxLen: 100_000 } as const;
const SILENCE_BOUNDS = { maxActive: [1, 10_000], maxDurationSec: [60, 90 * 24 * 3600] } as const;
const SILENCE_DEFAULTS = { maxActive: 200, maxDurationSec: 7 * 24 * 3600 } as const;
/** The highest priority folded into a storm's digest; Critical and above never are. */
const foldPriority = z
  .string()
  .transform((raw) => parsePriority(raw))
  .pipe(
    z.enum(['Error', 'Warning', 'Notice', 'Informational', 'Debug'], {
      error:
        'must be error, warning, notice, informational or debug (Critical and above are never folded)',
    }),
  );

const channelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123456789 (not a #name)');

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required (the xoxb- bot token from your Slack app)' })
    .refine((v) => !v.startsWith('xoxp-'), {
      message:
        'is a user token (xoxp-); use the Bot User OAuth Token (xoxb-) from OAuth & Permissions in your Slack app',
    })
    .regex(/^xoxb-/, 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z
    .string({ error: 'is required (Basic Information > Signing Secret in your Slack app)' })
    .min(1),
  SLACK_APP_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token starting with xapp- (it turns on Socket Mode)')
      .optional(),
  ),
  SLACK_API_URL: withDefault('https://slack.com/api/').pipe(
    z.url({ error: 'must be a URL such as https://slack.com/api/' }),
  ),
  SLACK_DEFAULT_CHANNEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string({ error: 'is required: the channel ID alerts go to (e.g. C0123456789)' })
      .pipe(channelId),
  ),
  // A single server, a Sentinel-managed master or a Cluster (src/redis-connection.ts).
  REDIS_URL: withDefault('redis://127.0.0.1:6379').pipe(
    z.string().superRefine((u, ctx) => {
      try {
        parseRedisUrl(u);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  ),
  REDIS_KEY_PREFIX: withDefault('falco-triage:').pipe(
    z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'may use letters, digits and _ . : - only'),
  ),
  INGEST_TOKEN: optionalString.pipe(
    z.string().min(16, 'must be at least 16 characters (use: openssl rand -hex 32)').optional(),
  ),
  INGEST_AUTH: withDefault('token').pipe(
    z.enum(['token', 'none'], { error: 'must be "token" (default) or "none"' }),
  ),
  PORT: intWithDefault(3000, 0, 65535),
  HOST: withDefault('0.0.0.0'),
  /** Set: POST /falco and /metrics move to this port, PORT keeps /slack/events (and probes). */
  INTERNAL_PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a whole number from 0 to 65535' })
      .int('must be a whole number from 0 to 65535')
      .min(0, 'must be at least 0')
      .max(65535, 'must be at most 65535')
      .optional(),
  ),
  INTERNAL_HOST: optionalString,
  /** Which parts this process runs: ingest, engine, publisher (comma-separated), or all. */
  ROLE: withDefault('all').transform((raw, ctx) => {
    try {
      return parseRoles(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** true: every role of this process on its one thread (no engine child process). */
  SINGLE_PROCESS: withDefault('false').pipe(z.stringbool()),
  /** CPU niceness of the engine child in the default layout: accepting alerts wins a busy CPU. */
  ENGINE_NICE: intWithDefault(10, 0, 19),
  /** Longest the engine child waits per read while ingest is busy; 0: never yield. */
  ENGINE_YIELD_MS: intWithDefault(1000, 0, 30_000),
  LOG_LEVEL: withDefault('info').pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
  ),
  LOG_FORMAT: withDefault('auto').pipe(
    z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }),
  ),
  CONFIG_FILE: optionalString,
  MAX_BODY_BYTES: intWithDefault(1024 * 1024, 1024, 64 * 1024 * 1024),
  DROP_INTERNAL_ALERTS: withDefault('true').pipe(z.stringbool()),
  /** Minimum gap between two updates of one incident message. */
  UPDATE_COALESCE_MS: intWithDefault(5000, 0, 3_600_000),
  /** Minimum gap between two posts in one channel (Slack allows about one per second). */
  CHANNEL_POST_INTERVAL_MS: intWithDefault(1000, 0, 60_000),
  /** Dedupe: how long, and how many events per fingerprint, are remembered (ADR 0002). */
  DEDUPE_WINDOW_SEC: intWithDefault(3600, 10, 7 * 24 * 3600),
  DEDUPE_MAX_PER_FINGERPRINT: intWithDefault(128, 10, 100_000),
  REOPEN_WINDOW_SEC: intWithDefault(24 * 3600, 0, 90 * 24 * 3600),
  RESOLVED_RETENTION_SEC: intWithDefault(30 * 24 * 3600, 60, 365 * 24 * 3600),
  /** How often the retention purge runs (once per interval across replicas). */
  RETENTION_INTERVAL_SEC: intWithDefault(300, 10, 24 * 3600),
  // Storms and silences: also in CONFIG_FILE (`storms:`, `silences:`); the environment wins.
  STORM_THRESHOLD: optionalInt(STORM_BOUNDS.threshold),
  STORM_WINDOW_SEC: optionalInt(STORM_BOUNDS.windowSec),
  STORM_FOLD_PRIORITY: optionalString.pipe(foldPriority.optional()),
  STORM_UPDATE_SEC: optionalInt(STORM_BOUNDS.updateSec),
  STORM_RETENTION_SEC: optionalInt(STORM_BOUNDS.retentionSec),
  // Spool and stream cap: also in CONFIG_FILE (`spool:`, `stream:`); the environment wins.
  SPOOL_DIR: optionalString,
  SPOOL_MAX_BYTES: optionalInt(SPOOL_BOUNDS.maxBytes),
  STREAM_MAX_LEN: optionalInt(STREAM_BOUNDS.maxLen),
  /** Longest wait for Redis on the ingest path and for readiness's PING. */
  REDIS_TIMEOUT_MS: intWithDefault(2000, 100, 60_000),
  SILENCE_MAX_ACTIVE: optionalInt(SILENCE_BOUNDS.maxActive),
  SILENCE_MAX_DURATION_SEC: optionalInt(SILENCE_BOUNDS.maxDurationSec),
});

/** Optional YAML file (CONFIG_FILE) for settings that do not fit in environment variables. */
const fileSchema = z
  .object({
    /** Per-rule or per-source subject fields for grouping alerts into incidents. */
    grouping: z
      .object({
        bySource: z.record(z.string(), z.array(z.string()).min(1)).default({}),
        byRule: z.record(z.string(), z.array(z.string()).min(1)).default({}),
      })
      .prefault({}),
    /** Which channel an alert goes to; first match wins, else SLACK_DEFAULT_CHANNEL. */
    routes: z
      .array(
        z
          .object({
            channel: channelId,
            sources: z.array(z.string().min(1)).min(1).optional(),
            rules: z.array(z.string().min(1)).min(1).optional(),
            minPriority: z
              .string()
              .transform((raw, ctx) => {
                const p = parsePriority(raw);
                if (!p) {
                  ctx.addIssue({ code: 'custom', message: `unknown priority "${raw}"` });
                  return z.NEVER;
                }
                return p;
              })
              .optional(),
            tags: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    /** Storm digests (STORM_* override these). */
    storms: z
      .object({
        threshold: wholeNumber(STORM_BOUNDS.threshold).optional(),
        windowSec: wholeNumber(STORM_BOUNDS.windowSec).optional(),
        foldPriority: foldPriority.optional(),
        updateSec: wholeNumber(STORM_BOUNDS.updateSec).optional(),
        retentionSec: wholeNumber(STORM_BOUNDS.retentionSec).optional(),
      })
      .strict()
      .prefault({}),
    /** Silences (SILENCE_* override these). */
    silences: z
      .object({
        maxActive: wholeNumber(SILENCE_BOUNDS.maxActive).optional(),
        maxDurationSec: wholeNumber(SILENCE_BOUNDS.maxDurationSec).optional(),
      })
      .strict()
      .prefault({}),
    /** The local spool (SPOOL_* override these). */
    spool: z
      .object({
        dir: z.string().min(1).optional(),
        maxBytes: wholeNumber(SPOOL_BOUNDS.maxBytes).optional(),
      })
      .strict()
      .prefault({}),
    /** The alert stream (STREAM_MAX_LEN overrides this). */
    stream: z
      .object({ maxLen: wholeNumber(STREAM_BOUNDS.maxLen).optional() })
      .strict()
      .prefault({}),
    /** Listeners (INTERNAL_PORT / INTERNAL_HOST override these). */
    http: z
      .object({
        internalPort: z.number().int().min(0).max(65535).optional(),
        internalHost: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Who may change incident state; empty lists mean everyone in the channel. */
    permissions: z
      .object({
        users: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID')).default([]),
        usergroups: z
          .array(z.string().regex(/^S[A-Z0-9]+$/, 'must be a Slack user group ID'))
          .default([]),
      })
      .prefault({}),
  })
  .strict()
  .prefault({});

export type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  slack: {
    botToken: string;
    signingSecret: string;
    appToken?: string;
    apiUrl: string;
    defaultChannel: string;
  };
  redis: { url: string; keyPrefix: string };
  ingest: {
    token?: string;
    maxBodyBytes: number;
    dropInternal: boolean;
    /** maxBytes 0: no spool. */
    spool: { dir: string; maxBytes: number };
    streamMaxLen: number;
    redisTimeoutMs: number;
  };
  /**
   * internalPort undefined: one listener serves everything. Set: /slack/events stays on
   * `port`, /falco and /metrics move to internalPort (0 = any free port, for tests).
   */
  http: { port: number; host: string; internalPort?: number; internalHost: string };
  /** The parts this process runs, and whether the engine side may go to a child process. */
  roles: readonly Role[];
  singleProcess: boolean;
  engineNice: number;
  engineYieldMs: number;
  log: { level: string; format: 'auto' | 'json' | 'pretty' };
  incidents: {
    coalesceMs: number;
    channelPostIntervalMs: number;
    dedupeWindowSec: number;
    dedupeMaxPerFingerprint: number;
    reopenWindowSec: number;
    resolvedRetentionSec: number;
    retentionIntervalSec: number;
  };
  storms: {
    threshold: number;
    windowMs: number;
    /** Priority rank (PRIORITIES index) from which new incidents are folded. */
    foldRank: number;
    updateMs: number;
    retentionSec: number;
  };
  silences: { maxActive: number; maxDurationMs: number };
  file: FileConfig;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssues(
  issues: z.core.$ZodIssue[],
  where: (path: PropertyKey[]) => string,
): string[] {
  return issues.map((i) => `${where(i.path)} ${i.message}`);
}

/**
 * Reads the configuration from `env` (defaults to process.env) and, if CONFIG_FILE is
 * set, from that YAML file. Throws ConfigError listing every problem.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Readonly<Config> {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error.issues, (p) => String(p[0] ?? 'environment')));
  }
  // Checked on the raw values so it is reported even when other variables are wrong.
  const auth = env.INGEST_AUTH === '' || env.INGEST_AUTH === undefined ? 'token' : env.INGEST_AUTH;
  if (auth === 'token' && !env.INGEST_TOKEN) {
    problems.push(
      'INGEST_TOKEN is required to protect POST /falco (generate one with: openssl rand -hex 32); ' +
        'set INGEST_AUTH=none only if the endpoint is reachable by Falco alone',
    );
  }

  let file: FileConfig = fileSchema.parse(undefined);
  const configFile = env.CONFIG_FILE;
  if (configFile) {
    try {
      const raw: unknown = parseYaml(readFile(configFile)) ?? {};
      const fileParsed = fileSchema.safeParse(raw);
      if (fileParsed.success) file = fileParsed.data;
      else
        problems.push(
          ...describeIssues(
            fileParsed.error.issues,
            (p) => `CONFIG_FILE ${configFile}: ${p.join('.') || '(top level)'}`,
          ),
        );
    } catch (err) {
      problems.push(
        `CONFIG_FILE ${configFile}: cannot be read or parsed (${(err as Error).message})`,
      );
    }
  }

  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const apiUrl = e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`;
  return deepFreeze({
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl,
      defaultChannel: e.SLACK_DEFAULT_CHANNEL,
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    ingest: {
      token: e.INGEST_AUTH === 'none' ? undefined : e.INGEST_TOKEN,
      maxBodyBytes: e.MAX_BODY_BYTES,
      dropInternal: e.DROP_INTERNAL_ALERTS,
      spool: {
        // Keyed by PORT by default: two instances on one host cannot share a port, so
        // they do not share a spool either (a spool directory has one owner).
        dir: e.SPOOL_DIR ?? file.spool.dir ?? join(tmpdir(), `falco-triage-spool-${e.PORT}`),
        maxBytes: e.SPOOL_MAX_BYTES ?? file.spool.maxBytes ?? SPOOL_DEFAULTS.maxBytes,
      },
      streamMaxLen: e.STREAM_MAX_LEN ?? file.stream.maxLen ?? STREAM_DEFAULTS.maxLen,
      redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    },
    http: {
      port: e.PORT,
      host: e.HOST,
      internalPort: e.INTERNAL_PORT ?? file.http.internalPort,
      internalHost: e.INTERNAL_HOST ?? file.http.internalHost ?? e.HOST,
    },
    roles: e.ROLE,
    singleProcess: e.SINGLE_PROCESS,
    engineNice: e.ENGINE_NICE,
    engineYieldMs: e.ENGINE_YIELD_MS,
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    incidents: {
      coalesceMs: e.UPDATE_COALESCE_MS,
      channelPostIntervalMs: e.CHANNEL_POST_INTERVAL_MS,
      dedupeWindowSec: e.DEDUPE_WINDOW_SEC,
      dedupeMaxPerFingerprint: e.DEDUPE_MAX_PER_FINGERPRINT,
      reopenWindowSec: e.REOPEN_WINDOW_SEC,
      resolvedRetentionSec: e.RESOLVED_RETENTION_SEC,
      retentionIntervalSec: e.RETENTION_INTERVAL_SEC,
    },
    storms: {
      threshold: e.STORM_THRESHOLD ?? file.storms.threshold ?? STORM_DEFAULTS.threshold,
      windowMs: (e.STORM_WINDOW_SEC ?? file.storms.windowSec ?? STORM_DEFAULTS.windowSec) * 1000,
      foldRank: priorityRank(
        e.STORM_FOLD_PRIORITY ?? file.storms.foldPriority ?? STORM_DEFAULTS.foldPriority,
      ),
      updateMs: (e.STORM_UPDATE_SEC ?? file.storms.updateSec ?? STORM_DEFAULTS.updateSec) * 1000,
      retentionSec:
        e.STORM_RETENTION_SEC ?? file.storms.retentionSec ?? STORM_DEFAULTS.retentionSec,
    },
    silences: {
      maxActive: e.SILENCE_MAX_ACTIVE ?? file.silences.maxActive ?? SILENCE_DEFAULTS.maxActive,
      maxDurationMs:
        (e.SILENCE_MAX_DURATION_SEC ??
          file.silences.maxDurationSec ??
          SILENCE_DEFAULTS.maxDurationSec) * 1000,
    },
    file,
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
