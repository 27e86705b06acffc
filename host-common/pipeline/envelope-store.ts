// The envelopes this node can hand to a peer that lacks them (sync, pipeline/sync.ts): every
// envelope delivered, by origin and seq, as the signed bytes that were logged. A range answer
// is a run of consecutive seqs, so the peer gets each origin's envelopes in the order it must
// deliver them. Filled as envelopes are delivered and, on a restart, from the log (with a
// network the log is kept whole, see store/checkpointer.ts).
//
// Memory: the bytes of the most recent envelopes (up to `cacheBytes`) stay in memory, where
// gossip's copies and the pulls after a lost message look; of the others only the WAL seq of
// their record is kept (8 bytes each), and a range reads them from the log.

import type { Wal } from '../store/wal.ts';
import { hex, originAndSeqOf } from '../wire/envelope.ts';
import { MAX_RANGE, RANGE_PAGE_BYTES } from '../wire/sync.ts';

/** Seqs past this are not kept (an array index); no origin comes near it. */
const MAX_KEPT_SEQ = 2n ** 31n;

/** Bytes of recent envelopes kept in memory by default. */
export const CACHE_BYTES = 32 * 1024 * 1024;

interface Kept {
  /** WAL seq of the record of seq i + 1. */
  walSeqs: number[];
  /** Its bytes while they are in memory. */
  bytes: (Uint8Array | undefined)[];
}

export class EnvelopeStore {
  private readonly wal: Wal | null;
  private readonly cacheBytes: number;
  /** origin hex → its envelopes by seq - 1. */
  private readonly byOrigin = new Map<string, Kept>();
  /** In memory, oldest first: whose bytes go first when the cache is full. */
  private readonly cached: { kept: Kept; i: number }[] = [];
  private cachedHead = 0;
  private count = 0;
  private inMemory = 0;

  /** `wal`: where the records are read back from (none: every envelope stays in memory). */
  constructor(wal: Wal | null = null, cacheBytes = CACHE_BYTES) {
    this.wal = wal;
    this.cacheBytes = wal ? cacheBytes : Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes of envelopes held in memory. */
  get bytes(): number {
    return this.inMemory;
  }

  /** An envelope delivered, logged as WAL record `walSeq`. */
  add(origin: string, seq: bigint, bytes: Uint8Array, walSeq: number): void {
    if (seq < 1n || seq > MAX_KEPT_SEQ) return;
    let kept = this.byOrigin.get(origin);
    if (!kept) {
      kept = { walSeqs: [], bytes: [] };
      this.byOrigin.set(origin, kept);
    }
    const i = Number(seq) - 1;
    if (kept.walSeqs[i] !== undefined) return;
    kept.walSeqs[i] = walSeq;
    kept.bytes[i] = bytes;
    this.count++;
    this.inMemory += bytes.length;
    this.cached.push({ kept, i });
    while (this.inMemory > this.cacheBytes && this.cachedHead < this.cached.length) {
      const { kept: k, i: j } = this.cached[this.cachedHead++];
      this.inMemory -= k.bytes[j]!.length;
      k.bytes[j] = undefined;
    }
    // the queue's consumed head, dropped once it is most of it
    if (this.cachedHead > 4096 && this.cachedHead * 2 > this.cached.length) {
      this.cached.splice(0, this.cachedHead);
      this.cachedHead = 0;
    }
  }

  /** The bytes of one envelope if they are in memory (undefined: evicted, or not delivered here). */
  recent(origin: string, seq: bigint): Uint8Array | undefined {
    if (seq < 1n || seq > MAX_KEPT_SEQ) return undefined;
    return this.byOrigin.get(origin)?.bytes[Number(seq) - 1];
  }

  /** Consecutive envelopes of `origin` from `from` up to `to`, stopping at the first one missing; at most one page. */
  async range(origin: string, from: bigint, to: bigint): Promise<Uint8Array[]> {
    const kept = this.byOrigin.get(origin);
    if (!kept || from < 1n || from > MAX_KEPT_SEQ) return [];
    const last = Number(to < MAX_KEPT_SEQ ? to : MAX_KEPT_SEQ) - 1;
    const run: number[] = [];
    for (let i = Number(from) - 1; i <= last && run.length < MAX_RANGE; i++) {
      if (kept.walSeqs[i] === undefined) break;
      run.push(i);
    }
    const missing = run.filter((i) => kept.bytes[i] === undefined).map((i) => kept.walSeqs[i]);
    const read = missing.length > 0 && this.wal ? await this.wal.read(missing) : new Map<number, Uint8Array>();
    const out: Uint8Array[] = [];
    let size = 0;
    for (const i of run) {
      const bytes = kept.bytes[i] ?? read.get(kept.walSeqs[i]);
      if (bytes === undefined) break; // no longer in the log
      size += 4 + bytes.length;
      if (out.length > 0 && size > RANGE_PAGE_BYTES) break;
      out.push(bytes);
    }
    return out;
  }

  /** Adds every envelope of the log (a restart), showing each to `visit` too. */
  async load(wal: Wal, visit: (bytes: Uint8Array, origin: Uint8Array, seq: bigint) => void = () => {}): Promise<void> {
    for await (const record of wal.replay(wal.firstSeq - 1)) {
      const at = originAndSeqOf(record.payload);
      if (!at) continue;
      this.add(hex(at.origin), at.seq, record.payload, record.seq);
      visit(record.payload, at.origin, at.seq);
    }
  }
}
