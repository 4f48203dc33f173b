import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACTION } from '../../blocks/action-ids.js';
import { eventually } from '../helpers/eventually.js';
import { connect } from '../helpers/redis.js';
import {
  blockAction,
  postSigned,
  sign,
  slashCommand,
  type SignedHeaders,
} from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * Issue 11 item 3: a signed request stamped in the future was accepted, and an identical
 * signed request replayed inside the window ran again (an old Acknowledge replayed after
 * an Unacknowledge acknowledged again). The bot's clock here is real time plus `skew`.
 */
const ALICE = 'U0ALICE001';

describe('POST /slack/events: timestamp window both ways, no replays', () => {
  let t: TestBot;
  before(async () => {
    t = await startTestBot();
  });
  after(async () => {
    await t.close();
  });

  const events = () => `${t.base}/slack/events`;
  /** Sends exactly these bytes with exactly these headers (a replay is a copy). */
  const send = async (body: string, contentType: string, headers: SignedHeaders) => {
    const res = await fetch(events(), {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body,
    });
    await res.text();
    return res.status;
  };

  async function incident() {
    const res = await t.postAlerts({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      time: new Date().toISOString(),
      output_fields: { 'container.id': 'replay000001', 'proc.name': 'bash' },
      hostname: 'node-r',
    });
    assert.equal(res.status, 202);
    const msg = await t.emu.waitFor((e) =>
      e.messages(CHANNEL).find((m) => JSON.stringify(m.blocks).includes('triage:')),
    );
    const triage = (msg.blocks ?? []).find((b) => String(b.block_id).startsWith('triage:'));
    return { id: String(triage?.block_id).split(':')[1]!, ts: msg.ts };
  }

  const clickBody = (ts: string, id: string, actionId: string) =>
    blockAction({
      user: { id: ALICE },
      channel: { id: CHANNEL },
      message: { ts, blocks: t.emu.messages(CHANNEL).find((m) => m.ts === ts)!.blocks },
      actions: [{ action_id: actionId, value: id }],
    });

  test('replaying an old Acknowledge after an Unacknowledge is refused and changes nothing', async () => {
    const { id, ts } = await incident();
    const ack = clickBody(ts, id, ACTION.acknowledge);
    const ackHeaders = { ...sign(SIGNING_SECRET, ack.body) };
    assert.equal(await send(ack.body, ack.contentType, ackHeaders), 200);
    await eventually(async () => (await t.bot.store.get(id))?.status === 'acknowledged');

    const unack = clickBody(ts, id, ACTION.unacknowledge);
    assert.equal(await send(unack.body, unack.contentType, sign(SIGNING_SECRET, unack.body)), 200);
    await eventually(async () => (await t.bot.store.get(id))?.status === 'open');
    const before = await t.bot.store.get(id);

    // The very same bytes and headers again, well inside the five-minute window.
    assert.equal(await send(ack.body, ack.contentType, ackHeaders), 401);
    assert.equal(t.bot.metrics.slackRequestsRefused.get({ reason: 'replayed' }), 1);
    // A fresh, correctly signed request still works: then the replay had a fair chance.
    const probe = slashCommand({ text: 'help', user_id: ALICE, channel_id: CHANNEL });
    assert.equal(await send(probe.body, probe.contentType, sign(SIGNING_SECRET, probe.body)), 200);
    const after = await t.bot.store.get(id);
    assert.equal(after?.status, 'open');
    assert.equal(after?.version, before?.version, 'the replay changed the incident');
  });

  test('a request stamped more than five minutes in the future or the past is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cmd = () => slashCommand({ text: 'help', user_id: ALICE, channel_id: CHANNEL });
    for (const [skew, status] of [
      [301 + 5, 401],
      [-(301 + 5), 401],
      [240, 200],
      [-240, 200],
    ] as const) {
      const c = cmd();
      const res = await postSigned(events(), SIGNING_SECRET, c.body, c.contentType, {
        timestamp: now + skew,
      });
      assert.equal(res.status, status, `skew ${skew} s`);
    }
    assert.equal(t.bot.metrics.slackRequestsRefused.get({ reason: 'stale_timestamp' }), 2);
  });

  test('a bad signature is refused before any signature is remembered', async () => {
    const c = slashCommand({ text: 'help', user_id: ALICE, channel_id: CHANNEL });
    const res = await postSigned(events(), SIGNING_SECRET, c.body, c.contentType, {
      badSignature: true,
    });
    assert.equal(res.status, 401);
    const sig = sign(`${SIGNING_SECRET}-wrong`, c.body)['x-slack-signature'].slice(3);
    const r = connect();
    try {
      assert.equal(await r.exists(t.bot.keys.slackSignature(sig)), 0);
    } finally {
      r.disconnect();
    }
  });

  test('a remembered signature expires when its timestamp leaves the window (bounded)', async () => {
    const c = slashCommand({ text: 'help', user_id: ALICE, channel_id: CHANNEL });
    const ts = Math.floor(Date.now() / 1000) - 100;
    const headers = sign(SIGNING_SECRET, c.body, ts);
    assert.equal(await send(c.body, c.contentType, headers), 200);
    const r = connect();
    try {
      const key = t.bot.keys.slackSignature(headers['x-slack-signature'].slice(3));
      const expiresAt = await r.pexpiretime(key);
      assert.equal(Math.round(expiresAt / 1000), ts + 301);
    } finally {
      r.disconnect();
    }
  });
});
