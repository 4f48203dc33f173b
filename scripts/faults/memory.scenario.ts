/**
 * Memory scenario: does Redis memory stay flat under alert volume? (issue 11, "Bounded memory")
 *
 *   npx tsx scripts/faults/memory.scenario.ts            # 1,000,000 alerts, about 5 minutes
 *   ALERTS=100000 npx tsx scripts/faults/memory.scenario.ts
 *
 * Starts its own redis-server on a free port (`--save "" --appendonly no`), so nothing else
 * on a shared Redis is in the figures, and stops it at the end.
 *
 * 1. Volume: ALERTS alerts over 100 fingerprints (a distinct event each, Falcosidekick-style
 *    uuid) go through the real path behind ingest: enqueued into the alert stream in batches
 *    of 1,000 (AlertQueue.enqueue, what POST /falco calls) and consumed by the real
 *    IncidentEngine (fingerprint, dedupe, recordOccurrence, acknowledge and delete). HTTP is
 *    left out: it adds CPU, not Redis memory. The producer stays at most 20,000 alerts ahead.
 *    Every 100,000 alerts it waits until the engine has consumed everything, then samples
 *    INFO memory used_memory and the key count.
 * 2. Bytes per incident: 10,000 alerts of 10,000 distinct subjects (storms off, so each is an
 *    incident with its own outbox item), used_memory before and after.
 * 3. Bytes per timeline entry: one incident, 10,000 occurrence bursts (one timeline entry
 *    each), MEMORY USAGE of its timeline over its length.
 *
 * Last line of stdout: FAULT-RESULT {"scenario":"memory",...}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { alertSchema, type Alert } from '../../src/alert.js';
import { IncidentEngine } from '../../src/incidents/engine.js';
import { eventIdOf, fingerprintOf } from '../../src/incidents/fingerprint.js';
import { Keys } from '../../src/incidents/keys.js';
import { IncidentStore, type StoreOptions } from '../../src/incidents/store.js';
import { AlertQueue } from '../../src/ingest/alert-queue.js';
import { createLogger } from '../../src/logger.js';
import { createBotMetrics } from '../../src/metrics.js';
import { freePort } from '../../test/helpers/free-port.js';

const ALERTS = Number(process.env.ALERTS ?? 1_000_000);
const FINGERPRINTS = 100;
const SAMPLE_EVERY = Math.min(100_000, ALERTS);
const ENQUEUE_BATCH = 1000;
const MAX_AHEAD = 20_000;
const CHANNEL = 'C0MEMORY01';
const log = createLogger({ level: 'silent', format: 'json' });

async function startRedis(): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  // Never left behind, however this script ends.
  process.once('exit', () => proc.kill('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      proc.kill('SIGTERM');
      process.exit(130);
    });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      probe.disconnect();
      if (i > 100 || proc.exitCode !== null) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return { proc, url };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

/**
 * used_memory_dataset: used_memory less Redis's overhead (client buffers, the script cache,
 * the allocator's own structures). Reported beside used_memory; flatness is judged on the
 * sum of the bot's keys' MEMORY USAGE, which neither the allocator nor the clients move.
 */
async function datasetMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory_dataset:(\d+)/m.exec(info)?.[1]);
}

/** Sum of MEMORY USAGE (exact: SAMPLES 0) of the keys matching a pattern. */
async function usage(redis: Redis, pattern: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const k of found) {
      keys++;
      bytes += Number(await redis.memory('USAGE', k, 'SAMPLES', 0));
    }
  } while (cursor !== '0');
  return { keys, bytes };
}

function alert(container: string, extra: Record<string, unknown> = {}): Alert {
  return alertSchema.parse({
    uuid: randomUUID(),
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time: new Date().toISOString(),
    output:
      'A shell was spawned in a container with an attached terminal (user=root shell=bash parent=runc cmdline=bash -i)',
    source: 'syscall',
    hostname: 'node-1',
    tags: ['container', 'shell', 'mitre_execution', 'T1059'],
    output_fields: {
      'container.id': container,
      'container.name': `web-${container}`,
      'k8s.ns.name': 'shop',
      'k8s.pod.name': `web-${container}`,
      'proc.cmdline': 'bash -i',
      'proc.name': 'bash',
      'proc.pname': 'runc',
      'user.name': 'root',
      'user.loginuid': -1,
      ...extra,
    },
  });
}

const storeOptions = (over: StoreOptions = {}): StoreOptions => ({ ...over });

async function volume(redis: Redis, url: string) {
  const keys = new Keys('mem-volume:');
  const store = new IncidentStore(redis, keys, storeOptions());
  const queue = new AlertQueue(redis, keys);
  await queue.ensureGroup();
  const blocking = new Redis(url, { maxRetriesPerRequest: null });
  const engine = new IncidentEngine({
    queue,
    store: store.occurrences,
    silences: store.silences,
    blockingRedis: blocking,
    grouping: {},
    channelFor: () => CHANNEL,
    log,
    metrics: createBotMetrics(),
    batchSize: 500,
  });
  engine.start();
  const drained = async () => {
    for (;;) {
      if ((await queue.length()) === 0 && (await queue.pendingCount()) === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const samples: {
    alerts: number;
    usedMemory: number;
    datasetMemory: number;
    keyBytes: number;
    keys: number;
    seconds: number;
    timelineBytes: number;
    timelineEntries: number;
  }[] = [];
  const start = Date.now();
  const before = await usedMemory(redis);
  let sent = 0;
  while (sent < ALERTS) {
    while ((await queue.length()) > MAX_AHEAD) await new Promise((r) => setTimeout(r, 10));
    const n = Math.min(ENQUEUE_BATCH, ALERTS - sent);
    const batch = Array.from({ length: n }, (_, k) => alert(`c${(sent + k) % FINGERPRINTS}`));
    await queue.enqueue(batch);
    sent += n;
    if (sent % SAMPLE_EVERY === 0) {
      await drained();
      const used = await usedMemory(redis);
      // Timelines grow with time, not alerts (one burst entry per incident per coalescing
      // window while it fires, up to TIMELINE_MAX_LEN): measured apart.
      const timelines = await usage(redis, `${keys.base}timeline:*`);
      // Every key the bot holds, measured one by one (MEMORY USAGE, SAMPLES 0): what the
      // alerts cost, free of the allocator's and the connections' movements.
      const all = await usage(redis, `${keys.base}*`);
      let timelineEntries = 0;
      for (const id of await redis.zrange(keys.openByPriority, 0, '-1'))
        timelineEntries += await redis.xlen(keys.timeline(id));
      const s = {
        alerts: sent,
        usedMemory: used,
        datasetMemory: await datasetMemory(redis),
        keyBytes: all.bytes,
        keys: await redis.dbsize(),
        seconds: Math.round((Date.now() - start) / 1000),
        timelineBytes: timelines.bytes,
        timelineEntries,
      };
      samples.push(s);
      console.log(
        `${s.alerts.toLocaleString('en-US')} alerts: used_memory ${s.usedMemory.toLocaleString('en-US')} B (timelines ${s.timelineBytes.toLocaleString('en-US')} B, ${timelineEntries} entries), ${s.keys} keys, ${s.seconds} s`,
      );
    }
  }
  await engine.stop();
  blocking.disconnect();
  const open = await store.listOpen({ limit: 10_000 });
  const counted = open.reduce((n, i) => n + i.occurrences, 0);
  const dedupe = await usage(redis, `${keys.base}dedupe:*`);
  let tags = 0;
  for (const i of open) tags += await redis.zcard(keys.dedupe(i.fingerprint));
  const timelines = await usage(redis, `${keys.base}timeline:*`);
  let timelineEntries = 0;
  for (const i of open) timelineEntries += await redis.xlen(keys.timeline(i.id));
  const incidents = await usage(redis, `${keys.base}incident:*`);
  return {
    baseline: before,
    samples,
    incidents: open.length,
    counted,
    seconds: Math.round((Date.now() - start) / 1000),
    dedupe: { ...dedupe, tags },
    timelines: { ...timelines, entries: timelineEntries },
    incidentHashes: incidents,
  };
}

async function perIncident(redis: Redis) {
  const keys = new Keys('mem-incidents:');
  const store = new IncidentStore(redis, keys, storeOptions({ stormThreshold: 0 }));
  const N = 10_000;
  const sample = alert('x0');
  const before = await usedMemory(redis);
  for (let from = 0; from < N; from += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, k) => {
        const a = alert(`x${from + k}`);
        return store.occurrences.record({
          alert: a,
          fingerprint: fingerprintOf(a).fingerprint,
          eventId: eventIdOf(a),
          channel: CHANNEL,
        });
      }),
    );
  }
  const after = await usedMemory(redis);
  const hash = await redis.memory('USAGE', keys.incident('FT-1'), 'SAMPLES', 0);
  return {
    incidents: N,
    alertJsonBytes: JSON.stringify(sample).length,
    bytesPerIncident: Math.round((after - before) / N),
    incidentHashBytes: Number(hash),
  };
}

async function perTimelineEntry(redis: Redis) {
  const keys = new Keys('mem-timeline:');
  const coalesceMs = 5000;
  const store = new IncidentStore(redis, keys, storeOptions({ stormThreshold: 0, coalesceMs }));
  const N = 10_000;
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const a = alert('t0');
    // One occurrence per coalescing window: each writes one burst entry on the timeline.
    await store.occurrences.record({
      alert: a,
      fingerprint: fingerprintOf(a).fingerprint,
      eventId: eventIdOf(a),
      channel: CHANNEL,
      now: t0 + i * coalesceMs,
    });
  }
  const key = keys.timeline('FT-1');
  const entries = await redis.xlen(key);
  const bytes = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
  return { entries, bytes, bytesPerEntry: Math.round(bytes / entries) };
}

async function main() {
  const { proc, url } = await startRedis();
  const redis = new Redis(url, { enableAutoPipelining: true });
  try {
    console.log(
      `redis-server ${url}: ${ALERTS.toLocaleString('en-US')} alerts over ${FINGERPRINTS} fingerprints through the stream and the engine`,
    );
    const v = await volume(redis, url);
    const after1 = v.samples[0]!.usedMemory;
    const last = v.samples.at(-1)!.usedMemory;
    const peak = Math.max(...v.samples.map((s) => s.usedMemory));
    const growth = peak - after1;
    // What alerts cost, apart from the timelines' growth with time.
    const rest = v.samples.map((s) => s.keyBytes - s.timelineBytes);
    const restGrowth = Math.max(...rest) - rest[0]!;
    // Flat: after the first batch, the bot's keys apart from the timelines (which grow with
    // time, not alerts, up to TIMELINE_MAX_LEN) stay within 3 % (or 128 KiB), whatever the
    // alert count.
    const flat = restGrowth <= Math.max(rest[0]! * 0.03, 128 << 10);
    const inc = await perIncident(redis);
    const tl = await perTimelineEntry(redis);
    const result = {
      scenario: 'memory',
      via: 'stream+engine',
      alerts: ALERTS,
      fingerprints: FINGERPRINTS,
      incidents: v.incidents,
      counted: v.counted,
      seconds: v.seconds,
      usedMemoryBaseline: v.baseline,
      samples: v.samples.map((s) => ({
        alerts: s.alerts,
        usedMemory: s.usedMemory,
        datasetMemory: s.datasetMemory,
        keyBytes: s.keyBytes,
        timelineBytes: s.timelineBytes,
        timelineEntries: s.timelineEntries,
        keys: s.keys,
      })),
      growthAfterFirstBatchBytes: growth,
      growthWithoutTimelinesBytes: restGrowth,
      lastMinusFirstWithoutTimelinesBytes: rest.at(-1)! - rest[0]!,
      lastMinusFirstBytes: last - after1,
      flat,
      dedupe: {
        keys: v.dedupe.keys,
        bytes: v.dedupe.bytes,
        tags: v.dedupe.tags,
        bytesPerTag: Math.round(v.dedupe.bytes / Math.max(1, v.dedupe.tags)),
      },
      timelines: v.timelines,
      bytesPerIncident: inc.bytesPerIncident,
      incidentHashBytes: inc.incidentHashBytes,
      alertJsonBytes: inc.alertJsonBytes,
      bytesPerTimelineEntry: tl.bytesPerEntry,
      pass: flat && v.counted === ALERTS && v.incidents === FINGERPRINTS,
      summary: `${ALERTS.toLocaleString('en-US')} alerts over ${FINGERPRINTS} fingerprints: the bot's keys without timelines (sum of MEMORY USAGE) ${rest[0]!.toLocaleString('en-US')} B after the first ${SAMPLE_EVERY.toLocaleString('en-US')}, ${rest.at(-1)!.toLocaleString('en-US')} B at the end (peak growth ${restGrowth.toLocaleString('en-US')} B); used_memory ${after1.toLocaleString('en-US')} -> ${last.toLocaleString('en-US')} B; ${inc.bytesPerIncident} B per incident, ${tl.bytesPerEntry} B per timeline entry, ${Math.round(v.dedupe.bytes / Math.max(1, v.dedupe.tags))} B per remembered event`,
    };
    console.log(
      `bytes per incident ${inc.bytesPerIncident} (alert JSON ${inc.alertJsonBytes} B), per timeline entry ${tl.bytesPerEntry}; dedupe ${v.dedupe.keys} sets, ${v.dedupe.bytes} B`,
    );
    console.log(`FAULT-RESULT ${JSON.stringify(result)}`);
    process.exitCode = result.pass ? 0 : 1;
  } finally {
    redis.disconnect();
    proc.kill('SIGTERM');
  }
}

await main();
