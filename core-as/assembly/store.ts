// Flat storage for orders, price levels and order extensions: fixed-size records in chunks
// of linear memory, addressed by slot number, recycled through free lists. Chunks never
// move, so growing the book never copies it. A plain order is one 48-byte record; only
// orders with more to remember (iceberg, good-till-time, stop, OCO) take a 48-byte extension.
import { allocPages, zeroed } from './mem';

// ---- orders: 48-byte records ----
export const ORDER_SIZE: usize = 48;
export const O_ID: usize = 0; //        u64
export const O_OWNER: usize = 8; //     u64
export const O_REMAINING: usize = 16; // i64 shown quantity (in the level); a pending stop: its quantity
export const O_PREV: usize = 24; //     i32 slot in the level's FIFO, -1 at the head
export const O_NEXT: usize = 28; //     i32 slot in the level's FIFO, -1 at the tail; free-list link
export const O_LEVEL: usize = 32; //    i32 level slot, -1 for a pending stop
export const O_MARKET: usize = 36; //   u16
export const O_SIDE: usize = 38; //     u8
export const O_FLAGS: usize = 39; //    u8, OF_* below
export const O_EXT: usize = 40; //      i32 extension slot, -1 for none

export const OF_POST_ONLY: u8 = 1;
export const OF_PENDING: u8 = 2; // a stop order waiting for its trigger
export const OF_OCO: u8 = 4; //     a resting limit whose stop leg waits in the stop list
export const OF_STP_SHIFT: u8 = 4; // two bits: the order's self-trade prevention mode

// ---- extensions: 48-byte records ----
export const EXT_SIZE: usize = 48;
export const X_HIDDEN: usize = 0; //  i64 iceberg reserve
export const X_DISPLAY: usize = 8; // i64 iceberg display size, 0 = none
export const X_EXPIRES: usize = 16; // i64 good-till time, 0 = none
export const X_STOP: usize = 24; //   i64 stop price (pending stop, OCO)
export const X_PRICE2: usize = 32; // i64 pending stop: its limit price; OCO: the stop leg's limit price
export const X_TYPE: usize = 40; //   u8 pending stop: TYPE_STOP_*
export const X_TIF: usize = 41; //    u8 pending stop: time in force once triggered

// ---- price levels: 40-byte records ----
export const LEVEL_SIZE: usize = 40;
export const L_PRICE: usize = 0; //  i64
export const L_TOTAL: usize = 8; //  i64 sum of its orders' shown quantity (cached)
export const L_HEAD: usize = 16; //  i32 oldest order; free-list link
export const L_TAIL: usize = 20; //  i32 newest order
export const L_COUNT: usize = 24; // i32 number of orders
export const L_HIDDEN: usize = 32; // i64 sum of its icebergs' reserves: L_TOTAL + L_HIDDEN <= i64 max

// A pool of records in chunks of 2^bits records, each chunk whole pages. Its header lives in
// static memory (nothing here allocates through the AssemblyScript runtime):
// chunk table pointer, high-water slot, free-list head.
const P_CHUNKS: usize = 0;
const P_HIGH: usize = 4;
const P_FREE: usize = 8;

export const MAX_ORDER_SLOTS: i32 = 1 << 24;
const ORDER_BITS: i32 = 14;
const LEVEL_BITS: i32 = 13;
const EXT_BITS: i32 = 12;
const orders: usize = memory.data(12);
const levels: usize = memory.data(12);
const exts: usize = memory.data(12);
store<usize>(orders, zeroed(<usize>(MAX_ORDER_SLOTS >> ORDER_BITS) << 2), P_CHUNKS);
store<usize>(levels, zeroed(<usize>(MAX_ORDER_SLOTS >> LEVEL_BITS) << 2), P_CHUNKS);
store<usize>(exts, zeroed(<usize>(MAX_ORDER_SLOTS >> EXT_BITS) << 2), P_CHUNKS);
resetStore();

// @ts-ignore: decorator
@inline function recordAt(p: usize, bits: i32, size: usize, slot: i32): usize {
  return load<usize>(load<usize>(p, P_CHUNKS) + (<usize>(slot >>> bits) << 2)) + <usize>(slot & ((1 << bits) - 1)) * size;
}

// @ts-ignore: decorator
@inline function allocSlot(p: usize, bits: i32, size: usize, link: usize): i32 {
  let slot = load<i32>(p, P_FREE);
  if (slot >= 0) {
    store<i32>(p, load<i32>(recordAt(p, bits, size, slot) + link), P_FREE);
    return slot;
  }
  slot = load<i32>(p, P_HIGH);
  store<i32>(p, slot + 1, P_HIGH);
  if ((slot & ((1 << bits) - 1)) == 0) {
    const at = load<usize>(p, P_CHUNKS) + (<usize>(slot >>> bits) << 2);
    if (load<usize>(at) == 0) store<usize>(at, allocPages(<i32>(((<usize>1 << bits) * size) >> 16)));
  }
  return slot;
}

// @ts-ignore: decorator
@inline function freeSlot(p: usize, bits: i32, size: usize, link: usize, slot: i32): void {
  store<i32>(recordAt(p, bits, size, slot) + link, load<i32>(p, P_FREE));
  store<i32>(p, slot, P_FREE);
}

function poolBytes(p: usize, bits: i32, size: usize): usize {
  let bytes: usize = 0;
  for (let c = 0; c < (MAX_ORDER_SLOTS >> bits); c++) {
    if (load<usize>(load<usize>(p, P_CHUNKS) + (<usize>c << 2)) != 0) bytes += (<usize>1 << bits) * size;
  }
  return bytes;
}

// @ts-ignore: decorator
@inline export function orderAt(slot: i32): usize {
  return recordAt(orders, ORDER_BITS, ORDER_SIZE, slot);
}

// @ts-ignore: decorator
@inline export function levelAt(slot: i32): usize {
  return recordAt(levels, LEVEL_BITS, LEVEL_SIZE, slot);
}

// @ts-ignore: decorator
@inline export function extAt(slot: i32): usize {
  return recordAt(exts, EXT_BITS, EXT_SIZE, slot);
}

/** A free order slot; the caller has checked capacity (at most MAX_ORDER_SLOTS live). */
export function allocOrder(): i32 {
  return allocSlot(orders, ORDER_BITS, ORDER_SIZE, O_NEXT);
}

export function freeOrder(slot: i32): void {
  freeSlot(orders, ORDER_BITS, ORDER_SIZE, O_NEXT, slot);
}

export function allocLevel(price: i64): i32 {
  const slot = allocSlot(levels, LEVEL_BITS, LEVEL_SIZE, L_HEAD);
  const l = levelAt(slot);
  store<i64>(l, price, L_PRICE);
  store<i64>(l, 0, L_TOTAL);
  store<i32>(l, -1, L_HEAD);
  store<i32>(l, -1, L_TAIL);
  store<i32>(l, 0, L_COUNT);
  store<i64>(l, 0, L_HIDDEN);
  return slot;
}

export function freeLevel(slot: i32): void {
  freeSlot(levels, LEVEL_BITS, LEVEL_SIZE, L_HEAD, slot);
}

/** A zeroed extension record. */
export function allocExt(): i32 {
  const slot = allocSlot(exts, EXT_BITS, EXT_SIZE, X_HIDDEN);
  memory.fill(extAt(slot), 0, EXT_SIZE);
  return slot;
}

export function freeExt(slot: i32): void {
  freeSlot(exts, EXT_BITS, EXT_SIZE, X_HIDDEN, slot);
}

/** Forget every record; chunks stay allocated for reuse. */
export function resetStore(): void {
  for (let i = 0; i < 3; i++) {
    const p = i == 0 ? orders : i == 1 ? levels : exts;
    store<i32>(p, 0, P_HIGH);
    store<i32>(p, -1, P_FREE);
  }
}

/** Bytes of linear memory held by record chunks. */
export function storeBytes(): usize {
  return poolBytes(orders, ORDER_BITS, ORDER_SIZE) + poolBytes(levels, LEVEL_BITS, LEVEL_SIZE) + poolBytes(exts, EXT_BITS, EXT_SIZE);
}
