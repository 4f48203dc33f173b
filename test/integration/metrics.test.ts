import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { scrape, type Scrape } from '../helpers/prometheus.js';
import { eventCallback, postRequest } from '../helpers/slack-signing.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

function alert(container: string, priority = 'Notice', uuid?: string) {
  return {
    rule: 'Terminal shell in container',
    priority,
    time: '2026-11-22T10:15:30.123456789Z',
    output: 'A shell was spawned in a container',
    output_fields: { 'container.id': container, 'proc.cmdline': 'bash' },
    source: 'syscall',
    hostname: 'node-1',
    ...(uuid ? { uuid } : {}),
  };
}

const ALERTS = 'falco_triage_alerts_enqueued_total';
const ACCEPT = 'falco_triage_ingest_accept_seconds_count';
const CALLS = 'falco_triage_slack_calls_total';
const ERRORS = 'falco_triage_slack_errors_total';

/**
 * GET /metrics as Prometheus reads it: every value here is checked to move by what the
 * test did, against the emulator's own record of Slack calls where there is one.
 */
describe('GET /metrics', () => {
  let emu: SlackEmulator;
  before(async () => {
    emu = await startSlackEmulator();
  });
  after(async () => {
    await emu.close();
  });

  test('ingest, engine and the Redis gauges move with alerts; the publisher counts its posts', async () => {
    // No publisher yet, so the outbox keeps what the engine scheduled.
    const a = await startTestBot({ emu, env: { ROLE: 'ingest,engine' } });
    let b: TestBot | undefined;
    try {
      const m0 = await scrape(`${a.base}/metrics`);
      assert.ok(m0.names.has('process_cpu_user_seconds_total'), 'process metrics');
      assert.ok(m0.names.has('nodejs_eventloop_lag_p99_seconds'), 'event-loop metrics');
      assert.ok(m0.has('falco_triage_spool_depth'));
      assert.equal(m0.get('falco_triage_spool_depth'), 0);
      assert.equal(m0.get('falco_triage_open_incidents', { priority: 'critical' }), 0);

      assert.equal((await a.postAlerts(alert('aaaaaaaaaaaa', 'Critical'))).status, 202);
      // Two events of one incident (distinct uuids, so neither is a retried duplicate).
      for (const uuid of [
        'e4b22942-0000-4000-8000-000000000001',
        'e4b22942-0000-4000-8000-000000000002',
      ])
        assert.equal((await a.postAlerts(alert('bbbbbbbbbbbb', 'Notice', uuid))).status, 202);
      const refused = await a.postAlerts(alert('cccccccccccc'), {
        headers: { authorization: 'Bearer wrong-token-0123456789' },
      });
      assert.equal(refused.status, 401);
      const m1 = await eventually(
        async () => {
          const m = await scrape(`${a.base}/metrics`);
          return m.get('falco_triage_stream_pending') === 0 &&
            m.get('falco_triage_alerts_processed_total', { outcome: 'grouped' }) === 1
            ? m
            : undefined;
        },
        { what: 'the engine to record the three alerts' },
      );
      assert.equal(m1.get(ALERTS) - m0.get(ALERTS), 3);
      assert.equal(m1.get(ACCEPT, { status: '2xx' }) - m0.get(ACCEPT, { status: '2xx' }), 3);
      assert.equal(m1.get(ACCEPT, { status: '4xx' }) - m0.get(ACCEPT, { status: '4xx' }), 1);
      assert.equal(m1.get('falco_triage_alerts_rejected_total', { reason: 'unauthorized' }), 1);
      assert.equal(m1.get('falco_triage_alerts_processed_total', { outcome: 'new' }), 2);
      assert.equal(m1.get('falco_triage_open_incidents', { priority: 'critical' }), 1);
      assert.equal(m1.get('falco_triage_open_incidents', { priority: 'notice' }), 1);
      assert.equal(m1.get('falco_triage_open_incidents', { priority: 'warning' }), 0);
      assert.equal(m1.get('falco_triage_outbox_depth'), 2, 'two messages wait for a publisher');
      assert.equal(m1.get(CALLS, { method: 'chat.postMessage' }), 0);

      b = await startTestBot({ emu, prefix: a.prefix, env: { ROLE: 'publisher' } });
      await eventually(
        async () => (await scrape(`${a.base}/metrics`)).get('falco_triage_outbox_depth') === 0,
        { what: 'the outbox to drain' },
      );
      assert.equal(emu.messages(CHANNEL).length, 2);
      const mb = await scrape(`${b.base}/metrics`);
      assert.equal(
        mb.get(CALLS, { method: 'chat.postMessage' }),
        emu.callsTo('chat.postMessage').length,
        'every chat.postMessage the emulator saw is counted',
      );
      assert.equal(mb.get('falco_triage_alert_to_slack_seconds_count', { kind: 'post' }), 2);
      assert.equal(mb.get('falco_triage_alerts_processed_total', { outcome: 'new' }), 0);
    } finally {
      await b?.close();
      await a.close();
    }
  });

  test('Slack calls made by listeners are counted, and failed calls by method and error', async () => {
    emu.reset();
    const t = await startTestBot({ emu });
    try {
      const calls = (m: Scrape, method: string) => m.get(CALLS, { method });
      const m0 = await scrape(`${t.base}/metrics`);
      const home = () =>
        postRequest(
          `${t.base}/slack/events`,
          SIGNING_SECRET,
          eventCallback({
            type: 'app_home_opened',
            user: 'U0ALICE001',
            channel: 'D0ALICEDM1',
            tab: 'home',
          }),
        );
      assert.equal((await home()).status, 200);
      await emu.waitFor((e) => e.callsTo('views.publish').length === 1 || undefined);
      const m1 = await eventually(async () => {
        const m = await scrape(`${t.base}/metrics`);
        return calls(m, 'views.publish') === calls(m0, 'views.publish') + 1 ? m : undefined;
      });
      assert.equal(m1.get(ERRORS, { method: 'views.publish', error: 'invalid_arguments' }), 0);

      emu.failNext('views.publish', { error: 'invalid_arguments' });
      assert.equal((await home()).status, 200);
      await eventually(
        async () =>
          (await scrape(`${t.base}/metrics`)).get(ERRORS, {
            method: 'views.publish',
            error: 'invalid_arguments',
          }) === 1,
        { what: 'the refused views.publish to be counted' },
      );

      emu.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
      assert.equal((await t.postAlerts(alert('dddddddddddd'))).status, 202);
      await emu.waitFor((e) => e.messages(CHANNEL).length === 1 || undefined);
      const m2 = await scrape(`${t.base}/metrics`);
      assert.equal(m2.get(ERRORS, { method: 'chat.postMessage', error: 'ratelimited' }), 1);
      assert.equal(
        calls(m2, 'chat.postMessage'),
        emu.callsTo('chat.postMessage').length,
        'the refused attempt and the retry are both calls',
      );
    } finally {
      await t.close();
    }
  });
});
