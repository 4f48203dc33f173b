import { constants } from 'node:fs';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { alertSchema, type Alert } from '../alert.js';
import type { Logger } from '../logger.js';

/** Alerts accepted in one request, as the spool holds them until Redis takes them. */
export interface SpoolRecord {
  receivedAt: number;
  alerts: Alert[];
}

export type AppendResult = 'stored' | 'full';

export interface SpoolOptions {
  dir: string;
  /** Bytes the spool may hold on disk, all segments together. */
  maxBytes: number;
  log: Logger;
  /** A segment closes past this size, so a drain reads a bounded amount at a time. */
  segmentBytes?: number;
  /** Called whenever the number of spooled alerts changes (the depth gauge). */
  onDepth?: (depth: { alerts: number; bytes: number }) => void;
}

const SEGMENT = /^segment-(\d{12})\.ndjson$/;
/** Alerts per XADD pipeline when draining: under the engine's 128 remembered per fingerprint. */
const CHUNK_ALERTS = 100;
const LOCK = 'lock';
/** Directories opened by a spool of this process (a second one would interleave writes). */
const openDirs = new Set<string>();

interface Pending {
  line: string;
  alerts: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A bounded, durable, append-only hold for accepted alerts while Redis cannot take them.
 *
 * One NDJSON line per request, appended to numbered segment files. An append resolves only
 * after the bytes and (for a new segment) the directory entry are fsynced, so a 202 never
 * outruns the disk. Concurrent appends share one write and one fsync (group commit): the
 * disk sees one flush per batch of requests, not per request.
 *
 * A crash mid-write can only tear the last line of the segment being written (a new run
 * never appends to an old segment; a failed write closes its segment): a line that is not
 * a whole JSON record is skipped when draining. Draining is at-least-once: a crash after
 * the records reached Redis but before their segment was deleted hands them to Redis again;
 * the engine counts an event once by its event id, which the round trip leaves unchanged.
 */
export class Spool {
  private bytes = 0;
  private alerts = 0;
  private nextSeq = 0;
  /** The segment appends go to; undefined until the next append creates one. */
  private current?: { seq: number; fd: FileHandle; bytes: number };
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private flushing?: Promise<void>;
  /** Lines of the oldest segment already handed to Redis in this run (a retry resumes there). */
  private drained = new Map<number, number>();
  private readonly segmentBytes: number;

  private constructor(private readonly o: SpoolOptions) {
    this.segmentBytes = o.segmentBytes ?? 4 * 1024 * 1024;
  }

  /** Opens (creating) the directory, takes its lock and counts what a previous run left. */
  static async open(o: SpoolOptions): Promise<Spool> {
    const spool = new Spool(o);
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    await spool.lock();
    for (const seq of await spool.segments()) {
      const path = spool.path(seq);
      spool.bytes += (await stat(path)).size;
      spool.alerts += (await spool.readSegment(seq)).reduce((n, r) => n + r.alerts.length, 0);
      spool.nextSeq = seq + 1;
    }
    o.onDepth?.(spool.depth);
    if (spool.alerts)
      o.log.warn(
        { alerts: spool.alerts, bytes: spool.bytes, dir: o.dir },
        'alerts spooled by a previous run; they go to Redis as soon as it answers',
      );
    return spool;
  }

  /** True while anything is spooled or being spooled: new alerts queue behind it, in order. */
  get holdsAlerts(): boolean {
    return this.alerts > 0 || this.pending.length > 0;
  }

  /** Whether a drain has anything to do (alerts, or segments holding only torn lines). */
  get needsDrain(): boolean {
    return this.alerts > 0 || this.bytes > 0;
  }

  get depth(): { alerts: number; bytes: number; maxBytes: number } {
    return {
      alerts: this.alerts,
      bytes: this.bytes + this.pendingBytes,
      maxBytes: this.o.maxBytes,
    };
  }

  /** Whether a request of about this many bytes would still fit. */
  hasRoom(lineBytes = 1): boolean {
    return this.bytes + this.pendingBytes + lineBytes <= this.o.maxBytes;
  }

  /** Stores the alerts durably, or answers 'full' without storing anything. */
  append(alerts: Alert[], receivedAt: number): Promise<AppendResult> {
    const line = `${JSON.stringify({ v: 1, r: receivedAt, a: alerts })}\n`;
    const size = Buffer.byteLength(line);
    if (!this.hasRoom(size)) return Promise.resolve('full');
    this.pendingBytes += size;
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({
        line,
        alerts: alerts.length,
        resolve: () => resolve('stored'),
        reject,
      });
      this.kick();
    });
  }

  /** Starts the writer unless it runs; it goes on while appends keep coming. */
  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      // An append made between the writer's last look and its end.
      if (this.pending.length) this.kick();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      const text = batch.map((p) => p.line).join('');
      const size = Buffer.byteLength(text);
      const count = batch.reduce((n, p) => n + p.alerts, 0);
      try {
        const seg = await this.segmentFor();
        await seg.fd.write(text);
        await seg.fd.sync();
        seg.bytes += size;
        this.bytes += size;
        this.alerts += count;
        this.pendingBytes -= size;
        this.o.onDepth?.(this.depth);
        if (seg.bytes >= this.segmentBytes) await this.closeCurrent();
        for (const p of batch) p.resolve();
      } catch (err) {
        this.pendingBytes -= size;
        // A failed write may have left part of a line: nothing more goes after it.
        await this.closeCurrent().catch(() => undefined);
        for (const p of batch) p.reject(err);
      }
    }
  }

  private async segmentFor() {
    if (this.current) return this.current;
    const seq = this.nextSeq++;
    const fd = await open(
      this.path(seq),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND,
      0o600,
    );
    // The new name must survive a crash as well as its contents.
    await this.syncDir();
    this.current = { seq, fd, bytes: 0 };
    return this.current;
  }

  private async closeCurrent(): Promise<void> {
    const seg = this.current;
    this.current = undefined;
    await seg?.fd.close();
  }

  /**
   * Hands spooled records to `sink` oldest first, at most `limit` alerts, deleting each
   * segment once all of it is in. Returns how many alerts were handed over. A failing sink
   * stops the drain (the records stay) and its error propagates.
   */
  async drain(sink: (records: SpoolRecord[]) => Promise<void>, limit: number): Promise<number> {
    // Appends in flight land in the current segment first, which is then closed so the
    // drain can take it whole; later appends start a new segment.
    while (this.flushing) await this.flushing;
    // Segments from here on are numbered from `sealed` up (the number is taken before the
    // file is created), so a segment still being opened or written is never drained.
    const sealed = this.nextSeq;
    if (this.current) await this.closeCurrent();
    let handed = 0;
    for (const seq of (await this.segments()).filter((n) => n < sealed)) {
      if (handed >= limit) break;
      const records = await this.readSegment(seq);
      let done = this.drained.get(seq) ?? (await this.progress(seq));
      while (done < records.length && handed < limit) {
        const chunk: SpoolRecord[] = [];
        let n = 0;
        while (done + chunk.length < records.length && n < CHUNK_ALERTS) {
          const r = records[done + chunk.length]!;
          chunk.push(r);
          n += r.alerts.length;
        }
        await sink(chunk);
        done += chunk.length;
        handed += n;
        this.drained.set(seq, done);
        await this.saveProgress(seq, done);
      }
      if (done < records.length) break;
      const size = (await stat(this.path(seq))).size;
      await unlink(this.path(seq));
      await rm(this.progressPath(seq), { force: true });
      await this.syncDir();
      this.drained.delete(seq);
      // A write that failed part-way left bytes never counted: never below zero.
      this.bytes = Math.max(0, this.bytes - size);
      this.alerts -= records.reduce((k, r) => k + r.alerts.length, 0);
      this.o.onDepth?.(this.depth);
    }
    return handed;
  }

  /** Closes the open segment and releases the directory (the spooled alerts stay). */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.closeCurrent().catch(() => undefined);
    if (openDirs.delete(this.o.dir)) await rm(join(this.o.dir, LOCK), { force: true });
  }

  private progressPath(seq: number): string {
    return join(this.o.dir, `progress-${String(seq).padStart(12, '0')}`);
  }

  /** Records of a segment already in Redis, as saved by a drain before a crash. */
  private async progress(seq: number): Promise<number> {
    try {
      const n = Number((await readFile(this.progressPath(seq), 'utf8')).trim());
      return Number.isInteger(n) && n > 0 ? n : 0;
    } catch {
      return 0;
    }
  }

  /**
   * Saved after every chunk, so a crash mid-drain sends at most one chunk again: the
   * engine remembers only the newest DEDUPE_MAX_PER_FINGERPRINT events per fingerprint,
   * so a whole segment sent twice could count some alerts twice.
   */
  private async saveProgress(seq: number, done: number): Promise<void> {
    const fd = await open(this.progressPath(seq), 'w', 0o600);
    try {
      await fd.writeFile(String(done));
      await fd.sync();
    } finally {
      await fd.close();
    }
  }

  private path(seq: number): string {
    return join(this.o.dir, `segment-${String(seq).padStart(12, '0')}.ndjson`);
  }

  private async segments(): Promise<number[]> {
    const names = await readdir(this.o.dir);
    return names
      .map((n) => SEGMENT.exec(n)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /**
   * The whole records of a segment. A torn or damaged line is skipped (and logged), never
   * fatal; alerts are validated again because the file, unlike a request, was not.
   */
  private async readSegment(seq: number): Promise<SpoolRecord[]> {
    const text = await readFile(this.path(seq), 'utf8');
    const records: SpoolRecord[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const record = parseRecord(line);
      if (record) records.push(record);
      else skipped++;
    }
    if (skipped)
      this.o.log.warn({ segment: seq, skipped }, 'skipped torn or damaged lines in the spool');
    return records;
  }

  private async syncDir(): Promise<void> {
    const dir = await open(this.o.dir, constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /**
   * One spool per directory: a second process (a replica sharing a volume by mistake)
   * would interleave its lines with ours. A lock left by a process that is gone is taken.
   */
  private async lock(): Promise<void> {
    const path = join(this.o.dir, LOCK);
    if (openDirs.has(this.o.dir)) throw new Error(`SPOOL_DIR ${this.o.dir} is already in use`);
    let owner: number | undefined;
    try {
      owner = Number((await readFile(path, 'utf8')).trim());
    } catch {
      // No lock: the directory is free.
    }
    if (owner && owner !== process.pid && alive(owner))
      throw new Error(
        `SPOOL_DIR ${this.o.dir} is in use by process ${owner}; give every instance its own directory`,
      );
    const fd = await open(path, 'w', 0o600);
    await fd.writeFile(String(process.pid));
    await fd.close();
    openDirs.add(this.o.dir);
  }
}

function parseRecord(line: string): SpoolRecord | undefined {
  try {
    const raw = JSON.parse(line) as { v?: unknown; r?: unknown; a?: unknown };
    if (raw.v !== 1 || typeof raw.r !== 'number' || !Array.isArray(raw.a)) return undefined;
    const alerts: Alert[] = [];
    for (const a of raw.a) {
      const parsed = alertSchema.safeParse(a);
      if (!parsed.success) return undefined;
      alerts.push(parsed.data);
    }
    return { receivedAt: raw.r, alerts };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
