import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alertSchema, type Alert } from '../../src/alert.js';
import { createLogger } from '../../src/logger.js';
import { Spool, type SpoolRecord } from '../../src/ingest/spool.js';
import { eventIdOf } from '../../src/incidents/fingerprint.js';

const log = createLogger({ level: 'silent', format: 'json' });
const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ft-spool-unit-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const alert = (i: number, extra: Record<string, unknown> = {}): Alert =>
  alertSchema.parse({
    rule: 'Terminal shell in container',
    priority: 'warning',
    time: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.123456789Z`,
    output: `shell ${i}`,
    output_fields: { 'container.id': `c${i}`, 'proc.cmdline': 'bash -i', n: i },
    ...extra,
  });

/** Everything the spool holds, drained into an array. */
async function drainAll(spool: Spool, limit = Infinity): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = [];
  await spool.drain((records) => {
    out.push(...records);
    return Promise.resolve();
  }, limit);
  return out;
}

const segments = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('segment-'));

describe('spool', () => {
  test('appends survive a restart and drain oldest first, with their receivedAt; drained segments are deleted', async () => {
    const dir = freshDir();
    const depth: number[] = [];
    const a = await Spool.open({
      dir,
      maxBytes: 1 << 20,
      log,
      onDepth: (d) => depth.push(d.alerts),
    });
    assert.equal(await a.append([alert(1)], 1000), 'stored');
    assert.equal(await a.append([alert(2), alert(3)], 2000), 'stored');
    assert.equal(a.depth.alerts, 3);
    assert.equal(depth.at(-1), 3);
    await a.close();

    // A new run (a restart) finds what the last one left.
    const b = await Spool.open({ dir, maxBytes: 1 << 20, log });
    assert.equal(b.depth.alerts, 3);
    assert.ok(b.holdsAlerts);
    const out = await drainAll(b);
    assert.deepEqual(
      out.map((r) => [r.receivedAt, r.alerts.map((x) => x.output)]),
      [
        [1000, ['shell 1']],
        [2000, ['shell 2', 'shell 3']],
      ],
    );
    assert.equal(b.depth.alerts, 0);
    assert.equal(b.depth.bytes, 0);
    assert.deepEqual(segments(dir), [], 'drained segments are deleted');
    await b.close();
  });

  test('the event id of an alert is the same after a trip through the spool (so a double drain counts once)', async () => {
    const dir = freshDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 20, log });
    // No uuid: the id is a hash of the content, which must survive the round trip exactly.
    const original = alert(7, {
      output_fields: { z: 1, a: [1, 'x', null, true], 'k8s.pod.name': 'p', big: 1e21, neg: -0.5 },
      tags: ['T1059'],
    });
    await spool.append([original], 5);
    const [record] = await drainAll(spool);
    assert.equal(eventIdOf(record!.alerts[0]!), eventIdOf(original));
    await spool.close();
  });

  test('a torn last line (a crash mid-write) is skipped and does not block the drain', async () => {
    const dir = freshDir();
    const a = await Spool.open({ dir, maxBytes: 1 << 20, log });
    await a.append([alert(1)], 1);
    await a.append([alert(2)], 2);
    await a.close();
    const [seg] = segments(dir);
    // What a crash in the middle of write() leaves: part of a record, no newline.
    const whole = `${JSON.stringify({ v: 1, r: 3, a: [alert(3)] })}\n`;
    appendFileSync(join(dir, seg!), whole.slice(0, whole.length / 2));

    const b = await Spool.open({ dir, maxBytes: 1 << 20, log });
    assert.equal(b.depth.alerts, 2, 'the torn record is not counted');
    await b.append([alert(4)], 4); // a new run writes a new segment, never after the tear
    assert.equal(segments(dir).length, 2);
    const out = await drainAll(b);
    assert.deepEqual(
      out.map((r) => r.receivedAt),
      [1, 2, 4],
    );
    assert.deepEqual(segments(dir), []);
    await b.close();
  });

  test('past maxBytes an append stores nothing and says full; room comes back after a drain', async () => {
    const dir = freshDir();
    const one = Buffer.byteLength(`${JSON.stringify({ v: 1, r: 1, a: [alert(1)] })}\n`);
    const spool = await Spool.open({ dir, maxBytes: one * 3, log });
    for (let i = 1; i <= 3; i++) assert.equal(await spool.append([alert(1)], i), 'stored');
    assert.equal(await spool.append([alert(1)], 4), 'full');
    assert.equal(spool.depth.alerts, 3);
    const onDisk = segments(dir).reduce((n, s) => n + statSync(join(dir, s)).size, 0);
    assert.ok(onDisk <= one * 3, `the bound holds on disk: ${onDisk} bytes`);
    await drainAll(spool);
    assert.equal(await spool.append([alert(1)], 5), 'stored');
    await spool.close();
  });

  test('concurrent appends share writes, keep their order, and each is on disk when it resolves', async () => {
    const dir = freshDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 20, log });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => spool.append([alert(i)], i)),
    );
    assert.ok(results.every((r) => r === 'stored'));
    const lines = segments(dir)
      .flatMap((s) => readFileSync(join(dir, s), 'utf8').split('\n'))
      .filter(Boolean);
    assert.equal(lines.length, 50);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { r: number }).r),
      Array.from({ length: 50 }, (_, i) => i),
    );
    await spool.close();
  });

  test('a drain takes at most its limit; a failing sink keeps the records for the next drain', async () => {
    const dir = freshDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 20, log, segmentBytes: 1 });
    for (let i = 0; i < 4; i++) await spool.append([alert(i)], i);
    assert.equal(segments(dir).length, 4, 'a segment closes once past its size');
    assert.deepEqual(
      (await drainAll(spool, 2)).map((r) => r.receivedAt),
      [0, 1],
    );
    await assert.rejects(
      spool.drain(() => Promise.reject(new Error('Redis went away')), 10),
      /Redis went away/,
    );
    assert.equal(spool.depth.alerts, 2);
    assert.deepEqual(
      (await drainAll(spool)).map((r) => r.receivedAt),
      [2, 3],
    );
    await spool.close();
  });

  test('appends made while a drain runs are neither lost nor drained half-written', async () => {
    const dir = freshDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 24, log, segmentBytes: 2048 });
    const seen: number[] = [];
    const appends: Promise<unknown>[] = [];
    let next = 0;
    const appendSome = (n: number) => {
      for (let i = 0; i < n; i++) appends.push(spool.append([alert(next)], next++));
    };
    appendSome(20);
    // A sink that lets appends in while each chunk is "in flight", as Redis does.
    let during = true;
    const sink = async (records: SpoolRecord[]) => {
      if (during) appendSome(3);
      await new Promise((r) => setImmediate(r));
      seen.push(...records.map((r) => r.receivedAt));
    };
    for (let pass = 0; pass < 50; pass++) {
      // Appends that start as the drain lists the segments (a file being created).
      const drained = spool.drain(sink, Infinity);
      appendSome(5);
      await drained;
    }
    during = false;
    await Promise.all(appends);
    while (spool.depth.alerts > 0) await spool.drain(sink, Infinity);
    assert.equal(spool.depth.alerts, 0);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: next }, (_, i) => i),
      'every append drained exactly once',
    );
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      'in the order they were appended',
    );
    assert.deepEqual(segments(dir), []);
    await spool.close();
  });

  test('a drain that stops inside a segment keeps its rest; a new run resumes where it stopped', async () => {
    const dir = freshDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 20, log });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => spool.append([alert(i)], i)));
    assert.equal(segments(dir).length, 1);
    // Chunks of 100 alerts (under the engine's 128 remembered per fingerprint).
    const first = await drainAll(spool, 650);
    assert.equal(first.length, 700);
    assert.equal(spool.depth.alerts, 1200, 'the segment stays until all of it is in');
    assert.equal(segments(dir).length, 1);
    await spool.close();
    // A crash here would have sent at most one chunk again: the progress is on disk.
    const again = await Spool.open({ dir, maxBytes: 1 << 20, log });
    const rest = await drainAll(again);
    assert.deepEqual(
      rest.map((r) => r.receivedAt),
      Array.from({ length: 500 }, (_, i) => 700 + i),
    );
    assert.equal(again.depth.alerts, 0);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n !== 'lock'),
      [],
      'no segment or progress left',
    );
    await again.close();
  });

  test('a spool directory has one owner', async () => {
    const dir = freshDir();
    const a = await Spool.open({ dir, maxBytes: 1024, log });
    await assert.rejects(Spool.open({ dir, maxBytes: 1024, log }), /already in use/);
    await a.close();
    const b = await Spool.open({ dir, maxBytes: 1024, log });
    await b.close();
  });
});
