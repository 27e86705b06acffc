// The index from order id to order slot: open addressing with linear probing over a
// power-of-two table of (slot + 1), 0 meaning empty. Deletion shifts the following entries
// back, so there are no tombstones and probe chains stay short. Load factor <= 1/2.
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
@inline function home(id: u64): u32 {
  return <u32>mix64(id) & mask;
}

export function resetIds(capacity: u32): void {
  if (table != 0) heap.free(table);
  mask = capacity - 1;
  count = 0;
  table = heap.alloc(<usize>capacity << 2);
  memory.fill(table, 0, <usize>capacity << 2);
}

export function idCount(): i32 {
  return count;
}

export function idTableBytes(): usize {
  return (<usize>mask + 1) << 2;
}

/** The slot of a live order, or -1. */
export function findId(id: u64): i32 {
  let i = home(id);
  while (true) {
    const e = load<i32>(table + (<usize>i << 2));
    if (e == 0) return -1;
    if (load<u64>(orderAt(e - 1), O_ID) == id) return e - 1;
    i = (i + 1) & mask;
  }
}

/** Adds id -> slot; the id is not present. */
export function insertId(id: u64, slot: i32): void {
  if (<u32>(count + 1) * 2 > mask + 1) grow();
  let i = home(id);
  while (load<i32>(table + (<usize>i << 2)) != 0) i = (i + 1) & mask;
  store<i32>(table + (<usize>i << 2), slot + 1);
  count++;
}

/** Removes a present id. */
export function removeId(id: u64): void {
  let i = home(id);
  while (load<u64>(orderAt(load<i32>(table + (<usize>i << 2)) - 1), O_ID) != id) i = (i + 1) & mask;
  // backward-shift deletion: pull later entries of the run into the hole when allowed
  let hole = i;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const e = load<i32>(table + (<usize>j << 2));
    if (e == 0) break;
    const h = home(load<u64>(orderAt(e - 1), O_ID));
    // e may move to hole if its home is not in the cyclic range (hole, j]
    const inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
    if (!inRange) {
      store<i32>(table + (<usize>hole << 2), e);
      hole = j;
    }
  }
  store<i32>(table + (<usize>hole << 2), 0);
  count--;
}

function grow(): void {
  const oldTable = table;
  const oldSize = mask + 1;
  const size = oldSize << 1;
  table = heap.alloc(<usize>size << 2);
  memory.fill(table, 0, <usize>size << 2);
  mask = size - 1;
  for (let k: u32 = 0; k < oldSize; k++) {
    const e = load<i32>(oldTable + (<usize>k << 2));
    if (e == 0) continue;
    let i = home(load<u64>(orderAt(e - 1), O_ID));
    while (load<i32>(table + (<usize>i << 2)) != 0) i = (i + 1) & mask;
    store<i32>(table + (<usize>i << 2), e);
  }
  heap.free(oldTable);
}

/** For validate(): does every entry point at a slot holding its id, reachable from its home? */
export function checkIds(): bool {
  let seen = 0;
  for (let k: u32 = 0; k <= mask; k++) {
    const e = load<i32>(table + (<usize>k << 2));
    if (e == 0) continue;
    seen++;
    if (findId(load<u64>(orderAt(e - 1), O_ID)) != e - 1) return false;
  }
  return seen == count;
}
