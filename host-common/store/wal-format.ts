// The on-disk format of the write-ahead log: segment file names and record framing,
// and the scan that decides, on open, whether a damaged end is a torn write (safe to
// cut) or corruption (refuse to start). No I/O here, so it is tested byte for byte.
//
// A segment is a plain sequence of records, no file header; its name carries the
// sequence number of its first record, which lets replay and truncation pick
// segments without reading them. One record, little-endian:
//
//   offset  size  field
//   0       4     magic   0x4c57424d ("MBWL" as bytes)
//   4       4     crc32c  over bytes 8 .. end of payload (length, seq and payload)
//   8       4     length  of the payload in bytes
//   12      8     seq     u64, consecutive across the whole log (first record: 1)
//   20      n     payload
//
// The checksum covers length and seq too, so a flipped bit in either is caught rather
// than sending the scan off to a wrong offset or a wrong sequence number.

import { crc32c } from './crc32c.ts';

export const RECORD_MAGIC = 0x4c57424d;
export const HEADER_BYTES = 20;
/** A format ceiling, independent of the writer's configured limit: any longer is damage. */
export const FORMAT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

const SEGMENT_RE = /^wal-(\d{20})\.wal$/;

/** `.wal`, not `.log`: log rotation tools and `rm *.log` habits must not touch it. */
export function segmentName(firstSeq: number): string {
  return `wal-${String(firstSeq).padStart(20, '0')}.wal`;
}

/** The first sequence number a segment file holds, or null for any other file name. */
export function parseSegmentName(name: string): number | null {
  const m = SEGMENT_RE.exec(name);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

/** Thrown when the log is damaged in a way that cutting the tail would lose data. */
export class WalCorruptError extends Error {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string) {
    super(`write-ahead log corrupt: ${file} at byte offset ${offset}: ${reason}`);
    this.name = 'WalCorruptError';
    this.file = file;
    this.offset = offset;
  }
}

/** Frames a record into `out` at `at` (HEADER_BYTES + payload.length bytes; the payload is copied); returns where it ends. */
export function encodeRecordInto(out: Uint8Array, at: number, seq: number, payload: Uint8Array): number {
  const end = at + HEADER_BYTES + payload.length;
  const dv = new DataView(out.buffer, out.byteOffset + at, HEADER_BYTES);
  dv.setUint32(0, RECORD_MAGIC, true);
  dv.setUint32(8, payload.length, true);
  dv.setUint32(12, seq % 0x1_0000_0000, true);
  dv.setUint32(16, Math.floor(seq / 0x1_0000_0000), true);
  out.set(payload, at + HEADER_BYTES);
  dv.setUint32(4, crc32c(out.subarray(at + 8, end)), true);
  return end;
}

export type Decoded = { ok: true; seq: number; payloadStart: number; end: number } | { ok: false; reason: string };

/** Decodes the record starting at `offset`; never throws. */
export function decodeRecord(bytes: Uint8Array, offset: number): Decoded {
  const remaining = bytes.length - offset;
  if (remaining < HEADER_BYTES) {
    return { ok: false, reason: `incomplete record header (${remaining} of ${HEADER_BYTES} bytes)` };
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  if (dv.getUint32(0, true) !== RECORD_MAGIC) return { ok: false, reason: 'bad record magic' };
  const length = dv.getUint32(8, true);
  if (length > FORMAT_MAX_RECORD_BYTES)
    return { ok: false, reason: `record length ${length} exceeds the format limit` };
  const end = offset + HEADER_BYTES + length;
  if (end > bytes.length) {
    return { ok: false, reason: `incomplete record (${remaining} of ${HEADER_BYTES + length} bytes)` };
  }
  if (crc32c(bytes.subarray(offset + 8, end)) !== dv.getUint32(4, true)) {
    return { ok: false, reason: 'checksum mismatch' };
  }
  const hi = dv.getUint32(16, true);
  if (hi >= 0x20_0000) return { ok: false, reason: 'sequence number beyond 2^53' };
  const seq = hi * 0x1_0000_0000 + dv.getUint32(12, true);
  return { ok: true, seq, payloadStart: offset + HEADER_BYTES, end };
}

/** The offset of the first intact record at or after `from`, or -1. */
function findIntactRecord(bytes: Uint8Array, from: number): number {
  const b0 = RECORD_MAGIC & 0xff;
  for (let p = bytes.indexOf(b0, from); p >= 0; p = bytes.indexOf(b0, p + 1)) {
    if (decodeRecord(bytes, p).ok) return p;
  }
  return -1;
}

export interface SegmentScan {
  /** Records found intact, in order. */
  records: number;
  /** The sequence number the next record must carry. */
  nextSeq: number;
  /** Bytes of intact records; anything after is a torn tail to cut. */
  validEnd: number;
  /** Why the tail was cut, when it was. */
  tornReason?: string;
}

/**
 * Checks every record of one segment. `isLastSegment` allows a torn tail: the last
 * append may have been cut short by a crash before its fsync returned, so nobody was
 * told it was durable. Anything else that fails — damage in an older segment, or
 * damage with an intact record after it — throws: cutting there would drop records
 * that were acknowledged. (A power loss can persist the pages of one unsynced batch
 * out of order and look like the latter; refusing to start is the safe answer, and
 * the error says exactly where to look.)
 */
export function scanSegment(bytes: Uint8Array, file: string, firstSeq: number, isLastSegment: boolean): SegmentScan {
  let offset = 0;
  let seq = firstSeq;
  let records = 0;
  while (offset < bytes.length) {
    const rec = decodeRecord(bytes, offset);
    if (rec.ok) {
      if (rec.seq !== seq)
        throw new WalCorruptError(file, offset, `sequence number ${rec.seq} where ${seq} was expected`);
      offset = rec.end;
      seq++;
      records++;
      continue;
    }
    if (!isLastSegment) {
      throw new WalCorruptError(file, offset, `${rec.reason} in a segment that is not the last one`);
    }
    const next = findIntactRecord(bytes, offset + 1);
    if (next >= 0) {
      throw new WalCorruptError(file, offset, `${rec.reason}, and an intact record follows at byte offset ${next}`);
    }
    return { records, nextSeq: seq, validEnd: offset, tornReason: rec.reason };
  }
  return { records, nextSeq: seq, validEnd: offset };
}
