import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MUTE_INPUT } from '../../blocks/action-ids.js';
import { eventually } from '../helpers/eventually.js';
import { manualClock, type Clock } from '../helpers/publisher-harness.js';
import { connect, deletePrefix, uniquePrefix } from '../helpers/redis.js';
import {
  blockAction,
  postRequest,
  slashCommand,
  viewSubmission,
} from '../helpers/slack-signing.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * Silences from Slack, with two bot instances on one Redis and a clock the test moves:
 * what matches is swallowed and counted, the rest is untouched, the end is exact and
 * announced once, whatever replica or restart gets there.
 */

const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const ALICE = 'U0ALICE001';
const HOUR = 3_600_000;

let n = 0;
function alert(ns: string, at: number, uuid?: string) {
  n++;
  return {
    uuid: uuid ?? `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`,
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(at).toISOString(),
    output: `A shell was spawned in a container (${ns})`,
    source: 'syscall',
    hostname: 'node-1',
    output_fields: { 'container.id': `c-${ns}`, 'k8s.ns.name': ns, 'proc.cmdline': 'bash' },
  };
}

describe('silences across two bot instances and a restart', () => {
  let emu: SlackEmulator;
  let clock: Clock;
  let a: TestBot;
  let b: TestBot;
  const prefix = uniquePrefix('mute');

  const processed = (...bots: TestBot[]) =>
    bots.reduce(
      (sum, t) =>
        sum +
        ['new', 'grouped', 'reopened', 'duplicate', 'muted'].reduce(
          (x, outcome) => x + t.bot.metrics.alertsProcessed.get({ outcome }),
          0,
        ),
      0,
    );
  async function send(t: TestBot, alerts: object[], bots: TestBot[], expected: number) {
    assert.equal((await t.postAlerts(alerts)).status, 202);
    while (processed(...bots) < expected) await new Promise((r) => setImmediate(r));
  }
  async function falco(t: TestBot, text: string) {
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text, user_id: ALICE, channel_id: CHANNEL }),
    );
    return String((res.json as { text?: string }).text);
  }

  before(async () => {
    emu = await startSlackEmulator({ users: { [ALICE]: { name: 'alice' } } });
    clock = manualClock(T0);
    a = await startTestBot({ emu, prefix, now: clock.now });
    b = await startTestBot({ emu, prefix, now: clock.now });
    // The test sweeps itself, so it sees which replica ended what (the timers would race it).
    await Promise.all([a.bot.sweeper.stop(), b.bot.sweeper.stop()]);
  });
  after(async () => {
    await a.bot.stop();
    await b.bot.stop();
    await emu.close();
    const r = connect();
    await deletePrefix(r, prefix);
    r.disconnect();
  });

  test('matching alerts are swallowed and counted, the rest untouched; the end is exact and announced once', async () => {
    const answer = await falco(
      a,
      'mute rule="Terminal shell in container" ns=prod 2h load test of prod',
    );
    assert.match(answer, /Muted as MUTE-1 until/);
    await a.bot.publisher.drain();
    const notice = await emu.waitFor(
      (e) => e.messages(CHANNEL).find((m) => m.metadata?.event_type === 'falco_triage_silence'),
      { what: 'the silence announced where it was created' },
    );
    assert.match(notice.text, /MUTE-1: alerts muted until/);
    assert.ok(JSON.stringify(notice.blocks).includes('silence_unmute'), 'with an Unmute button');

    // 30 matching alerts to either instance, 5 of them sent again (retries), 10 others.
    const prod = Array.from({ length: 30 }, () => alert('prod', T0));
    await send(a, prod.slice(0, 15), [a, b], 15);
    await send(b, prod.slice(15), [a, b], 30);
    await send(b, prod.slice(0, 5), [a, b], 35);
    await send(
      a,
      Array.from({ length: 10 }, () => alert('dev', T0)),
      [a, b],
      45,
    );
    assert.equal(
      (await a.bot.store.silences.get('MUTE-1'))?.count,
      30,
      'each matching event counted once',
    );
    const open = await a.bot.store.listOpen();
    assert.equal(open.length, 1, 'only the non-matching alerts opened an incident');
    assert.equal(open[0]?.latest.output_fields['k8s.ns.name'], 'dev');
    assert.equal(open[0]?.occurrences, 10);
    assert.match(await falco(b, 'mutes'), /MUTE-1.*30 alert\(s\) swallowed/);

    // The end is exact: the last millisecond is muted, the next is not, whatever the sweeper did.
    const endsAt = (await a.bot.store.silences.get('MUTE-1'))!.endsAt;
    assert.equal(endsAt, T0 + 2 * HOUR);
    clock.set(endsAt - 1);
    assert.deepEqual(await a.bot.sweeper.sweep(), { storms: [], silences: [] });
    await send(a, [alert('prod', endsAt - 1)], [a, b], 46);
    assert.equal((await a.bot.store.silences.get('MUTE-1'))?.count, 31);
    clock.set(endsAt);
    await send(b, [alert('prod', endsAt)], [a, b], 47);
    assert.equal(
      (await a.bot.store.listOpen()).length,
      2,
      'at its end, matching alerts open incidents again',
    );
    assert.equal((await a.bot.store.silences.get('MUTE-1'))?.count, 31);

    // Both replicas sweep at once: one ends it.
    const [fromA, fromB] = await Promise.all([a.bot.sweeper.sweep(), b.bot.sweeper.sweep()]);
    assert.deepEqual([...fromA.silences, ...fromB.silences], ['MUTE-1']);
    // One restarts, and sweeps again: nothing more to end.
    await b.bot.stop();
    b = await startTestBot({ emu, prefix, now: clock.now });
    await b.bot.sweeper.stop();
    assert.deepEqual((await b.bot.sweeper.sweep()).silences, []);
    await Promise.all([a.bot.publisher.drain(), b.bot.publisher.drain()]);
    clock.set(endsAt + 60_000);
    await Promise.all([a.bot.sweeper.sweep(), b.bot.sweeper.sweep()]);
    await Promise.all([a.bot.publisher.drain(), b.bot.publisher.drain()]);
    await emu.waitFor((e) =>
      e.replies(CHANNEL, notice.ts).find((r) => /MUTE-1 ended/.test(r.text)),
    );
    await Promise.all([a.bot.publisher.idle(), b.bot.publisher.idle()]);
    const ends = emu.replies(CHANNEL, notice.ts).filter((r) => /MUTE-1 ended/.test(r.text));
    assert.equal(ends.length, 1, 'the end is written once');
    assert.match(ends[0]!.text, /swallowed 31 alert\(s\)/);
    assert.match(emu.messages(CHANNEL).find((m) => m.ts === notice.ts)!.text, /MUTE-1 ended/);
    assert.match(await falco(a, 'unmute MUTE-1'), /not an active silence/);
  });

  test('Mute similar on an incident proposes its rule and namespace; the dialog creates the silence; Unmute ends it', async () => {
    const [inc] = (await a.bot.store.listOpen()).filter((i) => i.ts);
    assert.ok(inc?.ts);
    const message = emu.messages(CHANNEL).find((m) => m.ts === inc.ts)!;
    assert.ok(
      JSON.stringify(message.blocks).includes('mute_similar'),
      'Mute similar is on the message',
    );
    const views = emu.views.length;
    await postRequest(
      `${a.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts: inc.ts, blocks: message.blocks },
        actions: [{ action_id: 'mute_similar', value: inc.id }],
      }),
    );
    const view = await emu.waitFor((e) => e.views.slice(views).find((v) => v.via === 'views.open'));
    const shown = JSON.stringify(view.view.blocks);
    assert.match(shown, /rule=Terminal shell in container/);
    assert.match(
      shown,
      new RegExp(`k8s.ns.name=${String(inc.latest.output_fields['k8s.ns.name'])}`),
    );
    const res = await postRequest(
      `${a.base}/slack/events`,
      SIGNING_SECRET,
      viewSubmission({
        user: { id: ALICE },
        view: {
          callback_id: 'mute_modal',
          private_metadata: String(view.view.private_metadata),
          state: {
            values: {
              [MUTE_INPUT.matchersBlock]: {
                [MUTE_INPUT.matchersAction]: {
                  type: 'plain_text_input',
                  value: 'rule=Terminal shell*\nns=dev',
                },
              },
              [MUTE_INPUT.durationBlock]: {
                [MUTE_INPUT.durationAction]: {
                  type: 'static_select',
                  selected_option: { text: { type: 'plain_text', text: '1 hour' }, value: '60' },
                },
              },
              [MUTE_INPUT.reasonBlock]: {
                [MUTE_INPUT.reasonAction]: {
                  type: 'plain_text_input',
                  value: 'noisy <!channel> test',
                },
              },
            },
          },
        },
      }),
    );
    assert.equal(res.status, 200, res.body);
    const [s] = await a.bot.store.silences.active(clock.now());
    assert.equal(s?.id, 'MUTE-2');
    assert.deepEqual(s.matchers, { rule: 'Terminal shell*', 'k8s.ns.name': 'dev' });
    await a.bot.publisher.drain();
    const notice = await emu.waitFor((e) =>
      e
        .messages(CHANNEL)
        .find(
          (m) => (m.metadata?.event_payload as { silence_id?: string })?.silence_id === 'MUTE-2',
        ),
    );
    assert.doesNotMatch(
      JSON.stringify(notice.blocks),
      /<!channel>/,
      'the reason cannot ping the channel',
    );
    await postRequest(
      `${a.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts: notice.ts, blocks: notice.blocks },
        actions: [{ action_id: 'silence_unmute', value: 'MUTE-2' }],
      }),
    );
    await eventually(async () => (await a.bot.store.silences.active(clock.now())).length === 0, {
      what: 'the click to end MUTE-2',
    });
    await a.bot.publisher.drain();
    await emu.waitFor((e) =>
      e.replies(CHANNEL, notice.ts).find((r) => /MUTE-2 ended/.test(r.text)),
    );
    await Promise.all([a.bot.publisher.idle(), b.bot.publisher.idle()]);
    const ends = emu.replies(CHANNEL, notice.ts).filter((r) => /MUTE-2 ended/.test(r.text));
    assert.equal(ends.length, 1);
    assert.match(ends[0]!.text, /ended by alice/);
  });
});
