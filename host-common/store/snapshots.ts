// Snapshot files: the core's state as opaque bytes, plus the WAL sequence number it
// covers, so a restart loads the newest snapshot and replays only the records after
// it. Written atomically (temp + fsync + rename), the newest `keep` are kept, and a
// damaged newest snapshot falls back to an older one rather than stopping the node.
//
// Truncate the WAL only up to the OLDEST kept snapshot (see oldestSeq()): the fallback
// to an older snapshot is only useful if the records after it are still in the log.
//
// File layout, little-endian:
//
//   offset  size  field
//   0       8     magic   "MBSNAP" 0x00 0x01 (the last byte is the format version)
//   8       4     crc32c  over bytes 12 .. end of file
//   12      8     length  of the payload, u64
//   20      8     seq     the last WAL record the snapshot includes, u64
//   28      n     payload

import type { FileSystem, Logger } from '../ports.ts';
import { parentDir, silentLogger } from '../ports.ts';
import { crc32c } from './crc32c.ts';

const MAGIC = new Uint8Array([0x4d, 0x42, 0x53, 0x4e, 0x41, 0x50, 0x00, 0x01]);
const HEADER_BYTES = 28;
const NAME_RE = /^snap-(\d{20})\.snap$/;

export function snapshotName(seq: number): string {
  return `snap-${String(seq).padStart(20, '0')}.snap`;
}

function setU64(dv: DataView, at: number, n: number): void {
  dv.setUint32(at, n % 0x1_0000_0000, true);
  dv.setUint32(at + 4, Math.floor(n / 0x1_0000_0000), true);
}

function getU64(dv: DataView, at: number): number {
  return dv.getUint32(at + 4, true) * 0x1_0000_0000 + dv.getUint32(at, true);
}

export function encodeSnapshot(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  setU64(dv, 12, payload.length);
  setU64(dv, 20, seq);
  out.set(payload, HEADER_BYTES);
  dv.setUint32(8, crc32c(out.subarray(12)), true);
  return out;
}

/** Checks a snapshot file; `seq` is the one its name claims. Never throws. */
export function decodeSnapshot(
  bytes: Uint8Array,
  seq: number,
): { ok: true; payload: Uint8Array } | { ok: false; reason: string } {
  if (bytes.length < HEADER_BYTES) return { ok: false, reason: `file too short (${bytes.length} bytes)` };
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) return { ok: false, reason: 'bad magic or unknown version' };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const length = getU64(dv, 12);
  if (HEADER_BYTES + length !== bytes.length) {
    return { ok: false, reason: `length says ${HEADER_BYTES + length} bytes, file has ${bytes.length}` };
  }
  if (crc32c(bytes.subarray(12)) !== dv.getUint32(8, true)) return { ok: false, reason: 'checksum mismatch' };
  const inner = getU64(dv, 20);
  if (inner !== seq) return { ok: false, reason: `file name says seq ${seq}, contents say ${inner}` };
  return { ok: true, payload: bytes.subarray(HEADER_BYTES) };
}

export interface SnapshotStoreOptions {
  fs: FileSystem;
  /** A directory the store owns; created if missing. */
  dir: string;
  logger?: Logger;
  /** How many snapshots to keep, newest first. Default 3, at least 1. */
  keep?: number;
}

export interface Snapshot {
  /** The last WAL sequence number whose effect the snapshot includes. */
  seq: number;
  bytes: Uint8Array;
  file: string;
}

/** What the WAL holds, so loadLatest() can tell whether snapshot + log still add up. */
export interface WalRange {
  firstSeq: number;
  lastSeq: number;
}

export class SnapshotStore {
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly keep: number;

  private constructor(options: SnapshotStoreOptions) {
    this.fs = options.fs;
    this.dir = options.dir;
    this.logger = options.logger ?? silentLogger;
    this.keep = options.keep ?? 3;
    if (!Number.isInteger(this.keep) || this.keep < 1)
      throw new RangeError(`snapshot keep must be an integer >= 1, got ${this.keep}`);
  }

  static async open(options: SnapshotStoreOptions): Promise<SnapshotStore> {
    const store = new SnapshotStore(options);
    await store.fs.mkdirp(store.dir);
    await store.fs.syncDir(parentDir(store.dir)); // the directory may be new
    // Left by a crash during writeFileAtomic; never renamed, so never valid.
    for (const name of await store.fs.list(store.dir)) {
      if (name.startsWith('snap-') && name.endsWith('.tmp')) await store.fs.remove(`${store.dir}/${name}`);
    }
    return store;
  }

  /** Sequence numbers of the snapshot files present, ascending (validity not checked). */
  async list(): Promise<number[]> {
    const seqs: number[] = [];
    for (const name of await this.fs.list(this.dir)) {
      const m = NAME_RE.exec(name);
      if (m) seqs.push(Number(m[1]));
    }
    return seqs.sort((a, b) => a - b);
  }

  /** The seq of the oldest kept snapshot (the safe WAL truncation point), or null. */
  async oldestSeq(): Promise<number | null> {
    const seqs = await this.list();
    return seqs.length > 0 ? seqs[0] : null;
  }

  /** Writes a snapshot covering WAL records up to `seq`, then drops all but the newest `keep`. */
  async write(seq: number, payload: Uint8Array): Promise<string> {
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new RangeError(`snapshot seq must be a non-negative integer, got ${seq}`);
    const existing = await this.list();
    const newest = existing.length > 0 ? existing[existing.length - 1] : -1;
    // An older snapshot written after a newer one would be pruned or, worse, shadow nothing.
    if (seq < newest) throw new RangeError(`snapshot seq ${seq} is older than the newest one (${newest})`);
    const file = `${this.dir}/${snapshotName(seq)}`;
    await this.fs.writeFileAtomic(file, encodeSnapshot(seq, payload));
    const all = seq === newest ? existing : [...existing, seq];
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) {
      await this.fs.remove(`${this.dir}/${snapshotName(old)}`);
    }
    return file;
  }

  /**
   * The newest valid snapshot (of those covering up to `atMost` at most), or null when there is
   * none and none is needed. Damaged snapshots are skipped with a warning. With `wal`, also checks that the snapshot and
   * the log join up, and throws if records in between are gone (the log was truncated
   * past every valid snapshot) or if the snapshot is ahead of the log.
   */
  async loadLatest(options: { wal?: WalRange; atMost?: number } = {}): Promise<Snapshot | null> {
    const skipped: string[] = [];
    const atMost = options.atMost ?? Number.POSITIVE_INFINITY;
    const seqs = (await this.list()).filter((seq) => seq <= atMost).reverse();
    let found: Snapshot | null = null;
    for (const seq of seqs) {
      const file = `${this.dir}/${snapshotName(seq)}`;
      const bytes = await this.fs.readFile(file);
      if (bytes === null) continue; // pruned by a concurrent write
      const r = decodeSnapshot(bytes, seq);
      if (!r.ok) {
        this.logger.warn('snapshot: skipping damaged snapshot', { file, reason: r.reason });
        skipped.push(`${file} (${r.reason})`);
        continue;
      }
      found = { seq, bytes: r.payload, file };
      break;
    }
    if (found && skipped.length > 0) {
      this.logger.warn('snapshot: fell back to an older snapshot', {
        file: found.file,
        seq: found.seq,
        skipped: skipped.length,
      });
    }
    const wal = options.wal;
    if (wal) {
      const covered = found?.seq ?? 0;
      if (covered + 1 < wal.firstSeq) {
        const what = found ? `the newest valid snapshot covers up to seq ${covered}` : 'there is no valid snapshot';
        const damaged = skipped.length > 0 ? `; damaged: ${skipped.join(', ')}` : '';
        throw new Error(
          `cannot recover: ${what}, but the write-ahead log starts at seq ${wal.firstSeq}, so records ${covered + 1}..${wal.firstSeq - 1} are lost${damaged}`,
        );
      }
      if (covered > wal.lastSeq) {
        throw new Error(
          `cannot recover: snapshot ${found!.file} covers up to seq ${covered}, but the write-ahead log ends at seq ${wal.lastSeq}; the log is missing records it once held`,
        );
      }
    }
    return found;
  }
}
