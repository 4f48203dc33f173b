import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * The one client type the store, the queue and the metrics use: a single server (or the
 * master a Sentinel names) and a Redis Cluster answer the same commands, scripts,
 * pipelines and MULTI, as long as every key of one call shares a slot (they do: see
 * Keys, every key carries the prefix's hash tag).
 */
export type RedisClient = Redis | Cluster;

/** Where the bot's data lives, parsed from REDIS_URL. */
export type RedisTarget =
  | { kind: 'server'; url: string; tls: boolean }
  | {
      kind: 'cluster';
      nodes: HostPort[];
      tls: boolean;
      username?: string;
      password?: string;
    }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      masterName: string;
      db: number;
      tls: boolean;
      username?: string;
      password?: string;
      sentinelPassword?: string;
    };

export interface HostPort {
  host: string;
  port: number;
}

export const REDIS_URL_FORMS =
  'redis://[user:password@]host:port[/db], rediss://… (TLS), ' +
  'redis+cluster://[user:password@]host:port,host:port,… (Redis Cluster; rediss+cluster:// for TLS) or ' +
  'redis+sentinel://[user:password@]host:port,host:port,…/master-name[/db][?sentinelPassword=…] ' +
  '(Sentinel; rediss+sentinel:// for TLS)';

/**
 * Parses REDIS_URL. Cluster and Sentinel URLs list several hosts, which WHATWG URL
 * cannot parse, so they are split by hand. Throws an Error whose message says what is
 * wrong (config.ts shows it beside the variable name).
 */
export function parseRedisUrl(url: string): RedisTarget {
  const m = /^(rediss?)(?:\+(cluster|sentinel))?:\/\/(.*)$/s.exec(url);
  if (!m) throw new Error(`must be one of ${REDIS_URL_FORMS}`);
  const tls = m[1] === 'rediss';
  const mode = m[2];
  if (!mode) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error('is not a valid URL');
    }
    if (!parsed.hostname) throw new Error('names no host');
    return { kind: 'server', url, tls };
  }
  let rest = m[3]!;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  // The password may contain "/" or "," once percent-encoded; split credentials off first.
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  rest = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = rest.indexOf('/');
  const hostList = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const hosts = parseHosts(hostList, mode === 'sentinel' ? 26379 : 6379);
  const creds = parseUserinfo(userinfo);
  const params = new URLSearchParams(query);
  if (mode === 'cluster') {
    if (path.replace(/\/+$/, '') !== '')
      throw new Error('a Redis Cluster has no database number: remove the path after the hosts');
    if ([...params.keys()].length) throw new Error('takes no query parameters with +cluster');
    return { kind: 'cluster', nodes: hosts, tls, ...creds };
  }
  const [masterName, dbText, ...extra] = path.split('/').filter((s) => s !== '');
  if (!masterName)
    throw new Error(
      'names no master: redis+sentinel://host:26379,host:26379/<master-name> (the name in sentinel.conf)',
    );
  if (extra.length) throw new Error('has too many path segments: /<master-name>[/<db>]');
  const db = dbText === undefined ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new Error(`has an invalid database number "${dbText}"`);
  for (const key of params.keys())
    if (key !== 'sentinelPassword')
      throw new Error(`has an unknown query parameter "${key}" (only sentinelPassword)`);
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  return {
    kind: 'sentinel',
    sentinels: hosts,
    masterName: decodeURIComponent(masterName),
    db,
    tls,
    ...creds,
    ...(sentinelPassword !== undefined && { sentinelPassword }),
  };
}

function parseHosts(list: string, defaultPort: number): HostPort[] {
  const hosts = list.split(',').map((h) => h.trim());
  if (hosts.length === 0 || hosts.some((h) => h === ''))
    throw new Error('lists no host, or an empty one: host:port,host:port');
  return hosts.map((h) => {
    // [::1]:7000 or host:7000 or host
    const hm = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(h);
    if (!hm) throw new Error(`has an invalid host "${h}" (expected host:port)`);
    const port = hm[2] === undefined ? defaultPort : Number(hm[2]);
    if (port < 1 || port > 65535) throw new Error(`has an invalid port in "${h}"`);
    return { host: hm[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

function parseUserinfo(userinfo: string | undefined): { username?: string; password?: string } {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  // redis://:password@host is the usual form without ACL users, as for redis:// URLs.
  const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
  const pass = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) : undefined;
  return {
    ...(user !== '' && { username: user }),
    ...(pass !== undefined && pass !== '' && { password: pass }),
  };
}

/** The options that matter to the bot, whatever the kind of deployment. */
export interface ConnectionOptions {
  /** false: commands fail at once while disconnected instead of queueing. */
  enableOfflineQueue?: boolean;
  /** null: retry forever (the blocking reader). */
  maxRetriesPerRequest?: number | null;
  lazyConnect?: boolean;
  enableAutoPipelining?: boolean;
  /** Reconnect delay (ms) for the nth attempt. */
  retryStrategy?: (times: number) => number | null;
}

/** Opens a client for REDIS_URL: a single server, a Sentinel-managed master, or a Cluster. */
export function createRedisClient(url: string, opts: ConnectionOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  const { enableOfflineQueue, maxRetriesPerRequest, lazyConnect, enableAutoPipelining } = opts;
  const common = {
    ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
    ...(lazyConnect !== undefined && { lazyConnect }),
    ...(enableAutoPipelining !== undefined && { enableAutoPipelining }),
  };
  if (target.kind === 'server') {
    return new Redis(url, {
      ...common,
      ...(maxRetriesPerRequest !== undefined && { maxRetriesPerRequest }),
      ...(opts.retryStrategy && { retryStrategy: opts.retryStrategy }),
    });
  }
  const auth = {
    ...(target.username !== undefined && { username: target.username }),
    ...(target.password !== undefined && { password: target.password }),
  };
  // As with rediss://: TLS with the system's trusted CAs and hostname checks.
  const tls = target.tls ? { tls: {} } : {};
  if (target.kind === 'sentinel') {
    const options: RedisOptions = {
      ...common,
      ...auth,
      ...tls,
      sentinels: target.sentinels,
      name: target.masterName,
      db: target.db,
      // The sentinels speak TLS too when the URL says rediss+sentinel.
      enableTLSForSentinelMode: target.tls,
      ...(target.sentinelPassword !== undefined && { sentinelPassword: target.sentinelPassword }),
      ...(maxRetriesPerRequest !== undefined && { maxRetriesPerRequest }),
      ...(opts.retryStrategy && {
        retryStrategy: opts.retryStrategy,
        sentinelRetryStrategy: opts.retryStrategy,
      }),
    };
    return new Redis(options);
  }
  const options: ClusterOptions = {
    ...common,
    redisOptions: {
      ...auth,
      ...tls,
      ...(maxRetriesPerRequest !== undefined && { maxRetriesPerRequest }),
    },
    ...(opts.retryStrategy && { clusterRetryStrategy: opts.retryStrategy }),
  };
  return new Cluster(target.nodes, options);
}

/**
 * Every master of a Cluster, or the one server: what SCAN must visit to see every key.
 * A Cluster knows its masters only once it is ready (slots fetched), so this waits.
 */
export async function scanTargets(client: RedisClient): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('end', () => reject(new Error('the cluster connection ended')));
    });
  }
  return client.nodes('master');
}

/** The URL with its password hidden, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@').replace(/([?&]sentinelPassword=)[^&]*/, '$1***');
}
