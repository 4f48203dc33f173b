import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { eventually } from '../helpers/eventually.js';
import { deletePrefix, connect, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { startSlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, INGEST_TOKEN, SIGNING_SECRET, startTestBot } from '../helpers/test-bot.js';
import { freePort } from '../helpers/free-port.js';

/**
 * Issue 11 item 8: a well-formed but wrong bot token logged "is running" and then crashed
 * with a raw stack; an xoxp- user token was accepted; with Slack unreachable the bot ran
 * and /readyz stayed green with nothing saying Slack was away.
 */
const root = join(import.meta.dirname, '..', '..');

const alert = () => ({
  rule: 'Terminal shell in container',
  priority: 'Notice',
  time: new Date().toISOString(),
  output_fields: { 'container.id': 'startup00001' },
});

describe('start-up with a wrong token, a user token, or Slack away', () => {
  test('a wrong bot token: one clear line, exit 78, never "is running"', async () => {
    const emu = await startSlackEmulator();
    const prefix = uniquePrefix('startup');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: {
          ...process.env,
          SLACK_BOT_TOKEN: 'xoxb-well-formed-but-wrong',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: emu.apiUrl,
          SLACK_DEFAULT_CHANNEL: CHANNEL,
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          INGEST_TOKEN,
          PORT: '0',
          HOST: '127.0.0.1',
          SINGLE_PROCESS: 'true',
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // Before the fix the process said "is running" and lived on (or died with a stack).
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      clearTimeout(killer);
      assert.equal(code, 78, `stdout: ${out}\nstderr: ${err}`);
      assert.doesNotMatch(out, /is running/);
      assert.doesNotMatch(err, /\n\s+at /, 'a stack trace');
      assert.match(err, /Slack refused SLACK_BOT_TOKEN \(auth\.test: invalid_auth\)/);
      assert.equal(err.trim().split('\n').length, 1, err);
    } finally {
      await emu.close();
      const r = connect();
      await deletePrefix(r, prefix);
      r.disconnect();
    }
  });

  test('an xoxp- user token is refused by configuration, saying which token to use', () => {
    assert.throws(
      () =>
        loadConfig({
          SLACK_BOT_TOKEN: 'xoxp-1234-5678',
          SLACK_SIGNING_SECRET: 's',
          SLACK_DEFAULT_CHANNEL: CHANNEL,
          INGEST_TOKEN,
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /user token \(xoxp-\).*Bot User OAuth Token \(xoxb-\)/.test(e.message),
    );
  });

  test('Slack unreachable: alerts are still accepted into Redis, /readyz says Slack is unreachable', async () => {
    const port = await freePort();
    const emu = await startSlackEmulator();
    // Nothing listens there: every Slack call is a connection error.
    const t = await startTestBot({ emu, env: { SLACK_API_URL: `http://127.0.0.1:${port}/api/` } });
    try {
      const res = await t.postAlerts(alert());
      assert.equal(res.status, 202);
      assert.equal(await t.bot.queue.entriesAdded(), 1);
      const ready = await fetch(`${t.base}/readyz`);
      assert.equal(ready.status, 200, 'ingest must stay routable: it does not need Slack');
      assert.deepEqual(await ready.json(), { status: 'ready', slack: 'unreachable' });
      assert.match(
        await (await fetch(`${t.base}/metrics`)).text(),
        /^falco_triage_slack_reachable 0$/m,
      );
    } finally {
      await t.close();
      await emu.close();
    }
  });

  test('Slack answering 500 at start: the bot starts, retries auth.test, and says so when Slack is back', async () => {
    const emu = await startSlackEmulator();
    let down = true;
    emu.failWhile('auth.test', { status: 500 }, () => !down);
    const t = await startTestBot({ emu });
    try {
      const body = async () =>
        (await (await fetch(`${t.base}/readyz`)).json()) as { slack: string };
      assert.equal((await body()).slack, 'unreachable');
      assert.equal((await t.postAlerts(alert())).status, 202);
      down = false;
      // The retry (after 1 s) succeeds; the publisher then posts the held alert.
      await eventually(async () => (await body()).slack === 'reachable', { timeoutMs: 10_000 });
      await emu.waitFor((e) => e.messages(CHANNEL).length > 0);
    } finally {
      await t.close();
      await emu.close();
    }
  });
});
