import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { eventually } from '../helpers/eventually.js';
import { startSentinel, type PrivateSentinel } from '../helpers/redis-sentinel.js';
import { startSlackEmulator, type SlackEmulator } from '../helpers/slack-emulator.js';
import { CHANNEL, startTestBot, type TestBot } from '../helpers/test-bot.js';

/**
 * REDIS_URL=redis+sentinel://…: the bot asks a real Sentinel for the master and keeps
 * its whole store there. Its own redis-server and Sentinel on free ports, whatever
 * REDIS_URL the suite runs with (the single-server and the Cluster runs alike).
 */
let sentinel: PrivateSentinel;
let emu: SlackEmulator;
let t: TestBot;
let direct: Redis;

before(async () => {
  sentinel = await startSentinel();
  emu = await startSlackEmulator();
  t = await startTestBot({ emu, env: { REDIS_URL: sentinel.url } });
  direct = new Redis({ host: '127.0.0.1', port: sentinel.redisPort });
});
after(async () => {
  direct?.disconnect();
  await t?.bot.stop();
  await emu?.close();
  await sentinel?.stop();
});

test('through a Sentinel URL, alerts become incidents posted to Slack, stored on the master it names', async () => {
  const alerts = [1, 2, 3].map((n) => ({
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(Date.UTC(2025, 4, 7, 12, 0, n)).toISOString(),
    output: 'A shell was spawned',
    output_fields: { 'proc.cmdline': 'bash', 'container.id': 'abc123abc123' },
    source: 'syscall',
    hostname: 'node-1',
  }));
  assert.equal((await t.postAlerts(alerts)).status, 202);
  const posted = await emu.waitFor((e) => e.messages(CHANNEL).length === 1 && e.messages(CHANNEL), {
    what: 'the incident posted',
  });
  assert.equal(posted.length, 1);
  const [incident] = await eventually(
    async () => {
      const open = await t.bot.store.listOpen({ limit: 10 });
      return open.length === 1 && open[0]!.occurrences === 3 && open;
    },
    { what: 'three occurrences counted' },
  );
  // The URL names only the Sentinel: the keys are on the master it pointed the bot to.
  assert.equal(await direct.exists(t.bot.keys.incident(incident!.id)), 1);
});
