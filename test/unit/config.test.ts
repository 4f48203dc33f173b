import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { Alert } from '../../src/alert.js';
import { routeAlert } from '../../src/routing.js';
import { roleArgument } from '../../src/roles.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_DEFAULT_CHANNEL: 'C0123456789',
  INGEST_TOKEN: 'a'.repeat(32),
};

test('defaults fill in everything optional', () => {
  const c = loadConfig(valid);
  assert.equal(c.slack.apiUrl, 'https://slack.com/api/');
  assert.equal(c.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(c.redis.keyPrefix, 'falco-triage:');
  assert.equal(c.http.port, 3000);
  assert.equal(c.ingest.maxBodyBytes, 1024 * 1024);
  assert.equal(c.ingest.dropInternal, true);
  assert.equal(c.slack.appToken, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.slack));
});

test('SLACK_API_URL gets the trailing slash the Web API client needs', () => {
  assert.equal(
    loadConfig({ ...valid, SLACK_API_URL: 'http://127.0.0.1:9999/api' }).slack.apiUrl,
    'http://127.0.0.1:9999/api/',
  );
});

test('every problem is reported at once, by variable name', () => {
  try {
    loadConfig({
      SLACK_DEFAULT_CHANNEL: '#alerts',
      PORT: 'eighty',
      SLACK_APP_TOKEN: 'nope',
      LOG_LEVEL: 'loud',
    });
    assert.fail('expected ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.message;
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_DEFAULT_CHANNEL',
      'PORT',
      'SLACK_APP_TOKEN',
      'LOG_LEVEL',
      'INGEST_TOKEN',
    ]) {
      assert.match(text, new RegExp(`^  - ${name} `, 'm'), `${name} missing from:\n${text}`);
    }
    assert.match(text, /channel ID/);
  }
});

test('the ingest endpoint cannot be left open by accident', () => {
  const { INGEST_TOKEN: _drop, ...noToken } = valid;
  assert.throws(() => loadConfig(noToken), /INGEST_TOKEN is required/);
  assert.equal(loadConfig({ ...noToken, INGEST_AUTH: 'none' }).ingest.token, undefined);
});

test('empty strings count as unset', () => {
  const c = loadConfig({ ...valid, SLACK_APP_TOKEN: '', REDIS_URL: '', PORT: '' });
  assert.equal(c.slack.appToken, undefined);
  assert.equal(c.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(c.http.port, 3000);
});

test('CONFIG_FILE is read and validated, with its problems listed', () => {
  const c = loadConfig(
    { ...valid, CONFIG_FILE: '/x.yml' },
    () =>
      'grouping:\n  byRule:\n    "Terminal shell in container": [k8s.ns.name]\npermissions:\n  users: [U123ABC]\n',
  );
  assert.deepEqual(c.file.grouping.byRule['Terminal shell in container'], ['k8s.ns.name']);
  assert.deepEqual(c.file.permissions.users, ['U123ABC']);
  assert.throws(
    () =>
      loadConfig(
        { ...valid, CONFIG_FILE: '/x.yml' },
        () => 'permissions:\n  users: [alice]\nbogus: 1\n',
      ),
    (err: unknown) =>
      err instanceof ConfigError &&
      /permissions\.users\.0/.test(err.message) &&
      /bogus/.test(err.message),
  );
  assert.throws(
    () =>
      loadConfig({ ...valid, CONFIG_FILE: '/missing.yml' }, () => {
        throw new Error('ENOENT');
      }),
    /CONFIG_FILE \/missing.yml: cannot be read/,
  );
});

test('routes send alerts to channels by source, rule, priority and tags; first match wins', () => {
  const c = loadConfig({ ...valid, CONFIG_FILE: '/x.yml' }, () =>
    [
      'routes:',
      '  - channel: C0CRITICAL1',
      '    minPriority: critical',
      '  - channel: C0K8SAUDIT1',
      '    sources: [k8s_audit]',
      '  - channel: C0SHELLS001',
      '    rules: ["Terminal shell in container"]',
      '    tags: [shell]',
    ].join('\n'),
  );
  const fallback = c.slack.defaultChannel;
  const base: Alert = {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-22T10:15:30Z',
    output: '',
    output_fields: {},
    tags: ['shell'],
  };
  const route = (a: Partial<Alert>) => routeAlert({ ...base, ...a }, c.file.routes, fallback);
  assert.equal(route({ priority: 'Emergency' }), 'C0CRITICAL1');
  assert.equal(route({ priority: 'Critical', source: 'k8s_audit' }), 'C0CRITICAL1');
  assert.equal(route({ source: 'k8s_audit' }), 'C0K8SAUDIT1');
  assert.equal(route({}), 'C0SHELLS001');
  assert.equal(route({ tags: ['container'] }), fallback, 'every condition of a route must hold');
  assert.equal(route({ rule: 'Other' }), fallback);
  assert.throws(
    () =>
      loadConfig(
        { ...valid, CONFIG_FILE: '/x.yml' },
        () => 'routes:\n  - channel: "#alerts"\n    minPriority: loud\n',
      ),
    (err: unknown) =>
      err instanceof ConfigError &&
      /routes\.0\.channel/.test(err.message) &&
      /unknown priority "loud"/.test(err.message),
  );
});

test('INTERNAL_PORT moves /falco and /metrics to a port of their own (env or CONFIG_FILE)', () => {
  const one = loadConfig(valid);
  assert.equal(one.http.internalPort, undefined, 'unset: one listener for everything');
  const env = loadConfig({ ...valid, INTERNAL_PORT: '9090', INTERNAL_HOST: '10.0.0.5' });
  assert.deepEqual(env.http, {
    port: 3000,
    host: '0.0.0.0',
    internalPort: 9090,
    internalHost: '10.0.0.5',
  });
  const file = 'http:\n  internalPort: 9091\n';
  const fromFile = loadConfig({ ...valid, CONFIG_FILE: 'c.yaml' }, () => file);
  assert.equal(fromFile.http.internalPort, 9091);
  assert.equal(fromFile.http.internalHost, '0.0.0.0', 'the internal host defaults to HOST');
  const both = loadConfig({ ...valid, CONFIG_FILE: 'c.yaml', INTERNAL_PORT: '9092' }, () => file);
  assert.equal(both.http.internalPort, 9092, 'the environment wins over the file');
  assert.throws(
    () => loadConfig({ ...valid, INTERNAL_PORT: '70000' }),
    (e: ConfigError) => e.problems.some((p) => p.startsWith('INTERNAL_PORT')),
  );
});

test('ROLE (or --role) picks the parts a process runs; all by default', () => {
  assert.deepEqual(loadConfig(valid).roles, ['ingest', 'engine', 'publisher']);
  assert.deepEqual(loadConfig({ ...valid, ROLE: 'Publisher, ingest' }).roles, [
    'ingest',
    'publisher',
  ]);
  assert.deepEqual(loadConfig({ ...valid, ROLE: 'all' }).roles, ['ingest', 'engine', 'publisher']);
  assert.throws(
    () => loadConfig({ ...valid, ROLE: 'ingest,worker' }),
    (e: ConfigError) => e.problems.some((p) => /^ROLE .*"worker"/.test(p)),
  );
  assert.equal(roleArgument(['--role', 'engine']), 'engine');
  assert.equal(roleArgument(['--log', 'x', '--role=ingest,engine']), 'ingest,engine');
  assert.equal(roleArgument(['--other']), undefined);
  assert.equal(loadConfig(valid).singleProcess, false);
  assert.equal(loadConfig(valid).engineNice, 10);
});

test('storms and silences: defaults, and values validated with the rest (Critical is never folded)', () => {
  const c = loadConfig(valid);
  assert.deepEqual(c.storms, {
    threshold: 10,
    windowMs: 60_000,
    foldRank: 4,
    updateMs: 15_000,
    retentionSec: 7 * 24 * 3600,
  });
  assert.deepEqual(c.silences, { maxActive: 200, maxDurationMs: 7 * 24 * 3600 * 1000 });
  const set = loadConfig({ ...valid, STORM_THRESHOLD: '0', STORM_FOLD_PRIORITY: 'Error' });
  assert.equal(set.storms.threshold, 0, '0 turns storms off');
  assert.equal(set.storms.foldRank, 3);
  assert.throws(
    () =>
      loadConfig({
        ...valid,
        STORM_FOLD_PRIORITY: 'critical',
        STORM_THRESHOLD: '-1',
        STORM_UPDATE_SEC: '0',
        SILENCE_MAX_ACTIVE: 'lots',
      }),
    (e: ConfigError) =>
      ['STORM_FOLD_PRIORITY', 'STORM_THRESHOLD', 'STORM_UPDATE_SEC', 'SILENCE_MAX_ACTIVE'].every(
        (v) => e.problems.some((p) => p.startsWith(v)),
      ) && e.problems.some((p) => /Critical and above are never folded/.test(p)),
  );
});

test('storms and silences in CONFIG_FILE, validated; the environment wins', () => {
  const yaml =
    'storms:\n  threshold: 25\n  windowSec: 120\n  foldPriority: notice\n  updateSec: 30\nsilences:\n  maxActive: 50\n  maxDurationSec: 86400\n';
  const c = loadConfig({ ...valid, CONFIG_FILE: '/x.yml' }, () => yaml);
  assert.equal(c.storms.threshold, 25);
  assert.equal(c.storms.windowMs, 120_000);
  assert.equal(c.storms.foldRank, 5);
  assert.equal(c.storms.updateMs, 30_000);
  assert.deepEqual(c.silences, { maxActive: 50, maxDurationMs: 86_400_000 });
  const env = loadConfig(
    { ...valid, CONFIG_FILE: '/x.yml', STORM_THRESHOLD: '5', SILENCE_MAX_ACTIVE: '7' },
    () => yaml,
  );
  assert.equal(env.storms.threshold, 5);
  assert.equal(env.silences.maxActive, 7);
  assert.throws(
    () =>
      loadConfig(
        { ...valid, CONFIG_FILE: '/x.yml' },
        () => 'storms:\n  foldPriority: alert\n  threshold: -3\nsilences:\n  forever: true\n',
      ),
    (e: ConfigError) =>
      e.problems.some((p) => /storms\.foldPriority .*never folded/.test(p)) &&
      e.problems.some((p) => /storms\.threshold/.test(p)) &&
      e.problems.some((p) => /silences/.test(p)),
  );
});

test('spool and stream cap: defaults, CONFIG_FILE, the environment winning, bounds', () => {
  const d = loadConfig(valid);
  assert.equal(d.ingest.spool.maxBytes, 256 * 1024 * 1024);
  assert.match(d.ingest.spool.dir, /falco-triage-spool-3000$/, 'one directory per port');
  assert.equal(d.ingest.streamMaxLen, 100_000);
  assert.equal(d.ingest.redisTimeoutMs, 2000);

  const yaml = 'spool:\n  dir: /data/spool\n  maxBytes: 1048576\nstream:\n  maxLen: 500\n';
  const f = loadConfig({ ...valid, CONFIG_FILE: '/x.yaml' }, () => yaml);
  assert.deepEqual(f.ingest.spool, { dir: '/data/spool', maxBytes: 1048576 });
  assert.equal(f.ingest.streamMaxLen, 500);
  const e = loadConfig(
    {
      ...valid,
      CONFIG_FILE: '/x.yaml',
      SPOOL_MAX_BYTES: '0',
      STREAM_MAX_LEN: '7',
      SPOOL_DIR: '/s',
    },
    () => yaml,
  );
  assert.deepEqual(e.ingest.spool, { dir: '/s', maxBytes: 0 });
  assert.equal(e.ingest.streamMaxLen, 7);

  assert.throws(
    () =>
      loadConfig({ ...valid, STREAM_MAX_LEN: '0', SPOOL_MAX_BYTES: '-1', REDIS_TIMEOUT_MS: '5' }),
    (err: ConfigError) =>
      err.problems.some((p) => p.startsWith('STREAM_MAX_LEN')) &&
      err.problems.some((p) => p.startsWith('SPOOL_MAX_BYTES')) &&
      err.problems.some((p) => p.startsWith('REDIS_TIMEOUT_MS')),
  );
});
