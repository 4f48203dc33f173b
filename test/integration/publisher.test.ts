import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RedisClient } from '../../src/redis-connection.js';
import { alertSchema, type Alert } from '../../src/alert.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import { DEFAULT_LEASE_MS } from '../../src/slack/publisher.js';
import { publisherHarness } from '../helpers/publisher-harness.js';
import { connect } from '../helpers/redis.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';

/**
 * The publisher on a clock the test moves (test/helpers/publisher-harness.ts): priority,
 * leases after a crash, ambiguous Slack failures, and updates that would change nothing.
 */

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const CH = 'C0PUBLISH01';

let redis: RedisClient;
let emu: SlackEmulator;
before(async () => {
  redis = connect();
  emu = await startSlackEmulator();
});
after(async () => {
  redis.disconnect();
  await emu.close();
});

let n = 0;
function alert(over: Record<string, unknown> = {}, fields: Record<string, unknown> = {}): Alert {
  n++;
  return alertSchema.parse({
    uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(T0).toISOString(),
    output: 'A shell was spawned in a container',
    source: 'syscall',
    hostname: 'node-1',
    output_fields: { 'container.id': 'abc123', 'k8s.ns.name': 'default', ...fields },
    ...over,
  });
}

function record(store: IncidentStore, a: Alert, now: number, channel = CH) {
  return store.occurrences.record({
    alert: a,
    fingerprint: fingerprintOf(a).fingerprint,
    eventId: eventIdOf(a),
    channel,
    now,
  });
}

/** Top-level messages of an incident in the emulator. */
const postsOf = (id: string) =>
  emu
    .messages(CH)
    .filter(
      (m) =>
        (m.metadata?.event_payload as { incident_id?: string } | undefined)?.incident_id === id,
    );

describe('the publisher', () => {
  test('a Critical incident is the channel’s next write, whatever the backlog', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, { start: T0, store: { stormThreshold: 0 } });
    const postedAt = new Map<string, number>();
    const off = emu.on('call', (c) => {
      const id = (c.args.metadata as { event_payload?: { incident_id?: string } } | undefined)
        ?.event_payload?.incident_id;
      if (c.method === 'chat.postMessage' && id) postedAt.set(id, h.clock.now());
    });
    t.after(off);
    for (let i = 0; i < 60; i++) await record(h.store, alert({ rule: `Backlog rule ${i}` }), T0);
    await h.advance(2000);
    assert.equal(postedAt.size, 3, 'one post per second');
    const critical = await record(
      h.store,
      alert({ rule: 'Boom', priority: 'Critical' }),
      T0 + 2000,
    );
    await h.advance(2000);
    const at = postedAt.get(critical.id!);
    assert.ok(at !== undefined, 'the Critical incident was posted');
    assert.ok(at - (T0 + 2000) <= 1000, `posted ${at - (T0 + 2000)} ms after it was recorded`);
    // And the backlog goes on in first-seen order.
    const order = [...postedAt.keys()].filter((id) => id !== critical.id!);
    assert.deepEqual(order, ['FT-1', 'FT-2', 'FT-3', 'FT-4']);
  });

  test('after a crash with items leased, another replica writes them within the lease (seconds)', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, { start: T0, store: { stormThreshold: 0 } });
    const a = await record(h.store, alert({ rule: 'Crash A' }), T0);
    // The crashed replica had claimed it and never came back.
    const held = await h.store.outbox.claimReady(T0, DEFAULT_LEASE_MS);
    assert.deepEqual(
      held.map((c) => c.id),
      [a.id!],
    );
    const survivor = h.replica();
    h.clock.set(T0 + DEFAULT_LEASE_MS - 1);
    await survivor.drain();
    assert.equal(postsOf(a.id!).length, 0, 'not before the lease ends');
    h.clock.set(T0 + DEFAULT_LEASE_MS);
    await survivor.drain();
    assert.equal(postsOf(a.id!).length, 1, 'taken over as the lease ends');
    assert.ok(DEFAULT_LEASE_MS <= 5000, `the default lease is ${DEFAULT_LEASE_MS} ms`);
  });

  test('a future-dated alert whose post took effect but Slack answered 500: posted once', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, { start: T0, store: { stormThreshold: 0 } });
    // A skewed Falco host (or anyone with the ingest token) stamps the alert two days ahead.
    const future = new Date(T0 + 2 * 86_400_000).toISOString();
    const r = await record(h.store, alert({ rule: 'Future', time: future }), T0);
    const id = r.id!;
    emu.failNext('chat.postMessage', { status: 500, afterEffect: true });
    await h.advance(0);
    assert.equal(postsOf(id).length, 1, 'the post reached Slack');
    assert.equal((await h.store.get(id))?.ts, undefined, 'but the bot saw an error');
    await h.advance(70_000, 1000);
    assert.equal(postsOf(id).length, 1, 'no second post');
    assert.equal((await h.store.get(id))?.ts, postsOf(id)[0]?.ts, 'the first post was found');
  });

  test('when the history look-up fails, it is retried instead of posting blindly; older than 200 messages is found', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, {
      start: T0,
      store: { stormThreshold: 0 },
      channelIntervalMs: 0,
    });
    const r = await record(h.store, alert({ rule: 'Hidden' }), T0);
    const id = r.id!;
    emu.failNext('chat.postMessage', { status: 500, afterEffect: true });
    await h.advance(0);
    // 250 other messages bury it below the newest 200.
    const other = h.replica();
    void other;
    for (let i = 0; i < 250; i++)
      await fetch(`${emu.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: CH, text: `chatter ${i}` }),
      });
    emu.failNext('conversations.history', { status: 500 }, 2);
    await h.advance(70_000, 1000);
    assert.ok(
      emu.callsTo('conversations.history').filter((c) => c.status === 500).length === 2,
      'the look-up failed twice',
    );
    assert.equal(postsOf(id).length, 1, 'still one post');
    assert.equal((await h.store.get(id))?.ts, postsOf(id)[0]?.ts);
  });

  test('120 fingerprints, repeats for minutes: no update that changes nothing', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, { start: T0, store: { stormThreshold: 0 } });
    const shown = new Map<string, string>();
    let same = 0;
    let updates = 0;
    const off = emu.on('call', (c) => {
      if (c.status !== 200) return;
      const payload = JSON.stringify({ text: c.args.text, blocks: c.args.blocks });
      const res = c.response as { ts?: string };
      if (c.method === 'chat.postMessage' && !c.args.thread_ts && res.ts)
        shown.set(res.ts, payload);
      if (c.method === 'chat.update') {
        updates++;
        const ts = String(c.args.ts);
        if (shown.get(ts) === payload) same++;
        shown.set(ts, payload);
      }
    });
    t.after(off);
    let now = T0;
    for (let round = 0; round < 10; round++) {
      for (let f = 0; f < 120; f++)
        await record(
          h.store,
          alert({ time: new Date(now).toISOString() }, { 'container.id': `c${f}` }),
          now,
        );
      await h.advance(20_000, 500);
      now = h.clock.now();
    }
    await h.advance(200_000, 1000);
    const open = await h.store.listOpen({ limit: 500 });
    assert.equal(open.length, 120);
    assert.ok(open.every((i) => i.occurrences === 10 && i.ts && i.renderedVersion === i.version));
    t.diagnostic(
      `${emu.messages(CH).length} posts, ${updates} updates, ${same} showing nothing new`,
    );
    assert.equal(same, 0, 'every update changed what the message shows');
    assert.equal(emu.messages(CH).length, 120);
  });

  test('a folded incident opened after its storm’s digest expired is posted on its own, once', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, {
      start: T0,
      store: { stormThreshold: 2 },
      channelIntervalMs: 0,
    });
    for (let i = 0; i < 3; i++) await record(h.store, alert({ rule: `Fold ${i}` }), T0);
    const [folded] = await h.store.storms.memberIds('STORM-1');
    assert.ok(folded);
    await h.advance(1000);
    await redis.del(h.keys.storm('STORM-1'));
    assert.equal(await h.store.storms.show(folded, h.clock.now()), 'posting');
    await h.advance(5000);
    assert.equal(postsOf(folded).length, 1);
    assert.ok((await h.store.get(folded))?.ts);
  });

  test('a storm verb’s thread line between two digest updates does not hide the newer counts', async (t) => {
    emu.reset();
    const h = publisherHarness(t, redis, emu, {
      start: T0,
      store: { stormThreshold: 2, stormUpdateMs: 15_000 },
      channelIntervalMs: 0,
    });
    for (let i = 0; i < 4; i++) await record(h.store, alert({ rule: `Verb ${i}` }), T0);
    await h.advance(1000);
    const digest = () =>
      emu.messages(CH).find((m) => m.metadata?.event_type === 'falco_triage_storm')!;
    assert.match(digest().text, /2 new incident\(s\), 2 alert\(s\)/);
    // A new folded incident (the digest is due again only in 15 s), then Acknowledge all.
    await record(h.store, alert({ rule: 'Verb 4' }), h.clock.now());
    await h.store.storms.act('STORM-1', 'ackall', 'U0ALICE001', [], h.clock.now());
    await h.advance(1000);
    assert.ok(
      emu.replies(CH, digest().ts).some((r) => /acknowledged all 3 open incidents/.test(r.text)),
      'the thread line went out at once',
    );
    await h.advance(30_000, 1000);
    assert.match(digest().text, /3 new incident\(s\), 3 alert\(s\)/, 'and the digest caught up');
  });
});
