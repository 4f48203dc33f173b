/**
 * Fault: the bot is SIGKILLed mid-flow, twice (the bot and its engine child, no clean-up,
 * as when a pod is OOM-killed), and started again each time, while alerts keep coming
 * from a sender that retries until it gets 202 (as a second replica behind the same
 * Service would take them). Out of process: the compiled bot, the Slack emulator in its
 * own process, the shared Redis under a key prefix of its own.
 *
 * Pass: every accepted alert counted (0 lost), one top-level Slack post per incident
 * (0 duplicates), and Slack output (a post or an update) resuming within 5 s of the
 * restarted bot answering /readyz. The time from spawn to ready (Node loading the bot,
 * the engine child starting) is reported beside it, not hidden in it.
 */
import { Keys } from '../../src/incidents/keys.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { connect, deletePrefix, uniquePrefix } from '../../test/helpers/redis.js';
import {
  postAlerts,
  report,
  startBotProcess,
  startEmulatorProcess,
  waitUntil,
  type BotProcess,
} from './lib/out-of-process.js';

const FINGERPRINTS = 20;
const PHASE_MS = 4_000;
const RESUME_LIMIT_MS = 5_000;
const KILLS = 2;
// Storms off: each incident is its own message, so a duplicate post shows as such.
const BOT_ENV = { STORM_THRESHOLD: '0' };

const prefix = uniquePrefix('fault-kill');
const redis = connect();
const store = new IncidentStore(redis, new Keys(prefix));
const emu = await startEmulatorProcess();
let bot: BotProcess | undefined;

let seq = 0;
const base = Date.now();
function nextAlert() {
  const n = seq++;
  return {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    // A distinct event each: its time (nanoseconds apart), so none is a duplicate of another.
    time: new Date(base + n)
      .toISOString()
      .replace('Z', `${String(n % 1_000_000).padStart(6, '0')}Z`),
    output: 'A shell was spawned in a container',
    output_fields: {
      'proc.cmdline': 'bash',
      'container.id': `c${String(n % FINGERPRINTS).padStart(11, '0')}`,
    },
    source: 'syscall',
    hostname: 'node-1',
  };
}

let accepted = 0;
let sending = true;
/** Each alert is retried until the bot answers 202. */
async function sender(): Promise<void> {
  while (sending) {
    const alert = nextAlert();
    for (;;) {
      const port = bot?.port;
      const status = port ? await postAlerts(port, [alert]) : 0;
      if (status === 202) {
        accepted++;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

const writes = (s: Awaited<ReturnType<typeof emu.state>>, after: number) =>
  s.calls.filter(
    (c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.ok && c.at >= after,
  );

let pass = false;
const resumes: number[] = [];
const startups: number[] = [];
let result: Record<string, unknown>;
try {
  bot = await startBotProcess(emu, prefix, BOT_ENV);
  const senders = [sender(), sender(), sender(), sender()];
  await new Promise((r) => setTimeout(r, PHASE_MS));
  for (let k = 0; k < KILLS; k++) {
    await bot.kill();
    bot = undefined;
    await new Promise((r) => setTimeout(r, 500));
    const restarted = await startBotProcess(emu, prefix, BOT_ENV);
    bot = restarted;
    const first = await waitUntil(
      'the first Slack write after the restart',
      async () => writes(await emu.state(), restarted.startedAt)[0],
      90_000,
    );
    resumes.push(Math.max(0, first.at - restarted.readyAt));
    startups.push(restarted.readyAt - restarted.startedAt);
    await new Promise((r) => setTimeout(r, PHASE_MS));
  }
  sending = false;
  await Promise.all(senders);
  // Settled: every accepted alert counted and every incident posted.
  const settled = await waitUntil(
    'every accepted alert counted and every incident posted',
    async () => {
      const open = await store.listOpen({ limit: 1000 });
      const counted = open.reduce((n, i) => n + i.occurrences, 0);
      return counted >= accepted && open.every((i) => i.ts) ? { open, counted } : false;
    },
    120_000,
  ).catch(async () => {
    const open = await store.listOpen({ limit: 1000 });
    return { open, counted: open.reduce((n, i) => n + i.occurrences, 0) };
  });
  const state = await emu.state();
  const top = state.messages.filter((m) => m.channel.startsWith('C'));
  const ids = top.map((m) => JSON.stringify(m.payload?.incident_id ?? null));
  const duplicates = ids.length - new Set(ids).size;
  const lost = accepted - settled.counted;
  pass =
    lost === 0 &&
    settled.counted === accepted &&
    duplicates === 0 &&
    settled.open.length === FINGERPRINTS &&
    resumes.every((ms) => ms <= RESUME_LIMIT_MS);
  result = {
    accepted,
    counted: settled.counted,
    lost,
    incidents: settled.open.length,
    topLevelPosts: top.length,
    duplicates,
    kills: KILLS,
    resumeMs: resumes,
    spawnToReadyMs: startups,
  };
} catch (err) {
  result = { error: (err as Error).message, accepted, resumeMs: resumes };
} finally {
  sending = false;
  await bot?.stop().catch(() => undefined);
  await emu.stop();
  await deletePrefix(redis, prefix);
  redis.disconnect();
}
report({
  scenario: 'bot-sigkill',
  pass,
  summary:
    'error' in result
      ? `error: ${String(result.error)}`
      : `${String(result.accepted)} accepted, ${String(result.lost)} lost, ${String(result.duplicates)} duplicate posts, output resumed ${resumes.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' / ')} after the restarted bot was ready (spawn to ready ${startups.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' / ')}) for each of ${KILLS} SIGKILLs`,
  ...result,
});
process.exit(0);
