import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Incident } from '../../src/incidents/model.js';
import { eventually } from '../helpers/eventually.js';
import { connect, deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * Alerts in, incidents and Slack messages out, through real bots (HTTP, stream, worker,
 * store, publisher) on real Redis, with the Slack emulator misbehaving on demand.
 */

function shellAlert(i: number, fingerprint: number, extra: Record<string, unknown> = {}) {
  return {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(Date.UTC(2026, 10, 22, 10, 0, 0, i)).toISOString(),
    output: `Notice A shell was spawned in a container (n=${i})`,
    output_fields: {
      'container.id': `c0ffee${String(fingerprint).padStart(6, '0')}`,
      'k8s.ns.name': 'payments',
      'k8s.pod.name': `payments-api-${fingerprint}`,
      'proc.cmdline': `bash -c step-${i}`,
      'proc.name': 'bash',
      'user.name': 'root',
    },
    source: 'syscall',
    hostname: `node-${fingerprint % 3}`,
    ...extra,
  };
}

function auditAlert(hostname: string, auditId: string, pod = 'payments-api-1') {
  return {
    rule: 'Attach/Exec Pod',
    priority: 'Notice',
    time: '2026-11-22T10:15:30.000000000Z',
    output: `Attach/Exec to pod (user=alice pod=${pod} resource=pods ns=payments action=exec command=sh)`,
    output_fields: {
      'ka.auditid': auditId,
      'ka.user.name': 'alice',
      'ka.target.name': pod,
      'ka.target.namespace': 'payments',
      'ka.target.resource': 'pods',
      'ka.target.subresource': 'exec',
      'ka.uri.param[command]': 'sh',
    },
    source: 'k8s_audit',
    hostname,
  };
}

const sum = (xs: Incident[]) => xs.reduce((n, i) => n + i.occurrences, 0);
const topLevelPosts = (emu: SlackEmulator, channel?: string) =>
  emu
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.status === 200 &&
        (c.response as { ok?: boolean }).ok === true &&
        !c.args.thread_ts &&
        (!channel || c.args.channel === channel),
    );

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('two bot instances sharing one Redis', () => {
  let emu: SlackEmulator;
  let a: TestBot;
  let b: TestBot;
  const prefix = uniquePrefix('pair');

  before(async () => {
    emu = await startSlackEmulator();
    a = await startTestBot({ emu, prefix, env: { UPDATE_COALESCE_MS: '200' } });
    b = await startTestBot({ emu, prefix, env: { UPDATE_COALESCE_MS: '200' } });
  });
  after(async () => {
    await a.bot.stop();
    await b.close();
    await emu.close();
  });

  test('10,000 alerts over 50 fingerprints: 50 incidents, 50 posts, 10,000 counted', async (ctx) => {
    const started = Date.now();
    const TOTAL = 10_000;
    const FINGERPRINTS = 50;
    const BATCH = 100;
    const batches: object[][] = [];
    for (let i = 0; i < TOTAL; i += BATCH)
      batches.push(
        Array.from({ length: BATCH }, (_, k) => shellAlert(i + k, (i + k) % FINGERPRINTS)),
      );
    let n = 0;
    await pool(batches, 8, async (batch) => {
      const target = n++ % 2 === 0 ? a : b;
      const res = await target.postAlerts(batch);
      assert.equal(res.status, 202, JSON.stringify(res.json));
      assert.equal(res.json.accepted, BATCH);
    });

    const incidents = await eventually(
      async () => {
        const open = await a.bot.store.listOpen({ limit: 1000 });
        const settled =
          open.length === FINGERPRINTS &&
          sum(open) === TOTAL &&
          open.every((i) => i.ts && i.renderedVersion === i.version);
        return settled ? open : undefined;
      },
      { timeoutMs: 90_000, what: '50 incidents holding 10,000 occurrences, all rendered' },
    );
    assert.equal(incidents.length, 50);
    assert.equal(sum(incidents), 10_000);
    assert.ok(incidents.every((i) => i.occurrences === 200));
    assert.equal(topLevelPosts(emu).length, 50, 'exactly one post per incident');
    const messages = emu.messages(CHANNEL);
    assert.equal(messages.length, 50);
    // Every message shows its incident's final, exact count.
    for (const m of messages) assert.match(JSON.stringify(m.blocks), /Occurrences\*\\n200 \(first/);
    // Coalesced: far fewer updates than occurrences.
    const updates = emu.callsTo('chat.update').length;
    assert.ok(updates < 1000, `${updates} chat.update calls for 10,000 occurrences`);
    ctx.diagnostic(
      `10,000 alerts -> ${incidents.length} incidents, ${topLevelPosts(emu).length} posts, ${updates} updates, settled in ${Date.now() - started} ms`,
    );
  });

  test('the same Falcosidekick event sent 5 times, to either instance, is counted once', async () => {
    const alert = { ...shellAlert(1, 900), uuid: '2f6f3e2a-6d35-4e55-9c8e-5e0f3c7c0b11' };
    for (let i = 0; i < 5; i++) {
      const res = await (i % 2 ? a : b).postAlerts(alert);
      assert.equal(res.status, 202);
    }
    const incident = await eventually(async () => {
      const byRule = await a.bot.store.listByRule('Terminal shell in container', { limit: 500 });
      const hit = byRule.find((x) => x.latest.output_fields['container.id'] === 'c0ffee000900');
      return hit?.ts ? hit : undefined;
    });
    // Let the worker drain the other four copies before reading the count.
    await eventually(async () => ((await a.bot.queue.pendingCount()) === 0 ? true : undefined));
    await eventually(async () => ((await a.bot.queue.length()) === 0 ? true : undefined));
    assert.equal((await a.bot.store.get(incident.id))!.occurrences, 1);
  });

  test('a k8s audit event reported by three Falco pods on different hosts is one incident', async () => {
    const before = topLevelPosts(emu).length;
    for (const host of ['falco-abcde', 'falco-fghij', 'falco-klmno']) {
      const res = await a.postAlerts(auditAlert(host, 'audit-0001'));
      assert.equal(res.status, 202);
    }
    const incident = await eventually(async () => {
      const [i] = await a.bot.store.listByRule('Attach/Exec Pod');
      return i?.ts ? i : undefined;
    });
    await eventually(async () => ((await a.bot.queue.length()) === 0 ? true : undefined));
    assert.equal((await a.bot.store.get(incident.id))!.occurrences, 1, 'one event, counted once');
    assert.equal(topLevelPosts(emu).length, before + 1);
    // A second exec into the same pod is a new occurrence of the same incident.
    await b.postAlerts(auditAlert('falco-abcde', 'audit-0002'));
    await eventually(async () =>
      (await a.bot.store.get(incident.id))!.occurrences === 2 ? true : undefined,
    );
    assert.equal(topLevelPosts(emu).length, before + 1);
  });
});

describe('Slack misbehaving', () => {
  let emu: SlackEmulator;
  let t: TestBot;
  let dir: string;
  const SHELLS = 'C0SHELLS001';
  const AUDIT = 'C0AUDIT0001';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'falco-triage-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `routes:\n  - channel: ${SHELLS}\n    sources: [syscall]\n  - channel: ${AUDIT}\n    sources: [k8s_audit]\n`,
    );
    emu = await startSlackEmulator();
    t = await startTestBot({ emu, env: { CONFIG_FILE: file, UPDATE_COALESCE_MS: '50' } });
  });
  after(async () => {
    await t.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('429 with Retry-After on one channel: the other channel is not stalled; all posted once, counts exact', async () => {
    let release = false;
    emu.failWhile('chat.postMessage', { status: 429, retryAfter: 1 }, () => release, {
      channel: SHELLS,
    });
    emu.failWhile('chat.update', { status: 429, retryAfter: 1 }, () => release, {
      channel: SHELLS,
    });
    const shells = Array.from({ length: 60 }, (_, i) => shellAlert(i, 100 + (i % 6)));
    assert.equal((await t.postAlerts(shells)).status, 202);
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await t.postAlerts(auditAlert('falco-x', `audit-429-${i}`, `pod-${i}`))).status,
        202,
      );

    // The audit channel gets all its posts while the shell channel is still throttled.
    await emu.waitFor((e) => e.messages(AUDIT).length === 4 || undefined, {
      what: 'the audit channel posts',
    });
    assert.equal(emu.messages(SHELLS).length, 0, 'the throttled channel has nothing yet');
    const throttled = emu.calls.filter((c) => c.status === 429).length;
    assert.ok(throttled >= 1, 'Slack did answer 429');

    release = true;
    const incidents = await eventually(
      async () => {
        const open = (await t.bot.store.listOpen({ limit: 100 })).filter(
          (i) => i.channel === SHELLS,
        );
        return open.length === 6 &&
          sum(open) === 60 &&
          open.every((i) => i.renderedVersion === i.version && i.ts)
          ? open
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the shell incidents to be posted after the 429 window' },
    );
    assert.equal(incidents.length, 6);
    assert.equal(topLevelPosts(emu, SHELLS).length, 6, 'each incident posted exactly once');
    assert.equal(emu.messages(SHELLS).length, 6);
    // Retry-After was honoured: no second attempt on the channel within a second of a 429.
    const shellCalls = emu.calls.filter((c) => c.args.channel === SHELLS);
    for (let i = 1; i < shellCalls.length; i++) {
      if (shellCalls[i - 1]!.status === 429)
        assert.ok(
          shellCalls[i]!.at - shellCalls[i - 1]!.at >= 950,
          'the next call waited for Retry-After',
        );
    }
  });

  test('500s, and a 500 after the post went through: retried, never posted twice', async () => {
    const before = topLevelPosts(emu, SHELLS).length;
    emu.failNext('chat.postMessage', { status: 500, afterEffect: true }, 1, { channel: SHELLS });
    emu.failNext('chat.postMessage', { status: 500 }, 2, { channel: SHELLS });
    const alerts = Array.from({ length: 30 }, (_, i) => shellAlert(1000 + i, 200 + (i % 3)));
    assert.equal((await t.postAlerts(alerts)).status, 202);
    const incidents = await eventually(
      async () => {
        const open = (await t.bot.store.listOpen({ limit: 100 })).filter((i) =>
          String(i.latest.output_fields['container.id']).match(/c0ffee00020[012]/),
        );
        return open.length === 3 &&
          sum(open) === 30 &&
          open.every((i) => i.ts && i.renderedVersion === i.version)
          ? open
          : undefined;
      },
      { timeoutMs: 30_000, what: 'three incidents posted despite the 500s' },
    );
    const ids = new Set(incidents.map((i) => i.id));
    const posted = emu
      .messages(SHELLS)
      .filter((m) => [...ids].some((id) => m.text.includes(`(${id})`)));
    assert.equal(posted.length, 3, 'one message per incident, even when a 500 hid a success');
    assert.ok(topLevelPosts(emu, SHELLS).length - before <= 3 + 1);
    assert.ok(
      emu.calls.some((c) => c.status === 500),
      'Slack did answer 500',
    );
  });
});

describe('a worker that dies between taking alerts and posting them', () => {
  test('another instance takes the pending alerts over: nothing is lost', async () => {
    const emu = await startSlackEmulator();
    const prefix = uniquePrefix('crash');
    const first = await startTestBot({ emu, prefix });
    await first.bot.engine.stop();
    const alerts = Array.from({ length: 20 }, (_, i) => shellAlert(5000 + i, 300 + (i % 4)));
    assert.equal((await first.postAlerts(alerts)).status, 202);
    // The "crashed" worker read every entry (they are pending under its name) and died.
    const r = connect();
    const taken = await first.bot.queue.readNew(r, 'crashed-worker', 100, 100);
    assert.equal(taken.length, 20);
    assert.equal(await first.bot.queue.pendingCount(), 20);
    await first.bot.stop();
    r.disconnect();
    assert.equal(emu.messages(CHANNEL).length, 0);

    const second = await startTestBot({ emu, prefix, claimIdleMs: 200 });
    try {
      const incidents = await eventually(
        async () => {
          const open = await second.bot.store.listOpen({ limit: 100 });
          return open.length === 4 && sum(open) === 20 && open.every((i) => i.ts)
            ? open
            : undefined;
        },
        { timeoutMs: 20_000, what: 'the pending alerts to be taken over and posted' },
      );
      assert.equal(sum(incidents), 20);
      assert.equal(await second.bot.queue.pendingCount(), 0);
      assert.equal(emu.messages(CHANNEL).length, 4);
    } finally {
      await second.close();
      await emu.close();
      const c = connect();
      await deletePrefix(c, prefix);
      c.disconnect();
    }
  });
});
