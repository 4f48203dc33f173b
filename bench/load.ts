/**
 * The bench's load generator, run as its own process by bench/run.ts so it shares no
 * event loop with the servers it measures. Sends `total` Falco alerts to
 * http://127.0.0.1:<port><path> over `concurrency` keep-alive connections and prints one
 * JSON line: the rate, errors and the accept-latency percentiles it saw.
 *
 *   tsx bench/load.ts <port> <path> <total> <concurrency> <first-alert-number>
 */
import { Agent, request } from 'node:http';

export const BENCH_TOKEN = 'bench-ingest-token-0123456789abcdef';
export const FINGERPRINTS = 50;

/** Falco's JSON for alert number i; 50 containers, so 50 incidents; a unique uuid each. */
export function alertBody(i: number): string {
  return JSON.stringify({
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i % 1000)).toISOString(),
    output: `00:00:00.000000000: Notice A shell was spawned in a container with an attached terminal | user=root process=bash command=bash -i container_id=c${i % FINGERPRINTS}`,
    output_fields: {
      'container.id': `c0ffee${String(i % FINGERPRINTS).padStart(6, '0')}`,
      'k8s.ns.name': 'default',
      'k8s.pod.name': `web-${i % FINGERPRINTS}`,
      'proc.cmdline': 'bash -i',
      'proc.name': 'bash',
      'user.name': 'root',
      'user.loginuid': -1,
      'proc.tty': 34816,
    },
    source: 'syscall',
    tags: ['maturity_stable', 'container', 'shell', 'mitre_execution', 'T1059'],
    hostname: 'bench-node',
  });
}

export interface LoadResult {
  total: number;
  errors: number;
  seconds: number;
  rps: number;
  /** Accept latency as the client saw it (request written -> response ended), ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function run(
  port: number,
  path: string,
  total: number,
  concurrency: number,
  first: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const bodies = Array.from({ length: total }, (_, i) => alertBody(first + i));
  const latencies = new Float64Array(total);
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const n = next++;
      const body = bodies[n]!;
      const t0 = performance.now();
      const status = await new Promise<number>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${BENCH_TOKEN}`,
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
      latencies[n] = performance.now() - t0;
      if (status !== 202) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort();
  const pct = (p: number) => latencies[Math.min(total - 1, Math.floor(total * p))]!;
  return {
    total,
    errors,
    seconds,
    rps: total / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: latencies[total - 1]!,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [port, path, total, concurrency, first] = process.argv.slice(2);
  run(Number(port), path!, Number(total), Number(concurrency), Number(first)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`load failed: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
