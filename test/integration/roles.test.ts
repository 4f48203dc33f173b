import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Keys } from '../../src/incidents/keys.js';
import { eventually } from '../helpers/eventually.js';
import { scrape } from '../helpers/prometheus.js';
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, INGEST_TOKEN, startTestBot, type TestBot } from '../helpers/test-bot.js';
import { freePort } from '../helpers/free-port.js';

const root = join(import.meta.dirname, '..', '..');

function alert(container: string) {
  return {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: '2026-11-22T10:15:30Z',
    output: 'A shell was spawned',
    output_fields: { 'container.id': container },
  };
}

const POSTS = 'falco_triage_slack_calls_total';

/** Consumers the stream's group knows: every engine that ever read or claimed from it. */
async function consumers(keys: Keys): Promise<string[]> {
  const r = connect();
  try {
    const rows = (await r.xinfo('CONSUMERS', keys.alertStream, keys.alertGroup)) as string[][];
    return rows.map((row) => String(row[row.indexOf('name') + 1]));
  } finally {
    r.disconnect();
  }
}

describe('process roles: each does only its part', () => {
  let emu: SlackEmulator;
  const bots: TestBot[] = [];
  before(async () => {
    emu = await startSlackEmulator();
  });
  after(async () => {
    for (const b of bots.reverse()) await b.close();
    await emu.close();
  });

  test('ingest stores, the engine records, the publisher posts', async () => {
    const ingest = await startTestBot({ emu, env: { ROLE: 'ingest' } });
    bots.push(ingest);
    const keys = ingest.bot.keys;
    assert.equal((await ingest.postAlerts(alert('aaaaaaaaaaaa'))).status, 202);
    assert.equal(await ingest.bot.queue.length(), 1, 'the alert waits in the stream');
    assert.deepEqual(await consumers(keys), [], 'no engine read the stream');

    const engine = await startTestBot({ emu, prefix: ingest.prefix, env: { ROLE: 'engine' } });
    bots.push(engine);
    const [incident] = await eventually(
      async () => {
        const open = await engine.bot.store.listOpen();
        return open.length ? open : undefined;
      },
      { what: 'the engine to record the alert' },
    );
    assert.equal(incident!.ts, undefined, 'recorded, not posted');
    assert.deepEqual(await consumers(keys), [engine.bot.engine.consumer]);
    assert.equal((await engine.postAlerts(alert('bbbbbbbbbbbb'))).status, 404, 'no ingest');

    const publisher = await startTestBot({
      emu,
      prefix: ingest.prefix,
      env: { ROLE: 'publisher' },
    });
    bots.push(publisher);
    assert.equal((await publisher.postAlerts(alert('cccccccccccc'))).status, 404, 'no ingest');
    await emu.waitFor((e) => e.messages(CHANNEL).length === 1 || undefined);
    assert.deepEqual(await consumers(keys), [engine.bot.engine.consumer], 'still one engine');

    const mi = await scrape(`${ingest.base}/metrics`);
    const me = await scrape(`${engine.base}/metrics`);
    const mp = await scrape(`${publisher.base}/metrics`);
    const posts = emu.callsTo('chat.postMessage').length;
    assert.equal(
      mp.get(POSTS, { method: 'chat.postMessage' }),
      posts,
      'every post is the publisher’s',
    );
    assert.equal(mi.get(POSTS, { method: 'chat.postMessage' }), 0);
    assert.equal(me.get(POSTS, { method: 'chat.postMessage' }), 0);
    assert.equal(mi.get('falco_triage_alerts_enqueued_total'), 1);
    assert.equal(me.get('falco_triage_alerts_enqueued_total'), 0);
    assert.equal(me.get('falco_triage_alerts_processed_total', { outcome: 'new' }), 1);
    assert.equal(mi.get('falco_triage_alerts_processed_total', { outcome: 'new' }), 0);
    assert.equal(mp.get('falco_triage_alerts_processed_total', { outcome: 'new' }), 0);
  });
});

/** The pids of a process's direct children (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

/**
 * The program as `npm start` runs it (here from source through tsx): by default ingest
 * in the main process, the engine and publisher in a child process at lower CPU priority.
 */
describe('the default start: ingest here, engine and publisher in a child process', () => {
  let emu: SlackEmulator;
  let proc: ChildProcess;
  let base: string;
  const prefix = uniquePrefix('main');
  const exited = () =>
    new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null) resolve(proc.exitCode);
      else proc.once('exit', (code) => resolve(code));
    });

  before(async () => {
    emu = await startSlackEmulator();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: emu.token,
        SLACK_SIGNING_SECRET: 'main-signing-secret',
        SLACK_API_URL: emu.apiUrl,
        SLACK_DEFAULT_CHANNEL: CHANNEL,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        INGEST_TOKEN,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await eventually(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, {
      timeoutMs: 30_000,
      what: 'the program to be ready',
    });
  });
  after(async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGKILL');
      await exited();
    }
    await emu.close();
    const r = connect();
    await deletePrefix(r, prefix);
    r.disconnect();
  });

  test('one child runs engine and publisher, niced; /metrics adds up both processes', async () => {
    const [child] = childrenOf(proc.pid!);
    assert.ok(child, 'the program started a child process');
    const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(cmdline.slice(cmdline.indexOf('--role'), cmdline.indexOf('--role') + 2), [
      '--role',
      'engine,publisher',
    ]);
    const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    assert.equal(nice, 10, 'the engine runs at ENGINE_NICE');

    const res = await fetch(`${base}/falco`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert('dddddddddddd')),
    });
    assert.equal(res.status, 202);
    await emu.waitFor((e) => e.messages(CHANNEL).length === 1 || undefined);
    const m = await eventually(async () => {
      const s = await scrape(`${base}/metrics`);
      return s.get(POSTS, { method: 'chat.postMessage' }) >= 1 ? s : undefined;
    });
    assert.equal(m.get('falco_triage_alerts_enqueued_total'), 1, 'counted by the main process');
    assert.equal(
      m.get('falco_triage_alerts_processed_total', { outcome: 'new' }),
      1,
      'counted by the child, reported through the parent',
    );
    assert.equal(
      m.get(POSTS, { method: 'chat.postMessage' }),
      emu.callsTo('chat.postMessage').length,
    );
  });

  test('SIGTERM stops both processes cleanly', async () => {
    const [child] = childrenOf(proc.pid!);
    proc.kill('SIGTERM');
    assert.equal(await exited(), 0);
    assert.throws(() => readFileSync(`/proc/${child}/stat`), 'the child is gone too');
  });
});
