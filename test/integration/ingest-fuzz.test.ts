import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fuzzBodies } from '../helpers/alert-fuzz.js';
import { eventually } from '../helpers/eventually.js';
import { startTestBot, type TestBot } from '../helpers/test-bot.js';

const SEED = Number(process.env.FUZZ_SEED ?? 1101);
const COUNT = Number(process.env.FUZZ_COUNT ?? 1000);

/**
 * Issue 11 item 1: `"priority":"constructor"` was accepted (202) and then dropped by the
 * engine. Every fuzzed body must be either refused (4xx, nothing stored) or accepted and
 * then recorded as an incident occurrence: never accepted-then-dropped, never a 5xx.
 */
describe('POST /falco under fuzzing (prototype names in every field, structural damage)', () => {
  let t: TestBot;
  before(async () => {
    // No publisher: this is about accept -> record, and rendering hundreds of incidents
    // would triple the time (the out-of-process fuzz scenario posts them too).
    t = await startTestBot({ claimIdleMs: 60_000, env: { ROLE: 'ingest,engine' } });
  });
  after(async () => {
    await t.close();
  });

  test(`${COUNT} seeded bodies (seed ${SEED}): refused and stored nothing, or accepted and recorded`, async () => {
    const m = t.bot.metrics;
    let accepted = 0;
    let refused = 0;
    let added = await t.bot.queue.entriesAdded();
    for (const [i, { body, what }] of fuzzBodies(SEED, COUNT).entries()) {
      const res = await t.postAlerts(body);
      const label = `body ${i} (${what}): ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`;
      assert.ok(res.status < 500, label);
      const now = await t.bot.queue.entriesAdded();
      if (res.status === 202) {
        const n = Number(res.json.accepted) + Number(res.json.dropped);
        assert.equal(now - added, Number(res.json.accepted), label);
        assert.ok(n >= 1, label);
        accepted += Number(res.json.accepted);
      } else {
        assert.ok(res.status >= 400, label);
        assert.equal(now, added, `a refused request stored something: ${label}`);
        refused++;
      }
      added = now;
    }
    // Both kinds must be well represented, or the fuzzer tests nothing.
    assert.ok(accepted > COUNT / 5, `accepted ${accepted}`);
    assert.ok(refused > COUNT / 5, `refused ${refused}`);

    const outcomes = ['new', 'grouped', 'reopened', 'duplicate'] as const;
    const processed = () => outcomes.reduce((n, o) => n + m.alertsProcessed.get({ outcome: o }), 0);
    const t0 = Date.now();
    await eventually(
      () => processed() === accepted || m.alertsDropped.get({ reason: 'undecodable' }) > 0,
      {
        timeoutMs: 20_000,
        what: `${accepted} accepted alerts recorded (now ${processed()})`,
      },
    );
    assert.equal(m.alertsDropped.get({ reason: 'undecodable' }), 0, 'accepted then dropped');
    assert.equal(processed(), accepted);
    console.log(
      `fuzz: ${accepted} accepted, ${refused} refused; recorded ${Date.now() - t0} ms after the last`,
    );
    assert.equal(await t.bot.queue.pendingCount(), 0);
    // Every uuid is unique, so every accepted alert is an occurrence of some incident.
    const open = await t.bot.store.listOpen({ limit: 100_000 });
    const occurrences = open.reduce((n, i) => n + i.occurrences, 0);
    assert.equal(occurrences + m.alertsProcessed.get({ outcome: 'duplicate' }), accepted);
    // Nothing reached Object.prototype.
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).rule, undefined);
  });
});
