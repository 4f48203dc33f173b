import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkMessage } from '../helpers/block-kit-limits.js';
import { eventually } from '../helpers/eventually.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { eventCallback, postRequest, slashCommand } from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

/** The incident's thread as its working room: what people write there becomes its record. */

const ALICE = 'U0ALICE001';

describe('incident thread', () => {
  let t: TestBot;
  let emu: SlackEmulator;
  let id: string;
  let ts: string;

  before(async () => {
    emu = await startSlackEmulator({ users: { [ALICE]: { name: 'alice' } } });
    t = await startTestBot({ emu });
    await t.postAlerts({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      time: '2026-11-22T10:15:30.000000000Z',
      output: 'A shell was spawned',
      output_fields: { 'container.id': 'abcabcabcabc', 'proc.cmdline': 'bash' },
      source: 'syscall',
      hostname: 'worker-1',
    });
    const inc = await eventually(async () => {
      const [i] = await t.bot.store.listOpen({ limit: 1 });
      return i?.ts ? i : undefined;
    });
    id = inc.id;
    ts = inc.ts!;
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  const send = (event: Record<string, unknown>) =>
    postRequest(`${t.base}/slack/events`, SIGNING_SECRET, eventCallback(event));
  const notes = async () =>
    (await t.bot.store.timeline(id, { limit: 1000 })).filter((e) => e.kind === 'note');
  const falco = async (text: string) => {
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text, user_id: ALICE, channel_id: CHANNEL }),
    );
    assert.equal(res.status, 200);
    const answer = res.json as { text?: string; blocks?: unknown[] };
    assert.deepEqual(checkMessage(answer), []);
    return answer;
  };

  test('a reply in the thread is recorded once, even when Slack delivers it twice', async () => {
    const message = {
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: ALICE,
      text: 'looking into it <!channel>, pod is ours',
      ts: '1795369999.000100',
      thread_ts: ts,
    };
    assert.equal((await send(message)).status, 200);
    assert.equal((await send(message)).status, 200);
    const [note] = await eventually(async () => {
      const n = await notes();
      return n.length ? n : undefined;
    });
    assert.equal(note!.actor, ALICE);
    assert.equal(note!.detail.text, 'looking into it <!channel>, pod is ours');
    // A third, different reply proves the handler ran again, and the duplicate did not count.
    await send({ ...message, ts: '1795369999.000200', text: 'contained' });
    const all = await eventually(async () => {
      const n = await notes();
      return n.length >= 2 ? n : undefined;
    });
    assert.deepEqual(
      all.map((n) => n.detail.text),
      ['looking into it <!channel>, pod is ours', 'contained'],
    );
    // The bot never echoes a note back into the thread.
    await t.bot.publisher.idle();
    assert.ok(!emu.replies(CHANNEL, ts).some((r) => r.text.includes('looking into it')));
  });

  test('bot messages, top-level messages and other threads are not notes', async () => {
    const before = (await notes()).length;
    await send({
      type: 'message',
      channel: CHANNEL,
      user: 'U0BOTUSER1',
      bot_id: 'B0OTHER001',
      text: 'bot chatter',
      ts: '1795369999.000300',
      thread_ts: ts,
    });
    await send({
      type: 'message',
      channel: CHANNEL,
      user: ALICE,
      text: 'top',
      ts: '1795369999.000400',
    });
    await send({
      type: 'message',
      channel: CHANNEL,
      user: ALICE,
      text: 'elsewhere',
      ts: '1795369999.000500',
      thread_ts: '1795360000.000001',
    });
    await send({
      type: 'message',
      channel: CHANNEL,
      user: ALICE,
      text: 'marker',
      ts: '1795369999.000600',
      thread_ts: ts,
    });
    const n = await eventually(async () => {
      const x = await notes();
      return x.some((e) => e.detail.text === 'marker') ? x : undefined;
    });
    assert.equal(n.length, before + 1);
  });

  test('the Home tab lists what is assigned to the person and the open incidents', async () => {
    await t.bot.store.triage.assign(id, ALICE, ALICE, Date.now());
    const before = emu.views.length;
    const res = await send({
      type: 'app_home_opened',
      user: ALICE,
      channel: 'D0ALICEDM1',
      tab: 'home',
    });
    assert.equal(res.status, 200);
    const home = await emu.waitFor((e) =>
      e.views.slice(before).find((v) => v.via === 'views.publish'),
    );
    assert.equal(home.user_id, ALICE);
    const text = JSON.stringify(home.view.blocks);
    assert.match(text, /Assigned to you/);
    assert.ok(text.includes(`*${id}*`), 'the incident is listed');
    assert.match(text, /Terminal shell in container/);
  });

  test('/falco timeline shows the record, escaped; /falco export puts it in the thread as a file', async () => {
    await t.bot.store.triage.acknowledge(id, ALICE, Date.now());
    const answer = await falco(`timeline ${id}`);
    const text = JSON.stringify(answer.blocks);
    assert.match(text, /opened the incident/);
    assert.match(text, /alice acknowledged/);
    assert.match(text, /alice: looking into it &lt;!channel&gt;/);
    assert.doesNotMatch(text, /<!channel>/);

    const reply = await falco(`export ${id}`);
    assert.match(reply.text!, /Exporting/);
    const file = await emu.waitFor((e) => e.files.find((f) => f.thread_ts === ts));
    const content = file.content.toString('utf8');
    assert.match(content, new RegExp(`^${id}: Notice Terminal shell in container`));
    assert.match(content, /alice: looking into it <!channel>, pod is ours/);
    assert.match(content, /alice acknowledged/);
    assert.match((await falco('timeline FT-999999')).text!, /does not exist/);
  });
});
