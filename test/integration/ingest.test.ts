import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { eventually } from '../helpers/eventually.js';
import { connect } from '../helpers/redis.js';
import { CHANNEL, INGEST_TOKEN, startTestBot, type TestBot } from '../helpers/test-bot.js';

const samplesDir = join(import.meta.dirname, '..', 'fixtures', 'samples');
const sampleFiles = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const sample = (f: string) => readFileSync(join(samplesDir, f), 'utf8');

function alert(overrides: Record<string, unknown> = {}) {
  return {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2025-05-07T12:50:34.502309868Z',
    output: '12:50:34.502309868: Notice A shell was spawned',
    output_fields: { 'proc.cmdline': 'bash', 'container.id': 'abc123abc123' },
    source: 'syscall',
    hostname: 'node-1',
    ...overrides,
  };
}

describe('POST /falco', () => {
  let t: TestBot;
  before(async () => {
    t = await startTestBot();
  });
  after(async () => {
    await t.close();
  });

  const entriesAdded = () => t.bot.queue.entriesAdded();
  const processed = () => t.bot.metrics.alertsProcessed;

  test('every sample payload is accepted, and every non-internal one is posted to Slack', async () => {
    let expected = 0;
    for (const f of sampleFiles) {
      const res = await t.postAlerts(sample(f));
      const internal = (JSON.parse(sample(f)) as { source?: string }).source === 'internal';
      assert.equal(res.status, 202, `${f}: ${JSON.stringify(res.json)}`);
      assert.deepEqual(res.json, { accepted: internal ? 0 : 1, dropped: internal ? 1 : 0 }, f);
      if (!internal) expected++;
    }
    assert.equal(
      expected,
      sampleFiles.length - 2,
      'the two metrics snapshots are the only internal samples',
    );
    const incidents = await eventually(
      async () => {
        const open = await t.bot.store.listOpen({ limit: 1000 });
        const total = open.reduce((n, i) => n + i.occurrences, 0);
        return total === expected && open.every((i) => i.ts) ? open : undefined;
      },
      { what: `${expected} occurrences, every incident posted` },
    );
    const posts = t.emu.messages(CHANNEL);
    assert.equal(posts.length, incidents.length, 'one Slack message per incident');
    for (const i of incidents) {
      const m = posts.find((p) => p.ts === i.ts);
      assert.ok(m, `${i.id} was posted`);
      assert.ok(m.text && m.text.length > 0, 'text fallback present');
      assert.ok(Array.isArray(m.blocks) && m.blocks.length > 0);
    }
    assert.equal(t.emu.warnings.length, 0, `Slack warnings: ${JSON.stringify(t.emu.warnings)}`);
    assert.equal(t.bot.metrics.alertsDropped.get({ reason: 'internal_source' }), 2);
  });

  test('Falcosidekick format with uuid, lower-case priority and "info" are accepted', async () => {
    for (const priority of ['warning', 'CRITICAL', 'info', 'Informational']) {
      const res = await t.postAlerts(
        alert({
          priority,
          uuid: `e4b22942-4b74-4635-b273-${priority.padEnd(12, '0').slice(0, 12)}`,
        }),
      );
      assert.equal(res.status, 202, JSON.stringify(res.json));
    }
  });

  test('a JSON array, NDJSON and a gzip body are batches', async () => {
    const batch = [alert({ hostname: 'a' }), alert({ hostname: 'b' })];
    assert.deepEqual((await t.postAlerts(JSON.stringify(batch))).json, { accepted: 2, dropped: 0 });
    assert.deepEqual((await t.postAlerts(batch.map((a) => JSON.stringify(a)).join('\n'))).json, {
      accepted: 2,
      dropped: 0,
    });
    const gz = await t.postAlerts(JSON.stringify(batch), { gzip: true });
    assert.equal(gz.status, 202);
    assert.deepEqual(gz.json, { accepted: 2, dropped: 0 });
  });

  test('?token= authenticates Falco http_output, which cannot send headers', async () => {
    const res = await t.postAlerts(alert(), {
      headers: { authorization: '' },
      query: `?token=${INGEST_TOKEN}`,
    });
    assert.equal(res.status, 202);
  });

  describe('bad requests store nothing', () => {
    // Earlier tests' alerts must be fully processed first, so the worker's counters
    // stand still unless a bad request slipped something through.
    before(async () => {
      await eventually(
        async () => (await t.bot.queue.length()) === 0 && (await t.bot.queue.pendingCount()) === 0,
        { what: 'the worker to drain the stream' },
      );
    });
    const cases: Array<{
      name: string;
      status: number;
      send: () => Promise<{ status: number; json: Record<string, unknown> }>;
      check?: (json: Record<string, unknown>) => void;
    }> = [
      {
        name: 'no token',
        status: 401,
        send: () => t.postAlerts(alert(), { headers: { authorization: '' } }),
      },
      {
        name: 'wrong bearer token',
        status: 401,
        send: () => t.postAlerts(alert(), { headers: { authorization: 'Bearer nope' } }),
      },
      {
        name: 'wrong ?token=',
        status: 401,
        send: () => t.postAlerts(alert(), { headers: { authorization: '' }, query: '?token=nope' }),
      },
      {
        name: 'unknown priority',
        status: 400,
        send: () => t.postAlerts(alert({ priority: 'Urgent' })),
        check: (j) =>
          assert.deepEqual(
            (j.problems as Array<{ field: string }>).map((p) => p.field),
            ['priority'],
          ),
      },
      {
        name: 'missing rule and bad time',
        status: 400,
        send: () => t.postAlerts(alert({ rule: undefined, time: 'yesterday' })),
        check: (j) =>
          assert.deepEqual((j.problems as Array<{ field: string }>).map((p) => p.field).sort(), [
            'rule',
            'time',
          ]),
      },
      {
        name: 'a batch with one bad item names the item',
        status: 400,
        send: () =>
          t.postAlerts([
            alert(),
            alert(),
            alert({ output_fields: { 'proc.name': { nested: 1 } } }),
          ]),
        check: (j) => {
          const [p] = j.problems as Array<{ item: number; field: string }>;
          assert.equal(p?.item, 2);
          assert.equal(p?.field, 'output_fields.proc.name');
        },
      },
      { name: 'a JSON value that is not an object', status: 400, send: () => t.postAlerts('42') },
      { name: 'an empty body', status: 400, send: () => t.postAlerts('') },
      {
        name: 'not JSON',
        status: 415,
        send: () =>
          t.postAlerts('rule=x&priority=y', {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
      },
      {
        name: 'an unsupported Content-Encoding',
        status: 415,
        send: () => t.postAlerts(alert(), { headers: { 'content-encoding': 'br' } }),
      },
      {
        name: 'a corrupt gzip body',
        status: 400,
        send: () => t.postAlerts('not gzip at all', { headers: { 'content-encoding': 'gzip' } }),
      },
      {
        name: 'a body over MAX_BODY_BYTES',
        status: 413,
        send: () => t.postAlerts(alert({ output: 'x'.repeat(1024 * 1024 + 10) })),
      },
      {
        name: 'a gzip bomb: small on the wire, over the limit decoded',
        status: 413,
        send: () => {
          const body = JSON.stringify(alert({ output: 'A'.repeat(8 * 1024 * 1024) }));
          const gz = gzipSync(body);
          assert.ok(gz.length < 64 * 1024, 'the compressed body is small');
          return t.postAlerts(gz, { headers: { 'content-encoding': 'gzip' } });
        },
      },
    ];
    for (const c of cases) {
      test(`${c.name} -> ${c.status}`, async () => {
        const before = await entriesAdded();
        const processedBefore = ['new', 'grouped', 'reopened', 'duplicate'].reduce(
          (n, o) => n + processed().get({ outcome: o }),
          0,
        );
        const res = await c.send();
        assert.equal(res.status, c.status, JSON.stringify(res.json));
        assert.equal(typeof res.json.error, 'string');
        assert.equal(typeof res.json.message, 'string');
        c.check?.(res.json);
        assert.equal(await entriesAdded(), before, 'nothing was added to the stream');
        const processedAfter = ['new', 'grouped', 'reopened', 'duplicate'].reduce(
          (n, o) => n + processed().get({ outcome: o }),
          0,
        );
        assert.equal(processedAfter, processedBefore);
      });
    }
  });

  test('the token never appears in logs or metrics', async () => {
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    assert.ok(!metrics.includes(INGEST_TOKEN));
    assert.match(metrics, /falco_triage_alerts_rejected_total\{reason="unauthorized"\} 3/);
    assert.match(metrics, /falco_triage_alerts_received_total \d+/);
  });

  test('health and readiness probes', async () => {
    assert.equal((await fetch(`${t.base}/healthz`)).status, 200);
    const ready = await fetch(`${t.base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', slack: 'reachable' });
    assert.equal((await fetch(`${t.base}/nope`)).status, 404);
    assert.equal((await fetch(`${t.base}/falco`)).status, 405);
  });
});

describe('injection through alert fields', () => {
  let t: TestBot;
  before(async () => {
    t = await startTestBot();
  });
  after(async () => {
    await t.close();
  });

  test('mentions and links inside a command line reach Slack as text', async () => {
    const evil =
      '<!channel> <!here> <@U0123ABC> <https://evil.example|click> <!subteam^S1|@oncall>';
    const res = await t.postAlerts(
      alert({
        rule: 'Terminal shell in container <!channel>',
        output_fields: {
          'proc.cmdline': evil,
          'proc.name': '<@U0123ABC>',
          'container.id': 'abc123abc123',
          'user.name': '*root*',
        },
        hostname: '<!everyone>',
      }),
    );
    assert.equal(res.status, 202);
    const [msg] = await eventually(() => {
      const m = t.emu.messages(CHANNEL);
      return m.length ? m : undefined;
    });
    const wire = JSON.stringify({ text: msg!.text, blocks: msg!.blocks });
    for (const bad of [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U0123ABC>',
      '<https://',
      '<!subteam',
    ]) {
      const at = wire.indexOf(bad);
      assert.ok(
        at < 0,
        `${bad} reached Slack unescaped: ...${wire.slice(Math.max(0, at - 200), at + 50)}`,
      );
    }
    assert.ok(wire.includes('&lt;!channel&gt;'), 'the text is still shown, escaped');
  });
});

describe('Redis down', () => {
  test('without a spool (SPOOL_MAX_BYTES=0), POST /falco answers 503 with Retry-After', async () => {
    const t = await startTestBot({ env: { SPOOL_MAX_BYTES: '0' } });
    try {
      // Drop the connection the endpoint uses; the offline queue is off, so commands fail at once.
      t.bot.redis.disconnect();
      const res = await t.postAlerts(alert());
      assert.equal(res.status, 503);
      assert.equal(res.json.error, 'redis_unavailable');
      assert.equal((await fetch(`${t.base}/readyz`)).status, 503);
    } finally {
      await t.close();
      const r = connect();
      r.disconnect();
    }
  });
});
