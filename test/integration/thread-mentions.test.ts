import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TimelineKind } from '../../src/incidents/model.js';
import { INCIDENT_VERBS as VERBS, type VerbName } from '../../src/incidents/verbs.js';
import { THREAD_VERBS } from '../../src/slack/listeners/events/thread-mention.js';
import { THREAD_HELP } from '../../src/slack/listeners/events/thread-mention.js';
import { eventually } from '../helpers/eventually.js';
import { BOT_USER_ID, startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { eventCallback, postRequest, slashCommand } from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * `@falco-triage <verb>` in an incident's thread, and edits and deletions of its notes,
 * sent as Slack sends them: signed Events API requests to /slack/events.
 */

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const MALLORY = 'U0MALLORY1'; // not allowed to change incidents

let seq = 0;
function alert() {
  seq += 1;
  return {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-22T10:15:30.000000000Z',
    output: 'A shell was spawned',
    output_fields: {
      'container.id': `m0ffee${String(seq).padStart(6, '0')}`,
      'proc.cmdline': 'bash',
    },
    source: 'syscall',
    hostname: 'worker-1',
  };
}

describe('mentions and edits in an incident thread', () => {
  let t: TestBot;
  let emu: SlackEmulator;
  let dir: string;
  let msgCounter = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'falco-triage-'));
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, `permissions:\n  users: [${ALICE}, ${BOB}]\n`);
    emu = await startSlackEmulator({
      users: { [ALICE]: { name: 'alice' }, [BOB]: { name: 'bob' }, [MALLORY]: { name: 'mallory' } },
    });
    t = await startTestBot({ emu, env: { CONFIG_FILE: configFile } });
  });
  after(async () => {
    await t.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newIncident(): Promise<{ id: string; ts: string }> {
    const a = alert();
    assert.equal((await t.postAlerts(a)).status, 202);
    return eventually(
      async () => {
        const i = (await t.bot.store.listOpen({ limit: 100 })).find(
          (x) => x.latest.output_fields['container.id'] === a.output_fields['container.id'],
        );
        return i?.ts ? { id: i.id, ts: i.ts } : undefined;
      },
      { what: 'the incident message' },
    );
  }

  const nextTs = () => `1795370000.${String(++msgCounter).padStart(6, '0')}`;
  const send = async (event: Record<string, unknown>) => {
    const res = await postRequest(`${t.base}/slack/events`, SIGNING_SECRET, eventCallback(event));
    assert.equal(res.status, 200);
  };
  /** Slack sends a mention as app_mention, and the same message as a message event. */
  const mention = async (user: string, text: string, threadTs: string | undefined) => {
    const ts = nextTs();
    const message = {
      channel: CHANNEL,
      user,
      text: `<@${BOT_USER_ID}> ${text}`,
      ts,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    await send({ type: 'app_mention', ...message });
    await send({ type: 'message', channel_type: 'channel', ...message });
    return ts;
  };
  const ephemeralTo = (user: string, since: number, pattern: RegExp) =>
    emu.waitFor(
      (e) => e.ephemerals.slice(since).find((x) => x.user === user && pattern.test(x.text)),
      { what: `an ephemeral to ${user} matching ${pattern}` },
    );
  const kinds = async (id: string) =>
    (await t.bot.store.timeline(id, { limit: 1000 })).map((e) => e.kind);

  test('every verb, typed as a mention in the thread, acts on that incident and answers there', async () => {
    const { id, ts } = await newIncident();
    // What each mention says, and what the incident looks like after it. The table's own
    // examples are what is typed, so a new verb fails here until it is added.
    const steps: Array<{ verb: VerbName; text?: string; check: () => Promise<boolean> }> = [
      {
        verb: 'acknowledge',
        check: async () => (await t.bot.store.get(id))?.status === 'acknowledged',
      },
      { verb: 'unacknowledge', check: async () => (await t.bot.store.get(id))?.status === 'open' },
      // A plain @name, as Slack sends it with should_escape: false.
      { verb: 'assign', check: async () => (await t.bot.store.get(id))?.assignee === BOB },
      { verb: 'unassign', check: async () => (await t.bot.store.get(id))?.assignee === undefined },
      {
        verb: 'snooze',
        check: async () => ((await t.bot.store.get(id))?.snoozedUntil ?? 0) > Date.now(),
      },
      {
        verb: 'unsnooze',
        check: async () => (await t.bot.store.get(id))?.snoozedUntil === undefined,
      },
      {
        verb: 'resolve',
        check: async () => {
          const i = await t.bot.store.get(id);
          return i?.resolution === 'benign' && i.resolutionNote === 'looked at it';
        },
      },
      { verb: 'reopen', check: async () => (await t.bot.store.get(id))?.status === 'open' },
    ];
    assert.deepEqual(
      steps.map((s) => s.verb).sort(),
      VERBS.map((v) => v.name).sort(),
      'every verb of the table is mentioned',
    );
    for (const step of steps) {
      const v = VERBS.find((x) => x.name === step.verb)!;
      const before = (await kinds(id)).filter((k) => k === v.timeline).length;
      await mention(ALICE, `${v.command} ${v.example}`.trim(), ts);
      await eventually(async () => ((await step.check()) ? true : undefined), {
        what: `${v.command} to take effect`,
      });
      const after = (await kinds(id)).filter((k: TimelineKind) => k === v.timeline).length;
      assert.equal(after, before + 1, `${v.command} wrote one ${v.timeline} entry`);
    }
    // The answers are the thread lines everyone sees, naming alice without pinging her.
    const lines = await emu.waitFor((e) => {
      const r = e.replies(CHANNEL, ts).filter((x) => x.user === BOT_USER_ID);
      return r.length >= steps.length ? r : undefined;
    });
    assert.match(lines.map((l) => l.text).join('\n'), new RegExp(`alice acknowledged ${id}`));
    assert.match(
      lines.map((l) => l.text).join('\n'),
      new RegExp(`alice assigned ${id} to <@${BOB}>`),
    );
    assert.match(lines.map((l) => l.text).join('\n'), /alice resolved .* as benign: looked at it/);
    // The mentions were commands, not notes.
    assert.ok(!(await kinds(id)).includes('note'));
  });

  test('an escaped <@U…|name> works as well as a plain @name', async () => {
    const { id, ts } = await newIncident();
    await mention(ALICE, `assign <@${BOB}|bob>`, ts);
    await eventually(async () =>
      (await t.bot.store.get(id))?.assignee === BOB ? true : undefined,
    );
  });

  test('refusals and typing mistakes are answered to the person, in the thread, and change nothing', async () => {
    const { id, ts } = await newIncident();
    await mention(ALICE, 'ack', ts);
    await eventually(async () =>
      (await t.bot.store.get(id))?.status === 'acknowledged' ? true : undefined,
    );
    const version = (await t.bot.store.get(id))!.version;
    const cases: Array<[string, RegExp]> = [
      ['ack', /already acknowledged by <@U0ALICE001>/],
      ['reopen', /is not resolved/],
      ['unsnooze', /is not snoozed/],
      ['unassign', /has no assignee/],
      ['resolve nonsense', /Usage: `@falco-triage resolve <reason> \[note\]; reasons: benign/],
      ['snooze forever', /Usage: `@falco-triage snooze/],
      ['assign @nobody-here', /Usage: `@falco-triage assign/],
      ['frobnicate', /I do not know `frobnicate`/],
    ];
    for (const [text, pattern] of cases) {
      const since = emu.ephemerals.length;
      const at = await mention(BOB, text, ts);
      const told = await ephemeralTo(BOB, since, pattern);
      assert.equal(told.thread_ts, ts, `${text}: answered in the thread`);
      assert.notEqual(told.thread_ts, at);
    }
    assert.equal((await t.bot.store.get(id))!.version, version, 'nothing changed');
  });

  test('a user who may not change incidents is told so, and nothing changes', async () => {
    const { id, ts } = await newIncident();
    const version = (await t.bot.store.get(id))!.version;
    for (const v of THREAD_VERBS) {
      const since = emu.ephemerals.length;
      await mention(MALLORY, `${v.command} ${v.example}`.trim(), ts);
      await ephemeralTo(MALLORY, since, /not allowed/);
    }
    const i = (await t.bot.store.get(id))!;
    assert.equal(i.version, version);
    assert.equal(i.status, 'open');
  });

  test('help, and a mention outside an incident thread, answer helpfully and change nothing', async () => {
    const { id, ts } = await newIncident();
    const version = (await t.bot.store.get(id))!.version;
    let since = emu.ephemerals.length;
    await mention(ALICE, 'help', ts);
    const help = await ephemeralTo(ALICE, since, /mention me/);
    assert.equal(help.text, THREAD_HELP);
    for (const v of THREAD_VERBS) assert.ok(help.text.includes(`@falco-triage ${v.command}`));

    since = emu.ephemerals.length;
    await mention(ALICE, 'ack', undefined); // top level in the channel
    const outside = await ephemeralTo(ALICE, since, /from their threads/);
    assert.equal(outside.thread_ts, undefined, 'answered in the channel, where it was asked');
    since = emu.ephemerals.length;
    await mention(ALICE, 'ack', '1795360000.000001'); // a thread that is no incident's
    await ephemeralTo(ALICE, since, /from their threads/);
    const i = (await t.bot.store.get(id))!;
    assert.equal(i.version, version);
    assert.equal(i.status, 'open');
  });

  test('/falco assign takes a plain @name (should_escape: false) too', async () => {
    const { id } = await newIncident();
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text: `assign ${id} @bob`, user_id: ALICE, channel_id: CHANNEL }),
    );
    assert.match((res.json as { text: string }).text, /Done/);
    assert.equal((await t.bot.store.get(id))!.assignee, BOB);
  });

  test('an edited note is replaced in the record; a deleted one leaves only that it was deleted', async () => {
    const { id, ts } = await newIncident();
    const noteTs = nextTs();
    const original = {
      type: 'message',
      channel: CHANNEL,
      user: ALICE,
      text: 'the pod is ours, token is hunter2',
      ts: noteTs,
      thread_ts: ts,
    };
    await send(original);
    await eventually(async () => ((await kinds(id)).includes('note') ? true : undefined));

    const edit = (text: string, editedTs: string) =>
      send({
        type: 'message',
        subtype: 'message_changed',
        hidden: true,
        channel: CHANNEL,
        ts: editedTs,
        message: {
          type: 'message',
          user: ALICE,
          text,
          ts: noteTs,
          thread_ts: ts,
          edited: { user: ALICE, ts: editedTs },
        },
        previous_message: original,
      });
    await edit('the pod is ours', '1795370100.000001');
    await edit('the pod is ours', '1795370100.000001'); // redelivered
    const entries = await eventually(async () => {
      const e = await t.bot.store.timeline(id, { limit: 1000 });
      return e.some((x) => x.kind === 'note_edited') ? e : undefined;
    });
    const notes = entries.filter((e) => e.kind === 'note' || e.kind === 'note_edited');
    assert.deepEqual(
      notes.map((e) => [e.kind, e.detail.text]),
      [['note_edited', 'the pod is ours']],
      'one current version of the note; the first text is gone',
    );
    // An older edit arriving late does not undo the newer one.
    await edit('stale', '1795370099.000001');

    await send({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: CHANNEL,
      ts: '1795370200.000001',
      deleted_ts: noteTs,
      previous_message: { ...original, text: 'the pod is ours' },
    });
    const after = await eventually(async () => {
      const e = await t.bot.store.timeline(id, { limit: 1000 });
      return e.some((x) => x.kind === 'note_deleted') ? e : undefined;
    });
    assert.ok(!JSON.stringify(after).includes('the pod is ours'), 'no text of the deleted note');
    assert.ok(!JSON.stringify(after).includes('hunter2'));
    assert.equal(after.filter((e) => e.kind === 'note_deleted').length, 1);
    assert.ok(!after.some((e) => e.kind === 'note' || e.kind === 'note_edited'));

    // The record as people read it.
    const answer = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text: `timeline ${id}`, user_id: ALICE, channel_id: CHANNEL }),
    );
    assert.match(JSON.stringify(answer.json), /A message by alice was deleted/);
  });

  test('thread lines name people through the publisher’s counted Slack client', async () => {
    const { id, ts } = await newIncident();
    await mention(BOB, 'ack', ts);
    await emu.waitFor((e) =>
      e.replies(CHANNEL, ts).find((r) => r.text === `bob acknowledged ${id}`),
    );
    assert.match(
      await t.bot.metrics.registry.metrics(),
      /falco_triage_slack_calls_total\{method="users\.info"\} [1-9]/,
    );
  });
});
