import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { scrape } from '../helpers/prometheus.js';
import { postRequest, slashCommand } from '../helpers/slack-signing.js';
import {
  CHANNEL,
  INGEST_TOKEN,
  SIGNING_SECRET,
  startTestBot,
  type TestBot,
} from '../helpers/test-bot.js';

const alert = {
  rule: 'Terminal shell in container',
  priority: 'Notice',
  time: '2026-11-22T10:15:30Z',
  output: 'A shell was spawned',
  output_fields: { 'container.id': 'abcabcabcabc' },
};

/**
 * INTERNAL_PORT: Slack's public endpoint on PORT, alerts and metrics on another port, so
 * an Ingress in front of PORT can never expose POST /falco or /metrics.
 */
describe('separate listeners (INTERNAL_PORT)', () => {
  let t: TestBot;
  let internal: string;
  before(async () => {
    t = await startTestBot({ env: { INTERNAL_PORT: '0' } });
    assert.ok(t.bot.internalPort, 'an internal port was opened');
    assert.notEqual(t.bot.internalPort, t.bot.port);
    internal = `http://127.0.0.1:${t.bot.internalPort}`;
  });
  after(async () => {
    await t.close();
  });

  const postAlert = (base: string) =>
    fetch(`${base}/falco`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    });

  test('the public port serves Slack and the probes, not alerts or metrics', async () => {
    assert.equal((await postAlert(t.base)).status, 404);
    assert.equal((await fetch(`${t.base}/metrics`)).status, 404);
    assert.equal((await fetch(`${t.base}/healthz`)).status, 200);
    assert.equal((await fetch(`${t.base}/readyz`)).status, 200);
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text: 'help', user_id: 'U0ALICE001', channel_id: CHANNEL }),
    );
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /falco list/);
  });

  test('the internal port takes alerts and serves metrics and probes, not Slack', async () => {
    assert.equal((await postAlert(internal)).status, 202);
    await t.emu.waitFor((e) => e.messages(CHANNEL).length === 1 || undefined);
    const m = await scrape(`${internal}/metrics`);
    assert.equal(m.get('falco_triage_alerts_enqueued_total'), 1);
    assert.equal((await fetch(`${internal}/healthz`)).status, 200);
    assert.equal((await fetch(`${internal}/readyz`)).status, 200);
    const res = await postRequest(
      `${internal}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text: 'help', user_id: 'U0ALICE001', channel_id: CHANNEL }),
    );
    assert.equal(res.status, 404);
  });
});
