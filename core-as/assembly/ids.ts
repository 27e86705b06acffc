// The index from order id to order slot: open addressing with linear probing over a
// power-of-two table of u64 entries: low 32 bits = slot + 1 (0 = empty), high 32 bits = the
// upper half of the id's hash, which is also where its home slot comes from. So probes are
// settled by the table alone but for a rare fingerprint match, and deleting or growing never
// reads an order record to find an entry's home: what a 1M-order book's cache needs.
// Deletion shifts the following entries back: no tombstones, short probe chains.
// Load factor <= 1/2.
import { alloc, free } from './mem';
import { orderAt, O_ID } from './store';

let table: usize = 0;
let mask: u32 = 0;
let count: i32 = 0;

// @ts-ignore: decorator
@inline export function mix64(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// @ts-ignore: decorator
@inline function entryAt(i: u32): usize {
  return table + (<usize>i << 3);
}

/** The home slot of an entry (or of a hash): from its upper 32 bits. */
// @ts-ignore: decorator
@inline function homeOf(e: u64): u32 {
  return <u32>(e >> 32) & mask;
}

// @ts-ignore: decorator
@inline function slotOf(e: u64): i32 {
  return <i32>(<u32>e) - 1;
}

export function resetIds(capacity: u32): void {
  if (table != 0) free(table);
  mask = capacity - 1;
  count = 0;
  table = alloc(<usize>capacity << 3);
  memory.fill(table, 0, <usize>capacity << 3);
}

export function idCount(): i32 {
  return count;
}

export function idTableBytes(): usize {
  return (<usize>mask + 1) << 3;
}

/** The slot of a live order, or -1. */
export function findId(id: u64): i32 {
  const h = mix64(id);
  const tag = h & 0xffffffff00000000;
  let i = homeOf(h);
  while (true) {
    const e = load<u64>(entryAt(i));
    if (e == 0) return -1;
    if ((e & 0xffffffff00000000) == tag && load<u64>(orderAt(slotOf(e)), O_ID) == id) return slotOf(e);
    i = (i + 1) & mask;
  }
}

/**
 * Reads, and so brings into the cache, what findId(id) will read: the entry at the id's home,
 * and the order record it names when its fingerprint matches. Returns a value only so the
 * loads are not dead. The first read of each is a cache miss on a large book; touching the
 * homes of a group of commands before executing them lets the CPU overlap those misses.
 */
export function touchHome(id: u64): u64 {
  return load<u64>(entryAt(homeOf(mix64(id))));
}

export function touchRecord(id: u64, e: u64): u64 {
  return e != 0 && (e & 0xffffffff00000000) == (mix64(id) & 0xffffffff00000000) ? load<u64>(orderAt(slotOf(e)), O_ID) : 0;
}

/** Adds id -> slot; the id is not present. */
export function insertId(id: u64, slot: i32): void {
  if (<u32>(count + 1) * 2 > mask + 1) grow();
  const h = mix64(id);
  let i = homeOf(h);
  while (load<u64>(entryAt(i)) != 0) i = (i + 1) & mask;
  store<u64>(entryAt(i), (h & 0xffffffff00000000) | <u64>(<u32>(slot + 1)));
  count++;
}

/** Removes the entry of a live order (its slot is given, so no id comparison is needed). */
export function removeId(id: u64, slot: i32): void {
  let i = homeOf(mix64(id));
  while (slotOf(load<u64>(entryAt(i))) != slot) i = (i + 1) & mask;
  // backward-shift deletion: pull later entries of the run into the hole when allowed
  let hole = i;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const e = load<u64>(entryAt(j));
    if (e == 0) break;
    const home = homeOf(e);
    // e may move to the hole unless its home lies in the cyclic range (hole, j]
    const inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!inRange) {
      store<u64>(entryAt(hole), e);
      hole = j;
    }
  }
  store<u64>(entryAt(hole), 0);
  count--;
}

function grow(): void {
  const oldTable = table;
  const oldSize = mask + 1;
  const size = oldSize << 1;
  table = alloc(<usize>size << 3);
  memory.fill(table, 0, <usize>size << 3);
  mask = size - 1;
  for (let k: u32 = 0; k < oldSize; k++) {
    const e = load<u64>(oldTable + (<usize>k << 3));
    if (e == 0) continue;
    let i = homeOf(e);
    while (load<u64>(entryAt(i)) != 0) i = (i + 1) & mask;
    store<u64>(entryAt(i), e);
  }
  free(oldTable);
}

/** For validate(): does every entry name a slot holding an id with its fingerprint, found from its home? */
export function checkIds(): bool {
  let seen = 0;
  for (let k: u32 = 0; k <= mask; k++) {
    const e = load<u64>(entryAt(k));
    if (e == 0) continue;
    seen++;
    const id = load<u64>(orderAt(slotOf(e)), O_ID);
    if ((mix64(id) & 0xffffffff00000000) != (e & 0xffffffff00000000)) return false;
    if (findId(id) != slotOf(e)) return false;
  }
  return seen == count;
}
