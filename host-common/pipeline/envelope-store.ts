// The envelopes this node can hand to a peer that lacks them (sync, pipeline/sync.ts): every
// envelope in the log, by origin and seq, as the signed bytes that were logged. A range
// answer is a run of consecutive seqs, so the peer gets each origin's envelopes in the order
// it must deliver them. Filled as envelopes are delivered and, on a restart, from the log
// (with a network the log is kept whole, see store/checkpointer.ts).
//
// The bytes are held in memory: about the size of the log.

import type { Wal } from '../store/wal.ts';
import { hex, originAndSeqOf } from '../wire/envelope.ts';
import { MAX_RANGE, RANGE_PAGE_BYTES } from '../wire/sync.ts';

/** Seqs past this are not kept (an array index); no origin comes near it. */
const MAX_KEPT_SEQ = 2n ** 31n;

export class EnvelopeStore {
  /** origin hex → bytes by seq - 1. */
  private readonly byOrigin = new Map<string, Uint8Array[]>();
  private count = 0;
  private totalBytes = 0;

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  add(origin: string, seq: bigint, bytes: Uint8Array): void {
    if (seq < 1n || seq > MAX_KEPT_SEQ) return;
    let list = this.byOrigin.get(origin);
    if (!list) {
      list = [];
      this.byOrigin.set(origin, list);
    }
    const i = Number(seq) - 1;
    if (list[i] !== undefined) return;
    list[i] = bytes;
    this.count++;
    this.totalBytes += bytes.length;
  }

  /** The bytes kept of one envelope (undefined: not delivered here, or past MAX_KEPT_SEQ). */
  get(origin: string, seq: bigint): Uint8Array | undefined {
    if (seq < 1n || seq > MAX_KEPT_SEQ) return undefined;
    return this.byOrigin.get(origin)?.[Number(seq) - 1];
  }

  /** Consecutive envelopes of `origin` from `from` up to `to`, stopping at the first one missing; at most one page. */
  range(origin: string, from: bigint, to: bigint): Uint8Array[] {
    const list = this.byOrigin.get(origin);
    const out: Uint8Array[] = [];
    if (!list || from > MAX_KEPT_SEQ) return out;
    const last = Number(to < MAX_KEPT_SEQ ? to : MAX_KEPT_SEQ) - 1;
    let size = 0;
    for (let i = Number(from) - 1; i <= last && out.length < MAX_RANGE; i++) {
      const bytes = list[i];
      if (bytes === undefined) break;
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
      this.add(hex(at.origin), at.seq, record.payload);
      visit(record.payload, at.origin, at.seq);
    }
  }
}
