import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseRedisUrl, redactRedisUrl } from '../../src/redis-connection.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_DEFAULT_CHANNEL: 'C0123456789',
  INGEST_TOKEN: 'a'.repeat(32),
};

test('redis:// and rediss:// URLs are a single server, passed on as written', () => {
  assert.deepEqual(parseRedisUrl('redis://:pw@10.0.0.1:6380/2'), {
    kind: 'server',
    url: 'redis://:pw@10.0.0.1:6380/2',
    tls: false,
  });
  assert.equal(parseRedisUrl('rediss://redis.example:6380').kind, 'server');
  assert.equal((parseRedisUrl('rediss://redis.example:6380') as { tls: boolean }).tls, true);
});

test('a cluster URL lists its seed nodes; credentials and TLS apply to every node', () => {
  assert.deepEqual(parseRedisUrl('redis+cluster://127.0.0.1:7101,127.0.0.1:7102,[::1]:7103'), {
    kind: 'cluster',
    nodes: [
      { host: '127.0.0.1', port: 7101 },
      { host: '127.0.0.1', port: 7102 },
      { host: '::1', port: 7103 },
    ],
    tls: false,
  });
  assert.deepEqual(parseRedisUrl('rediss+cluster://bot:p%40ss%2Cw@a.example,b.example:7000'), {
    kind: 'cluster',
    nodes: [
      { host: 'a.example', port: 6379 },
      { host: 'b.example', port: 7000 },
    ],
    tls: true,
    username: 'bot',
    password: 'p@ss,w',
  });
});

test('a sentinel URL names its sentinels, the master and optionally the database', () => {
  assert.deepEqual(
    parseRedisUrl('redis+sentinel://:secret@s1:26379,s2/mymaster/3?sentinelPassword=sp'),
    {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'mymaster',
      db: 3,
      tls: false,
      password: 'secret',
      sentinelPassword: 'sp',
    },
  );
  const t = parseRedisUrl('rediss+sentinel://s1:26379/mymaster');
  assert.equal(t.kind, 'sentinel');
  assert.equal(t.tls, true);
});

test('malformed Redis URLs are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['http://127.0.0.1:6379', /must be one of redis:\/\//],
    ['redis+cluster://', /lists no host/],
    ['redis+cluster://a:1,,b:2', /lists no host, or an empty one/],
    ['redis+cluster://a:1,b:99999', /invalid port/],
    ['redis+cluster://a:1,b:2/0', /no database number/],
    ['redis+cluster://a b:1', /invalid host/],
    ['redis+sentinel://s1:26379', /names no master/],
    ['redis+sentinel://s1:26379/m/x', /invalid database number/],
    ['redis+sentinel://s1:26379/m/1/2', /too many path segments/],
    ['redis+sentinel://s1/m?password=x', /unknown query parameter "password"/],
    ['redis+mesh://a:1', /must be one of/],
  ];
  for (const [url, reason] of cases) assert.throws(() => parseRedisUrl(url), reason, url);
});

test('REDIS_URL is validated with the rest of the configuration, by name', () => {
  assert.equal(
    loadConfig({ ...valid, REDIS_URL: 'redis+cluster://127.0.0.1:7101' }).redis.url,
    'redis+cluster://127.0.0.1:7101',
  );
  assert.throws(
    () => loadConfig({ ...valid, REDIS_URL: 'redis+sentinel://s1:26379' }),
    (err: unknown) => err instanceof ConfigError && /REDIS_URL names no master/.test(err.message),
  );
});

test('passwords are hidden in what is logged, the sentinel password too', () => {
  assert.equal(
    redactRedisUrl('redis+sentinel://u:pw@s1,s2/m?sentinelPassword=sp'),
    'redis+sentinel://***@s1,s2/m?sentinelPassword=***',
  );
  assert.equal(redactRedisUrl('redis://:pw@h:6379'), 'redis://***@h:6379');
});
