/**
 * The Slack emulator as a process of its own, for fault scenarios that run the bot
 * out of process: the bot talks to it as to Slack, the scenario reads and steers it
 * through a small control port. Prints one line `EMULATOR-READY {json}` when listening.
 *
 *   GET  /state           top-level messages (with their metadata) and every call
 *   POST /faults          {method, fault, fraction?}: answer that share of calls with fault
 *   POST /faults/stop     stop every fault set through /faults
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSlackEmulator, type Fault } from '../../../test/helpers/slack-emulator.js';

export interface EmulatorState {
  messages: {
    channel: string;
    ts: string;
    postedAt: number;
    updatedAt?: number;
    payload?: Record<string, unknown>;
  }[];
  calls: { method: string; status: number; ok: boolean; at: number; fault: boolean }[];
}

const emu = await startSlackEmulator();
let faultsOn = true;

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length
    ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
    : {};
}

const control = createServer((req, res) => {
  void (async () => {
    if (req.method === 'GET' && req.url === '/state') {
      const state: EmulatorState = {
        messages: emu.messages().map((m) => ({
          channel: m.channel,
          ts: m.ts,
          postedAt: m.postedAt,
          ...(m.updatedAt !== undefined && { updatedAt: m.updatedAt }),
          ...(m.metadata && { payload: m.metadata.event_payload }),
        })),
        calls: emu.calls.map((c) => ({
          method: c.method,
          status: c.status,
          ok: (c.response as { ok?: boolean } | undefined)?.ok === true,
          at: c.at,
          fault: c.fault !== undefined,
        })),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
      return;
    }
    if (req.method === 'POST' && req.url === '/faults') {
      const b = await body(req);
      faultsOn = true;
      emu.failWhile(String(b.method), b.fault as Fault, () => !faultsOn, {
        ...(typeof b.fraction === 'number' && { fraction: b.fraction }),
      });
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && req.url === '/faults/stop') {
      faultsOn = false;
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  })().catch((err: unknown) => {
    res.writeHead(500).end(String(err));
  });
});
control.listen(0, '127.0.0.1', () => {
  const { port } = control.address() as AddressInfo;
  process.stdout.write(
    `EMULATOR-READY ${JSON.stringify({ apiUrl: emu.apiUrl, token: emu.token, control: `http://127.0.0.1:${port}` })}\n`,
  );
});
const stop = () => {
  control.close();
  void emu.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
