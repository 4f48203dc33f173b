import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silenceNotice, silenceEndLine } from '../../blocks/silence-notice.js';
import { stormDigest } from '../../blocks/storm-digest.js';
import type { Incident } from '../../src/incidents/model.js';
import type { Silence, StormCount, StormDigest } from '../../src/incidents/store.js';
import { buildStormView } from '../../src/report/storm-view.js';
import { checkMessage } from '../helpers/block-kit-limits.js';
import { HUGE, INJECTION_CORPUS } from '../helpers/injection-corpus.js';

/** The storm digest and silence notices: any storm fits Slack's limits, no alert value escapes. */

const NOW = Date.parse('2026-11-30T10:00:00Z');

function digest(counts: StormCount[], over: Partial<StormDigest> = {}): StormDigest {
  return {
    id: 'STORM-3',
    channel: 'C1',
    status: 'open',
    startedAt: NOW,
    firstSeen: NOW,
    lastSeen: NOW + 1000,
    incidents: counts.reduce((n, c) => n + c.incidents, 0),
    alerts: counts.reduce((n, c) => n + c.alerts, 0),
    version: 2,
    renderedVersion: 1,
    postAttempted: false,
    threadCursor: '0-0',
    byRule: counts,
    byNs: counts,
    byHost: counts,
    ...over,
  };
}

function incident(i: number, value: string): Incident {
  return {
    id: `FT-${i}`,
    rule: value,
    latest: {
      rule: value,
      priority: 'Notice',
      time: '',
      output: value,
      output_fields: { 'k8s.ns.name': value },
      hostname: value,
    },
  } as unknown as Incident;
}

/** Only Slack markup we write ourselves: none here (no links, no mentions) but a user id we put. */
function markupProblems(text: string): string[] {
  return [...text.matchAll(/<([^>]*)>/g)].map((m) => `Slack markup <${m[1]!.slice(0, 60)}>`);
}

describe('storm digest', () => {
  test('every injection string as a rule, namespace and host: nothing escapes, within limits', () => {
    const counts = INJECTION_CORPUS.map((c, i) => ({
      value: c.value,
      incidents: i + 1,
      alerts: 10 * (i + 1),
    }));
    const sample = INJECTION_CORPUS.map((c, i) => incident(i + 1, c.value));
    const msg = stormDigest(buildStormView(digest(counts), sample, 4, NOW));
    assert.deepEqual(checkMessage(msg), []);
    const texts = JSON.stringify(msg);
    assert.deepEqual(markupProblems(msg.text), []);
    for (const b of msg.blocks)
      for (const t of JSON.stringify(b).matchAll(/"text":"((?:[^"\\]|\\.)*)"/g))
        assert.deepEqual(
          markupProblems(JSON.parse(`"${t[1]!}"`) as string),
          [],
          t[1]!.slice(0, 80),
        );
    assert.doesNotMatch(texts, /[\u202a-\u202e\u2066-\u2069\u200b-\u200d\ufeff]/);
  });

  test('a storm of any size: 1,000 values, 199,000 incidents and a 100 KB value stay within limits with a visible marker', () => {
    const counts = Array.from({ length: 1000 }, (_, i) => ({
      value: i === 0 ? HUGE : `v${i}`,
      incidents: 100,
      alerts: 1000,
    }));
    counts.push({ value: undefined as unknown as string, incidents: 99_000, alerts: 990_000 });
    const sample = Array.from({ length: 500 }, (_, i) =>
      incident(i + 1, i === 0 ? HUGE : `rule ${i}`),
    );
    const msg = stormDigest(buildStormView(digest(counts), sample, 4, NOW));
    assert.deepEqual(checkMessage(msg), []);
    assert.ok(msg.blocks.length <= 10);
    const shown = JSON.stringify(msg);
    assert.match(
      shown,
      /_990 more_: 198,000 incident/,
      'the values not listed (and the others) are summed, with a marker',
    );
    assert.match(shown, /The first 100 are listed/);
    assert.match(shown, /\/falco storm STORM-3/);
  });

  test('a closed storm has no storm actions but Mute similar, and says it is over', () => {
    const msg = stormDigest(
      buildStormView(
        digest([{ value: 'r', incidents: 1, alerts: 1 }], {
          status: 'closed',
          closedAt: NOW + 5000,
        }),
        [],
        4,
        NOW,
      ),
    );
    const shown = JSON.stringify(msg);
    assert.match(msg.text, /is over/);
    assert.doesNotMatch(shown, /storm_acknowledge|storm_resolve|storm_assign/);
    assert.match(shown, /mute_similar/);
  });
});

describe('silence notice', () => {
  test('what it matches and why, from people and alerts: nothing escapes', () => {
    for (const c of INJECTION_CORPUS) {
      const s: Silence = {
        id: 'MUTE-4',
        channel: 'C1',
        matchers: { rule: c.value },
        endsAt: NOW + 3_600_000,
        reason: c.value,
        what: `rule=${c.value}`,
        createdBy: 'U0ALICE001',
        createdAt: NOW,
        count: 12,
        status: 'active',
        version: 1,
        renderedVersion: 0,
        postAttempted: false,
        endPosted: false,
      };
      const name = () => 'alice';
      for (const msg of [
        silenceNotice(s, NOW, name),
        silenceNotice({ ...s, status: 'ended', endedBy: 'falco', endedAt: s.endsAt }, NOW, name),
      ]) {
        assert.deepEqual(checkMessage(msg), [], c.name);
        for (const t of JSON.stringify(msg.blocks).matchAll(/"text":"((?:[^"\\]|\\.)*)"/g))
          assert.deepEqual(
            markupProblems(JSON.parse(`"${t[1]!}"`) as string),
            [],
            `${c.name}: ${t[1]!.slice(0, 80)}`,
          );
      }
      assert.deepEqual(
        markupProblems(silenceEndLine({ ...s, status: 'ended', endedBy: 'U0BOB00001' }, name)),
        [],
      );
    }
  });
});
