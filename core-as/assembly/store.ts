// Flat storage for orders and price levels: fixed-size records in chunks of linear memory,
// addressed by slot number, recycled through free lists. Chunks never move, so growing the
// book never copies it, and 1M resting orders cost 40 bytes each plus the id index.
import { allocPages, zeroed } from './mem';

// ---- orders: 40-byte records ----
export const ORDER_SIZE: usize = 40;
export const O_ID: usize = 0; //        u64
export const O_OWNER: usize = 8; //     u64
export const O_REMAINING: usize = 16; // i64
export const O_PREV: usize = 24; //     i32 slot in the level's FIFO, -1 at the head
export const O_NEXT: usize = 28; //     i32 slot in the level's FIFO, -1 at the tail; free-list link
export const O_LEVEL: usize = 32; //    i32 level slot
export const O_MARKET: usize = 36; //   u16
export const O_SIDE: usize = 38; //     u8

const ORDER_CHUNK_BITS: i32 = 14;
const ORDER_CHUNK: i32 = 1 << ORDER_CHUNK_BITS;
export const MAX_ORDER_SLOTS: i32 = 1 << 24;
const orderChunks: usize = zeroed(<usize>(MAX_ORDER_SLOTS >> ORDER_CHUNK_BITS) << 2);

let orderHigh: i32 = 0; // slots [0, orderHigh) have been handed out at least once
let orderFree: i32 = -1;

// @ts-ignore: decorator
@inline export function orderAt(slot: i32): usize {
  return load<usize>(orderChunks + (<usize>(slot >>> ORDER_CHUNK_BITS) << 2)) + <usize>(slot & (ORDER_CHUNK - 1)) * ORDER_SIZE;
}

/** A free order slot; the caller has checked capacity (at most MAX_ORDER_SLOTS live). */
export function allocOrder(): i32 {
  let slot = orderFree;
  if (slot >= 0) {
    orderFree = load<i32>(orderAt(slot), O_NEXT);
    return slot;
  }
  slot = orderHigh++;
  if ((slot & (ORDER_CHUNK - 1)) == 0) {
    const at = orderChunks + (<usize>(slot >>> ORDER_CHUNK_BITS) << 2);
    if (load<usize>(at) == 0) store<usize>(at, allocPages(<i32>((<usize>ORDER_CHUNK * ORDER_SIZE) >> 16)));
  }
  return slot;
}

export function freeOrder(slot: i32): void {
  store<i32>(orderAt(slot), orderFree, O_NEXT);
  orderFree = slot;
}

// ---- price levels: 32-byte records ----
export const LEVEL_SIZE: usize = 32;
export const L_PRICE: usize = 0; //  i64
export const L_TOTAL: usize = 8; //  i64 sum of the remaining of its orders (cached)
export const L_HEAD: usize = 16; //  i32 oldest order; free-list link
export const L_TAIL: usize = 20; //  i32 newest order
export const L_COUNT: usize = 24; // i32 number of orders

const LEVEL_CHUNK_BITS: i32 = 12;
const LEVEL_CHUNK: i32 = 1 << LEVEL_CHUNK_BITS;
const MAX_LEVEL_SLOTS: i32 = MAX_ORDER_SLOTS;
const levelChunks: usize = zeroed(<usize>(MAX_LEVEL_SLOTS >> LEVEL_CHUNK_BITS) << 2);

let levelHigh: i32 = 0;
let levelFree: i32 = -1;

// @ts-ignore: decorator
@inline export function levelAt(slot: i32): usize {
  return load<usize>(levelChunks + (<usize>(slot >>> LEVEL_CHUNK_BITS) << 2)) + <usize>(slot & (LEVEL_CHUNK - 1)) * LEVEL_SIZE;
}

export function allocLevel(price: i64): i32 {
  let slot = levelFree;
  if (slot >= 0) {
    levelFree = load<i32>(levelAt(slot), L_HEAD);
  } else {
    slot = levelHigh++;
    if ((slot & (LEVEL_CHUNK - 1)) == 0) {
      const at = levelChunks + (<usize>(slot >>> LEVEL_CHUNK_BITS) << 2);
      if (load<usize>(at) == 0) store<usize>(at, allocPages(<i32>((<usize>LEVEL_CHUNK * LEVEL_SIZE) >> 16)));
    }
  }
  const l = levelAt(slot);
  store<i64>(l, price, L_PRICE);
  store<i64>(l, 0, L_TOTAL);
  store<i32>(l, -1, L_HEAD);
  store<i32>(l, -1, L_TAIL);
  store<i32>(l, 0, L_COUNT);
  return slot;
}

export function freeLevel(slot: i32): void {
  store<i32>(levelAt(slot), levelFree, L_HEAD);
  levelFree = slot;
}

/** Forget every order and level; chunks stay allocated for reuse. */
export function resetStore(): void {
  orderHigh = 0;
  orderFree = -1;
  levelHigh = 0;
  levelFree = -1;
}

/** Bytes of linear memory held by order and level chunks. */
export function storeBytes(): usize {
  let bytes: usize = 0;
  for (let c = 0; c < (MAX_ORDER_SLOTS >> ORDER_CHUNK_BITS); c++) {
    if (load<usize>(orderChunks + (<usize>c << 2)) != 0) bytes += <usize>ORDER_CHUNK * ORDER_SIZE;
  }
  for (let c = 0; c < (MAX_LEVEL_SLOTS >> LEVEL_CHUNK_BITS); c++) {
    if (load<usize>(levelChunks + (<usize>c << 2)) != 0) bytes += <usize>LEVEL_CHUNK * LEVEL_SIZE;
  }
  return bytes;
}
