import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { connect } from '../helpers/redis.js';
import { startTestBot } from '../helpers/test-bot.js';

/**
 * Issue 11 item 7: XAUTOCLAIM take-over had never run with entries actually pending. A
 * consumer reads alerts and dies without acknowledging them; another engine takes them
 * over once they have been idle for claimIdleMs, and each is counted exactly once.
 */
describe('a dead consumer’s pending alerts are taken over', () => {
  test('read and never acknowledged: claimed after the idle time, each counted once', async () => {
    const ingest = await startTestBot({ env: { ROLE: 'ingest' } });
    const N = 25;
    const dead = connect();
    let engine: Awaited<ReturnType<typeof startTestBot>> | undefined;
    try {
      for (let i = 0; i < N; i++) {
        const res = await ingest.postAlerts({
          rule: 'Terminal shell in container',
          priority: 'Notice',
          time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          output_fields: { 'container.id': `takeover${i % 3}` },
          hostname: 'node-t',
          uuid: `takeover-${i}`,
        });
        assert.equal(res.status, 202);
      }
      // The consumer that dies: it reads everything, then never acknowledges.
      const read = await ingest.bot.queue.readNew(dead, 'dead-consumer', 100, 100);
      assert.equal(read.length, N);
      assert.equal(await ingest.bot.queue.pendingCount(), N);
      dead.disconnect();

      const claimIdleMs = 300;
      const t0 = Date.now();
      engine = await startTestBot({
        prefix: ingest.prefix,
        emu: ingest.emu,
        claimIdleMs,
        env: { ROLE: 'engine' },
      });
      const m = engine.bot.metrics.alertsProcessed;
      const outcomes = ['new', 'grouped', 'reopened', 'duplicate'] as const;
      const total = () => outcomes.reduce((n, o) => n + m.get({ outcome: o }), 0);
      await eventually(() => total() === N, { what: `${N} taken-over alerts recorded` });
      assert.ok(Date.now() - t0 >= claimIdleMs, 'taken over before they were idle long enough');
      assert.equal(m.get({ outcome: 'duplicate' }), 0);
      assert.equal(await ingest.bot.queue.pendingCount(), 0);
      const open = await engine.bot.store.listOpen({ limit: 100 });
      assert.equal(
        open.reduce((n, i) => n + i.occurrences, 0),
        N,
      );
      assert.equal(open.length, 3);
      // Nothing left to claim a second time.
      assert.deepEqual(await engine.bot.queue.claimStale('late', 0, 100), []);
    } finally {
      dead.disconnect();
      if (engine) await engine.bot.stop();
      await ingest.close();
    }
  });
});
