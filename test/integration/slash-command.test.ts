import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACTION } from '../../blocks/action-ids.js';
import { checkMessage } from '../helpers/block-kit-limits.js';
import { eventually } from '../helpers/eventually.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { blockAction, postRequest, slashCommand } from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/test-bot.js';

/** `/falco` through signed slash-command requests, as Slack sends them to /slack/events. */

const ALICE = 'U0ALICE001';

interface Answer {
  response_type?: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
}

describe('/falco slash command', () => {
  let t: TestBot;
  let emu: SlackEmulator;

  before(async () => {
    emu = await startSlackEmulator({ users: { [ALICE]: { name: 'alice' } } });
    t = await startTestBot({ emu });
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  async function falco(text: string, user = ALICE): Promise<Answer> {
    const started = Date.now();
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      slashCommand({ text, user_id: user, channel_id: CHANNEL }),
    );
    assert.equal(res.status, 200, res.body);
    assert.ok(Date.now() - started < 3000, 'answered within Slack’s 3 s');
    const answer = res.json as Answer;
    assert.equal(answer.response_type, 'ephemeral', 'replies are only for the person who asked');
    const problems = checkMessage(answer);
    assert.deepEqual(problems, [], 'the reply fits Block Kit’s limits');
    return answer;
  }

  const header = (a: Answer) =>
    String((a.blocks?.[0]?.text as { text?: string } | undefined)?.text ?? '');
  const all = (a: Answer) => JSON.stringify(a);

  test('exact rule name: that rule’s guidance, with the post button', async () => {
    const a = await falco('rule Terminal shell in container');
    assert.match(header(a), /Terminal shell in container$/);
    const text = all(a);
    for (const part of ['What it detects', 'Why it matters', 'Triage', 'Contain', 'Tune'])
      assert.ok(text.includes(part), `shows ${part}`);
    assert.ok(text.includes(ACTION.postRuleGuidance));
    // No alert at hand: commands show what to fill in, never a blank or <NA>.
    assert.doesNotMatch(text, /undefined|&lt;NA&gt;|<NA>/);
  });

  test('exact name ignoring case and punctuation', async () => {
    const a = await falco('rule attach exec pod');
    assert.match(header(a), /Attach\/Exec Pod$/);
  });

  test('fuzzy words, with typos: the best match and close alternatives', async () => {
    const a = await falco('rule shel in contaner');
    assert.match(header(a), /shell/i);
    assert.match(all(a), /Also close/);
  });

  test('a MITRE ATT&CK technique id finds the rules tagged with it', async () => {
    const a = await falco('rule T1611');
    const text = all(a);
    assert.match(text, /T1611/);
    assert.doesNotMatch(header(a), /No Falco rule/);
  });

  test('an unknown query says so and suggests', async () => {
    const a = await falco('rule zzqx-no-such-thing');
    assert.match(a.text!, /No Falco rule matches/);
    // Nothing matches both words, but the first one does: the answer names those rules.
    const b = await falco('rule shell qqqqqq-nothing');
    assert.match(b.text!, /No Falco rule matches/);
    assert.match(b.text!, /Did you mean: .*Run shell untrusted/);
    assert.equal((b.text!.match(/Did you mean: (.*)\?/)?.[1] ?? '').split(', ').length, 5);
  });

  test('hostile query text is shown as text', async () => {
    const a = await falco('rule <!channel> <@U0123ABC>');
    assert.doesNotMatch(all(a), /<!channel>|<@U0123ABC>/);
  });

  test('post to channel puts the guidance in the channel for everyone', async () => {
    const answer = await falco('rule Read sensitive file untrusted');
    const before = emu.messages(CHANNEL).length;
    const res = await postRequest(
      `${t.base}/slack/events`,
      SIGNING_SECRET,
      blockAction({
        user: { id: ALICE },
        channel: { id: CHANNEL },
        message: { ts: '1795368941.000100', blocks: answer.blocks },
        container: { type: 'message', is_ephemeral: true, channel_id: CHANNEL },
        actions: [{ action_id: ACTION.postRuleGuidance, value: 'Read sensitive file untrusted' }],
        response_url: emu.responseUrl({ channel: CHANNEL }),
      }),
    );
    assert.equal(res.status, 200);
    const posted = await emu.waitFor((e) => e.messages(CHANNEL)[before]);
    assert.match(JSON.stringify(posted.blocks), /Read sensitive file untrusted/);
  });

  test('help, unknown subcommands and usage errors answer with what to type', async () => {
    assert.match((await falco('')).text!, /\/falco rule/);
    assert.match((await falco('frobnicate')).text!, /Unknown subcommand/);
    assert.match((await falco('ack')).text!, /Usage/);
    assert.match((await falco('snooze FT-1 forever')).text!, /Usage/);
  });

  test('list and act on incidents: ack, assign, snooze, resolve, reopen', async () => {
    await t.postAlerts({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      time: '2026-11-22T10:15:30.123456789Z',
      output: 'x',
      output_fields: { 'container.id': 'abcabcabcabc', 'proc.cmdline': 'bash' },
      source: 'syscall',
      hostname: 'worker-1',
    });
    const inc = await eventually(async () => (await t.bot.store.listOpen({ limit: 5 }))[0]);
    const id = inc.id;
    assert.match((await falco('list')).text!, new RegExp(`${id}.*Terminal shell in container`));
    assert.match((await falco(`ack ${id}`)).text!, /acknowledged/);
    assert.equal((await t.bot.store.get(id))!.status, 'acknowledged');
    assert.match((await falco(`ack ${id}`)).text!, /already acknowledged/i);
    assert.match((await falco(`assign ${id} <@${ALICE}|alice>`)).text!, /Done/);
    assert.equal((await t.bot.store.get(id))!.assignee, ALICE);
    assert.match((await falco('list mine')).text!, new RegExp(id));
    assert.match((await falco(`snooze ${id} 1h`)).text!, /Done/);
    assert.ok((await t.bot.store.get(id))!.snoozedUntil! > Date.now());
    assert.match((await falco(`resolve ${id} nonsense`)).text!, /reasons:/);
    assert.match((await falco(`resolve ${id} benign planned maintenance`)).text!, /Done/);
    const resolved = (await t.bot.store.get(id))!;
    assert.equal(resolved.resolution, 'benign');
    assert.equal(resolved.resolutionNote, 'planned maintenance');
    assert.match((await falco(`reopen ${id}`)).text!, /Done/);
    assert.equal((await t.bot.store.get(id))!.status, 'open');
    assert.match((await falco('ack FT-999999')).text!, /does not exist/);
  });
});
