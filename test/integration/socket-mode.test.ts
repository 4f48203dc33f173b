import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * With SLACK_APP_TOKEN the bot takes Slack traffic over Socket Mode (a WebSocket it opens
 * through apps.connections.open), while its HTTP port keeps serving alerts and probes.
 */
describe('Socket Mode', () => {
  let emu: SlackEmulator;
  let t: TestBot;

  before(async () => {
    emu = await startSlackEmulator();
    t = await startTestBot({ emu, env: { SLACK_APP_TOKEN: 'xapp-1-A0EMULATED-0000-test' } });
    await emu.socketConnected();
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  test('the connection is opened with the app-level token at SLACK_API_URL', () => {
    const opens = emu.callsTo('apps.connections.open');
    assert.ok(opens.length >= 1);
    assert.equal((opens[0]!.response as { ok: boolean }).ok, true);
  });

  test('a slash command arrives over the socket and its answer is the ack payload', async () => {
    const payload = await emu.socketRequest('slash_commands', {
      token: 'x',
      team_id: 'T0EMULATED',
      channel_id: CHANNEL,
      user_id: 'U0ALICE001',
      command: '/falco',
      text: 'rule terminal shell in container',
      response_url: 'https://hooks.slack.com/commands/T0EMULATED/1/abc',
      trigger_id: '1.2.abc',
      api_app_id: 'A0EMULATED',
    });
    assert.equal(payload.response_type, 'ephemeral');
    assert.match(JSON.stringify(payload.blocks), /Terminal shell in container/);
  });

  test('the same HTTP port still takes alerts and answers probes; /slack/events is not served', async () => {
    assert.equal((await fetch(`${t.base}/healthz`)).status, 200);
    assert.equal((await fetch(`${t.base}/readyz`)).status, 200);
    const res = await t.postAlerts({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      time: '2026-11-22T10:15:30Z',
      output: 'x',
      output_fields: { 'container.id': 'abcabcabcabc' },
    });
    assert.equal(res.status, 202);
    await emu.waitFor((e) => e.messages(CHANNEL).length === 1 || undefined);
    const events = await fetch(`${t.base}/slack/events`, { method: 'POST', body: '{}' });
    assert.equal(events.status, 404);
  });
});
