import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startBot, type Bot } from './bot.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ReadGate } from './ingest/read-gate.js';
import { createLogger, type Logger } from './logger.js';
import type { ChildMetrics } from './metrics.js';
import { roleArgument } from './roles.js';
import { BotTokenError } from './slack/bot-identity.js';

/** Hidden flag: this process was forked by a parent that serves HTTP for it. */
const CHILD_FLAG = '--engine-child';
/**
 * Ingest counts as busy (the engine yields) once its event loop is more than a quarter
 * utilised (several thousand alerts/s here; a Falco fleet sends a few per second), and
 * calm again under a tenth: the gap keeps a burst from flipping the gate every sample.
 */
const BUSY_ABOVE = 0.25;
const CALM_BELOW = 0.1;
const PRESSURE_SAMPLE_MS = 100;

/**
 * Wiring only: configuration -> logger -> bot(s) -> signal handling.
 *
 * The default (every role, SINGLE_PROCESS unset) runs ingest in this process and the
 * engine and publisher in a child process: the incident engine costs CPU per alert,
 * and on the ingest thread it halved the rate POST /falco could accept. The stream in
 * Redis is the hand-off either way, so the split changes no behaviour.
 */
async function main(): Promise<void> {
  const isChild = process.argv.includes(CHILD_FLAG);
  const role = roleArgument(process.argv.slice(2));
  let config: Readonly<Config>;
  try {
    config = loadConfig(role === undefined ? process.env : { ...process.env, ROLE: role });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`falco-triage cannot start.\n${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.log);
  const roles = config.roles;
  const backRoles = roles.filter((r) => r !== 'ingest');
  const split = !isChild && !config.singleProcess && roles.includes('ingest') && backRoles.length;

  let child: ChildProcess | undefined;
  let bot: Bot;
  let stopping = false;
  const shutdown = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    const childDone = child ? stopChild(child) : Promise.resolve();
    Promise.all([bot?.stop(), childDone]).then(
      () => process.exit(code),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };

  if (split) {
    child = forkBackRoles(backRoles.join(','), config.engineNice, log, () =>
      shutdown('engine process exited', 1),
    );
    bot = await startBot({ ...config, roles: ['ingest'] }, log, {
      childMetrics: async () => {
        const m = child ? await askMetrics(child) : undefined;
        return m ? [m] : [];
      },
      ready: () => child !== undefined && child.exitCode === null && child.connected,
    });
    if (config.engineYieldMs > 0) reportPressure(child);
  } else {
    const readGate = isChild ? new ReadGate(config.engineYieldMs) : undefined;
    bot = await startBot(config, log, { http: !isChild, readGate });
    if (isChild) serveParent(bot, readGate!, () => shutdown('parent went away'));
  }

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Starts this same program as the engine/publisher process, with an IPC channel. */
function forkBackRoles(
  roles: string,
  nice: number,
  log: Logger,
  onUnexpectedExit: () => void,
): ChildProcess {
  const child = fork(fileURLToPath(import.meta.url), ['--role', roles, CHILD_FLAG], {
    // Its SIGINT/SIGTERM come from us (a terminal's Ctrl-C reaches the whole group too).
    stdio: 'inherit',
  });
  child.once('exit', (code, signal) => {
    if (child.killed) return;
    log.error({ code, signal, roles }, 'the engine process exited; stopping so it is restarted');
    onUnexpectedExit();
  });
  // Under a burst the engine yields the CPU to accepting alerts and works through the
  // stream afterwards (Redis holds the backlog); with a spare core it runs at full speed.
  if (nice > 0 && child.pid !== undefined) {
    try {
      setPriority(child.pid, nice);
    } catch (err) {
      log.warn({ err, nice }, 'could not lower the engine process priority (ENGINE_NICE)');
    }
  }
  log.info({ pid: child.pid, roles, nice }, 'started the engine process');
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

let nextRequest = 0;
/** The child's registry as JSON, or undefined if it does not answer within a second. */
function askMetrics(child: ChildProcess): Promise<ChildMetrics | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  const id = ++nextRequest;
  return new Promise((resolve) => {
    const done = (m: ChildMetrics | undefined) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m);
    };
    const onMessage = (msg: unknown) => {
      const r = msg as { type?: string; id?: number; metrics?: ChildMetrics };
      if (r.type === 'metrics' && r.id === id) done(r.metrics);
    };
    const timer = setTimeout(() => done(undefined), 1000);
    child.on('message', onMessage);
    child.send({ type: 'metrics', id });
  });
}

/**
 * Tells the engine child whether this (ingest) process is busy, from its event-loop
 * utilisation over the last PRESSURE_SAMPLE_MS; only changes are sent.
 */
function reportPressure(child: ChildProcess): void {
  let last = performance.eventLoopUtilization();
  let busy = false;
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    const nowBusy = busy ? u >= CALM_BELOW : u > BUSY_ABOVE;
    last = now;
    if (nowBusy !== busy && child.connected) {
      busy = nowBusy;
      child.send({ type: 'pressure', busy });
    }
  }, PRESSURE_SAMPLE_MS).unref();
}

/** In the child: answer metrics requests, follow ingest's pressure; stop when the parent goes away. */
function serveParent(bot: Bot, gate: ReadGate, onParentGone: () => void): void {
  process.on('message', (msg: unknown) => {
    const r = msg as { type?: string; id?: number; busy?: boolean };
    if (r.type === 'pressure') gate.setBusy(r.busy === true);
    if (r.type !== 'metrics') return;
    void bot.metrics.registry.getMetricsAsJSON().then((metrics) => {
      if (process.connected) process.send?.({ type: 'metrics', id: r.id, metrics });
    });
  });
  process.on('disconnect', onParentGone);
}

main().catch((err: unknown) => {
  process.stderr.write(`falco-triage failed to start: ${(err as Error).message}\n`);
  // A token Slack refuses is a configuration error, like a ConfigError.
  process.exit(err instanceof BotTokenError ? 78 : 1);
});
