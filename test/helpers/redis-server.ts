import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/**
 * A redis-server of a test's own, on a free loopback port, for tests that stop, kill or
 * pause Redis (never the shared one on 6379). `durable`: append-only file fsynced on every
 * write, in a directory of its own, so a SIGKILL loses nothing (what a production Redis
 * for this bot is configured like); otherwise no persistence at all.
 */
export interface OwnRedis {
  url: string;
  port: number;
  pid(): number | undefined;
  /** SIGKILL (or another signal), and wait for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP / SIGCONT: connected but not answering, then answering again. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port (and the same data directory). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(opts: { durable?: boolean } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ft-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir,
    ...(opts.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let proc: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;

  const start = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(url);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGCONT'); // a paused server would not act on SIGTERM
    p.kill(signal);
    await gone;
  };
  await start();
  return {
    url,
    port,
    pid: () => proc?.pid,
    kill,
    pause: () => proc?.kill('SIGSTOP'),
    resume: () => proc?.kill('SIGCONT'),
    start,
    async stop() {
      await kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(url: string): Promise<void> {
  const probe = new Redis(url, { retryStrategy: () => 50, lazyConnect: false });
  probe.on('error', () => undefined);
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`redis-server at ${url} did not start`)), 10_000).unref(),
    );
    await Promise.race([probe.ping(), timeout]);
  } finally {
    probe.disconnect();
  }
}
