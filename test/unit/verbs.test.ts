import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { triageActions } from '../../blocks/triage-actions.js';
import { REFUSAL_REASONS, TransitionRefused } from '../../src/incidents/errors.js';
import { TIMELINE_KINDS, type Incident, type TimelineEntry } from '../../src/incidents/model.js';
import { luaDir } from '../../src/incidents/scripts.js';
import {
  availableVerbs,
  VERBS,
  verbForCommand,
  verbForTimeline,
  type PhraseParts,
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
      count: '2',
      first: String(NOW),
      last: String(NOW),
    },
  };
}

describe('the verb table', () => {
  const lua = readFileSync(join(luaDir(), 'transition-6.lua'), 'utf8');
  const registered = registeredActionIds();

  for (const v of VERBS) {
    test(`${v.name}: button, subcommand, mention, help, thread phrase, refusals, Lua branch`, async () => {
      // A button (or a stated reason not to have one), with a listener behind it.
      if (v.control.kind === 'none') {
        assert.ok(v.control.why.length > 10, 'says why it has no control');
      } else {
        const block = triageActions({ id: 'FT-7', actions: [v.name] } as IncidentView);
        const ids = block.elements.map((e) => (e as { action_id?: string }).action_id);
        assert.deepEqual(ids, [v.actionId], 'its control is on the message when offered');
        assert.ok(registered.includes(v.actionId), 'a listener handles its clicks');
      }
      // A /falco subcommand and a help line for it.
      assert.equal(verbForCommand(v.command), v);
      assert.ok(Object.hasOwn(SUBCOMMANDS, v.command), `/falco ${v.command} is dispatched`);
      assert.ok(HELP.includes(`/falco ${v.command} <FT-n>`), `/falco help lists ${v.command}`);
      // A mention in the thread, with its example arguments, and a line in the thread help.
      const asked = parseMention(mentionWords(`<@${BOT}> ${v.command} ${v.example}`, BOT));
      assert.ok('verb' in asked && asked.verb === v, `@falco-triage ${v.command} names ${v.name}`);
      const parsed = await v.parse(asked.args, {
        now: NOW,
        resolveUser: (w) => Promise.resolve(w === '@bob' ? BOB : undefined),
      });
      assert.ok('args' in parsed, `its example "${v.example}" parses`);
      assert.ok(THREAD_HELP.includes(`@falco-triage ${v.command}`), 'the thread help lists it');
      // A phrase for its timeline entry, posted in the thread and written in the record.
      assert.equal(verbForTimeline(v.timeline), v, 'one verb per timeline kind');
      assert.ok(inThread(v.timeline), 'its entries are posted in the thread');
      const line = phrase(entryOf(v.timeline), parts);
      assert.match(line, /^alice /, line);
      assert.doesNotMatch(line, /undefined|\[object/);
      // Refusals, each with a message people can read.
      assert.ok(v.refusals.length > 0, 'says why the store may refuse it');
      for (const reason of v.refusals) {
        const message = new TransitionRefused(reason, incident).message;
        assert.ok(message.length > 10 && !message.includes('undefined'), `${reason}: ${message}`);
      }
      // Its branch in the transition script.
      assert.ok(lua.includes(`action == '${v.name}'`), `transition-6.lua handles ${v.name}`);
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
    ]);
    assert.deepEqual(at({ status: 'acknowledged', assignee: BOB, snoozedUntil: NOW + 1 }), [
      'unacknowledge',
      'assign',
      'unassign',
      'resolve',
      'unsnooze',
    ]);
    assert.deepEqual(at({ status: 'resolved', assignee: BOB, snoozedUntil: NOW + 1 }), ['reopen']);
  });
});
