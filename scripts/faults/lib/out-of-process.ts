/**
 * What the out-of-process fault scenarios share: the Slack emulator in its own process,
 * the compiled bot (`node dist/src/main.js`, as `npm start` runs it) in its own process
 * group so a SIGKILL takes its engine child down too, like a crashed pod, and the
 * `FAULT-RESULT {json}` line scripts/faults/run.ts reads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Fault } from '../../../test/helpers/slack-emulator.js';
import type { EmulatorState } from './emulator-process.js';
import { freePort } from '../../../test/helpers/free-port.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const INGEST_TOKEN = 'fault-scenario-ingest-token-0123456789';
export const CHANNEL = 'C0FAULTS001';

export interface FaultResult {
  scenario: string;
  pass: boolean;
  /** One line for the table. */
  summary: string;
  [measure: string]: unknown;
}

/** The line run.ts collects; printed last. */
export function report(result: FaultResult): void {
  process.stdout.write(`FAULT-RESULT ${JSON.stringify(result)}\n`);
}

export interface EmulatorProcess {
  apiUrl: string;
  token: string;
  state(): Promise<EmulatorState>;
  fault(method: string, fault: Fault, fraction?: number): Promise<void>;
  stopFaults(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts', 'faults', 'lib', 'emulator-process.ts')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<{ apiUrl: string; token: string; control: string }>(
    (resolve, reject) => {
      const lines = createInterface({ input: proc.stdout });
      lines.on('line', (l) => {
        if (l.startsWith('EMULATOR-READY ')) resolve(JSON.parse(l.slice(15)) as never);
      });
      proc.once('exit', (code) => reject(new Error(`the emulator process exited (${code})`)));
    },
  );
  const post = async (path: string, b?: unknown) => {
    const res = await fetch(`${ready.control}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(b ?? {}),
    });
    if (!res.ok) throw new Error(`emulator ${path}: ${res.status}`);
  };
  return {
    apiUrl: ready.apiUrl,
    token: ready.token,
    async state() {
      return (await (await fetch(`${ready.control}/state`)).json()) as EmulatorState;
    },
    fault: (method, fault, fraction) => post('/faults', { method, fault, fraction }),
    stopFaults: () => post('/faults/stop'),
    stop: () => stopProcess(proc, 'SIGTERM'),
  };
}

export interface BotProcess {
  port: number;
  proc: ChildProcess;
  /** When it was spawned (ms). */
  /** When the process was spawned. */
  startedAt: number;
  /** When it first answered /readyz (what a Service waits for before sending it traffic). */
  readyAt: number;
  /** SIGKILL to the whole process group: the bot and its engine child, no clean-up. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function requireBuild(): string {
  const main = join(ROOT, 'dist', 'src', 'main.js');
  if (!existsSync(main))
    throw new Error(`${main} is missing: run npm run build (npm run faults does)`);
  return main;
}

/** Starts the compiled bot on a free port and waits for /readyz. */
export async function startBotProcess(
  emu: EmulatorProcess,
  prefix: string,
  env: Record<string, string> = {},
): Promise<BotProcess> {
  const port = await freePort();
  const startedAt = Date.now();
  const proc = spawn(process.execPath, [requireBuild()], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: emu.token,
      SLACK_SIGNING_SECRET: 'fault-signing-secret',
      SLACK_API_URL: emu.apiUrl,
      SLACK_DEFAULT_CHANNEL: CHANNEL,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      INGEST_TOKEN,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'error',
      LOG_FORMAT: 'json',
      ...env,
    },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (proc.exitCode !== null) throw new Error(`the bot exited (${proc.exitCode}) before ready`);
    if (Date.now() > deadline) throw new Error('the bot was not ready within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const group = (signal: NodeJS.Signals) => async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    process.kill(-proc.pid!, signal);
    await exited;
  };
  const readyAt = Date.now();
  return { port, proc, startedAt, readyAt, kill: group('SIGKILL'), stop: group('SIGTERM') };
}

function stopProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

/** POSTs one alert batch; the HTTP status, or 0 when the bot did not answer. */
export async function postAlerts(port: number, alerts: unknown[]): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/falco`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(alerts.length === 1 ? alerts[0] : alerts),
      signal: AbortSignal.timeout(5_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Polls `check` until it returns a value, or throws after timeoutMs. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
