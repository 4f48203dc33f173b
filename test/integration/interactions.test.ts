import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ACTION, RESOLVE_INPUT, SNOOZE_OPTIONS, VIEW } from '../../blocks/action-ids.js';
import { parse as parseYaml } from 'yaml';
import { checkFalcoSnippet } from '../helpers/falco-rules-shape.js';
import { HUGE } from '../helpers/injection-corpus.js';
import { eventually } from '../helpers/eventually.js';
import type { EmulatedMessage } from '../helpers/slack-emulator.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import {
  blockAction,
  postRequest,
  viewSubmission,
  type BlockActionInput,
} from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * Every triage button and the Resolve dialog, sent as Slack sends them (signed
 * block_actions and view_submission requests to /slack/events), in every state,
 * by allowed users, by a member of an allowed user group, and by someone not allowed.
 */

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001'; // allowed through the user group
const MALLORY = 'U0MALLORY1'; // not allowed
const ONCALL = 'S0ONCALL01';

let seq = 0;
function alert(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-22T10:15:30.123456789Z',
    output: '10:15:30.123456789: Notice A shell was spawned in a container',
    output_fields: {
      'container.id': `c0ffee${String(seq).padStart(6, '0')}`,
      'container.image.repository': 'ghcr.io/example/payments-api',
      'k8s.ns.name': 'payments',
      'k8s.pod.name': `payments-api-${seq}`,
      'proc.name': 'bash',
      'proc.cmdline': 'bash -i',
      'proc.pname': 'runc',
      'user.name': 'root',
      'user.loginuid': -1,
      'proc.tty': 34816,
    },
    source: 'syscall',
    hostname: 'worker-node-1',
    ...overrides,
  };
}

const actionIds = (m: EmulatedMessage): string[] =>
  (m.blocks ?? []).flatMap((b) =>
    ((b.elements as Array<{ action_id?: string }> | undefined) ?? [])
      .map((e) => e.action_id)
      .filter((x): x is string => typeof x === 'string'),
  );
const statusOf = (m: EmulatedMessage): string => {
  const block = (m.blocks ?? []).find(
    (b) =>
      b.type === 'context' &&
      JSON.stringify(b).includes('source ') &&
      /Open|Acknowledged|Resolved/.test(JSON.stringify(b)),
  );
  return block ? JSON.stringify(block) : '';
};

describe('triage interactions', () => {
  let t: TestBot;
  let emu: SlackEmulator;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'falco-triage-'));
    const configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `permissions:\n  users: [${ALICE}, ${BOB}]\n  usergroups: [${ONCALL}]\n`,
    );
    emu = await startSlackEmulator({
      users: {
        [ALICE]: { name: 'alice' },
        [BOB]: { name: 'bob' },
        [CAROL]: { name: 'carol' },
        [MALLORY]: { name: 'mallory' },
      },
      usergroups: { [ONCALL]: [CAROL] },
    });
    t = await startTestBot({ emu, env: { CONFIG_FILE: configFile } });
  });
  after(async () => {
    await t.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Posts an alert and waits for its incident message. */
  async function newIncident(overrides: Record<string, unknown> = {}) {
    const a = alert(overrides);
    const res = await t.postAlerts(a);
    assert.equal(res.status, 202);
    const podName = a.output_fields['k8s.pod.name'];
    const msg = await emu.waitFor(
      (e) => e.messages(CHANNEL).find((m) => JSON.stringify(m.blocks).includes(podName)),
      { what: `the message for ${podName}` },
    );
    const triage = (msg.blocks ?? []).find((b) => String(b.block_id).startsWith('triage:'));
    const id = String(triage?.block_id).split(':')[1]!;
    assert.match(id, /^FT-\d+$/);
    return { id, ts: msg.ts };
  }

  const current = (ts: string) => emu.messages(CHANNEL).find((m) => m.ts === ts)!;

  async function click(
    user: string,
    ts: string,
    action: BlockActionInput['actions'][number],
  ): Promise<number> {
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: user },
        channel: { id: CHANNEL },
        message: { ts, blocks: current(ts).blocks },
        actions: [action],
      }),
    );
    return res.status;
  }

  const button = (actionId: string, id: string) => ({ action_id: actionId, value: id });

  /** Waits until the message reflects incident version `v` or later, via the store. */
  async function settled(id: string, ts: string, check: (m: EmulatedMessage) => boolean) {
    return eventually(
      async () => {
        const inc = await t.bot.store.get(id);
        const m = current(ts);
        return inc && check(m) ? { inc, m } : undefined;
      },
      { what: `the message of ${id} to show the change` },
    );
  }

  async function ephemeralFor(user: string, since: number, pattern: RegExp) {
    return emu.waitFor(
      (e) => e.ephemerals.slice(since).find((x) => x.user === user && pattern.test(x.text)),
      { what: `an ephemeral to ${user} matching ${pattern}` },
    );
  }

  test('acknowledge: state, buttons, status line and one thread line without a ping', async () => {
    const { id, ts } = await newIncident();
    assert.ok(actionIds(current(ts)).includes(ACTION.acknowledge));
    assert.ok(!actionIds(current(ts)).includes(ACTION.reopen), 'no Reopen on an open incident');
    const started = Date.now();
    assert.equal(await click(ALICE, ts, button(ACTION.acknowledge, id)), 200);
    assert.ok(Date.now() - started < 3000, 'acknowledged within 3 s');
    const { inc, m } = await settled(id, ts, (x) => actionIds(x).includes(ACTION.unacknowledge));
    assert.equal(inc.status, 'acknowledged');
    assert.equal(inc.acknowledgedBy, ALICE);
    assert.ok(!actionIds(m).includes(ACTION.acknowledge));
    assert.match(statusOf(m), /Acknowledged by <@U0ALICE001>/);
    const lines = await emu.waitFor((e) => {
      const r = e.replies(CHANNEL, ts).filter((x) => /acknowledged/.test(x.text));
      return r.length ? r : undefined;
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.text, /alice acknowledged FT-\d+/);
    assert.ok(!lines[0]!.text.includes('<@'), 'the actor is named, not pinged');
  });

  test('two users acknowledge at the same instant: one wins, the other is told who did', async () => {
    const { id, ts } = await newIncident();
    const since = emu.ephemerals.length;
    const [a, b] = await Promise.all([
      click(ALICE, ts, button(ACTION.acknowledge, id)),
      click(BOB, ts, button(ACTION.acknowledge, id)),
    ]);
    assert.deepEqual([a, b], [200, 200]);
    const inc = await eventually(async () => {
      const i = await t.bot.store.get(id);
      return i?.status === 'acknowledged' ? i : undefined;
    });
    const winner = inc.acknowledgedBy!;
    const loser = winner === ALICE ? BOB : ALICE;
    const told = await ephemeralFor(loser, since, /already acknowledged/i);
    assert.ok(told.text.includes(winner), `the refusal names the winner: ${told.text}`);
    const timeline = await t.bot.store.timeline(id);
    assert.equal(timeline.filter((e) => e.kind === 'acknowledged').length, 1);
  });

  test('unacknowledge, assign, unassign, snooze and end snooze', async () => {
    const { id, ts } = await newIncident();
    await click(ALICE, ts, button(ACTION.acknowledge, id));
    await settled(id, ts, (m) => actionIds(m).includes(ACTION.unacknowledge));

    await click(BOB, ts, button(ACTION.unacknowledge, id));
    let s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.acknowledge));
    assert.equal(s.inc.status, 'open');

    await click(ALICE, ts, {
      action_id: ACTION.assign,
      block_id: `triage:${id}`,
      type: 'users_select',
      selected_user: BOB,
    });
    s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.unassign));
    assert.equal(s.inc.assignee, BOB);
    assert.match(statusOf(s.m), /assigned to <@U0BOB00001>/);
    assert.ok(
      (await t.bot.store.listByAssignee(BOB)).some((i) => i.id === id),
      'indexed under the assignee',
    );

    await click(ALICE, ts, button(ACTION.unassign, id));
    s = await settled(id, ts, (m) => !actionIds(m).includes(ACTION.unassign));
    assert.equal(s.inc.assignee, undefined);

    const option = SNOOZE_OPTIONS[1]!;
    await click(CAROL, ts, {
      action_id: ACTION.snooze,
      block_id: `triage:${id}`,
      type: 'static_select',
      selected_option: {
        text: { type: 'plain_text', text: option.label },
        value: String(option.minutes),
      },
    });
    s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.unsnooze));
    assert.ok(s.inc.snoozedUntil! > Date.now() + 59 * 60_000);
    assert.match(statusOf(s.m), /snoozed until/);

    await click(CAROL, ts, button(ACTION.unsnooze, id));
    s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.snooze));
    assert.equal(s.inc.snoozedUntil, undefined);

    const kinds = (await t.bot.store.timeline(id)).map((e) => e.kind);
    for (const k of [
      'acknowledged',
      'unacknowledged',
      'assigned',
      'unassigned',
      'snoozed',
      'unsnoozed',
    ])
      assert.ok(kinds.includes(k as never), `timeline has ${k}`);
    const thread = await emu.waitFor((e) => {
      const r = e.replies(CHANNEL, ts);
      return r.length >= 6 ? r : undefined;
    });
    assert.equal(thread.length, 6, thread.map((r) => r.text).join('\n'));
  });

  test('resolve through the dialog with a reason and a note, then reopen', async () => {
    const { id, ts } = await newIncident();
    const before = emu.views.length;
    await click(ALICE, ts, button(ACTION.resolve, id));
    const opened = await emu.waitFor((e) =>
      e.views.slice(before).find((v) => v.via === 'views.open'),
    );
    assert.equal(opened.view.callback_id, VIEW.resolve);

    const submit = (user: string, reason: string | undefined, note?: string) =>
      postRequest(
        `${t.base}/slack/events`,
        SIGNING_SECRET,
        viewSubmission({
          user: { id: user },
          view: {
            callback_id: VIEW.resolve,
            private_metadata: String(opened.view.private_metadata),
            state: {
              values: {
                [RESOLVE_INPUT.reasonBlock]: {
                  [RESOLVE_INPUT.reasonAction]: {
                    type: 'static_select',
                    selected_option: reason
                      ? { text: { type: 'plain_text', text: reason }, value: reason }
                      : null,
                  },
                },
                [RESOLVE_INPUT.noteBlock]: {
                  [RESOLVE_INPUT.noteAction]: { type: 'plain_text_input', value: note ?? null },
                },
              },
            },
          },
        }),
      );

    const noReason = await submit(ALICE, undefined);
    assert.equal(noReason.status, 200);
    assert.equal((noReason.json as { response_action?: string }).response_action, 'errors');
    assert.equal((await t.bot.store.get(id))!.status, 'open', 'no reason, no change');

    const notAllowed = await submit(MALLORY, 'benign');
    assert.equal((notAllowed.json as { response_action?: string }).response_action, 'errors');
    assert.equal((await t.bot.store.get(id))!.status, 'open');

    const ok = await submit(ALICE, 'contained', 'pod <!channel> deleted');
    assert.equal(ok.status, 200);
    let s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.reopen));
    assert.equal(s.inc.status, 'resolved');
    assert.equal(s.inc.resolution, 'contained');
    assert.deepEqual(
      actionIds(s.m).filter(
        (a) =>
          a.startsWith('incident_') &&
          a !== ACTION.expand &&
          a !== ACTION.collapse &&
          a !== ACTION.fullReport,
      ),
      [ACTION.reopen],
    );
    assert.match(statusOf(s.m), /Resolved by <@U0ALICE001> as contained/);
    const line = await emu.waitFor((e) =>
      e.replies(CHANNEL, ts).find((r) => /resolved/.test(r.text)),
    );
    assert.ok(line.text.includes('&lt;!channel&gt;'), 'the note is shown escaped');

    const twice = await submit(BOB, 'benign');
    assert.equal((twice.json as { response_action?: string }).response_action, 'errors');
    assert.match(JSON.stringify(twice.json), /already resolved/i);

    const since = emu.ephemerals.length;
    await click(BOB, ts, button(ACTION.acknowledge, id));
    await ephemeralFor(BOB, since, /resolved/i);
    assert.equal(
      (await t.bot.store.get(id))!.status,
      'resolved',
      'ack of a resolved incident is refused',
    );

    await click(BOB, ts, button(ACTION.reopen, id));
    s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.acknowledge));
    assert.equal(s.inc.status, 'open');
  });

  test('resolving as false positive posts a valid Falco exception for exactly this pattern', async () => {
    const { id, ts } = await newIncident();
    await t.bot.store.triage.resolve(
      id,
      ALICE,
      'false_positive',
      'expected debug session',
      Date.now(),
    );
    t.bot.publisher.wake();
    const line = await emu.waitFor((e) =>
      e.replies(CHANNEL, ts).find((r) => /false positive/.test(r.text) && r.text.includes('```')),
    );
    const snippet = /```([\s\S]*?)```/
      .exec(line.text)![1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    assert.deepEqual(checkFalcoSnippet(snippet), []);
    const items = parseYaml(snippet) as Array<Record<string, unknown>>;
    assert.equal(items[0]!.rule, 'Terminal shell in container');
    const inc = (await t.bot.store.get(id))!;
    assert.ok(snippet.includes(String(inc.latest.output_fields['container.image.repository'])));
    assert.match(line.text, /rules file loaded \*after\* the default rules/);
  });

  test('show all mitigations and hide: anyone may, and later updates keep the choice', async () => {
    const a = alert();
    const { id, ts } = await newIncident(a);
    await click(MALLORY, ts, button(ACTION.expand, id));
    let s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.collapse));
    assert.equal(s.inc.expanded, true);
    assert.match(JSON.stringify(s.m.blocks), /Detailed analysis/);

    // A new occurrence updates the message; it stays expanded.
    await t.postAlerts({ ...a, time: '2026-11-22T10:16:30.000000000Z' });
    s = await settled(id, ts, (m) => /[^0-9.,]2 \(first /.test(JSON.stringify(m.blocks)));
    assert.ok(actionIds(s.m).includes(ACTION.collapse), 'still expanded after an occurrence');

    await click(MALLORY, ts, button(ACTION.collapse, id));
    s = await settled(id, ts, (m) => actionIds(m).includes(ACTION.expand));
    assert.equal(s.inc.expanded, false);
    assert.doesNotMatch(JSON.stringify(s.m.blocks), /Detailed analysis/);
  });

  test('full report opens a modal with the raw fields, for anyone', async () => {
    const { id, ts } = await newIncident();
    const before = emu.views.length;
    await click(MALLORY, ts, button(ACTION.fullReport, id));
    const v = await emu.waitFor((e) => e.views.slice(before).find((x) => x.via === 'views.open'));
    assert.equal(v.view.callback_id, VIEW.fullReport);
    const text = JSON.stringify(v.view.blocks);
    for (const part of ['Detailed analysis', 'Triage', 'Contain', 'bash -i'])
      assert.ok(text.includes(part), `the full report shows ${part}`);
  });

  test('a 100 KB command line and 300 fields: the modal fits, the whole alert is attached once in the thread', async () => {
    const a = alert();
    const fields: Record<string, unknown> = { ...a.output_fields, 'proc.cmdline': HUGE };
    for (let i = 0; i < 300; i++) fields[`custom.field${i}`] = `value ${i} ${'x'.repeat(300)}`;
    const { id, ts } = await newIncident({ output_fields: fields, output: HUGE });
    const message = current(ts);
    assert.ok(JSON.stringify(message.blocks).includes('characters trimmed'), 'visible marker');
    const views = emu.views.length;
    await click(MALLORY, ts, button(ACTION.fullReport, id));
    const v = await emu.waitFor((e) => e.views.slice(views).find((x) => x.via === 'views.open'));
    assert.match(JSON.stringify(v.view.blocks), /attached as a file/);
    const file = await emu.waitFor((e) => e.files.find((f) => f.thread_ts === ts));
    assert.equal(file.filename, `${id}-alert.json`);
    const raw = JSON.parse(file.content.toString('utf8')) as {
      output_fields: Record<string, unknown>;
    };
    assert.equal(raw.output_fields['proc.cmdline'], HUGE, 'the full command line is reachable');
    assert.equal(Object.keys(raw.output_fields).length, Object.keys(fields).length);
    // A second click opens the modal again but does not attach the same alert twice.
    await click(MALLORY, ts, button(ACTION.fullReport, id));
    await emu.waitFor(
      (e) => e.views.slice(views).filter((x) => x.via === 'views.open').length === 2 || undefined,
    );
    assert.equal(emu.files.filter((f) => f.thread_ts === ts).length, 1);
    const inc = (await t.bot.store.get(id))!;
    assert.equal(
      await t.bot.store.triage.claimRawAttachment(id, inc.version),
      false,
      'already attached',
    );
  });

  test('a user not allowed is told so, and nothing changes', async () => {
    const { id, ts } = await newIncident();
    const version = (await t.bot.store.get(id))!.version;
    for (const action of [
      button(ACTION.acknowledge, id),
      button(ACTION.resolve, id),
      button(ACTION.mute, id),
      {
        action_id: ACTION.assign,
        block_id: `triage:${id}`,
        type: 'users_select',
        selected_user: MALLORY,
      },
    ]) {
      const since = emu.ephemerals.length;
      const views = emu.views.length;
      assert.equal(await click(MALLORY, ts, action), 200);
      await ephemeralFor(MALLORY, since, /not allowed/);
      assert.equal(emu.views.length, views, 'no dialog for a user who may not resolve');
    }
    const inc = (await t.bot.store.get(id))!;
    assert.equal(inc.version, version);
    assert.equal(inc.status, 'open');
  });

  test('a request with a bad signature is refused and changes nothing', async () => {
    const { id, ts } = await newIncident();
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts },
        actions: [button(ACTION.acknowledge, id)],
      }),
      { badSignature: true },
    );
    assert.equal(res.status, 401);
    const stale = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts },
        actions: [button(ACTION.acknowledge, id)],
      }),
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
    );
    assert.equal(stale.status, 401, 'a replayed request older than 5 minutes is refused');
    assert.equal((await t.bot.store.get(id))!.status, 'open');
  });
});
