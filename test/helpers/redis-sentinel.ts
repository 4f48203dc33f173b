import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/**
 * A private redis-server and a Sentinel monitoring it, both on free loopback ports, for
 * the Sentinel test: never the shared Redis. Nothing is persisted; stop() kills both and
 * removes the Sentinel's config file (Sentinel rewrites it, so it must be writable).
 */
export interface PrivateSentinel {
  masterName: string;
  redisPort: number;
  sentinelPort: number;
  /** The bot's REDIS_URL through the Sentinel. */
  url: string;
  stop(): Promise<void>;
}

export async function startSentinel(masterName = 'ftmaster'): Promise<PrivateSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'falco-triage-sentinel-'));
  const procs: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const redisPort = await freePort();
    procs.push(
      await spawnServer(
        ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        redisPort,
      ),
    );
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${redisPort} 1`,
        `sentinel down-after-milliseconds ${masterName} 5000`,
        '',
      ].join('\n'),
    );
    procs.push(await spawnServer([conf, '--sentinel'], sentinelPort));
    return {
      masterName,
      redisPort,
      sentinelPort,
      url: `redis+sentinel://127.0.0.1:${sentinelPort}/${masterName}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function spawnServer(args: string[], port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', args, { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('spawn', () => resolve());
  });
  // Commands queue until the server listens; ioredis retries the connection meanwhile.
  const probe = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing answered on port ${port}`)), 10_000);
  });
  try {
    await Promise.race([probe.ping(), timeout]);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`redis-server ${args.join(' ')} did not start`, { cause: err });
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
  return proc;
}

function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}
