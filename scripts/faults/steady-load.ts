/**
 * A fault scenario's load generator, a process of its own: posts Falco alerts to a bot at
 * a steady rate (one request per alert, as Falco's http_output does, without waiting for
 * the previous answer), and writes each alert's fate (HTTP status, or 0 for a failed
 * request) to a JSON file. Alert i has its own container, so its own incident, and its own
 * uuid: the driver can tell for every alert whether it was counted, and how often.
 *
 *   npx tsx scripts/faults/steady-load.ts <url> <token> <per-second> <seconds> <out.json>
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export function faultAlert(i: number): string {
  return JSON.stringify({
    uuid: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date().toISOString(),
    output: `A shell was spawned in a container (container_id=c${i})`,
    output_fields: {
      'container.id': `fa017${String(i).padStart(7, '0')}`,
      'k8s.ns.name': 'default',
      'k8s.pod.name': `web-${i}`,
      'proc.cmdline': 'bash -i',
      'proc.name': 'bash',
    },
    source: 'syscall',
    hostname: 'fault-node',
  });
}

function post(url: URL, token: string, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: 10_000,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const [urlArg, token, rateArg, secondsArg, out] = process.argv.slice(2);
  if (!urlArg || !token || !rateArg || !secondsArg || !out) {
    process.stderr.write('usage: steady-load.ts <url> <token> <per-second> <seconds> <out.json>\n');
    process.exit(2);
  }
  const url = new URL(urlArg);
  const rate = Number(rateArg);
  const total = Math.round(rate * Number(secondsArg));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const statuses: number[] = new Array<number>(total).fill(-1);
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(post(url, token, agent, faultAlert(i)).then((s) => void (statuses[i] = s)));
  }
  await Promise.all(inFlight);
  agent.destroy();
  writeFileSync(out, JSON.stringify({ statuses }));
  const count = (s: number) => statuses.filter((x) => x === s).length;
  process.stdout.write(
    `LOAD ${JSON.stringify({ sent: total, accepted: count(202), refused: count(503), failed: count(0), seconds: (Date.now() - started) / 1000 })}\n`,
  );
}

if (process.argv[1]?.endsWith('steady-load.ts')) await main();
