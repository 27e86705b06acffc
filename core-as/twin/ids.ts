// The twin's id index: the core's (assembly/ids.ts) in an Int32Array. Open addressing with
// linear probing over a power-of-two table of 8-byte entries: slot + 1 (0 = empty) and a
// 32-bit hash of the id, whose low bits are the entry's home, so probing, deleting and growing
// never read an order record but for a hash match. Backward-shift deletion, load <= 1/2.
// The hash is 32-bit (Math.imul), not the core's splitmix64: the layout and the probing are
// the same, the arithmetic is what JS does fast.
import { O_ID_HI, O_ID_LO, ORDER_I32 } from './records.ts';

/** A 32-bit hash of a u64 given as two i32 halves (murmur3's finaliser over both). */
export function hashId(lo: number, hi: number): number {
  let h = lo ^ Math.imul(hi ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class IdIndex {
  private table: Int32Array; // pairs: [slot + 1, hash]
  private mask: number;
  count = 0;

  constructor(capacity = 1024) {
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  reset(capacity = 1024): void {
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    this.count = 0;
  }

  bytes(): number {
    return this.table.byteLength;
  }

  /** The slot of a live order, or -1. `orders` is the order pool's i32 view. */
  find(lo: number, hi: number, orders: Int32Array): number {
    const h = hashId(lo, hi);
    const t = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (true) {
      const s = t[i << 1];
      if (s === 0) return -1;
      if (t[(i << 1) + 1] === h) {
        const o = (s - 1) * ORDER_I32;
        if (orders[o + O_ID_LO] === lo && orders[o + O_ID_HI] === hi) return s - 1;
      }
      i = (i + 1) & mask;
    }
  }

  /** The entry at the id's home as (slot + 1) if its hash matches, else 0: what find() reads first. */
  touch(lo: number, hi: number): number {
    const h = hashId(lo, hi);
    const at = (h & this.mask) << 1;
    return this.table[at + 1] === h ? this.table[at] : 0;
  }

  /** Adds id -> slot; the id is not present. */
  insert(lo: number, hi: number, slot: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const h = hashId(lo, hi);
    const t = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (t[i << 1] !== 0) i = (i + 1) & mask;
    t[i << 1] = slot + 1;
    t[(i << 1) + 1] = h;
    this.count++;
  }

  /** Removes the entry of a live order (its slot is given, so no id comparison is needed). */
  remove(lo: number, hi: number, slot: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = hashId(lo, hi) & mask;
    while (t[i << 1] !== slot + 1) i = (i + 1) & mask;
    // backward-shift deletion: pull later entries of the run into the hole when allowed
    let hole = i;
    let j = i;
    while (true) {
      j = (j + 1) & mask;
      const s = t[j << 1];
      if (s === 0) break;
      const home = t[(j << 1) + 1] & mask;
      // the entry may move to the hole unless its home lies in the cyclic range (hole, j]
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        t[hole << 1] = s;
        t[(hole << 1) + 1] = t[(j << 1) + 1];
        hole = j;
      }
    }
    t[hole << 1] = 0;
    t[(hole << 1) + 1] = 0;
    this.count--;
  }

  /** Every (slot, hash) entry, for validate(). */
  *entries(): Generator<[slot: number, hash: number]> {
    for (let k = 0; k <= this.mask; k++)
      if (this.table[k << 1] !== 0) yield [this.table[k << 1] - 1, this.table[(k << 1) + 1]];
  }

  private grow(): void {
    const old = this.table;
    const size = (this.mask + 1) * 2;
    const t = new Int32Array(size * 2);
    const mask = size - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k] === 0) continue;
      let i = old[k + 1] & mask;
      while (t[i << 1] !== 0) i = (i + 1) & mask;
      t[i << 1] = old[k];
      t[(i << 1) + 1] = old[k + 1];
    }
    this.table = t;
    this.mask = mask;
  }
}
