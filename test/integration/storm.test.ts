import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESOLVE_INPUT, VIEW } from '../../blocks/action-ids.js';
import { checkMessage } from '../helpers/block-kit-limits.js';
import { eventually } from '../helpers/eventually.js';
import { manualClock, type Clock } from '../helpers/publisher-harness.js';
import {
  blockAction,
  postRequest,
  slashCommand,
  viewSubmission,
} from '../helpers/slack-signing.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';
import { stormAlert } from '../helpers/storm-alert.js';

/**
 * A storm, end to end with the default settings: alerts over HTTP, the engine, the
 * publisher and the sweeper on a clock the test moves (no sleeps, no timing), Slack
 * as the emulator.
 */

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const ALICE = 'U0ALICE001';
const FINGERPRINTS = 2000;
const TOTAL = 20_000;
const PER_SECOND = 200;
/** The defaults (empty = unset), not the test bot's faster settings. */
const DEFAULTS = {
  CHANNEL_POST_INTERVAL_MS: '',
  UPDATE_COALESCE_MS: '',
  STORM_THRESHOLD: '',
  STORM_WINDOW_SEC: '',
  STORM_UPDATE_SEC: '',
  STORM_FOLD_PRIORITY: '',
};

const alert = (i: number, at: number, over: Record<string, unknown> = {}) =>
  stormAlert(i, FINGERPRINTS, at, over);

type Write = { method: string; at: number; text: string; thread: boolean };

describe('a storm: 20,000 alerts over 2,000 fingerprints into one channel, default settings', () => {
  let emu: SlackEmulator;
  let t: TestBot;
  let clock: Clock;
  const writes: Write[] = [];
  let criticalSentAt = 0;

  const processed = () =>
    ['new', 'grouped', 'reopened', 'duplicate', 'muted'].reduce(
      (n, outcome) => n + t.bot.metrics.alertsProcessed.get({ outcome }),
      0,
    );

  /** Moves the clock, writing what is due and ending what ended at each step. */
  async function advance(ms: number, step = 250) {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      clock.set(Math.min(end, clock.now() + step));
      await t.bot.sweeper.sweep();
      await t.bot.publisher.drain();
    }
  }

  before(async () => {
    emu = await startSlackEmulator({ users: { [ALICE]: { name: 'alice' } } });
    clock = manualClock(T0);
    t = await startTestBot({ emu, env: DEFAULTS, now: clock.now, pollMs: 50 });
    emu.on('call', (c) => {
      if ((c.method === 'chat.postMessage' || c.method === 'chat.update') && c.status === 200)
        writes.push({
          method: c.method,
          at: clock.now(),
          text: typeof c.args.text === 'string' ? c.args.text : '',
          thread: Boolean(c.args.thread_ts),
        });
    });
    let sent = 0;
    for (let second = 0; sent < TOTAL; second++) {
      const batch = [];
      for (let k = 0; k < PER_SECOND && sent < TOTAL; k++, sent++)
        batch.push(alert(sent, T0 + second * 1000 + k));
      if (second === 50) {
        criticalSentAt = clock.now();
        batch.push(
          alert(99_999, clock.now(), {
            rule: 'Read sensitive file untrusted',
            priority: 'Critical',
            output_fields: { 'fd.name': '/etc/shadow', 'k8s.ns.name': 'payments' },
          }),
        );
      }
      const res = await t.postAlerts(batch);
      assert.equal(res.status, 202);
      const expected = sent + (second >= 50 ? 1 : 0);
      while (processed() < expected)
        await t.bot.publisher.idle().then(() => new Promise((r) => setImmediate(r)));
      await advance(1000);
    }
    // The storm dies down: no new incidents for a while.
    await advance(180_000, 1000);
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  test('at most a few dozen Slack writes in the first two minutes', () => {
    const early = writes.filter((w) => w.at < T0 + 120_000);
    const posts = early.filter((w) => w.method === 'chat.postMessage').length;
    const updates = early.filter((w) => w.method === 'chat.update').length;
    console.log(
      `# first two minutes: ${early.length} Slack writes (${posts} posts, ${updates} updates); whole run: ${writes.length}`,
    );
    assert.ok(early.length <= 40, `${early.length} writes`);
  });

  test('one digest with the storm’s size and exact counts; every alert counted once', async () => {
    const digests = emu
      .messages(CHANNEL)
      .filter((m) => m.metadata?.event_type === 'falco_triage_storm');
    assert.equal(digests.length, 1);
    const storm = (await t.bot.store.storms.digest('STORM-1'))!;
    const alone = (await t.bot.store.listOpen({ limit: 5000 })).filter((i) => !i.storm);
    const folded = await t.bot.store.storms.members('STORM-1', 0, 5000);
    assert.equal(storm.incidents, folded.length);
    assert.equal(
      storm.incidents + alone.length,
      FINGERPRINTS + 1,
      'every fingerprint, and the Critical',
    );
    assert.equal(
      storm.alerts,
      folded.reduce((n, i) => n + i.occurrences, 0),
    );
    assert.equal(
      storm.alerts + alone.reduce((n, i) => n + i.occurrences, 0),
      TOTAL + 1,
      'every alert counted once, in the digest or on its own incident',
    );
    const sum = (k: 'incidents' | 'alerts') => (list: typeof storm.byRule) =>
      list.reduce((n, c) => n + c[k], 0);
    for (const dim of [storm.byRule, storm.byNs, storm.byHost]) {
      assert.equal(sum('incidents')(dim), storm.incidents);
      assert.equal(sum('alerts')(dim), storm.alerts);
    }
    assert.equal(storm.byNs.length, 7);
    assert.equal(storm.status, 'closed', 'the storm closed when the rate fell back');
    const shown = JSON.stringify(digests[0]!.blocks);
    assert.match(
      shown,
      new RegExp(
        `${storm.incidents.toLocaleString('en-US')} new incident\\(s\\), ${storm.alerts.toLocaleString('en-US')} alert\\(s\\)`,
      ),
    );
    assert.deepEqual(checkMessage(digests[0]!), [], 'within Block Kit’s limits');
    const closing = emu.replies(CHANNEL, digests[0]!.ts).filter((r) => /is over/.test(r.text));
    assert.equal(closing.length, 1, 'one summary line when it closed');
  });

  test('a Critical alert sent mid-storm was posted on its own within 5 s', () => {
    const posted = writes.find(
      (w) => w.method === 'chat.postMessage' && !w.thread && /Critical/.test(w.text),
    );
    assert.ok(posted, 'posted');
    assert.ok(posted.at - criticalSentAt <= 5000, `${posted.at - criticalSentAt} ms`);
  });

  test('every incident is reachable: listed page by page, and opened in the digest’s thread', async () => {
    const storm = (await t.bot.store.storms.digest('STORM-1'))!;
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      const res = await postRequest(
        `${t.base}/slack/events`,
        SIGNING_SECRET,
        slashCommand({ text: `storm STORM-1 ${page}`, user_id: ALICE, channel_id: CHANNEL }),
      );
      const text = String((res.json as { text?: string }).text);
      for (const m of text.matchAll(/\*(FT-\d+)\*/g)) seen.add(m[1]!);
      if (!/Next:/.test(text)) break;
    }
    assert.equal(seen.size, storm.incidents, 'every folded incident is listed');
    const digest = emu
      .messages(CHANNEL)
      .find((m) => m.metadata?.event_type === 'falco_triage_storm')!;
    const select = JSON.stringify(digest.blocks).match(/"value":"(FT-\d+)"/)![1]!;
    await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts: digest.ts, blocks: digest.blocks },
        actions: [
          {
            action_id: 'storm_open_incident',
            block_id: 'storm:STORM-1',
            type: 'static_select',
            selected_option: { text: { type: 'plain_text', text: select }, value: select },
          },
        ],
      }),
    );
    const last = [...seen].at(-1)!;
    await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text: `show ${last}`, user_id: ALICE, channel_id: CHANNEL }),
    );
    await advance(3000);
    const thread = emu.replies(CHANNEL, digest.ts);
    for (const id of [select, last])
      assert.ok(
        thread.some(
          (r) => (r.metadata?.event_payload as { incident_id?: string })?.incident_id === id,
        ),
        `${id}'s report is in the digest's thread`,
      );
  });
});

describe('acting on a whole storm from its digest', () => {
  const BOB = 'U0BOB00001';
  let emu: SlackEmulator;
  let t: TestBot;
  let clock: Clock;

  before(async () => {
    emu = await startSlackEmulator({
      users: { [ALICE]: { name: 'alice' }, [BOB]: { name: 'bob' } },
    });
    clock = manualClock(T0);
    t = await startTestBot({
      emu,
      env: { STORM_THRESHOLD: '2', STORM_UPDATE_SEC: '1' },
      now: clock.now,
    });
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  const digestMessage = () =>
    emu.messages(CHANNEL).find((m) => m.metadata?.event_type === 'falco_triage_storm')!;
  async function click(action: Record<string, unknown>) {
    const d = digestMessage();
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts: d.ts, blocks: d.blocks },
        actions: [action as never],
      }),
    );
    assert.equal(res.status, 200);
  }
  /** Moves the clock on and lets the publisher write everything due (its own timer runs too). */
  async function settle() {
    clock.set(clock.now() + 2000);
    for (let i = 0; i < 5; i++) {
      await t.bot.publisher.idle();
      await t.bot.publisher.drain();
    }
  }
  const members = () => t.bot.store.storms.members('STORM-1', 0, 100);

  test('Acknowledge all, Assign all and Resolve all change every incident of the storm, post none of them, and say so once in the thread', async () => {
    assert.equal(
      (await t.postAlerts(Array.from({ length: 8 }, (_, i) => alert(i, T0)))).status,
      202,
    );
    await eventually(async () => ((await t.bot.store.listOpen()).length === 8 ? true : undefined));
    await settle();
    const top = emu.messages(CHANNEL).length;
    assert.equal((await members()).length, 6, 'two posted, then six folded');
    assert.ok(JSON.stringify(digestMessage().blocks).includes('storm_acknowledge'));

    await click({ action_id: 'storm_acknowledge', value: 'STORM-1' });
    await eventually(async () =>
      (await members()).every((i) => i.status === 'acknowledged') ? true : undefined,
    );
    await click({
      action_id: 'storm_assign',
      block_id: 'triage:STORM-1',
      type: 'users_select',
      selected_user: BOB,
    });
    await eventually(async () =>
      (await members()).every((i) => i.assignee === BOB) ? true : undefined,
    );
    const views = emu.views.length;
    await click({ action_id: 'storm_resolve', value: 'STORM-1' });
    const opened = await emu.waitFor((e) =>
      e.views.slice(views).find((v) => v.via === 'views.open'),
    );
    assert.match(JSON.stringify(opened.view), /Every open incident of STORM-1/);
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      viewSubmission({
        user: { id: ALICE },
        view: {
          callback_id: VIEW.resolve,
          private_metadata: String(opened.view.private_metadata),
          state: {
            values: {
              [RESOLVE_INPUT.reasonBlock]: {
                [RESOLVE_INPUT.reasonAction]: {
                  type: 'static_select',
                  selected_option: {
                    text: { type: 'plain_text', text: 'x' },
                    value: 'false_positive',
                  },
                },
              },
              [RESOLVE_INPUT.noteBlock]: {
                [RESOLVE_INPUT.noteAction]: { type: 'plain_text_input', value: 'a deploy <!here>' },
              },
            },
          },
        },
      }),
    );
    assert.equal(res.status, 200, res.body);
    assert.ok(
      (await members()).every((i) => i.status === 'resolved' && i.resolution === 'false_positive'),
    );
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(emu.messages(CHANNEL).length, top, 'no folded incident was posted on its own');
    const lines = emu.replies(CHANNEL, digestMessage().ts).map((r) => r.text);
    assert.deepEqual(
      lines.filter((l) => /all \d+ open incidents of STORM-1/.test(l)),
      [
        'alice acknowledged all 6 open incidents of STORM-1',
        `alice assigned all 6 open incidents of STORM-1 to <@${BOB}>`,
        'alice resolved all 6 open incidents of STORM-1 as false positive: a deploy &lt;!here&gt;',
      ],
    );
  });

  test('Mute similar on the digest proposes the storm’s rule', async () => {
    const views = emu.views.length;
    await click({ action_id: 'mute_similar', value: 'STORM-1' });
    const opened = await emu.waitFor((e) =>
      e.views.slice(views).find((v) => v.via === 'views.open'),
    );
    assert.match(JSON.stringify(opened.view.blocks), /rule=Terminal shell in container/);
    // The same from /falco: the storm's one rule; its namespaces differ, so none is proposed.
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text: 'mute STORM-1 2h noisy deploy', user_id: ALICE, channel_id: CHANNEL }),
    );
    assert.match(String((res.json as { text?: string }).text), /Muted as MUTE-1 until/);
    const [s] = await t.bot.store.silences.active(clock.now());
    assert.deepEqual(s?.matchers, { rule: 'Terminal shell in container' });
    assert.equal(s?.channel, CHANNEL);
  });
});
