// The orderer: which envelopes may be applied, and in what order. Each origin's envelopes are
// delivered in seq order: a gap holds the later ones back (sync pulls the missing ones), a
// seq already delivered or held is a duplicate and dropped. Delivered envelopes are applied
// in the total order (Lamport, origin, seq) — compareEnvelopes — whatever order they
// arrived in; the applier (applier.ts) rolls back when one sorts before envelopes already
// applied.
//
// The delivered frontier (the highest contiguous seq per origin) is what this node has
// seen of everyone: the origin stamps it into each envelope it creates as the vector clock,
// and finality will compare it across members.

import type { Engine, VectorClock } from '../../core-as/src/engine.ts';
import type { AppliedKey } from '../state/checkpoint.ts';
import { type Envelope, hex } from '../wire/envelope.ts';

/** The total order: Lamport time, then origin key (bytewise), then origin seq. */
export function compareEnvelopes(a: Envelope, b: Envelope): number {
  if (a.lamport !== b.lamport) return a.lamport < b.lamport ? -1 : 1;
  if (a.origin !== b.origin) {
    for (let i = 0; i < a.origin.length; i++) {
      if (a.origin[i] !== b.origin[i]) return a.origin[i] - b.origin[i];
    }
  }
  return a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** Where `e` sorts against an applied key: negative before it, 0 the same envelope, positive after. */
export function compareToKey(e: Envelope, key: AppliedKey): number {
  if (e.lamport !== key.lamport) return e.lamport < key.lamport ? -1 : 1;
  const origin = hex(e.origin); // hex order is byte order
  if (origin !== key.origin) return origin < key.origin ? -1 : 1;
  return e.seq === key.seq ? 0 : e.seq < key.seq ? -1 : 1;
}

/** An origin's node id in vector clocks: the first 8 bytes of its key, big-endian. */
export function clockNodeOf(origin: Uint8Array): bigint {
  return new DataView(origin.buffer, origin.byteOffset, 8).getBigUint64(0, false);
}

export type Offer =
  /** In seq order: these envelopes (the offered one and any it unblocked) may be applied now. */
  | { status: 'delivered'; envelopes: Envelope[] }
  /** After a gap: kept until the missing seqs arrive. */
  | { status: 'held' }
  /** Its seq was already delivered or is held. */
  | { status: 'duplicate' };

/** A run of seqs of one origin that is missing (what sync must pull). */
export interface Gap {
  origin: string;
  from: bigint;
  to: bigint;
}

export class Orderer {
  /** origin hex → highest contiguous seq delivered. */
  private readonly frontier = new Map<string, bigint>();
  /** origin hex → seq → envelope, for seqs after a gap. */
  private readonly held = new Map<string, Map<bigint, Envelope>>();
  private heldCount = 0;
  // the last origin key seen and its hex (an origin's own envelopes share one key array)
  private lastKey: Uint8Array | null = null;
  private lastHex = '';
  duplicates = 0;

  /** Starts from a known frontier (a checkpoint's): seqs up to it count as delivered. */
  constructor(frontier: Map<string, bigint> = new Map()) {
    for (const [origin, seq] of frontier) this.frontier.set(origin, seq);
  }

  /** Highest contiguous seq delivered from `origin` (hex), 0 for none. */
  delivered(origin: string): bigint {
    return this.frontier.get(origin) ?? 0n;
  }

  /** The highest contiguous seq delivered of each origin (hex) that has any. */
  entries(): IterableIterator<[origin: string, seq: bigint]> {
    return this.frontier.entries();
  }

  frontierSeqs(): IterableIterator<bigint> {
    return this.frontier.values();
  }

  /** Delivered or held: an envelope with this seq would be a duplicate. */
  has(origin: string, seq: bigint): boolean {
    return seq <= this.delivered(origin) || (this.held.get(origin)?.has(seq) ?? false);
  }

  get holding(): number {
    return this.heldCount;
  }

  private originOf(e: Envelope): string {
    if (e.origin !== this.lastKey) {
      this.lastHex = hex(e.origin);
      this.lastKey = e.origin;
    }
    return this.lastHex;
  }

  offer(e: Envelope): Offer {
    const origin = this.originOf(e);
    const next = this.delivered(origin) + 1n;
    if (e.seq < next) {
      this.duplicates++;
      return { status: 'duplicate' };
    }
    if (e.seq > next) {
      let waiting = this.held.get(origin);
      if (!waiting) {
        waiting = new Map();
        this.held.set(origin, waiting);
      }
      if (waiting.has(e.seq)) {
        this.duplicates++;
        return { status: 'duplicate' };
      }
      waiting.set(e.seq, e);
      this.heldCount++;
      return { status: 'held' };
    }
    const envelopes = [e];
    let seq = e.seq;
    const waiting = this.held.get(origin);
    if (waiting) {
      for (let after = waiting.get(seq + 1n); after; after = waiting.get(seq + 1n)) {
        waiting.delete(++seq);
        this.heldCount--;
        envelopes.push(after);
      }
      if (waiting.size === 0) this.held.delete(origin);
    }
    this.frontier.set(origin, seq);
    return { status: 'delivered', envelopes };
  }

  /** The seqs missing before each held envelope, per origin. */
  gaps(): Gap[] {
    const out: Gap[] = [];
    for (const [origin, waiting] of this.held) {
      const seqs = [...waiting.keys()].sort((a, b) => (a < b ? -1 : 1));
      let from = this.delivered(origin) + 1n;
      for (const s of seqs) {
        if (s > from) out.push({ origin, from, to: s - 1n });
        from = s + 1n;
      }
    }
    return out;
  }

  /** The frontier as a canonical vector clock (node = clockNodeOf(origin)), built with the core's clock operations; `except` leaves one origin out. */
  clock(engine: Engine, except?: string): VectorClock {
    let clock: VectorClock = [];
    for (const [origin, seq] of this.frontier) {
      if (origin === except || seq === 0n) continue;
      clock = engine.vcMerge(clock, [[BigInt(`0x${origin.slice(0, 16)}`), seq]]);
    }
    return clock;
  }
}
