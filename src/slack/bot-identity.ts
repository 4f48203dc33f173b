import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../logger.js';

/** Slack's answers that mean the token itself is wrong: retrying cannot help. */
const FATAL_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'missing_scope',
]);

export class BotTokenError extends Error {
  override name = 'BotTokenError';
}

export type Identity =
  | { reachable: true; botUserId: string; botId: string; team?: string }
  | { reachable: false; error: string };

/**
 * One auth.test with SLACK_BOT_TOKEN. A token Slack refuses is a BotTokenError (the
 * caller stops before claiming to run; Bolt's own check would have crashed later with a
 * stack trace); Slack unreachable (network error, 5xx, timeout) is `reachable: false`.
 */
export async function checkBotToken(
  token: string,
  clientOptions: WebClientOptions,
): Promise<Identity> {
  const client = new WebClient(token, {
    ...clientOptions,
    retryConfig: { retries: 0 },
    timeout: 5_000,
  });
  try {
    const r = await client.auth.test();
    return {
      reachable: true,
      botUserId: String(r.user_id),
      botId: String(r.bot_id),
      ...(r.team ? { team: String(r.team) } : {}),
    };
  } catch (err) {
    const e = err as { code?: string; data?: { error?: string }; message?: string };
    const slackError = e.data?.error;
    if (e.code === 'slack_webapi_platform_error' && slackError && FATAL_ERRORS.has(slackError))
      throw new BotTokenError(
        `Slack refused SLACK_BOT_TOKEN (auth.test: ${slackError}). Copy the Bot User OAuth Token (xoxb-) from OAuth & Permissions in your Slack app, and reinstall the app if it was revoked.`,
      );
    return { reachable: false, error: slackError ?? e.message ?? String(err) };
  }
}

/**
 * While Slack was unreachable at start: auth.test again with backoff (1 s doubling to a
 * minute) until Slack answers. Ingest never waits for this: alerts go to Redis whatever
 * Slack does; the publisher's outbox holds their posts until Slack is back.
 */
export function retryBotToken(
  token: string,
  clientOptions: WebClientOptions,
  log: Logger,
  onFatal: (err: BotTokenError) => void,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = 1_000;
  const attempt = async () => {
    if (stopped) return;
    try {
      const id = await checkBotToken(token, clientOptions);
      if (stopped) return;
      if (id.reachable) {
        log.info({ botUserId: id.botUserId }, 'Slack is reachable again; the bot token is valid');
        return;
      }
      log.warn({ error: id.error, retryInMs: delay }, 'Slack is still unreachable');
    } catch (err) {
      if (err instanceof BotTokenError) return onFatal(err);
    }
    timer = setTimeout(() => void attempt(), delay);
    timer.unref();
    delay = Math.min(delay * 2, 60_000);
  };
  timer = setTimeout(() => void attempt(), delay);
  timer.unref();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
