import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { triageActions, verbControls } from '../../blocks/triage-actions.js';
import { REFUSAL_REASONS, refusalText, TransitionRefused } from '../../src/incidents/errors.js';
import { TIMELINE_KINDS, type Incident, type TimelineEntry } from '../../src/incidents/model.js';
import { loadScripts } from '../../src/incidents/scripts.js';
import {
  availableVerbs,
  offeredOn,
  SUBJECT_ID,
  VERBS,
  verbForCommand,
  verbForTimeline,
  type PhraseParts,
  type VerbSubject,
} from '../../src/incidents/verbs.js';
import { createLogger } from '../../src/logger.js';
import { inThread, phrase } from '../../src/report/phrases.js';
import type { IncidentView } from '../../src/report/view-model.js';
import { registerIncidentActions } from '../../src/slack/listeners/actions/incident-actions.js';
import { SUBCOMMANDS } from '../../src/slack/listeners/commands/falco-command.js';
import { HELP } from '../../src/slack/listeners/commands/falco/help.js';
import type { ListenerDeps } from '../../src/slack/listeners/deps.js';
import {
  mentionWords,
  parseMention,
  THREAD_HELP,
  THREAD_VERBS,
} from '../../src/slack/listeners/events/thread-mention.js';

/**
 * The verb table is the one place a triage verb is defined: this walks it and proves every
 * verb reaches every entry point and every piece of wording derived from it.
 */

const BOT = 'U0BOTUSER1';
const NOW = Date.parse('2026-11-22T12:00:00Z');
const BOB = 'U0BOB00001';

/** The action ids the bot registers listeners for, as Bolt's app.action would see them. */
function registeredActionIds(): string[] {
  const ids: string[] = [];
  const deps = { log: createLogger({ level: 'silent', format: 'json' }) } as ListenerDeps;
  registerIncidentActions({ action: (id) => ids.push(id) }, deps);
  return ids;
}

const incident: Incident = {
  id: 'FT-7',
  fingerprint: 'f',
  rule: 'Terminal shell in container',
  source: 'syscall',
  priority: 'Notice',
  status: 'acknowledged',
  occurrences: 1,
  firstSeen: NOW,
  lastSeen: NOW,
  latest: {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-22T12:00:00Z',
    output: 'x',
    output_fields: {},
  },
  acknowledgedBy: 'U0ALICE001',
  resolvedBy: 'U0ALICE001',
  assignee: BOB,
  expanded: false,
  channel: 'C1',
  version: 3,
  renderedVersion: 3,
  threadCursor: '0-0',
  postAttempted: false,
};

const parts: PhraseParts = {
  actor: 'alice',
  subject: 'FT-7',
  person: (u) => `@${u}`,
  text: (s) => s,
  time: (ms) => new Date(ms).toISOString(),
};

function entryOf(kind: TimelineEntry['kind']): TimelineEntry {
  return {
    id: '1-0',
    kind,
    actor: 'U0ALICE001',
    at: NOW,
    detail: {
      assignee: BOB,
      reason: 'benign',
      note: 'n',
      until: String(NOW),
      text: 't',
      silence: 'MUTE-4',
      what: 'rule=x',
      changed: '12',
      refused: '1',
      count: '2',
      first: String(NOW),
      last: String(NOW),
    },
  };
}

/** The script that has each subject's branches (expanded, with its includes). */
const SCRIPT_OF: Record<VerbSubject, string> = {
  incident: 'transition',
  storm: 'stormAction',
  silence: 'silence',
};
const SUBJECT_OF_SURFACE = { incident: 'FT-7', storm: 'STORM-3', silence: 'MUTE-4' } as const;

describe('the verb table', () => {
  const scripts = new Map(loadScripts().map((sc) => [sc.name as string, sc.lua]));
  const registered = registeredActionIds();

  for (const v of VERBS) {
    test(`${v.name}: controls, subcommand, mention, help, thread phrase, refusals, Lua branch`, async () => {
      // A control on every message it belongs on (or a stated reason not to have one), with a listener behind it.
      if (v.control.kind === 'none') {
        assert.ok(v.control.why.length > 10, 'says why it has no control');
      } else {
        assert.ok(v.controlOn.length > 0, 'says where its control is');
        for (const on of v.controlOn) {
          const block =
            on === 'incident'
              ? triageActions({ id: 'FT-7', actions: [v.name] } as IncidentView)
              : verbControls([v.name], SUBJECT_OF_SURFACE[on]);
          const ids = block.elements.map((e) => (e as { action_id?: string }).action_id);
          assert.deepEqual(ids, [v.actionId], `its control is on the ${on} message when offered`);
        }
        assert.ok(registered.includes(v.actionId), 'a listener handles its clicks');
      }
      // A /falco subcommand and a help line for it, naming what it acts on.
      assert.equal(verbForCommand(v.command), v);
      assert.ok(Object.hasOwn(SUBCOMMANDS, v.command), `/falco ${v.command} is dispatched`);
      const helpLine =
        v.name === 'mute'
          ? `/falco mute ${v.usage}`
          : `/falco ${v.command} ${SUBJECT_ID[v.subject].usage}`;
      assert.ok(HELP.includes(helpLine), `/falco help lists ${helpLine}`);
      // Its example arguments parse; in an incident's thread, a mention names it.
      const ctx = {
        now: NOW,
        resolveUser: (w: string) => Promise.resolve(w === '@bob' ? BOB : undefined),
      };
      if (THREAD_VERBS.includes(v)) {
        const asked = parseMention(mentionWords(`<@${BOT}> ${v.command} ${v.example}`, BOT));
        assert.ok(
          'verb' in asked && asked.verb === v,
          `@falco-triage ${v.command} names ${v.name}`,
        );
        assert.ok(THREAD_HELP.includes(`@falco-triage ${v.command}`), 'the thread help lists it');
        assert.ok('args' in (await v.parse(asked.args, ctx)), `its example "${v.example}" parses`);
      } else {
        assert.ok(
          'args' in (await v.parse(v.example.split(' ').filter(Boolean), ctx)),
          `its example "${v.example}" parses`,
        );
        assert.ok('unknown' in parseMention([v.command]), 'not offered in an incident thread');
      }
      // A phrase for its timeline entry, posted in the thread and written in the record.
      assert.equal(verbForTimeline(v.timeline), v, 'one verb per timeline kind');
      assert.ok(inThread(v.timeline), 'its entries are posted in the thread');
      const line = phrase(entryOf(v.timeline), parts);
      assert.match(line, /^alice /, line);
      assert.doesNotMatch(line, /undefined|\[object|NaN/);
      // Refusals, each with a message people can read.
      assert.ok(v.refusals.length > 0, 'says why the store may refuse it');
      for (const reason of v.refusals) {
        const message =
          v.subject === 'incident'
            ? new TransitionRefused(reason, incident).message
            : refusalText(reason, SUBJECT_ID[v.subject].example);
        assert.ok(message.length > 10 && !message.includes('undefined'), `${reason}: ${message}`);
      }
      // Its branch in its subject's script.
      const lua = scripts.get(SCRIPT_OF[v.subject]) ?? '';
      assert.ok(lua.includes(`action == '${v.name}'`), `${SCRIPT_OF[v.subject]} handles ${v.name}`);
    });
  }

  test('every refusal the store knows belongs to some verb', () => {
    const covered = new Set(VERBS.flatMap((v) => v.refusals));
    assert.deepEqual(
      REFUSAL_REASONS.filter((r) => !covered.has(r)),
      [],
    );
  });

  test('names, action ids and commands are unique', () => {
    for (const key of ['name', 'actionId', 'command', 'timeline'] as const)
      assert.equal(new Set(VERBS.map((v) => v[key])).size, VERBS.length, key);
  });

  test('every timeline kind reads as a sentence; only the verbs’ go to the thread', () => {
    for (const kind of TIMELINE_KINDS) {
      const line = phrase(entryOf(kind), parts);
      assert.ok(line.length > 5 && !line.includes('undefined'), `${kind}: ${line}`);
      assert.equal(inThread(kind), verbForTimeline(kind) !== undefined, kind);
    }
  });

  test('the controls offered follow the state: nothing that would be refused', () => {
    const at = (over: Partial<Incident>) => availableVerbs({ ...incident, ...over }, NOW);
    assert.deepEqual(at({ status: 'open', assignee: undefined, snoozedUntil: undefined }), [
      'acknowledge',
      'assign',
      'resolve',
      'snooze',
      'mute',
    ]);
    assert.deepEqual(at({ status: 'acknowledged', assignee: BOB, snoozedUntil: NOW + 1 }), [
      'unacknowledge',
      'assign',
      'unassign',
      'resolve',
      'unsnooze',
      'mute',
    ]);
    assert.deepEqual(at({ status: 'resolved', assignee: BOB, snoozedUntil: NOW + 1 }), ['reopen']);
    assert.deepEqual(offeredOn({ on: 'storm', open: true }, NOW), [
      'mute',
      'ackall',
      'assignall',
      'resolveall',
    ]);
    assert.deepEqual(offeredOn({ on: 'storm', open: false }, NOW), ['mute']);
    assert.deepEqual(offeredOn({ on: 'silence', active: true }, NOW), ['unmute']);
    assert.deepEqual(offeredOn({ on: 'silence', active: false }, NOW), []);
  });
});

describe('verb arguments', () => {
  const ctx = { now: NOW, resolveUser: () => Promise.resolve(undefined) };
  const parse = (command: string, words: string[]) => verbForCommand(command)!.parse(words, ctx);
  const refused = async (command: string, words: string[]) =>
    'usage' in (await parse(command, words));

  test('a snooze is at most 7 days', async () => {
    assert.ok(!(await refused('snooze', ['7d'])));
    assert.ok(await refused('snooze', ['8d']));
    assert.ok(await refused('snooze', ['0m']));
  });

  test('a resolution needs one of the known reasons', async () => {
    assert.ok(!(await refused('resolve', ['benign', 'a', 'note'])));
    assert.ok(await refused('resolve', ['because', 'I', 'said', 'so']));
  });

  test('a mute needs a reason and lasts at most 90 days', async () => {
    assert.ok(!(await refused('mute', ['FT-1', '90d', 'backup', 'job'])));
    assert.ok(await refused('mute', ['FT-1', '91d', 'backup', 'job']));
    assert.ok(await refused('mute', ['FT-1', '2h']));
  });
});
