/**
 * A Slack Web API emulator for tests: a real HTTP server the bot's WebClient talks to through
 * `slackApiUrl`, answering the methods the bot uses the way Slack does (HTTP 200 with
 * `ok: false` for API errors, 429 + Retry-After for rate limits), refusing payloads Slack would
 * refuse (Block Kit limits), recording everything, and failing on demand.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkMessage, checkView, isError, isWarning } from './block-kit-limits.js';

export const TEAM_ID = 'T0EMULATED';
export const BOT_USER_ID = 'U0BOTUSER1';
export const BOT_ID = 'B0BOTUSER1';
export const APP_ID = 'A0EMULATED';
const TEAM_DOMAIN = 'emulated';

export type Fault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { status: 500; afterEffect: true }
  /** The call takes effect, then the connection is cut before any answer. */
  | { drop: true; afterEffect: true };

export interface FaultFilter {
  /** Only calls whose `channel` (or `channel_id`) is this one. */
  channel?: string;
  /** Only this share (0..1) of the matching calls, chosen at random (faults now and then). */
  fraction?: number;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  status: number;
  response: unknown;
  at: number;
  /** The injected fault that shaped this answer, if any. */
  fault?: Fault;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface EmulatedMessage {
  ts: string;
  channel: string;
  text: string;
  blocks?: Array<Record<string, unknown>>;
  attachments?: unknown[];
  metadata?: MessageMetadata;
  /** Set on replies: the parent's ts. */
  thread_ts?: string;
  user: string;
  bot_id: string;
  /** How many replies the message has (top-level messages only). */
  replies: number;
  /** How many times chat.update changed it. */
  updates: number;
  postedAt: number;
  updatedAt?: number;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
  link_names?: boolean;
  reactions: Array<{ name: string; users: string[] }>;
  files?: Array<{ id: string; title?: string; name: string }>;
}

export interface EmulatedEphemeral {
  message_ts: string;
  channel?: string;
  user?: string;
  text: string;
  blocks?: Array<Record<string, unknown>>;
  thread_ts?: string;
  via: 'chat.postEphemeral' | 'response_url';
  postedAt: number;
}

export interface EmulatedView {
  id: string;
  via: 'views.open' | 'views.push' | 'views.publish';
  type: string;
  /** The view as Slack would return it (id, hash, state, ...), after updates. */
  view: Record<string, unknown>;
  trigger_id?: string;
  user_id?: string;
  external_id?: string;
  updates: number;
  openedAt: number;
}

export interface EmulatedFile {
  id: string;
  filename: string;
  title?: string;
  length: number;
  content: Buffer;
  alt_text?: string;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
  completedAt: number;
}

export interface EmulatedResponse {
  /** The response_url's id (last path segment). */
  id: string;
  channel?: string;
  user?: string;
  body: Record<string, unknown>;
  at: number;
}

export interface EmulatorWarning {
  method: string;
  channel?: string;
  /** As Slack names it, e.g. `missing_text_in_blocks`. */
  warning: string;
}

export interface WaitForOptions {
  timeoutMs?: number;
  what?: string;
}

export interface SlackEmulatorOptions {
  token?: string;
  /** The app-level token (xapp-) Socket Mode clients open connections with. */
  appToken?: string;
  users?: Record<string, { name: string; real_name?: string }>;
  usergroups?: Record<string, string[]>;
}

export interface SlackEmulator {
  /** For WebClient's `slackApiUrl`; ends in `/api/`. */
  readonly apiUrl: string;
  readonly token: string;
  /** Every request, failed ones included, oldest first. */
  readonly calls: RecordedCall[];
  readonly ephemerals: EmulatedEphemeral[];
  readonly views: EmulatedView[];
  /** Files whose upload was completed (files.completeUploadExternal). */
  readonly files: EmulatedFile[];
  /** Posts to response_urls minted by `responseUrl()`. */
  readonly responses: EmulatedResponse[];
  readonly warnings: EmulatorWarning[];
  /** Current top-level messages (replies excluded), oldest first, as they stand after updates. */
  messages(channel?: string): EmulatedMessage[];
  /** The replies in a thread, oldest first, without the parent. */
  replies(channel: string, threadTs: string): EmulatedMessage[];
  callsTo(method: string): RecordedCall[];
  /**
   * A response_url served by the emulator, for slash-command and block-action payloads. Posts
   * are recorded in `responses`; ephemeral ones also in `ephemerals`; `in_channel`,
   * `replace_original` and `delete_original` act on `channel` / `messageTs`.
   */
  responseUrl(opts?: { channel?: string; user?: string; messageTs?: string }): string;
  /**
   * Answers the next `times` calls to `method` ('*' for any) with `fault`. Faults registered
   * earlier are used first.
   */
  failNext(method: string, fault: Fault, times?: number, filter?: FaultFilter): void;
  /** Answers calls to `method` with `fault` until `until()` returns true. */
  failWhile(method: string, fault: Fault, until: () => boolean, filter?: FaultFilter): void;
  /**
   * Resolves with the first truthy value of `predicate`, checked now and after every recorded
   * call. A predicate that throws counts as "not yet".
   */
  waitFor<T>(
    predicate: (emu: SlackEmulator) => T | undefined | null | false,
    opts?: WaitForOptions,
  ): Promise<T>;
  /**
   * Socket Mode: sends an envelope (`slash_commands`, `interactive`, `events_api`) to the
   * connected client and resolves with the payload of its ack, as Slack would receive it.
   */
  socketRequest(type: string, payload: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves once a Socket Mode client has connected and been greeted. */
  socketConnected(opts?: WaitForOptions): Promise<void>;
  /** Called after every recorded call; returns an unsubscribe function. */
  on(event: 'call', listener: (call: RecordedCall) => void): () => void;
  /** Forgets recordings, stored messages, views, files and faults. */
  reset(): void;
  close(): Promise<void>;
}

export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const emu = new Emulator(opts);
  await emu.listen();
  return emu;
}

// ---------------------------------------------------------------------------------------------

type Args = Record<string, unknown>;
type Result = Record<string, unknown> & { ok: boolean };
type Handler = (args: Args) => Result;

interface FaultRule {
  method: string;
  fault: Fault;
  filter?: FaultFilter;
  remaining?: number;
  until?: () => boolean;
}

interface ResponseTarget {
  channel?: string;
  user?: string;
  messageTs?: string;
  uses: number;
}

/** Form values WebClient JSON-encodes because they are objects or arrays. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files', 'users']);
const READ_METHODS = new Set([
  'auth.test',
  'conversations.history',
  'conversations.replies',
  'users.info',
  'users.list',
  'usergroups.users.list',
  'chat.getPermalink',
]);
const CHANNEL_RE = /^[CGD][A-Z0-9]{2,}$/;
/** Slack honours a response_url five times within 30 minutes. */
const RESPONSE_URL_USES = 5;

const fail = (error: string, extra: Args = {}): Result => ({ ok: false, error, ...extra });
const truthy = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
const asString = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const clone = <T>(v: T): T => structuredClone(v);

class Emulator implements SlackEmulator {
  readonly token: string;
  apiUrl = '';
  private base = '';
  private readonly server: Server;
  private readonly events = new EventEmitter();
  private readonly users: Record<string, { name: string; real_name?: string }>;
  private readonly usergroups: Record<string, string[]>;

  private recorded: RecordedCall[] = [];
  /** All channel messages, replies included, keyed `${channel}/${ts}`. */
  private store = new Map<string, EmulatedMessage>();
  private ephemeralList: EmulatedEphemeral[] = [];
  private viewList: EmulatedView[] = [];
  private pendingUploads = new Map<
    string,
    { filename: string; length: number; alt_text?: string; content?: Buffer }
  >();
  private fileList: EmulatedFile[] = [];
  private responseList: EmulatedResponse[] = [];
  private responseTargets = new Map<string, ResponseTarget>();
  private warningList: EmulatorWarning[] = [];
  private faults: FaultRule[] = [];

  /** Microseconds since the epoch of the last ts handed out; never reset, so ts keep rising. */
  private lastTsMicros = 0;
  private seq = 0;

  readonly appToken: string;
  private readonly wss = new WebSocketServer({ noServer: true });
  private socket?: WebSocket;
  private readonly socketAcks = new Map<string, (payload: Record<string, unknown>) => void>();

  constructor(opts: SlackEmulatorOptions) {
    this.token = opts.token ?? 'xoxb-test-token';
    this.appToken = opts.appToken ?? 'xapp-1-A0EMULATED-0000-test';
    this.users = opts.users ?? {};
    this.usergroups = opts.usergroups ?? {};
    this.events.setMaxListeners(0);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`emulator error: ${err instanceof Error ? err.stack : String(err)}`);
      });
    });
    // Socket Mode: the URL apps.connections.open hands out is a WebSocket on this server.
    this.server.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith('/socket')) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.socket = ws;
        ws.on('message', (data: Buffer) => {
          const msg = JSON.parse(data.toString('utf8')) as {
            envelope_id?: string;
            payload?: Record<string, unknown>;
          };
          const done = msg.envelope_id ? this.socketAcks.get(msg.envelope_id) : undefined;
          if (done) {
            this.socketAcks.delete(msg.envelope_id!);
            done(msg.payload ?? {});
          }
        });
        ws.send(
          JSON.stringify({
            type: 'hello',
            num_connections: 1,
            debug_info: { host: 'emulated', approximate_connection_time: 18060 },
            connection_info: { app_id: APP_ID },
          }),
        );
        this.events.emit('socket');
      });
    });
  }

  socketConnected(opts: WaitForOptions = {}): Promise<void> {
    if (this.socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no Socket Mode client connected')),
        opts.timeoutMs ?? 10_000,
      );
      this.events.once('socket', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  socketRequest(type: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ws = this.socket;
    if (!ws) return Promise.reject(new Error('no Socket Mode client connected'));
    const envelopeId = `env-${this.nextId()}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socketAcks.delete(envelopeId);
        reject(new Error(`no ack for ${type} within 3 s`));
      }, 3000);
      this.socketAcks.set(envelopeId, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
      ws.send(
        JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: true }),
      );
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.base}/api/`;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    // Keep-alive sockets from fetch would otherwise hold close() open.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  // --- recordings -----------------------------------------------------------------------------

  get calls(): RecordedCall[] {
    return [...this.recorded];
  }
  get ephemerals(): EmulatedEphemeral[] {
    return clone(this.ephemeralList);
  }
  get views(): EmulatedView[] {
    return clone(this.viewList);
  }
  get files(): EmulatedFile[] {
    return this.fileList.map((f) => ({ ...f, content: Buffer.from(f.content) }));
  }
  get responses(): EmulatedResponse[] {
    return clone(this.responseList);
  }
  get warnings(): EmulatorWarning[] {
    return [...this.warningList];
  }

  messages(channel?: string): EmulatedMessage[] {
    return this.sorted(
      (m) => m.thread_ts === undefined && (channel === undefined || m.channel === channel),
    ).map(clone);
  }

  replies(channel: string, threadTs: string): EmulatedMessage[] {
    return this.sorted((m) => m.channel === channel && m.thread_ts === threadTs).map(clone);
  }

  callsTo(method: string): RecordedCall[] {
    return this.recorded.filter((c) => c.method === method);
  }

  responseUrl(opts: { channel?: string; user?: string; messageTs?: string } = {}): string {
    const id = `R${this.nextId()}`;
    this.responseTargets.set(id, { ...opts, uses: 0 });
    return `${this.base}/hooks/response/${id}`;
  }

  reset(): void {
    this.recorded = [];
    this.store.clear();
    this.ephemeralList = [];
    this.viewList = [];
    this.pendingUploads.clear();
    this.fileList = [];
    this.responseList = [];
    this.responseTargets.clear();
    this.warningList = [];
    this.faults = [];
  }

  // --- faults and waiting ---------------------------------------------------------------------

  failNext(method: string, fault: Fault, times = 1, filter?: FaultFilter): void {
    this.faults.push({ method, fault, filter, remaining: times });
  }

  failWhile(method: string, fault: Fault, until: () => boolean, filter?: FaultFilter): void {
    this.faults.push({ method, fault, filter, until });
  }

  on(event: 'call', listener: (call: RecordedCall) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  waitFor<T>(
    predicate: (emu: SlackEmulator) => T | undefined | null | false,
    opts: WaitForOptions = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      let lastError: unknown;
      const check = (): boolean => {
        try {
          const v = predicate(this);
          if (v !== undefined && v !== null && v !== false) {
            done();
            resolve(v);
            return true;
          }
        } catch (err) {
          lastError = err;
        }
        return false;
      };
      const onCall = (): void => void check();
      const timer = setTimeout(() => {
        done();
        const why = lastError
          ? ` (the check last threw: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`
          : '';
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${why}; ` +
              `last ${Math.min(20, this.recorded.length)} of ${this.recorded.length} Slack calls:\n${this.describeCalls(20)}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.events.off('call', onCall);
      };
      if (!check()) this.events.on('call', onCall);
    });
  }

  private describeCalls(n: number): string {
    const calls = this.recorded.slice(-n);
    if (!calls.length) return '  (none)';
    return calls
      .map((c) => {
        const r = c.response as { ok?: unknown; error?: unknown } | undefined;
        const outcome =
          c.status !== 200 ? `HTTP ${c.status}` : r?.ok ? 'ok' : `error=${String(r?.error)}`;
        const args = Object.entries(c.args)
          .filter(([k]) =>
            [
              'channel',
              'channel_id',
              'ts',
              'thread_ts',
              'text',
              'user',
              'view_id',
              'trigger_id',
            ].includes(k),
          )
          .map(([k, v]) => {
            const s = typeof v === 'string' ? v : JSON.stringify(v);
            return `${k}=${JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s)}`;
          })
          .join(' ');
        return `  ${c.method} → ${outcome}${args ? `  ${args}` : ''}`;
      })
      .join('\n');
  }

  private takeFault(method: string, args: Args): FaultRule | undefined {
    const channel = asString(args.channel) ?? asString(args.channel_id);
    for (const rule of this.faults) {
      if (rule.method !== '*' && rule.method !== method) continue;
      if (rule.filter?.channel !== undefined && rule.filter.channel !== channel) continue;
      if (rule.filter?.fraction !== undefined && Math.random() >= rule.filter.fraction) continue;
      if (rule.until) {
        if (rule.until()) {
          this.faults = this.faults.filter((r) => r !== rule);
          continue;
        }
        return rule;
      }
      rule.remaining = (rule.remaining ?? 1) - 1;
      if (rule.remaining <= 0) this.faults = this.faults.filter((r) => r !== rule);
      return rule;
    }
    return undefined;
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const raw = await readBody(req);

    if (url.pathname.startsWith('/api/')) return this.handleApi(req, res, url, raw);
    const upload = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(url.pathname);
    if (upload && req.method === 'POST')
      return this.handleUpload(req, res, upload[1] as string, raw);
    const hook = /^\/hooks\/response\/([A-Z0-9]+)$/.exec(url.pathname);
    if (hook && req.method === 'POST')
      return this.handleResponseUrl(req, res, hook[1] as string, raw);
    this.send(res, `${req.method ?? 'GET'} ${url.pathname}`, {}, 404, {
      ok: false,
      error: 'not_found',
    });
  }

  private async handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    raw: Buffer,
  ): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    const parsed = await parseArgs(req, url, raw);
    const { token: bodyToken, ...args } = parsed.args;

    if (req.method !== 'POST' && !(req.method === 'GET' && READ_METHODS.has(method))) {
      return this.send(res, method, args, 405, { ok: false, error: 'method_not_allowed' });
    }

    const rule = this.takeFault(method, args);
    if (rule && !('afterEffect' in rule.fault))
      return this.sendFault(res, method, args, rule.fault);

    const result = this.perform(method, args, parsed, req.headers.authorization, bodyToken);
    if (rule) return this.sendFault(res, method, args, rule.fault);
    this.send(res, method, args, 200, result);
  }

  private perform(
    method: string,
    args: Args,
    parsed: ParsedArgs,
    authorization: string | undefined,
    bodyToken: unknown,
  ): Result {
    if (parsed.badJsonArg)
      return fail(parsed.badJsonArg === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments');
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    // Slack takes a body token only from form posts; JSON bodies must use the header.
    const token = bearer ?? (parsed.json ? undefined : asString(bodyToken));
    if (!token) return fail('not_authed');
    // apps.connections.open takes the app-level token, every other method the bot token.
    if (method === 'apps.connections.open') {
      if (token !== this.appToken) return fail('invalid_auth');
      return {
        ok: true,
        url: `${this.base.replace(/^http/, 'ws')}/socket?ticket=${this.nextId()}`,
      };
    }
    if (token !== this.token) return fail('invalid_auth');
    const handler = this.handlers[method];
    if (!handler) return fail('unknown_method');
    return handler(args);
  }

  private sendFault(res: ServerResponse, method: string, args: Args, fault: Fault): void {
    if ('drop' in fault) {
      // Recorded with status 0: no answer ever reached the caller.
      this.record({ method, args, status: 0, response: undefined, at: Date.now(), fault });
      res.socket?.destroy();
      return;
    }
    if ('error' in fault)
      return this.send(res, method, args, 200, { ok: false, error: fault.error }, fault);
    if (fault.status === 429) {
      return this.send(res, method, args, 429, { ok: false, error: 'ratelimited' }, fault, {
        'retry-after': String(fault.retryAfter),
      });
    }
    this.send(res, method, args, fault.status, { ok: false, error: 'internal_error' }, fault);
  }

  private send(
    res: ServerResponse,
    method: string,
    args: Args,
    status: number,
    response: Record<string, unknown>,
    fault?: Fault,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(response));
    this.record({ method, args, status, response, at: Date.now(), ...(fault ? { fault } : {}) });
  }

  private record(call: RecordedCall): void {
    this.recorded.push(call);
    this.events.emit('call', call);
  }

  /** The upload URL files.getUploadURLExternal hands out; Slack does not ask for a token there. */
  private async handleUpload(
    req: IncomingMessage,
    res: ServerResponse,
    fileId: string,
    raw: Buffer,
  ): Promise<void> {
    const args = { file_id: fileId, bytes: raw.length };
    const rule = this.takeFault('upload', args);
    if (rule && !('afterEffect' in rule.fault))
      return this.sendFault(res, 'upload', args, rule.fault);
    const pending = this.pendingUploads.get(fileId);
    if (!pending)
      return this.send(res, 'upload', args, 404, { ok: false, error: 'file_not_found' });
    pending.content = await uploadedBytes(req, raw);
    if (rule) return this.sendFault(res, 'upload', args, rule.fault);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${pending.content.length}`);
    this.record({
      method: 'upload',
      args,
      status: 200,
      response: `OK - ${pending.content.length}`,
      at: Date.now(),
    });
  }

  private handleResponseUrl(
    _req: IncomingMessage,
    res: ServerResponse,
    id: string,
    raw: Buffer,
  ): void {
    let body: Args;
    try {
      body = JSON.parse(raw.toString('utf8')) as Args;
    } catch {
      return this.send(res, 'response_url', { id }, 400, { ok: false, error: 'invalid_payload' });
    }
    const args = { id, ...body };
    const target = this.responseTargets.get(id);
    const rule = this.takeFault('response_url', { ...args, channel: target?.channel });
    if (rule && !('afterEffect' in rule.fault))
      return this.sendFault(res, 'response_url', args, rule.fault);
    if (!target)
      return this.send(res, 'response_url', args, 404, { ok: false, error: 'no_service' });
    if (target.uses >= RESPONSE_URL_USES)
      return this.send(res, 'response_url', args, 404, { ok: false, error: 'used_url' });

    const result = this.respondTo(target, id, body);
    if (rule) return this.sendFault(res, 'response_url', args, rule.fault);
    this.send(res, 'response_url', args, result.ok ? 200 : 400, result);
  }

  private respondTo(target: ResponseTarget, id: string, body: Args): Result {
    if (!truthy(body.delete_original)) {
      const { failure, warnings } = this.blockCheck(checkMessage(body));
      if (failure) return failure;
      this.succeed('response_url', target.channel, warnings, {});
    }
    target.uses += 1;
    const now = Date.now();
    this.responseList.push({
      id,
      channel: target.channel,
      user: target.user,
      body: clone(body),
      at: now,
    });
    const original =
      target.channel && target.messageTs ? this.find(target.channel, target.messageTs) : undefined;
    if (truthy(body.delete_original)) {
      if (original) this.remove(original);
    } else if (truthy(body.replace_original)) {
      if (!original) return fail('message_not_found');
      this.applyUpdate(original, body);
    } else if (body.response_type === 'in_channel') {
      if (!target.channel) return fail('channel_not_found');
      this.addMessage(target.channel, body);
    } else {
      this.ephemeralList.push({
        message_ts: this.nextTs(),
        channel: target.channel,
        user: target.user,
        text: asString(body.text) ?? '',
        ...(Array.isArray(body.blocks)
          ? { blocks: clone(body.blocks as Array<Record<string, unknown>>) }
          : {}),
        via: 'response_url',
        postedAt: now,
      });
    }
    return { ok: true };
  }

  // --- Slack semantics ------------------------------------------------------------------------

  private nextTs(): string {
    // Slack's ts is wall-clock seconds.micros; callers compare it with Date.now() (`oldest`).
    this.lastTsMicros = Math.max(this.lastTsMicros + 1, Date.now() * 1000);
    const secs = Math.floor(this.lastTsMicros / 1e6);
    return `${secs}.${String(this.lastTsMicros % 1e6).padStart(6, '0')}`;
  }

  private nextId(): string {
    this.seq += 1;
    return `${this.seq.toString(36).toUpperCase().padStart(8, '0')}${Math.floor(
      Math.random() * 36 ** 2,
    )
      .toString(36)
      .toUpperCase()
      .padStart(2, '0')}`;
  }

  private sorted(pred: (m: EmulatedMessage) => boolean): EmulatedMessage[] {
    return [...this.store.values()].filter(pred).sort((a, b) => compareTs(a.ts, b.ts));
  }

  private find(channel: string, ts: string): EmulatedMessage | undefined {
    return this.store.get(`${channel}/${ts}`);
  }

  private remove(m: EmulatedMessage): void {
    this.store.delete(`${m.channel}/${m.ts}`);
    if (m.thread_ts) {
      const parent = this.find(m.channel, m.thread_ts);
      if (parent) parent.replies = Math.max(0, parent.replies - 1);
    }
  }

  /** Block Kit checks: a failure on any `[ERROR]`, else the warnings to answer with. */
  private blockCheck(problems: string[]): { failure?: Result; warnings: string[] } {
    if (problems.includes('[ERROR] no_text')) return { failure: fail('no_text'), warnings: [] };
    const errors = problems.filter(isError);
    if (errors.length) {
      return {
        failure: fail('invalid_blocks', { response_metadata: { messages: errors } }),
        warnings: [],
      };
    }
    return { warnings: problems.filter(isWarning).map((w) => w.replace(/^\[WARN\]\s*/, '')) };
  }

  /** A success answer carrying Slack's `warning` / `response_metadata.warnings`, also kept in `warnings`. */
  private succeed(
    method: string,
    channel: string | undefined,
    warnings: string[],
    result: Args,
  ): Result {
    if (!warnings.length) return { ...result, ok: true };
    for (const warning of warnings)
      this.warningList.push({ method, ...(channel ? { channel } : {}), warning });
    return { ...result, ok: true, warning: warnings.join(','), response_metadata: { warnings } };
  }

  private parseMetadata(v: unknown): MessageMetadata | Result | undefined {
    if (v === undefined) return undefined;
    if (
      typeof v !== 'object' ||
      v === null ||
      typeof (v as Args).event_type !== 'string' ||
      typeof (v as Args).event_payload !== 'object' ||
      (v as Args).event_payload === null
    ) {
      return fail('invalid_metadata_schema');
    }
    return clone(v as MessageMetadata);
  }

  private addMessage(channel: string, args: Args, threadTs?: string): EmulatedMessage {
    const m: EmulatedMessage = {
      ts: this.nextTs(),
      channel,
      text: asString(args.text) ?? '',
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      replies: 0,
      updates: 0,
      postedAt: Date.now(),
      reactions: [],
    };
    if (Array.isArray(args.blocks)) m.blocks = clone(args.blocks as Array<Record<string, unknown>>);
    if (Array.isArray(args.attachments)) m.attachments = clone(args.attachments);
    if (args.metadata !== undefined) m.metadata = clone(args.metadata as MessageMetadata);
    if (threadTs) m.thread_ts = threadTs;
    for (const k of ['unfurl_links', 'unfurl_media', 'link_names'] as const) {
      if (args[k] !== undefined) m[k] = truthy(args[k]);
    }
    this.store.set(`${channel}/${m.ts}`, m);
    if (threadTs) {
      const parent = this.find(channel, threadTs);
      if (parent) parent.replies += 1;
    }
    return m;
  }

  private applyUpdate(m: EmulatedMessage, args: Args): void {
    if (args.text !== undefined) m.text = asString(args.text) ?? '';
    if (Array.isArray(args.blocks)) {
      // An empty array is how Slack is told to drop the blocks.
      if (args.blocks.length) m.blocks = clone(args.blocks as Array<Record<string, unknown>>);
      else delete m.blocks;
    }
    if (Array.isArray(args.attachments)) m.attachments = clone(args.attachments);
    if (args.metadata !== undefined) m.metadata = clone(args.metadata as MessageMetadata);
    m.updates += 1;
    m.updatedAt = Date.now();
  }

  /** A message as Slack's API shows it (history, replies, postMessage's `message`). */
  private wire(m: EmulatedMessage, withMetadata: boolean): Args {
    const out: Args = {
      type: 'message',
      user: m.user,
      bot_id: m.bot_id,
      app_id: APP_ID,
      team: TEAM_ID,
      text: m.text,
      ts: m.ts,
    };
    if (m.blocks) out.blocks = clone(m.blocks);
    if (m.attachments) out.attachments = clone(m.attachments);
    if (m.files) out.files = clone(m.files);
    if (m.thread_ts) {
      out.thread_ts = m.thread_ts;
      out.parent_user_id = BOT_USER_ID;
    } else if (m.replies > 0) {
      const last = this.sorted((r) => r.channel === m.channel && r.thread_ts === m.ts).at(-1);
      Object.assign(out, {
        thread_ts: m.ts,
        reply_count: m.replies,
        reply_users_count: 1,
        reply_users: [BOT_USER_ID],
        latest_reply: last?.ts,
      });
    }
    if (m.updatedAt !== undefined)
      out.edited = { user: BOT_USER_ID, ts: (m.updatedAt / 1000).toFixed(6) };
    if (m.reactions.length)
      out.reactions = m.reactions.map((r) => ({
        ...r,
        users: [...r.users],
        count: r.users.length,
      }));
    if (withMetadata && m.metadata) out.metadata = clone(m.metadata);
    return out;
  }

  private channelArg(args: Args, key = 'channel'): string | Result {
    const channel = asString(args[key]);
    if (!channel) return fail('channel_not_found');
    if (!CHANNEL_RE.test(channel)) return fail('channel_not_found');
    return channel;
  }

  private viewArg(args: Args): Record<string, unknown> | Result {
    const view = args.view;
    if (view === undefined)
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] missing required field: view'] },
      });
    return view as Record<string, unknown>;
  }

  private storeView(
    via: EmulatedView['via'],
    view: Record<string, unknown>,
    extra: Partial<EmulatedView>,
  ): EmulatedView {
    const id = `V${this.nextId()}`;
    const stored: EmulatedView = {
      id,
      via,
      type: asString(view.type) ?? '',
      view: this.wireView(id, view, undefined),
      updates: 0,
      openedAt: Date.now(),
      ...extra,
    };
    if (typeof view.external_id === 'string') stored.external_id = view.external_id;
    this.viewList.push(stored);
    return stored;
  }

  private wireView(
    id: string,
    view: Record<string, unknown>,
    previous: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    return {
      id,
      team_id: TEAM_ID,
      app_id: APP_ID,
      bot_id: BOT_ID,
      private_metadata: '',
      callback_id: '',
      external_id: '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${this.nextId()}`,
      root_view_id: previous?.root_view_id ?? id,
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      ...clone(view),
    };
  }

  private readonly handlers: Record<string, Handler> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${TEAM_DOMAIN}.slack.com/`,
      team: 'Emulated Team',
      user: 'falco-triage',
      team_id: TEAM_ID,
      user_id: BOT_USER_ID,
      bot_id: BOT_ID,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const metadata = this.parseMetadata(args.metadata);
      if (metadata && 'ok' in metadata) return metadata;
      let threadTs = asString(args.thread_ts);
      if (threadTs) {
        const parent = this.find(channel, threadTs);
        if (!parent) return fail('thread_not_found');
        // Replying to a reply lands in the same thread, as in Slack.
        threadTs = parent.thread_ts ?? parent.ts;
      }
      const { failure, warnings } = this.blockCheck(checkMessage(args));
      if (failure) return failure;
      const m = this.addMessage(channel, args, threadTs);
      return this.succeed('chat.postMessage', channel, warnings, {
        channel,
        ts: m.ts,
        message: this.wire(m, true),
      });
    },

    'chat.update': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const m = this.find(channel, asString(args.ts) ?? '');
      if (!m) return fail('message_not_found');
      const metadata = this.parseMetadata(args.metadata);
      if (metadata && 'ok' in metadata) return metadata;
      if (args.text === undefined && args.blocks === undefined && args.attachments === undefined)
        return fail('no_text');
      const next = {
        text: args.text !== undefined ? args.text : m.text,
        blocks: args.blocks !== undefined ? args.blocks : m.blocks,
        attachments: args.attachments !== undefined ? args.attachments : m.attachments,
      };
      const { failure, warnings } = this.blockCheck(checkMessage(next));
      if (failure) return failure;
      this.applyUpdate(m, args);
      return this.succeed('chat.update', channel, warnings, {
        channel,
        ts: m.ts,
        text: m.text,
        message: this.wire(m, true),
      });
    },

    'chat.postEphemeral': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const user = asString(args.user);
      if (!user) return fail('user_not_found');
      if (Object.keys(this.users).length && !(user in this.users))
        return fail('user_not_in_channel');
      const { failure, warnings } = this.blockCheck(checkMessage(args));
      if (failure) return failure;
      const e: EmulatedEphemeral = {
        message_ts: this.nextTs(),
        channel,
        user,
        text: asString(args.text) ?? '',
        via: 'chat.postEphemeral',
        postedAt: Date.now(),
      };
      if (Array.isArray(args.blocks))
        e.blocks = clone(args.blocks as Array<Record<string, unknown>>);
      const threadTs = asString(args.thread_ts);
      if (threadTs) e.thread_ts = threadTs;
      this.ephemeralList.push(e);
      return this.succeed('chat.postEphemeral', channel, warnings, { message_ts: e.message_ts });
    },

    'chat.delete': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const m = this.find(channel, asString(args.ts) ?? '');
      if (!m) return fail('message_not_found');
      this.remove(m);
      return { ok: true, channel, ts: m.ts };
    },

    'chat.getPermalink': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const m = this.find(channel, asString(args.message_ts) ?? '');
      if (!m) return fail('message_not_found');
      const base = `https://${TEAM_DOMAIN}.slack.com/archives/${channel}/p${m.ts.replace('.', '')}`;
      return {
        ok: true,
        channel,
        permalink: m.thread_ts ? `${base}?thread_ts=${m.thread_ts}&cid=${channel}` : base,
      };
    },

    'conversations.history': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const inclusive = truthy(args.inclusive);
      const oldest = asString(args.oldest);
      const latest = asString(args.latest);
      const cursor = asString(args.cursor);
      const before = cursor
        ? Buffer.from(cursor, 'base64')
            .toString('utf8')
            .replace(/^before:/, '')
        : undefined;
      const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
      const all = this.sorted(
        (m) =>
          m.channel === channel &&
          m.thread_ts === undefined &&
          (oldest === undefined ||
            (inclusive ? compareTs(m.ts, oldest) >= 0 : compareTs(m.ts, oldest) > 0)) &&
          (latest === undefined ||
            (inclusive ? compareTs(m.ts, latest) <= 0 : compareTs(m.ts, latest) < 0)) &&
          (before === undefined || compareTs(m.ts, before) < 0),
      ).reverse();
      const page = all.slice(0, limit);
      const hasMore = all.length > limit;
      const last = page.at(-1);
      return {
        ok: true,
        messages: page.map((m) => this.wire(m, truthy(args.include_all_metadata))),
        has_more: hasMore,
        pin_count: 0,
        response_metadata: {
          next_cursor: hasMore && last ? Buffer.from(`before:${last.ts}`).toString('base64') : '',
        },
      };
    },

    'conversations.replies': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const m = this.find(channel, asString(args.ts) ?? '');
      if (!m) return fail('thread_not_found');
      const withMetadata = truthy(args.include_all_metadata);
      const thread = m.thread_ts
        ? [m]
        : [m, ...this.sorted((r) => r.channel === channel && r.thread_ts === m.ts)];
      const limit = Math.min(1000, Math.max(1, Number(args.limit ?? 1000) || 1000));
      return {
        ok: true,
        messages: thread.slice(0, limit).map((x) => this.wire(x, withMetadata)),
        has_more: thread.length > limit,
        response_metadata: { next_cursor: '' },
      };
    },

    'views.open': (args) => this.openView('views.open', args),
    'views.push': (args) => this.openView('views.push', args),

    'views.update': (args) => {
      const view = this.viewArg(args);
      if ('ok' in view) return view as Result;
      const viewId = asString(args.view_id);
      const externalId = asString(args.external_id);
      if (!viewId && !externalId)
        return fail('invalid_arguments', {
          response_metadata: {
            messages: ['[ERROR] missing required field: view_id or external_id'],
          },
        });
      const stored = this.viewList.find((v) =>
        viewId ? v.id === viewId : v.external_id === externalId,
      );
      if (!stored) return fail('not_found');
      const hash = asString(args.hash);
      if (hash && hash !== stored.view.hash) return fail('hash_conflict');
      const { failure, warnings } = this.blockCheck(checkView(view));
      if (failure) return failure;
      stored.view = this.wireView(stored.id, view, stored.view);
      stored.type = asString(view.type) ?? stored.type;
      if (typeof view.external_id === 'string') stored.external_id = view.external_id;
      stored.updates += 1;
      return this.succeed('views.update', undefined, warnings, { view: clone(stored.view) });
    },

    'views.publish': (args) => {
      const view = this.viewArg(args);
      if ('ok' in view) return view as Result;
      const userId = asString(args.user_id);
      if (!userId)
        return fail('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] missing required field: user_id'] },
        });
      if (view.type !== 'home')
        return fail('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] must be home [json-pointer:/view/type]'] },
        });
      const { failure, warnings } = this.blockCheck(checkView(view));
      if (failure) return failure;
      const existing = this.viewList.find((v) => v.via === 'views.publish' && v.user_id === userId);
      if (existing) {
        existing.view = this.wireView(existing.id, view, existing.view);
        existing.updates += 1;
        return this.succeed('views.publish', undefined, warnings, { view: clone(existing.view) });
      }
      const stored = this.storeView('views.publish', view, { user_id: userId });
      return this.succeed('views.publish', undefined, warnings, { view: clone(stored.view) });
    },

    'users.info': (args) => {
      const id = asString(args.user) ?? '';
      const u = this.users[id];
      if (!u) return fail('user_not_found');
      return {
        ok: true,
        user: {
          id,
          team_id: TEAM_ID,
          name: u.name,
          real_name: u.real_name ?? u.name,
          deleted: false,
          is_bot: false,
          profile: { real_name: u.real_name ?? u.name, display_name: u.name },
        },
      };
    },

    // Cursor-paged like Slack: `limit` members per page, `next_cursor` '' on the last one.
    'users.list': (args) => {
      const ids = Object.keys(this.users).sort();
      const limit = Math.max(1, Math.min(1000, Number(args.limit ?? 200) || 200));
      const start = Number(asString(args.cursor) || 0);
      if (!Number.isInteger(start) || start < 0) return fail('invalid_cursor');
      const page = ids.slice(start, start + limit);
      const next = start + limit < ids.length ? String(start + limit) : '';
      return {
        ok: true,
        members: page.map((id) => {
          const u = this.users[id]!;
          return {
            id,
            team_id: TEAM_ID,
            name: u.name,
            real_name: u.real_name ?? u.name,
            deleted: false,
            is_bot: false,
            profile: { real_name: u.real_name ?? u.name, display_name: u.name },
          };
        }),
        response_metadata: { next_cursor: next },
      };
    },

    'usergroups.users.list': (args) => {
      const users = this.usergroups[asString(args.usergroup) ?? ''];
      if (!users) return fail('no_such_subteam');
      return { ok: true, users: [...users] };
    },

    'files.getUploadURLExternal': (args) => {
      const filename = asString(args.filename);
      const length = Number(args.length);
      if (!filename || !Number.isInteger(length) || length < 0) return fail('invalid_arguments');
      const fileId = `F${this.nextId()}`;
      this.pendingUploads.set(fileId, {
        filename,
        length,
        ...(typeof args.alt_text === 'string' ? { alt_text: args.alt_text } : {}),
      });
      return { ok: true, upload_url: `${this.base}/upload/v1/${fileId}`, file_id: fileId };
    },

    'files.completeUploadExternal': (args) => {
      const files = args.files;
      if (!Array.isArray(files) || !files.length) return fail('invalid_arguments');
      let channel: string | undefined;
      if (args.channel_id !== undefined) {
        const c = this.channelArg(args, 'channel_id');
        if (typeof c !== 'string') return c;
        channel = c;
      }
      const entries = files as Array<{ id?: unknown; title?: unknown }>;
      for (const f of entries) {
        const pending = this.pendingUploads.get(asString(f.id) ?? '');
        if (!pending?.content) return fail('file_not_found');
      }
      const threadTs = asString(args.thread_ts);
      const comment = asString(args.initial_comment);
      const now = Date.now();
      const done: EmulatedFile[] = entries.map((f) => {
        const id = asString(f.id) as string;
        const pending = this.pendingUploads.get(id)!;
        this.pendingUploads.delete(id);
        return {
          id,
          filename: pending.filename,
          ...(typeof f.title === 'string' ? { title: f.title } : {}),
          length: pending.content!.length,
          content: pending.content!,
          ...(pending.alt_text ? { alt_text: pending.alt_text } : {}),
          ...(channel ? { channel_id: channel } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(comment !== undefined ? { initial_comment: comment } : {}),
          completedAt: now,
        };
      });
      this.fileList.push(...done);
      const summary = done.map((f) => ({
        id: f.id,
        name: f.filename,
        ...(f.title ? { title: f.title } : {}),
      }));
      // Sharing to a channel posts a message carrying the files, as Slack does.
      if (channel) {
        const parent = threadTs ? this.find(channel, threadTs) : undefined;
        if (threadTs && !parent) return fail('thread_not_found');
        const m = this.addMessage(
          channel,
          { text: comment ?? '' },
          parent ? (parent.thread_ts ?? parent.ts) : undefined,
        );
        m.files = summary;
      }
      return { ok: true, files: summary };
    },

    'reactions.add': (args) => {
      const channel = this.channelArg(args);
      if (typeof channel !== 'string') return channel;
      const m = this.find(channel, asString(args.timestamp) ?? '');
      if (!m) return fail('message_not_found');
      const name = asString(args.name);
      if (!name) return fail('invalid_name');
      let r = m.reactions.find((x) => x.name === name);
      if (r?.users.includes(BOT_USER_ID)) return fail('already_reacted');
      if (!r) m.reactions.push((r = { name, users: [] }));
      r.users.push(BOT_USER_ID);
      return { ok: true };
    },
  };

  private openView(via: 'views.open' | 'views.push', args: Args): Result {
    const triggerId = asString(args.trigger_id);
    if (!triggerId)
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
      });
    const view = this.viewArg(args);
    if ('ok' in view) return view as Result;
    if (view.type !== 'modal')
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] must be modal [json-pointer:/view/type]'] },
      });
    const { failure, warnings } = this.blockCheck(checkView(view));
    if (failure) return failure;
    if (
      typeof view.external_id === 'string' &&
      this.viewList.some((v) => v.external_id === view.external_id)
    ) {
      return fail('duplicate_external_id');
    }
    const stored = this.storeView(via, view, { trigger_id: triggerId });
    return this.succeed(via, undefined, warnings, { view: clone(stored.view) });
  }
}

// ---------------------------------------------------------------------------------------------

interface ParsedArgs {
  args: Args;
  json: boolean;
  /** The name of a JSON-valued form field that did not parse. */
  badJsonArg?: string;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseArgs(req: IncomingMessage, url: URL, raw: Buffer): Promise<ParsedArgs> {
  const args: Args = Object.fromEntries(url.searchParams);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    const text = raw.toString('utf8');
    if (!text.trim()) return { args, json: true };
    try {
      const body = JSON.parse(text) as unknown;
      if (typeof body === 'object' && body !== null && !Array.isArray(body))
        Object.assign(args, body);
      return { args, json: true };
    } catch {
      return { args, json: true, badJsonArg: 'body' };
    }
  }
  let form: Iterable<[string, unknown]> = [];
  if (type === 'multipart/form-data') {
    const fd = await new Response(new Uint8Array(raw), {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
    form = [...fd.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : '[file]']);
  } else if (raw.length) {
    form = new URLSearchParams(raw.toString('utf8'));
  }
  let badJsonArg: string | undefined;
  for (const [k, v] of form) {
    if (JSON_ARGS.has(k) && typeof v === 'string') {
      try {
        args[k] = JSON.parse(v) as unknown;
      } catch {
        badJsonArg ??= k;
        args[k] = v;
      }
    } else {
      args[k] = v;
    }
  }
  return { args, json: false, ...(badJsonArg ? { badJsonArg } : {}) };
}

/** WebClient posts the file as multipart field `body`; plain clients may post raw bytes. */
async function uploadedBytes(req: IncomingMessage, raw: Buffer): Promise<Buffer> {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) return raw;
  const fd = await new Response(new Uint8Array(raw), {
    headers: { 'content-type': type },
  }).formData();
  for (const [, v] of fd.entries()) {
    if (typeof v !== 'string') return Buffer.from(await v.arrayBuffer());
  }
  const first = fd.values().next();
  return Buffer.from(first.done || typeof first.value !== 'string' ? '' : first.value);
}

/** Slack ts compare: whole seconds, then the fraction as a fixed-width integer. */
function compareTs(a: string, b: string): number {
  const [as = '0', af = ''] = a.split('.');
  const [bs = '0', bf = ''] = b.split('.');
  return Number(as) - Number(bs) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}
