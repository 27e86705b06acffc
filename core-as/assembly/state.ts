// The logical state: its 64-bit hash, snapshot bytes, restore, and the invariant check.
// Hash and snapshot walk markets in order, bids then asks, levels best first, orders oldest
// first, so neither depends on slots, chunks or how the book got here. Format: core-as/README.md;
// the reference (../reference/state.ts) computes the same words.
import { alloc, free } from './mem';
import { mix64, resetIds, findId, idCount, checkIds } from './ids';
import { MAX_ORDER_SLOTS, resetStore, orderAt, levelAt, O_ID, O_OWNER, O_REMAINING, O_PREV, O_NEXT, O_LEVEL, O_MARKET, O_SIDE, L_PRICE, L_TOTAL, L_HEAD, L_TAIL, L_COUNT } from './store';
import { marketCount, maxOrders, resetBooks, sideOf, sideLen, sideLevel, restOrder, findLevel, I64_MAX } from './book';

const HASH_SEED: u64 = 0x6d657368626f6f6b;
const GOLDEN: u64 = 0x9e3779b97f4a7c15;
const SNAPSHOT_MAGIC: u64 = 0x3153504b4f4f424d;
const SNAPSHOT_VERSION: u64 = 1;
const MAX_MARKETS: u64 = 65536;

// @ts-ignore: decorator
@inline function absorb(h: u64, w: u64): u64 {
  return mix64((h + GOLDEN) ^ w);
}

// ---- walking the state as words: hashing it, or writing it out ----
let sink: usize = 0; // 0: hash only; otherwise the next word is written here
let hash: u64 = 0;

// @ts-ignore: decorator
@inline function word(w: u64): void {
  hash = absorb(hash, w);
  if (sink != 0) {
    store<u64>(sink, w);
    sink += 8;
  }
}

function walk(): void {
  word(<u64>marketCount);
  for (let m = 0; m < marketCount; m++) {
    for (let side = 0; side < 2; side++) {
      const s = sideOf(m, side);
      const len = sideLen(s);
      word(<u64>len);
      for (let pos = len - 1; pos >= 0; pos--) {
        const l = levelAt(sideLevel(s, pos));
        word(<u64>load<i64>(l, L_PRICE));
        word(<u64>load<i32>(l, L_COUNT));
        for (let slot = load<i32>(l, L_HEAD); slot >= 0; slot = load<i32>(orderAt(slot), O_NEXT)) {
          const o = orderAt(slot);
          word(load<u64>(o, O_ID));
          word(load<u64>(o, O_OWNER));
          word(<u64>load<i64>(o, O_REMAINING));
        }
      }
    }
  }
}

export function stateHash(): u64 {
  sink = 0;
  hash = HASH_SEED;
  walk();
  return hash;
}

let snapBuf: usize = 0;
let snapLen: i32 = 0;

/** Writes the snapshot into a core-owned buffer; returns its address (length: snapshotLength()). */
export function snapshot(): usize {
  let levels = 0;
  for (let i = 0; i < marketCount * 2; i++) levels += sideLen(sideOf(i >> 1, i & 1));
  const words = 3 + 1 + marketCount * 2 + levels * 2 + idCount() * 3 + 1;
  if (snapBuf != 0) free(snapBuf);
  snapLen = words * 8;
  snapBuf = alloc(<usize>snapLen);
  sink = snapBuf;
  hash = HASH_SEED;
  word(SNAPSHOT_MAGIC);
  word(SNAPSHOT_VERSION);
  word(<u64>maxOrders);
  walk();
  store<u64>(sink, hash);
  sink = 0;
  return snapBuf;
}

export function snapshotLength(): i32 {
  return snapLen;
}

// ---- restore ----
export const RESTORE_OK = 0;
export const RESTORE_LENGTH = 1;
export const RESTORE_MAGIC = 2;
export const RESTORE_VERSION = 3;
export const RESTORE_CHECKSUM = 4;
export const RESTORE_STRUCTURE = 5;
export const RESTORE_DUPLICATE = 6;

/**
 * Restores from len bytes at ptr. Everything but duplicate ids is checked before the
 * state is touched; a duplicate id found while building empties the engine. The binding
 * restores into a fresh instance, so a failed restore never touches the live engine.
 */
export function restore(ptr: usize, len: i32): i32 {
  if (len % 8 != 0 || len < 40) return RESTORE_LENGTH;
  const count = len >> 3;
  if (load<u64>(ptr) != SNAPSHOT_MAGIC) return RESTORE_MAGIC;
  if (load<u64>(ptr, 8) != SNAPSHOT_VERSION) return RESTORE_VERSION;
  let h = HASH_SEED;
  for (let i = 0; i < count - 1; i++) h = absorb(h, load<u64>(ptr + (<usize>i << 3)));
  if (h != load<u64>(ptr + (<usize>(count - 1) << 3))) return RESTORE_CHECKSUM;
  const check = parse(ptr, count, false);
  if (check != RESTORE_OK) return check;
  return parse(ptr, count, true);
}

/** One pass over the body: checks it, and when build is set, rests its orders in order. */
function parse(ptr: usize, count: i32, build: bool): i32 {
  const body = count - 1;
  let at = 2;
  const limit = load<u64>(ptr + (<usize>(at++) << 3));
  if (limit < 1 || limit > <u64>MAX_ORDER_SLOTS) return RESTORE_STRUCTURE;
  if (at >= body) return RESTORE_STRUCTURE;
  const markets = load<u64>(ptr + (<usize>(at++) << 3));
  if (markets < 1 || markets > MAX_MARKETS) return RESTORE_STRUCTURE;
  if (build) {
    resetStore();
    resetBooks(<i32>markets, <i32>limit);
    resetIds(1024);
  }
  let orders: u64 = 0;
  for (let m = 0; m < <i32>markets; m++) {
    let bestBid: i64 = 0;
    for (let side = 0; side < 2; side++) {
      if (at >= body) return RESTORE_STRUCTURE;
      const levels = load<u64>(ptr + (<usize>(at++) << 3));
      if (levels > <u64>(body - at)) return RESTORE_STRUCTURE;
      let prev: i64 = 0;
      for (let l: u64 = 0; l < levels; l++) {
        if (at + 2 > body) return RESTORE_STRUCTURE;
        const price = load<i64>(ptr + (<usize>(at++) << 3));
        const n = load<u64>(ptr + (<usize>(at++) << 3));
        if (price <= 0) return RESTORE_STRUCTURE;
        if (l > 0 && (side == 0 ? price >= prev : price <= prev)) return RESTORE_STRUCTURE;
        if (l == 0 && side == 0) bestBid = price;
        if (l == 0 && side == 1 && bestBid != 0 && bestBid >= price) return RESTORE_STRUCTURE;
        prev = price;
        if (n < 1 || n > <u64>(body - at) / 3) return RESTORE_STRUCTURE;
        let total: i64 = 0;
        for (let k: u64 = 0; k < n; k++) {
          const id = load<u64>(ptr + (<usize>(at++) << 3));
          const owner = load<u64>(ptr + (<usize>(at++) << 3));
          const remaining = load<i64>(ptr + (<usize>(at++) << 3));
          if (id == 0 || remaining <= 0 || remaining > I64_MAX / price || total > I64_MAX - remaining) return RESTORE_STRUCTURE;
          total += remaining;
          if (++orders > limit) return RESTORE_STRUCTURE;
          if (build) {
            if (findId(id) >= 0) {
              resetStore();
              resetBooks(1, <i32>limit);
              resetIds(1024);
              return RESTORE_DUPLICATE;
            }
            restOrder(m, side, id, owner, price, remaining, findLevel(sideOf(m, side), side, price));
          }
        }
      }
    }
  }
  return at == body ? RESTORE_OK : RESTORE_STRUCTURE;
}

// ---- validate: the internal invariants, for tests ----
export const VALID = 0;
export const BAD_LEVEL_ORDER = 1;
export const BAD_LEVEL_TOTAL = 2;
export const BAD_LEVEL_COUNT = 3;
export const BAD_LINKS = 4;
export const BAD_ORDER = 5;
export const BAD_INDEX = 6;
export const CROSSED = 7;

export function validate(): i32 {
  let orders = 0;
  for (let m = 0; m < marketCount; m++) {
    for (let side = 0; side < 2; side++) {
      const s = sideOf(m, side);
      const len = sideLen(s);
      let prev: i64 = 0;
      for (let pos = 0; pos < len; pos++) {
        const level = sideLevel(s, pos);
        const l = levelAt(level);
        const price = load<i64>(l, L_PRICE);
        // worst-to-best: bids ascending, asks descending
        if (pos > 0 && (side == 0 ? price <= prev : price >= prev)) return BAD_LEVEL_ORDER;
        if (price <= 0) return BAD_LEVEL_ORDER;
        prev = price;
        let total: i64 = 0;
        let n = 0;
        let before = -1;
        for (let slot = load<i32>(l, L_HEAD); slot >= 0; slot = load<i32>(orderAt(slot), O_NEXT)) {
          const o = orderAt(slot);
          if (load<i32>(o, O_PREV) != before || load<i32>(o, O_LEVEL) != level) return BAD_LINKS;
          if (<i32>load<u16>(o, O_MARKET) != m || <i32>load<u8>(o, O_SIDE) != side) return BAD_ORDER;
          const remaining = load<i64>(o, O_REMAINING);
          if (remaining <= 0) return BAD_ORDER;
          if (findId(load<u64>(o, O_ID)) != slot) return BAD_INDEX;
          total += remaining;
          before = slot;
          if (++n > 0x7fffffff - 1) return BAD_LINKS;
        }
        if (load<i32>(l, L_TAIL) != before) return BAD_LINKS;
        if (n == 0 || n != load<i32>(l, L_COUNT)) return BAD_LEVEL_COUNT;
        if (total != load<i64>(l, L_TOTAL)) return BAD_LEVEL_TOTAL;
        orders += n;
      }
    }
    const bid = sideOf(m, 0);
    const ask = sideOf(m, 1);
    if (sideLen(bid) > 0 && sideLen(ask) > 0) {
      const bestBid = load<i64>(levelAt(sideLevel(bid, sideLen(bid) - 1)), L_PRICE);
      const bestAsk = load<i64>(levelAt(sideLevel(ask, sideLen(ask) - 1)), L_PRICE);
      if (bestBid >= bestAsk) return CROSSED;
    }
  }
  if (orders != idCount() || !checkIds()) return BAD_INDEX;
  return VALID;
}
