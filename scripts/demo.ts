/**
 * `npm run demo`: the whole bot without Slack. Starts the project's Slack Web API
 * emulator, finds or starts a Redis, starts the bot against both, replays the sample
 * Falco alerts through POST /falco and prints what the bot posted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startBot } from '../src/bot.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { eventually } from '../test/helpers/eventually.js';
import { startSlackEmulator } from '../test/helpers/slack-emulator.js';
import { freePort } from '../test/helpers/free-port.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samplesDir = join(root, 'test', 'fixtures', 'samples');
const CHANNEL = 'C0DEMO00001';

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function privateRedis(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = new Promise<never>((_, reject) => {
    proc.once('error', (err) =>
      reject(
        new Error(
          `No Redis answers at REDIS_URL and redis-server could not be started (${err.message}).\n` +
            'Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),\n' +
            'or point REDIS_URL at a running Redis, e.g. REDIS_URL=redis://127.0.0.1:6379 npm run demo',
        ),
      ),
    );
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await Promise.race([redisAnswers(url), failed])) return { url, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('redis-server started but did not answer within 5 s');
}

async function main(): Promise<void> {
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let redisProc: ChildProcess | undefined;
  if (!(await redisAnswers(redisUrl))) {
    process.stdout.write(`No Redis at ${redisUrl}; starting a private redis-server...\n`);
    ({ url: redisUrl, proc: redisProc } = await privateRedis());
  }
  const emu = await startSlackEmulator();
  const prefix = `falco-triage-demo-${process.pid}:`;
  const config = loadConfig({
    SLACK_BOT_TOKEN: emu.token,
    SLACK_SIGNING_SECRET: 'demo-signing-secret',
    SLACK_API_URL: emu.apiUrl,
    SLACK_DEFAULT_CHANNEL: CHANNEL,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    INGEST_TOKEN: 'demo-ingest-token-0123456789',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    CHANNEL_POST_INTERVAL_MS: '50',
    UPDATE_COALESCE_MS: '200',
    // The samples arrive at once, more than a storm's threshold: the demo shows each report.
    STORM_THRESHOLD: '0',
  });
  const bot = await startBot(config, createLogger(config.log));
  try {
    const files = readdirSync(samplesDir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    let accepted = 0;
    for (const f of files) {
      const res = await fetch(`http://127.0.0.1:${bot.port}/falco`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer demo-ingest-token-0123456789',
          'content-type': 'application/json',
        },
        body: readFileSync(join(samplesDir, f)),
      });
      const body = (await res.json()) as { accepted?: number };
      accepted += body.accepted ?? 0;
      process.stdout.write(`POST /falco ${f} -> ${res.status} ${JSON.stringify(body)}\n`);
    }
    const incidents = await eventually(
      async () => {
        const open = await bot.store.listOpen({ limit: 1000 });
        return open.length > 0 &&
          open.every((i) => i.ts !== undefined && i.renderedVersion >= i.version)
          ? open
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'every incident posted and up to date' },
    );
    process.stdout.write(
      `\n${accepted} alerts accepted, ${incidents.length} incidents, ${emu.messages(CHANNEL).length} Slack messages:\n`,
    );
    for (const m of emu.messages(CHANNEL)) {
      process.stdout.write(`\n──── ${m.ts} ────\n${renderForTerminal(m.blocks)}\n`);
    }
  } finally {
    await bot.stop();
    const r = new Redis(redisUrl);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
    await emu.close();
    redisProc?.kill();
  }
}

/** A rough terminal picture of Block Kit: enough to see what an on-call person would see. */
function renderForTerminal(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const text = (t: unknown) => (t && typeof t === 'object' && 'text' in t ? String(t.text) : '');
  return blocks
    .map((b: Record<string, unknown>) => {
      switch (b.type) {
        case 'header':
          return `# ${text(b.text)}`;
        case 'section':
          return [text(b.text), ...((b.fields as unknown[] | undefined) ?? []).map(text)]
            .filter(Boolean)
            .join('\n');
        case 'context':
          return ((b.elements as unknown[] | undefined) ?? []).map(text).join('  ');
        case 'actions':
          // Buttons by their label; select menus (no label) by their placeholder, with ▾.
          return ((b.elements as unknown[] | undefined) ?? [])
            .map((e) => {
              const el = e as { text?: unknown; placeholder?: unknown };
              return el.text ? `[${text(el.text)}]` : `[${text(el.placeholder)} ▾]`;
            })
            .join(' ');
        case 'divider':
          return '────────';
        default:
          return `(${String(b.type)})`;
      }
    })
    .join('\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  process.exit(1);
});
