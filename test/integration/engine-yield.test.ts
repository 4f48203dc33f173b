import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ReadGate } from '../../src/ingest/read-gate.js';
import { eventually } from '../helpers/eventually.js';
import { scrape } from '../helpers/prometheus.js';
import { connect } from '../helpers/redis.js';
import { startTestBot, type TestBot } from '../helpers/test-bot.js';

/** Settles every promise callback queued so far (not a sleep: no time passes). */
const flush = () => new Promise((r) => setImmediate(r));

describe('ReadGate: the engine yields to a busy ingest process', () => {
  test('idle, a read goes at once; busy, it waits until ingest is no longer busy', async () => {
    const gate = new ReadGate(60_000);
    await gate.wait();
    gate.setBusy(true);
    let through = false;
    const waiting = gate.wait().then(() => (through = true));
    await flush();
    assert.equal(through, false, 'held while busy');
    assert.equal(gate.waiting, 1);
    gate.setBusy(false);
    await waiting;
    assert.equal(gate.waiting, 0);
  });

  test('a busy spell holds a read at most maxDeferMs, and close() lets it go', async () => {
    const deferred: number[] = [];
    const short = new ReadGate(5);
    short.onDeferred = (s) => deferred.push(s);
    short.setBusy(true);
    await short.wait(); // resolves by itself: ingest busy for good must not stop the engine
    assert.equal(deferred.length, 1);
    assert.ok(deferred[0]! > 0);

    const long = new ReadGate(60_000);
    long.setBusy(true);
    const held = long.wait();
    await flush();
    assert.equal(long.waiting, 1);
    long.close();
    await held;
    await long.wait(); // closed: never waits again
    assert.equal(new ReadGate(0).waiting, 0);
  });
});

describe('the engine behind a busy gate', () => {
  let t: TestBot;
  const gate = new ReadGate(60_000);
  before(async () => {
    gate.setBusy(true); // before the engine's first read
    t = await startTestBot({ readGate: gate });
  });
  after(async () => {
    await t.close();
  });

  test('leaves accepted alerts in the stream until ingest is no longer busy', async () => {
    const res = await t.postAlerts({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      time: '2026-11-22T10:15:30Z',
      output: 'A shell was spawned',
      output_fields: { 'container.id': 'abcabcabcabc' },
    });
    assert.equal(res.status, 202);
    await eventually(() => gate.waiting === 1, { what: 'the engine to wait at the gate' });
    const r = connect();
    try {
      const [pending] = (await r.xpending(t.bot.keys.alertStream, t.bot.keys.alertGroup)) as [
        number,
      ];
      assert.equal(Number(pending), 0, 'no engine has read the alert');
      assert.equal(await r.xlen(t.bot.keys.alertStream), 1, 'it waits, durably, in the stream');
    } finally {
      r.disconnect();
    }
    assert.equal((await t.bot.store.listOpen()).length, 0);

    gate.setBusy(false);
    await eventually(async () => (await t.bot.store.listOpen()).length === 1, {
      what: 'the incident once ingest is no longer busy',
    });
    const m = await scrape(`${t.base}/metrics`);
    assert.equal(m.get('falco_triage_engine_deferrals_total'), 1);
    assert.ok(m.get('falco_triage_engine_deferred_seconds_total') > 0);
  });
});
