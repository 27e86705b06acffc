// The write-ahead log: every event the node delivers is appended here, and the node
// acknowledges it only once append() resolves, i.e. once the record is fsynced.
// Records are opaque bytes with consecutive sequence numbers; the framing and the
// torn-tail rules live in wal-format.ts.
//
// Group commit: append() only queues its record. One flush loop writes every queued
// record in a single write and a single fsync (one O_DSYNC write where the file system port
// offers it); records queued while that write is in flight ride together on the next one. Under load the fsync count follows the
// disk's speed, not the number of appends.

import type { AppendHandle, FileSystem, Logger } from '../ports.ts';
import { parentDir, silentLogger } from '../ports.ts';
import {
  decodeRecord,
  encodeRecordInto,
  HEADER_BYTES,
  FORMAT_MAX_RECORD_BYTES,
  parseSegmentName,
  scanSegment,
  segmentName,
  WalCorruptError,
} from './wal-format.ts';

export { WalCorruptError } from './wal-format.ts';

export interface WalOptions {
  fs: FileSystem;
  /** A directory the log owns; created if missing. */
  dir: string;
  logger?: Logger;
  /** Start a new segment once the current one holds this much (soft: a batch is never split). Default 64 MiB. */
  segmentBytes?: number;
  /** Largest payload append() accepts. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Largest single write of a group commit; more waits for the next one. Default 8 MiB. */
  maxBatchBytes?: number;
}

export interface WalRecord {
  seq: number;
  payload: Uint8Array;
}

export interface WalStats {
  appends: number;
  /** Group commits: each is one write and one fsync (or one O_DSYNC write). */
  syncs: number;
  bytesWritten: number;
  segments: number;
}

interface Segment {
  name: string;
  firstSeq: number;
  bytes: number;
}

interface ReadSegment {
  file: string;
  firstSeq: number;
  lastSeq: number;
  bytes: Uint8Array;
  /** Where record firstSeq + i starts. */
  offsets: number[];
}

interface Pending {
  seq: number;
  frame: Uint8Array;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

export class Wal {
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly segmentBytes: number;
  private readonly maxRecordBytes: number;
  private readonly maxBatchBytes: number;
  // Invariant: sorted by firstSeq, consecutive, never empty; the last one is open in `handle`.
  private segments: Segment[] = [];
  private handle: AppendHandle | null = null;
  private next = 1;
  private durable = 0;
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;
  private counters = { appends: 0, syncs: 0, bytesWritten: 0 };
  /** The segment read() read last. */
  private lastRead: ReadSegment | null = null;

  private constructor(options: WalOptions) {
    this.fs = options.fs;
    this.dir = options.dir;
    this.logger = options.logger ?? silentLogger;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
    this.maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
    if (this.maxRecordBytes > FORMAT_MAX_RECORD_BYTES) {
      throw new RangeError(`maxRecordBytes ${this.maxRecordBytes} exceeds the format limit ${FORMAT_MAX_RECORD_BYTES}`);
    }
  }

  /**
   * Opens (or creates) the log in `options.dir`, checking every record. A torn tail of
   * the last segment is cut with a warning; any other damage throws WalCorruptError
   * naming the file and byte offset.
   */
  static async open(options: WalOptions): Promise<Wal> {
    const wal = new Wal(options);
    await wal.recover();
    return wal;
  }

  /** The sequence number of the oldest record still kept (lastSeq + 1 when there is none). */
  get firstSeq(): number {
    return this.segments[0].firstSeq;
  }

  /** The sequence number of the last durable record, 0 if none was ever written. */
  get lastSeq(): number {
    return this.durable;
  }

  /** The sequence number the next record appended gets (appends number their records at once, durable or not). */
  get nextSeq(): number {
    return this.next;
  }

  get stats(): WalStats {
    return { ...this.counters, segments: this.segments.length };
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private async recover(): Promise<void> {
    await this.fs.mkdirp(this.dir);
    const found: Segment[] = [];
    for (const name of await this.fs.list(this.dir)) {
      const firstSeq = parseSegmentName(name);
      if (firstSeq !== null) found.push({ name, firstSeq, bytes: 0 });
    }
    found.sort((a, b) => a.firstSeq - b.firstSeq);

    if (found.length === 0) {
      const seg = { name: segmentName(1), firstSeq: 1, bytes: 0 };
      this.handle = await this.fs.openAppend(this.path(seg.name));
      // A new log: make both the segment's entry and the (maybe new) directory's durable.
      await this.fs.syncDir(this.dir);
      await this.fs.syncDir(parentDir(this.dir));
      this.segments = [seg];
      return;
    }

    let expected = found[0].firstSeq;
    for (let i = 0; i < found.length; i++) {
      const seg = found[i];
      const file = this.path(seg.name);
      if (seg.firstSeq !== expected) {
        throw new WalCorruptError(
          file,
          0,
          `segment starts at sequence ${seg.firstSeq}, but the previous one ends at ${expected - 1}`,
        );
      }
      const bytes = await this.fs.readFile(file);
      if (bytes === null) throw new Error(`write-ahead log segment ${file} vanished while opening`);
      const isLast = i === found.length - 1;
      const scan = scanSegment(bytes, file, seg.firstSeq, isLast);
      if (scan.tornReason !== undefined) {
        // Only the last append can be torn, and it was never acknowledged: cut it.
        this.logger.warn('wal: torn tail truncated', {
          file,
          offset: scan.validEnd,
          bytesDropped: bytes.length - scan.validEnd,
          reason: scan.tornReason,
        });
        await this.fs.truncate(file, scan.validEnd);
      }
      seg.bytes = scan.validEnd;
      expected = scan.nextSeq;
    }
    this.segments = found;
    this.next = expected;
    this.durable = expected - 1;
    this.handle = await this.fs.openAppend(this.path(found[found.length - 1].name));
  }

  /**
   * Appends one record; resolves with its sequence number once it is durable. A
   * rejection means the record may or may not be on disk; after a failed write or
   * fsync the log refuses further appends (the OS may have dropped the dirty pages,
   * so retrying the fsync could falsely succeed) and must be reopened.
   */
  append(payload: Uint8Array): Promise<number> {
    return this.appendAll([payload]);
  }

  /**
   * Appends records with consecutive sequence numbers: resolves with the first one's once the
   * last is durable (one promise for a whole batch). Rejects like append(); some of the
   * records may then be on disk (a large batch can take more than one write).
   */
  appendAll(payloads: readonly Uint8Array[]): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('write-ahead log is closed'));
    if (payloads.length === 0) return Promise.reject(new RangeError('wal.appendAll: no records'));
    for (const payload of payloads) {
      if (!(payload instanceof Uint8Array))
        return Promise.reject(new TypeError('wal.append: payload must be a Uint8Array'));
      if (payload.length > this.maxRecordBytes) {
        return Promise.reject(
          new RangeError(`wal.append: payload of ${payload.length} bytes exceeds ${this.maxRecordBytes}`),
        );
      }
    }
    const first = this.next;
    return new Promise<number>((resolve, reject) => {
      // every frame in one block (copies: the caller may reuse its buffers), written as is when
      // the block is one group commit
      let size = 0;
      for (const payload of payloads) size += HEADER_BYTES + payload.length;
      const block = new Uint8Array(size);
      const last = payloads.length - 1;
      for (let i = 0, at = 0; i <= last; i++) {
        const seq = this.next++;
        const end = encodeRecordInto(block, at, seq, payloads[i]);
        const frame = block.subarray(at, end);
        at = end;
        this.pending.push(
          i === last
            ? { seq, frame, resolve: () => resolve(first), reject }
            : { seq, frame, resolve: ignore, reject: ignore },
        );
      }
      this.counters.appends += payloads.length;
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let every append() of the current tick queue up before the first write.
    await null;
    try {
      while (this.pending.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.writeBatch(batch);
        } catch (err) {
          this.fail(err, batch);
          return;
        }
        this.durable = batch[batch.length - 1].seq;
        for (const p of batch) p.resolve(p.seq);
      }
    } finally {
      this.flushing = null;
    }
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length && (n === 0 || bytes + this.pending[n].frame.length <= this.maxBatchBytes)) {
      bytes += this.pending[n].frame.length;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const first = batch[0].frame;
    let size = 0;
    let contiguous = true;
    for (const p of batch) {
      contiguous &&= p.frame.buffer === first.buffer && p.frame.byteOffset === first.byteOffset + size;
      size += p.frame.length;
    }
    let buf: Uint8Array;
    if (contiguous) {
      buf = new Uint8Array(first.buffer, first.byteOffset, size);
    } else {
      buf = new Uint8Array(size);
      let off = 0;
      for (const p of batch) {
        buf.set(p.frame, off);
        off += p.frame.length;
      }
    }
    let active = this.segments[this.segments.length - 1];
    if (active.bytes > 0 && active.bytes + size > this.segmentBytes) active = await this.rotate(batch[0].seq);
    await this.handle!.write(buf);
    if (!this.handle!.durableWrites) await this.handle!.sync();
    active.bytes += size;
    this.counters.syncs++;
    this.counters.bytesWritten += size;
  }

  private async rotate(firstSeq: number): Promise<Segment> {
    // The old segment is fully synced: each batch syncs before the next one starts.
    const old = this.handle;
    this.handle = null;
    await old!.close();
    const seg = { name: segmentName(firstSeq), firstSeq, bytes: 0 };
    this.handle = await this.fs.openAppend(this.path(seg.name));
    // The new file's directory entry must be durable before records in it are acknowledged.
    await this.fs.syncDir(this.dir);
    this.segments.push(seg);
    this.logger.debug('wal: new segment', { file: this.path(seg.name) });
    return seg;
  }

  private fail(err: unknown, batch: Pending[]): void {
    const cause = err instanceof Error ? err : new Error(String(err));
    this.failure = new Error(`write-ahead log failed, reopen it to continue: ${cause.message}`, { cause });
    this.logger.error('wal: write failed; refusing further appends', { dir: this.dir, error: cause.message });
    for (const p of batch) p.reject(this.failure);
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }

  /**
   * Yields the durable records with seq > afterSeq, in order. Throws if the log no
   * longer holds all of them (they were truncated away). Records appended while
   * replaying are not included. Do not run truncateBefore() concurrently.
   */
  async *replay(afterSeq = 0): AsyncGenerator<WalRecord> {
    const upTo = this.durable;
    if (afterSeq + 1 < this.firstSeq) {
      throw new Error(
        `wal.replay: records ${afterSeq + 1}..${this.firstSeq - 1} were truncated away; the log starts at ${this.firstSeq}`,
      );
    }
    const segments = this.segments.slice();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const nextFirst = i + 1 < segments.length ? segments[i + 1].firstSeq : Infinity;
      if (nextFirst <= afterSeq + 1) continue; // wholly before the range
      if (seg.firstSeq > upTo) break;
      const file = this.path(seg.name);
      const bytes = await this.fs.readFile(file);
      if (bytes === null) throw new Error(`wal.replay: segment ${file} is missing`);
      let offset = 0;
      for (let seq = seg.firstSeq; seq <= upTo && seq < nextFirst; seq++) {
        const rec = decodeRecord(bytes, offset);
        // open() checked these bytes; a failure now means the disk changed under us.
        if (!rec.ok) throw new WalCorruptError(file, offset, `${rec.reason} (during replay)`);
        if (rec.seq !== seq)
          throw new WalCorruptError(
            file,
            offset,
            `sequence number ${rec.seq} where ${seq} was expected (during replay)`,
          );
        if (seq > afterSeq) yield { seq, payload: bytes.slice(rec.payloadStart, rec.end) };
        offset = rec.end;
      }
    }
  }

  /**
   * The payloads of durable records, by seq (any order; those no longer held are left out).
   * Reads whole segments, and keeps the last one read with the offsets of its records, so
   * that reads that walk a segment (a peer paging through the log) read it once.
   */
  async read(seqs: readonly number[]): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    const wanted = [...new Set(seqs)]
      .filter((seq) => seq >= this.firstSeq && seq <= this.durable)
      .sort((a, b) => a - b);
    for (const seq of wanted) {
      let at = this.lastRead;
      if (!at || seq < at.firstSeq || seq > at.lastSeq) {
        at = await this.loadSegment(seq);
        this.lastRead = at;
      }
      const start = at.offsets[seq - at.firstSeq];
      const rec = decodeRecord(at.bytes, start);
      if (!rec.ok || rec.seq !== seq) throw new WalCorruptError(at.file, start, `record ${seq} changed on disk`);
      out.set(seq, at.bytes.slice(rec.payloadStart, rec.end));
    }
    return out;
  }

  /** The segment holding `seq`, read, with where each of its durable records starts. */
  private async loadSegment(seq: number): Promise<ReadSegment> {
    let i = this.segments.length - 1;
    while (i > 0 && this.segments[i].firstSeq > seq) i--;
    const seg = this.segments[i];
    const file = this.path(seg.name);
    const bytes = await this.fs.readFile(file);
    if (bytes === null) throw new Error(`wal.read: segment ${file} is missing`);
    const upTo = Math.min(this.durable, i + 1 < this.segments.length ? this.segments[i + 1].firstSeq - 1 : Infinity);
    const offsets: number[] = [];
    for (let s = seg.firstSeq, offset = 0; s <= upTo; s++) {
      const rec = decodeRecord(bytes, offset);
      if (!rec.ok) throw new WalCorruptError(file, offset, `${rec.reason} (during a read)`);
      offsets.push(offset);
      offset = rec.end;
    }
    return { file, firstSeq: seg.firstSeq, lastSeq: seg.firstSeq + offsets.length - 1, bytes, offsets };
  }

  /**
   * Deletes the segments whose records all have seq < `seq`; with a snapshot covering
   * up to S, call truncateBefore(S + 1). The active segment is always kept. Returns
   * how many segments were deleted.
   */
  async truncateBefore(seq: number): Promise<number> {
    let removed = 0;
    // Oldest first, so a crash half-way leaves a log without holes.
    while (this.segments.length > 1 && this.segments[1].firstSeq <= seq) {
      await this.fs.remove(this.path(this.segments[0].name));
      this.segments.shift();
      removed++;
    }
    if (removed > 0) {
      this.lastRead = null;
      await this.fs.syncDir(this.dir);
    }
    return removed;
  }

  /** Waits for queued appends to become durable, then closes the active segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }
}

const ignore = () => {};
