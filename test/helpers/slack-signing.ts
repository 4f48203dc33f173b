/**
 * Requests to the bot's `POST /slack/events` as Slack sends them: signed with the app's signing
 * secret (https://docs.slack.dev/authentication/verifying-requests-from-slack), and shaped like
 * Slack's slash-command, interaction and Events API payloads.
 *
 * Bolt's HTTPReceiver verifies `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<raw body>">`
 * and rejects timestamps more than five minutes old. It parses `payload=` only when the
 * content type is exactly `application/x-www-form-urlencoded`, so that is what we send.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID } from './slack-emulator.js';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

// The emulator's ids, so a payload and the emulated workspace agree.
const DEFAULT_TEAM_ID = TEAM_ID;
const DEFAULT_APP_ID = APP_ID;
/** The deprecated verification token Slack still includes; Bolt ignores it. */
const VERIFICATION_TOKEN = 'emulated-verification-token';

export interface SignedHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

export interface SlackRequest {
  body: string;
  contentType: string;
}

export function sign(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): SignedHeaders {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${signature}` };
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  opts: { timestamp?: number; badSignature?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; json?: unknown }> {
  const signed = sign(opts.badSignature ? `${secret}-wrong` : secret, body, opts.timestamp);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, ...signed, ...opts.headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, ...(json !== undefined ? { json } : {}) };
}

/** Post a payload builder's result: `postRequest(url, secret, slashCommand({...}))`. */
export function postRequest(
  url: string,
  secret: string,
  req: SlackRequest,
  opts?: { timestamp?: number; badSignature?: boolean; headers?: Record<string, string> },
): Promise<{ status: number; body: string; json?: unknown }> {
  return postSigned(url, secret, req.body, req.contentType, opts);
}

// ---------------------------------------------------------------------------------------------
// Payload builders

let counter = 0;
const digits = (n: number): string =>
  Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
/** Slack's trigger_id shape, e.g. "13345224609.738474920.8088930838d88f008e0". */
export const newTriggerId = (): string =>
  `${digits(11)}.${digits(9)}.${randomBytes(10).toString('hex')}`;
const placeholderResponseUrl = (teamId: string): string =>
  `https://hooks.slack.com/commands/${teamId}/${digits(13)}/${randomBytes(12).toString('hex')}`;
const nowTs = (): string => (Date.now() / 1000).toFixed(6);
const actionTs = (): string => {
  counter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(counter).padStart(6, '0')}`;
};

const form = (fields: Record<string, string | undefined>): SlackRequest => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) params.append(k, v);
  return { body: params.toString(), contentType: FORM };
};
const interaction = (payload: Record<string, unknown>): SlackRequest =>
  form({ payload: JSON.stringify(payload) });

export interface SlashCommandInput {
  command?: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  team_id?: string;
  trigger_id?: string;
  /** Use `emu.responseUrl(...)` so `respond()` reaches the emulator; the default goes nowhere. */
  response_url?: string;
  api_app_id?: string;
}

export function slashCommand(input: SlashCommandInput): SlackRequest {
  const teamId = input.team_id ?? DEFAULT_TEAM_ID;
  return form({
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: 'emulated',
    channel_id: input.channel_id,
    channel_name: input.channel_name ?? 'falco-alerts',
    user_id: input.user_id,
    user_name: input.user_name ?? input.user_id.toLowerCase(),
    command: input.command ?? '/falco',
    text: input.text,
    api_app_id: input.api_app_id ?? DEFAULT_APP_ID,
    is_enterprise_install: 'false',
    response_url: input.response_url ?? placeholderResponseUrl(teamId),
    trigger_id: input.trigger_id ?? newTriggerId(),
  });
}

export interface BlockActionInput {
  user: { id: string; username?: string; name?: string };
  channel: { id: string; name?: string };
  message: { ts: string; text?: string; blocks?: unknown[]; [k: string]: unknown };
  actions: Array<{
    action_id: string;
    block_id?: string;
    value?: string;
    type?: string;
    text?: { type: 'plain_text'; text: string; emoji?: boolean };
    selected_user?: string;
    selected_option?: { text: { type: 'plain_text'; text: string }; value: string };
    [k: string]: unknown;
  }>;
  trigger_id?: string;
  /** Use `emu.responseUrl({channel, messageTs})` to let the bot answer through it. */
  response_url?: string;
  container?: Record<string, unknown>;
  team_id?: string;
  api_app_id?: string;
  state?: { values: Record<string, unknown> };
}

export function blockAction(input: BlockActionInput): SlackRequest {
  const teamId = input.team_id ?? DEFAULT_TEAM_ID;
  const username = input.user.username ?? input.user.id.toLowerCase();
  return interaction({
    type: 'block_actions',
    user: { id: input.user.id, username, name: input.user.name ?? username, team_id: teamId },
    api_app_id: input.api_app_id ?? DEFAULT_APP_ID,
    token: VERIFICATION_TOKEN,
    container: input.container ?? {
      type: 'message',
      message_ts: input.message.ts,
      channel_id: input.channel.id,
      is_ephemeral: false,
    },
    trigger_id: input.trigger_id ?? newTriggerId(),
    team: { id: teamId, domain: 'emulated' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel.id, name: input.channel.name ?? 'falco-alerts' },
    message: {
      type: 'message',
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      app_id: input.api_app_id ?? DEFAULT_APP_ID,
      team: teamId,
      text: '',
      ...input.message,
    },
    state: input.state ?? { values: {} },
    response_url: input.response_url ?? placeholderResponseUrl(teamId),
    actions: input.actions.map((a, i) => ({
      type: 'button',
      block_id: `block-${i}`,
      action_ts: actionTs(),
      ...a,
    })),
  });
}

export interface ViewSubmissionInput {
  user: { id: string; username?: string; name?: string };
  view: {
    id?: string;
    callback_id: string;
    private_metadata?: string;
    state: { values: Record<string, Record<string, unknown>> };
    [k: string]: unknown;
  };
  trigger_id?: string;
  team_id?: string;
  api_app_id?: string;
}

export function viewSubmission(input: ViewSubmissionInput): SlackRequest {
  const teamId = input.team_id ?? DEFAULT_TEAM_ID;
  const appId = input.api_app_id ?? DEFAULT_APP_ID;
  const username = input.user.username ?? input.user.id.toLowerCase();
  const id = input.view.id ?? `V${randomBytes(5).toString('hex').toUpperCase()}`;
  return interaction({
    type: 'view_submission',
    team: { id: teamId, domain: 'emulated' },
    user: { id: input.user.id, username, name: input.user.name ?? username, team_id: teamId },
    api_app_id: appId,
    token: VERIFICATION_TOKEN,
    trigger_id: input.trigger_id ?? newTriggerId(),
    view: {
      id,
      team_id: teamId,
      type: 'modal',
      blocks: [],
      private_metadata: '',
      title: { type: 'plain_text', text: 'Modal', emoji: true },
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      previous_view_id: null,
      root_view_id: id,
      app_id: appId,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: BOT_ID,
      clear_on_close: false,
      notify_on_close: false,
      ...input.view,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  });
}

export function eventCallback(
  event: Record<string, unknown>,
  opts: { team_id?: string; api_app_id?: string; event_id?: string; event_time?: number } = {},
): SlackRequest {
  const teamId = opts.team_id ?? DEFAULT_TEAM_ID;
  const body = {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: opts.api_app_id ?? DEFAULT_APP_ID,
    event: { event_ts: nowTs(), ...event },
    type: 'event_callback',
    event_id: opts.event_id ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: opts.event_time ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(16).toString('base64url')}`,
  };
  return { body: JSON.stringify(body), contentType: JSON_TYPE };
}

export function urlVerification(challenge: string): SlackRequest {
  return {
    body: JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' }),
    contentType: JSON_TYPE,
  };
}
