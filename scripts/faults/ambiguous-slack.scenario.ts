/**
 * Fault: Slack takes a chat.postMessage into effect but the bot cannot know it: for a
 * share of the calls the emulator posts the message and then answers 500, or cuts the
 * connection without answering. The alerts are stamped 10 minutes in the future (a
 * skewed Falco host), which is what made the bot's search for an already-posted message
 * miss it. Out of process: the compiled bot, the Slack emulator in its own process, the
 * shared Redis under a key prefix of its own.
 *
 * Pass: every incident posted, exactly one top-level message per incident.
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

const INCIDENTS = 40;
const SKEW_MS = 10 * 60_000;
const ERROR_SHARE = 0.3;
const DROP_SHARE = 0.15;

const prefix = uniquePrefix('fault-ambiguous');
const redis = connect();
const store = new IncidentStore(redis, new Keys(prefix));
const emu = await startEmulatorProcess();
let bot: BotProcess | undefined;
let pass = false;
let result: Record<string, unknown>;
try {
  // Faults take a share of the calls in turn: first the 500s, then (of the rest) the drops.
  await emu.fault('chat.postMessage', { status: 500, afterEffect: true }, ERROR_SHARE);
  await emu.fault(
    'chat.postMessage',
    { drop: true, afterEffect: true },
    DROP_SHARE / (1 - ERROR_SHARE),
  );
  // Storms off: each incident is its own message, so a duplicate post shows as such.
  bot = await startBotProcess(emu, prefix, { CHANNEL_POST_INTERVAL_MS: '0', STORM_THRESHOLD: '0' });
  const future = Date.now() + SKEW_MS;
  const alerts = Array.from({ length: INCIDENTS }, (_, i) => ({
    rule: 'Terminal shell in container',
    priority: 'Warning',
    time: new Date(future + i).toISOString(),
    output: 'A shell was spawned in a container',
    output_fields: { 'proc.cmdline': 'bash', 'container.id': `f${String(i).padStart(11, '0')}` },
    source: 'syscall',
    hostname: 'skewed-node',
  }));
  const status = await postAlerts(bot.port, alerts);
  if (status !== 202) throw new Error(`the alerts were answered ${status}`);
  const open = await waitUntil(
    'every incident posted',
    async () => {
      const o = await store.listOpen({ limit: 1000 });
      return o.length === INCIDENTS && o.every((i) => i.ts) ? o : false;
    },
    120_000,
  ).catch(() => store.listOpen({ limit: 1000 }));
  const state = await emu.state();
  const posts = state.calls.filter((c) => c.method === 'chat.postMessage');
  const ambiguous = posts.filter((c) => c.fault).length;
  const ids = state.messages.map((m) => JSON.stringify(m.payload?.incident_id ?? null));
  const duplicates = ids.length - new Set(ids).size;
  const posted = open.filter((i) => i.ts).length;
  pass = duplicates === 0 && posted === INCIDENTS && ambiguous > 0;
  result = {
    incidents: open.length,
    posted,
    postCalls: posts.length,
    ambiguousAnswers: ambiguous,
    topLevelMessages: state.messages.length,
    duplicates,
    skewMinutes: SKEW_MS / 60_000,
  };
} catch (err) {
  result = { error: (err as Error).message };
} finally {
  await emu.stopFaults().catch(() => undefined);
  await bot?.stop().catch(() => undefined);
  await emu.stop();
  await deletePrefix(redis, prefix);
  redis.disconnect();
}
report({
  scenario: 'ambiguous-slack',
  pass,
  summary:
    'error' in result
      ? `error: ${String(result.error)}`
      : `${String(result.posted)}/${INCIDENTS} incidents posted, alerts ${SKEW_MS / 60_000} min in the future, ${String(result.ambiguousAnswers)} of ${String(result.postCalls)} chat.postMessage calls took effect but answered 500 or no answer: ${String(result.duplicates)} duplicate top-level posts`,
  ...result,
});
process.exit(0);
