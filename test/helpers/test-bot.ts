import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DestinationStream } from 'pino';
import { startBot, type Bot, type BotOptions } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { connect, deletePrefix, REDIS_URL, uniquePrefix } from './redis.js';
import { startSlackEmulator, type SlackEmulator } from './slack-emulator.js';

export const CHANNEL = 'C0TEST00001';
export const INGEST_TOKEN = 'test-ingest-token-0123456789abcdef';
export const SIGNING_SECRET = 'test-signing-secret';

export interface TestBot {
  bot: Bot;
  emu: SlackEmulator;
  prefix: string;
  base: string;
  /** POST /falco with the right token unless headers say otherwise. */
  postAlerts(
    body: string | Buffer | object,
    opts?: { headers?: Record<string, string>; query?: string; gzip?: boolean },
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface TestBotOptions extends BotOptions {
  env?: Record<string, string>;
  /** Where the bot's log lines go (with env LOG_LEVEL), for tests that read them. */
  logDestination?: DestinationStream;
  emu?: SlackEmulator;
  prefix?: string;
}

/** A real bot (HTTP server, Redis, worker, publisher) against the Slack emulator, under a fresh key prefix. */
export async function startTestBot(opts: TestBotOptions = {}): Promise<TestBot> {
  const emu = opts.emu ?? (await startSlackEmulator());
  const prefix = opts.prefix ?? uniquePrefix('bot');
  // Every bot its own spool directory (a spool has one owner), removed by close().
  const spoolDir = opts.env?.SPOOL_DIR ? undefined : mkdtempSync(join(tmpdir(), 'ft-spool-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: emu.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emu.apiUrl,
    SLACK_DEFAULT_CHANNEL: CHANNEL,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    INGEST_TOKEN,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CHANNEL_POST_INTERVAL_MS: '0',
    UPDATE_COALESCE_MS: '100',
    // Tests of one incident's life; the storm tests set the storm settings they test.
    STORM_THRESHOLD: '0',
    ...(spoolDir ? { SPOOL_DIR: spoolDir } : {}),
    ...opts.env,
  });
  const log = createLogger({
    level: config.log.level,
    format: 'json',
    destination: opts.logDestination,
  });
  const bot = await startBot(config, log, {
    pollMs: 25,
    ...opts,
  });
  const base = `http://127.0.0.1:${bot.port}`;
  return {
    bot,
    emu,
    prefix,
    base,
    async postAlerts(body, o = {}) {
      let payload: string | Buffer =
        typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${INGEST_TOKEN}`,
        ...o.headers,
      };
      if (o.gzip) {
        payload = gzipSync(payload);
        headers['content-encoding'] = 'gzip';
      }
      const res = await fetch(`${base}/falco${o.query ?? ''}`, {
        method: 'POST',
        headers,
        body: payload,
      });
      const text = await res.text();
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { raw: text };
      }
      return { status: res.status, json };
    },
    async close() {
      await bot.stop();
      if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
      if (!opts.emu) await emu.close();
      const r = connect();
      await deletePrefix(r, prefix);
      r.disconnect();
    },
  };
}
