// The logical state: its 64-bit hash, snapshot bytes, restore, and the invariant check.
// Hash and snapshot walk markets in order: last trade price, bids then asks (levels best
// first, orders oldest first), then buy and sell stops in trigger order — so neither depends
// on slots, chunks or how the book got here. Format: core-as/README.md; the reference
// (../reference/state.ts) computes the same words.
import * as C from '../codes';
import { alloc, free } from './mem';
import { mix64, resetIds, findId, idCount, checkIds } from './ids';
import { arrayLen, arrayGet, arrayData } from './arrays';
import {
  MAX_ORDER_SLOTS, resetStore, orderAt, levelAt, extAt,
  O_ID, O_OWNER, O_REMAINING, O_PREV, O_NEXT, O_LEVEL, O_MARKET, O_SIDE, O_FLAGS, O_EXT,
  OF_POST_ONLY, OF_PENDING, OF_OCO, OF_STP_SHIFT,
  X_HIDDEN, X_DISPLAY, X_EXPIRES, X_STOP, X_PRICE2, X_TYPE, X_TIF,
  L_PRICE, L_TOTAL, L_HEAD, L_TAIL, L_COUNT, L_HIDDEN,
} from './store';
import {
  marketCount, maxOrders, resetBooks, sideOf, keysOf, stopsOf, lastPrice, setLastPrice, expiries, addExpiry, I64_MAX,
  restoreResting, restoreLink, newStop, restoreStopAppend, extOf, hiddenOf, tooManyParts,
} from './book';

const HASH_SEED: u64 = 0x6d657368626f6f6b;
const GOLDEN: u64 = 0x9e3779b97f4a7c15;
const SNAPSHOT_MAGIC: u64 = 0x3153504b4f4f424d;
const SNAPSHOT_VERSION: u64 = 2;
const MAX_MARKETS: u64 = 65536;

// bits of a resting order's flags word in the state
const SF_ICEBERG: u64 = 1;
const SF_GTT: u64 = 2;
const SF_OCO: u64 = 4;
const SF_POST_ONLY: u64 = 8;
const SF_STP_SHIFT: u64 = 4;

// @ts-ignore: decorator
@inline function absorb(h: u64, w: u64): u64 {
  return mix64((h + GOLDEN) ^ w);
}

// ---- walking the state as words: hashing it, or writing it out ----
let sink: usize = 0; // 0: hash only; otherwise the next word is written here
let hash: u64 = 0;
let words: i32 = 0;

// @ts-ignore: decorator
@inline function word(w: u64): void {
  hash = absorb(hash, w);
  words++;
  if (sink != 0) {
    store<u64>(sink, w);
    sink += 8;
  }
}

function walk(): void {
  word(<u64>marketCount);
  for (let m = 0; m < marketCount; m++) {
    word(<u64>lastPrice(m));
    for (let side = 0; side < 2; side++) {
      const s = sideOf(m, side);
      const len = arrayLen(s);
      word(<u64>len);
      for (let pos = len - 1; pos >= 0; pos--) {
        const l = levelAt(arrayGet(s, pos));
        word(<u64>load<i64>(l, L_PRICE));
        word(<u64>load<i32>(l, L_COUNT));
        for (let slot = load<i32>(l, L_HEAD); slot >= 0; slot = load<i32>(orderAt(slot), O_NEXT)) walkOrder(orderAt(slot));
      }
    }
    for (let side = 0; side < 2; side++) {
      const a = stopsOf(m, side);
      const len = arrayLen(a);
      word(<u64>len);
      for (let pos = len - 1; pos >= 0; pos--) {
        const o = orderAt(arrayGet(a, pos));
        word(load<u64>(o, O_ID));
        if ((load<u8>(o, O_FLAGS) & OF_OCO) != 0) {
          word(1);
          continue;
        }
        const x = extAt(load<i32>(o, O_EXT));
        word(0);
        word(load<u64>(o, O_OWNER));
        word(<u64>load<i64>(o, O_REMAINING));
        word(<u64>load<u8>(x, X_TYPE));
        word(<u64>load<u8>(x, X_TIF));
        word(<u64>((load<u8>(o, O_FLAGS) >> OF_STP_SHIFT) & 3));
        word(<u64>load<i64>(x, X_PRICE2));
        word(<u64>load<i64>(x, X_STOP));
        word(<u64>load<i64>(x, X_EXPIRES));
      }
    }
  }
}

function walkOrder(o: usize): void {
  const flags = load<u8>(o, O_FLAGS);
  const xs = load<i32>(o, O_EXT);
  const x = xs >= 0 ? extAt(xs) : 0;
  const display = x != 0 ? load<i64>(x, X_DISPLAY) : 0;
  const expires = x != 0 ? load<i64>(x, X_EXPIRES) : 0;
  const oco = (flags & OF_OCO) != 0;
  let bits: u64 = <u64>((flags >> OF_STP_SHIFT) & 3) << SF_STP_SHIFT;
  if (display > 0) bits |= SF_ICEBERG;
  if (expires > 0) bits |= SF_GTT;
  if (oco) bits |= SF_OCO;
  if ((flags & OF_POST_ONLY) != 0) bits |= SF_POST_ONLY;
  word(load<u64>(o, O_ID));
  word(load<u64>(o, O_OWNER));
  word(<u64>load<i64>(o, O_REMAINING));
  word(bits);
  if (display > 0) {
    word(<u64>load<i64>(x, X_HIDDEN));
    word(<u64>display);
  }
  if (expires > 0) word(<u64>expires);
  if (oco) {
    word(<u64>load<i64>(x, X_STOP));
    word(<u64>load<i64>(x, X_PRICE2));
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
  // count the words first, then write them
  sink = 0;
  words = 0;
  walk();
  if (snapBuf != 0) free(snapBuf);
  snapLen = (words + 4) * 8;
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
export const RESTORE_LINKS = 7;

/**
 * Restores from len bytes at ptr. Length, magic, version, checksum and every per-record rule
 * are checked before the state is touched; ids that repeat and OCO links are checked while
 * building, and a failure there empties the engine. The binding restores into a fresh
 * instance, so a refused snapshot never touches the live engine.
 */
export function restore(ptr: usize, len: i32): i32 {
  if (len % 8 != 0 || len < 40) return RESTORE_LENGTH;
  const count = len >> 3;
  if (load<u64>(ptr) != SNAPSHOT_MAGIC) return RESTORE_MAGIC;
  if (load<u64>(ptr, 8) != SNAPSHOT_VERSION) return RESTORE_VERSION;
  let h = HASH_SEED;
  for (let i = 0; i < count - 1; i++) h = absorb(h, load<u64>(ptr + (<usize>i << 3)));
  if (h != load<u64>(ptr + (<usize>(count - 1) << 3))) return RESTORE_CHECKSUM;
  rp = ptr;
  rBody = count - 1;
  let code = parse(false);
  if (code == RESTORE_OK) code = parse(true); // the check pass counted the orders: the id table is sized once
  if (code != RESTORE_OK) {
    resetStore();
    resetBooks(1, MAX_ORDER_SLOTS);
    resetIds(1024);
  }
  return code;
}

let rp: usize = 0;
let rBody: i32 = 0;
let rAt: i32 = 0;
let rBad: bool = false;
let rOrders: u64 = 0; // orders counted by the check pass

/** The next word, or 0 with rBad set past the end. */
function next(): u64 {
  if (rAt >= rBody) {
    rBad = true;
    return 0;
  }
  return load<u64>(rp + (<usize>(rAt++) << 3));
}

/** One pass over the body: checks it, and when build is set, puts every order back in order. */
function parse(build: bool): i32 {
  rAt = 2;
  rBad = false;
  const limit = next();
  if (limit < 1 || limit > <u64>MAX_ORDER_SLOTS) return RESTORE_STRUCTURE;
  const markets = next();
  if (rBad || markets < 1 || markets > MAX_MARKETS) return RESTORE_STRUCTURE;
  if (build) {
    resetStore();
    resetBooks(<i32>markets, <i32>limit);
    let capacity: u32 = 1024;
    while (<u64>capacity < (rOrders + 1) * 2) capacity <<= 1;
    resetIds(capacity);
  }
  let orders: u64 = 0;
  let ocos: i64 = 0; // OCO orders seen minus OCO stop entries linked (per market, must end at 0)
  for (let m = 0; m < <i32>markets; m++) {
    const last = <i64>next();
    if (last < 0) return RESTORE_STRUCTURE;
    if (build) setLastPrice(m, last);
    let bestBid: i64 = 0;
    for (let side = 0; side < 2; side++) {
      const levels = next();
      if (rBad || levels > <u64>(rBody - rAt)) return RESTORE_STRUCTURE;
      let prev: i64 = 0;
      for (let l: u64 = 0; l < levels; l++) {
        const price = <i64>next();
        const n = next();
        if (rBad || price <= 0) return RESTORE_STRUCTURE;
        if (l > 0 && (side == 0 ? price >= prev : price <= prev)) return RESTORE_STRUCTURE;
        if (l == 0 && side == 0) bestBid = price;
        if (l == 0 && side == 1 && bestBid != 0 && bestBid >= price) return RESTORE_STRUCTURE;
        prev = price;
        if (n < 1 || n > <u64>(rBody - rAt) / 4) return RESTORE_STRUCTURE;
        let committed: i64 = 0;
        for (let k: u64 = 0; k < n; k++) {
          const id = next();
          const owner = next();
          const shown = <i64>next();
          const bits = next();
          if (rBad || id == 0 || (bits & ~(SF_ICEBERG | SF_GTT | SF_OCO | SF_POST_ONLY | (<u64>3 << SF_STP_SHIFT))) != 0) return RESTORE_STRUCTURE;
          let hidden: i64 = 0;
          let display: i64 = 0;
          let expires: i64 = 0;
          let stop: i64 = 0;
          let p2: i64 = 0;
          if ((bits & SF_ICEBERG) != 0) {
            hidden = <i64>next();
            display = <i64>next();
            if (display <= 0 || hidden < 0 || shown <= 0 || shown > display || hidden > I64_MAX - shown) return RESTORE_STRUCTURE;
            if (tooManyParts(shown + hidden, display)) return RESTORE_STRUCTURE;
          }
          if ((bits & SF_GTT) != 0) {
            expires = <i64>next();
            if (expires <= 0) return RESTORE_STRUCTURE;
          }
          const oco = (bits & SF_OCO) != 0;
          if (oco) {
            if (display > 0) return RESTORE_STRUCTURE;
            stop = <i64>next();
            p2 = <i64>next();
            if (side == 0 ? stop <= price : stop >= price) return RESTORE_STRUCTURE;
            if (p2 < 0 || (p2 > 0 && shown > I64_MAX / p2)) return RESTORE_STRUCTURE;
            ocos++;
          }
          if (rBad || shown <= 0 || hidden > I64_MAX - shown) return RESTORE_STRUCTURE;
          const all = shown + hidden;
          if (all > I64_MAX / price || committed > I64_MAX - all) return RESTORE_STRUCTURE;
          committed += all;
          if (++orders > limit) return RESTORE_STRUCTURE;
          if (build) {
            if (findId(id) >= 0) return RESTORE_DUPLICATE;
            let flags: u8 = <u8>((bits >> SF_STP_SHIFT) & 3) << OF_STP_SHIFT;
            if ((bits & SF_POST_ONLY) != 0) flags |= OF_POST_ONLY;
            if (oco) flags |= OF_OCO;
            const slot = restoreResting(m, side, id, owner, shown, flags, display > 0 || expires > 0 || oco);
            if (display > 0 || expires > 0 || oco) {
              const x = extOf(slot);
              store<i64>(x, hidden, X_HIDDEN);
              store<i64>(x, display, X_DISPLAY);
              store<i64>(x, expires, X_EXPIRES);
              store<i64>(x, stop, X_STOP);
              store<i64>(x, p2, X_PRICE2);
            }
            restoreLink(slot, m, side, price);
            if (expires > 0) addExpiry(slot);
          }
        }
      }
    }
    for (let side = 0; side < 2; side++) {
      const n = next();
      if (rBad || n > <u64>(rBody - rAt) / 2) return RESTORE_STRUCTURE;
      let prev: i64 = 0;
      let known = false; // prev holds a stop price (an OCO entry's is known only while building)
      for (let k: u64 = 0; k < n; k++) {
        const id = next();
        const kind = next();
        let stop: i64 = 0;
        if (kind == 1) {
          ocos--;
          if (build) {
            // the OCO must rest in this market, on this side, not yet linked
            const slot = findId(id);
            if (slot < 0) return RESTORE_LINKS;
            const o = orderAt(slot);
            if (<i32>load<u16>(o, O_MARKET) != m || <i32>load<u8>(o, O_SIDE) != side || (load<u8>(o, O_FLAGS) & OF_OCO) == 0) return RESTORE_LINKS;
            if ((load<u8>(o, O_FLAGS) & OF_PENDING) != 0) return RESTORE_LINKS; // linked twice
            stop = load<i64>(extAt(load<i32>(o, O_EXT)), X_STOP);
            store<u8>(o, load<u8>(o, O_FLAGS) | OF_PENDING, O_FLAGS); // a mark while restoring, cleared below
            restoreStopAppend(m, side, slot);
          }
        } else if (kind == 0) {
          const owner = next();
          const qty = <i64>next();
          const type = next();
          const tif = next();
          const stp = next();
          const price = <i64>next();
          stop = <i64>next();
          const expires = <i64>next();
          if (rBad || id == 0 || qty <= 0 || stop <= 0 || expires < 0 || stp > 3) return RESTORE_STRUCTURE;
          if (type != C.TYPE_STOP_LIMIT && type != C.TYPE_STOP_MARKET) return RESTORE_STRUCTURE;
          if (tif > <u64>C.TIF_FOK || (type == C.TYPE_STOP_MARKET && tif == C.TIF_GTC)) return RESTORE_STRUCTURE;
          if (tif == C.TIF_FOK && stp != C.STP_CANCEL_RESTING) return RESTORE_STRUCTURE;
          if (type == C.TYPE_STOP_LIMIT ? price <= 0 || qty > I64_MAX / price : price != 0) return RESTORE_STRUCTURE;
          if (last > 0 && (side == 0 ? stop <= last : stop >= last)) return RESTORE_STRUCTURE;
          if (known && (side == 0 ? stop < prev : stop > prev)) return RESTORE_STRUCTURE;
          if (++orders > limit) return RESTORE_STRUCTURE;
          if (build) {
            if (findId(id) >= 0) return RESTORE_DUPLICATE;
            const slot = newStop(m, side, id, owner, qty, <i32>type, <i32>tif, <i32>stp, price, stop, expires);
            restoreStopAppend(m, side, slot);
            if (expires > 0) addExpiry(slot);
          }
        } else {
          return RESTORE_STRUCTURE;
        }
        if (build && kind == 1) {
          if (last > 0 && (side == 0 ? stop <= last : stop >= last)) return RESTORE_LINKS;
          if (known && (side == 0 ? stop < prev : stop > prev)) return RESTORE_LINKS;
        }
        if (build || kind == 0) {
          prev = stop;
          known = true;
        }
      }
    }
    if (ocos != 0) return build ? RESTORE_LINKS : RESTORE_STRUCTURE;
  }
  if (rBad || rAt != rBody) return RESTORE_STRUCTURE;
  rOrders = orders;
  if (build) {
    // clear the restoring marks on OCO orders
    for (let m = 0; m < <i32>markets; m++) {
      for (let side = 0; side < 2; side++) {
        const a = stopsOf(m, side);
        for (let i = 0; i < arrayLen(a); i++) {
          const o = orderAt(arrayGet(a, i));
          if ((load<u8>(o, O_FLAGS) & OF_OCO) != 0) store<u8>(o, load<u8>(o, O_FLAGS) & ~OF_PENDING, O_FLAGS);
        }
      }
    }
  }
  return RESTORE_OK;
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
export const BAD_STOPS = 8;
export const BAD_EXPIRIES = 9;

export function validate(): i32 {
  let orders = 0;
  let timed = 0;
  for (let m = 0; m < marketCount; m++) {
    for (let side = 0; side < 2; side++) {
      const s = sideOf(m, side);
      const len = arrayLen(s);
      if (arrayLen(keysOf(s)) != len) return BAD_LEVEL_ORDER;
      let prev: i64 = 0;
      for (let pos = 0; pos < len; pos++) {
        const level = arrayGet(s, pos);
        const l = levelAt(level);
        const price = load<i64>(l, L_PRICE);
        // worst-to-best: bids ascending, asks descending
        if (pos > 0 && (side == 0 ? price <= prev : price >= prev)) return BAD_LEVEL_ORDER;
        if (price <= 0) return BAD_LEVEL_ORDER;
        if (load<i64>(arrayData(keysOf(s)) + (<usize>pos << 3)) != (side == 0 ? price : -price)) return BAD_LEVEL_ORDER;
        prev = price;
        let total: i64 = 0;
        let hidden: i64 = 0;
        let n = 0;
        let before = -1;
        for (let slot = load<i32>(l, L_HEAD); slot >= 0; slot = load<i32>(orderAt(slot), O_NEXT)) {
          const o = orderAt(slot);
          if (load<i32>(o, O_PREV) != before || load<i32>(o, O_LEVEL) != level) return BAD_LINKS;
          if (<i32>load<u16>(o, O_MARKET) != m || <i32>load<u8>(o, O_SIDE) != side) return BAD_ORDER;
          if ((load<u8>(o, O_FLAGS) & OF_PENDING) != 0) return BAD_ORDER;
          const shown = load<i64>(o, O_REMAINING);
          const h = hiddenOf(o);
          if (shown <= 0 || h < 0 || shown + h > I64_MAX / price) return BAD_ORDER;
          const xs = load<i32>(o, O_EXT);
          if (xs >= 0) {
            const display = load<i64>(extAt(xs), X_DISPLAY);
            if (display > 0 ? shown > display : h != 0) return BAD_ORDER;
            if (load<i64>(extAt(xs), X_EXPIRES) > 0) timed++;
          }
          if (findId(load<u64>(o, O_ID)) != slot) return BAD_INDEX;
          total += shown;
          hidden += h;
          before = slot;
          if (++n > 0x7fffffff - 1) return BAD_LINKS;
        }
        if (load<i32>(l, L_TAIL) != before) return BAD_LINKS;
        if (n == 0 || n != load<i32>(l, L_COUNT)) return BAD_LEVEL_COUNT;
        if (total != load<i64>(l, L_TOTAL) || hidden != load<i64>(l, L_HIDDEN)) return BAD_LEVEL_TOTAL;
        orders += n;
      }
    }
    const bid = sideOf(m, 0);
    const ask = sideOf(m, 1);
    if (arrayLen(bid) > 0 && arrayLen(ask) > 0) {
      const bestBid = load<i64>(levelAt(arrayGet(bid, arrayLen(bid) - 1)), L_PRICE);
      const bestAsk = load<i64>(levelAt(arrayGet(ask, arrayLen(ask) - 1)), L_PRICE);
      if (bestBid >= bestAsk) return CROSSED;
    }
    const last = lastPrice(m);
    for (let side = 0; side < 2; side++) {
      const a = stopsOf(m, side);
      for (let i = 0; i < arrayLen(a); i++) {
        const slot = arrayGet(a, i);
        const o = orderAt(slot);
        const flags = load<u8>(o, O_FLAGS);
        if ((flags & (OF_PENDING | OF_OCO)) == 0 || <i32>load<u8>(o, O_SIDE) != side || <i32>load<u16>(o, O_MARKET) != m) return BAD_STOPS;
        if (findId(load<u64>(o, O_ID)) != slot) return BAD_INDEX;
        const stop = load<i64>(extAt(load<i32>(o, O_EXT)), X_STOP);
        if (last > 0 && (side == 0 ? stop <= last : stop >= last)) return BAD_STOPS;
        if (i > 0) {
          const before = load<i64>(extAt(load<i32>(orderAt(arrayGet(a, i - 1)), O_EXT)), X_STOP);
          if (side == 0 ? before < stop : before > stop) return BAD_STOPS; // last to trigger first
        }
        if ((flags & OF_PENDING) != 0) {
          orders++;
          if (load<i64>(extAt(load<i32>(o, O_EXT)), X_EXPIRES) > 0) timed++;
        }
      }
    }
  }
  if (timed != arrayLen(expiries)) return BAD_EXPIRIES;
  for (let i = 1; i < arrayLen(expiries); i++) {
    const a = orderAt(arrayGet(expiries, i - 1));
    const b = orderAt(arrayGet(expiries, i));
    const ta = load<i64>(extAt(load<i32>(a, O_EXT)), X_EXPIRES);
    const tb = load<i64>(extAt(load<i32>(b, O_EXT)), X_EXPIRES);
    if (ta < tb || (ta == tb && load<u64>(a, O_ID) < load<u64>(b, O_ID))) return BAD_EXPIRIES;
  }
  if (orders != idCount() || !checkIds()) return BAD_INDEX;
  return VALID;
}
