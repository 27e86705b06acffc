// The order books of every market and the matcher. Semantics are fixed by core-as/README.md
// and by the reference matcher (../reference/book.ts); this file must agree with it event for
// event. Invariants kept here:
//   - each side's level array is sorted worst-to-best, so the best level is the last entry
//     (bids ascending by price, asks descending), and levels at the touch move cheaply;
//   - a level's L_TOTAL equals the sum of its orders' remaining and never exceeds i64 max;
//   - every resting order has remaining > 0, price * remaining <= i64 max, and is in the id index.
import { alloc, free, realloc } from './mem';
import * as C from '../codes';
import { emit } from './abi';
import { findId, insertId, removeId, idCount } from './ids';
import {
  orderAt, allocOrder, freeOrder, levelAt, allocLevel, freeLevel,
  O_ID, O_OWNER, O_REMAINING, O_PREV, O_NEXT, O_LEVEL, O_MARKET, O_SIDE,
  L_PRICE, L_TOTAL, L_HEAD, L_TAIL, L_COUNT,
} from './store';

export const I64_MAX: i64 = 0x7fffffffffffffff;

// ---- markets and sides ----
// side table entry (16 bytes) per (market, side): levels pointer, length, capacity
const S_PTR: usize = 0;
const S_LEN: usize = 4;
const S_CAP: usize = 8;
export let marketCount: i32 = 0;
export let maxOrders: i32 = 0;
let sides: usize = 0;

export function resetBooks(markets: i32, limit: i32): void {
  if (sides != 0) {
    for (let i = 0; i < marketCount * 2; i++) free(load<usize>(sides + <usize>i * 16, S_PTR));
    free(sides);
  }
  marketCount = markets;
  maxOrders = limit;
  sides = alloc(<usize>markets * 32);
  for (let i = 0; i < markets * 2; i++) {
    const s = sides + <usize>i * 16;
    store<usize>(s, alloc(64 << 2), S_PTR);
    store<i32>(s, 0, S_LEN);
    store<i32>(s, 64, S_CAP);
  }
}

// @ts-ignore: decorator
@inline export function sideOf(market: i32, side: i32): usize {
  return sides + (<usize>(market * 2 + side) << 4);
}

// @ts-ignore: decorator
@inline export function sideLen(s: usize): i32 {
  return load<i32>(s, S_LEN);
}

/** Level slot at position pos of a side (0 = worst, len - 1 = best). */
// @ts-ignore: decorator
@inline export function sideLevel(s: usize, pos: i32): i32 {
  return load<i32>(load<usize>(s, S_PTR) + (<usize>pos << 2));
}

/** The best level slot of a side, or -1. */
// @ts-ignore: decorator
@inline export function bestLevel(s: usize): i32 {
  const len = load<i32>(s, S_LEN);
  return len == 0 ? -1 : sideLevel(s, len - 1);
}

/** Position of the level at price, or -(insert position) - 1. Sort key: price for bids, -price for asks. */
export function findLevel(s: usize, side: i32, price: i64): i32 {
  const arr = load<usize>(s, S_PTR);
  const key = side == C.SIDE_BUY ? price : -price;
  const len = load<i32>(s, S_LEN);
  // most activity is at the touch: look at the best few levels before searching
  const near = len > 4 ? len - 4 : 0;
  for (let pos = len - 1; pos >= near; pos--) {
    const p = load<i64>(levelAt(load<i32>(arr + (<usize>pos << 2))), L_PRICE);
    const k = side == C.SIDE_BUY ? p : -p;
    if (k == key) return pos;
    if (k < key) return -(pos + 1) - 1;
  }
  let lo = 0;
  let hi = near - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = load<i64>(levelAt(load<i32>(arr + (<usize>mid << 2))), L_PRICE);
    const k = side == C.SIDE_BUY ? p : -p;
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function insertLevel(s: usize, pos: i32, level: i32): void {
  const len = load<i32>(s, S_LEN);
  let cap = load<i32>(s, S_CAP);
  let arr = load<usize>(s, S_PTR);
  if (len == cap) {
    cap <<= 1;
    arr = realloc(arr, <usize>cap << 2);
    store<usize>(s, arr, S_PTR);
    store<i32>(s, cap, S_CAP);
  }
  const at = arr + (<usize>pos << 2);
  memory.copy(at + 4, at, <usize>(len - pos) << 2);
  store<i32>(at, level);
  store<i32>(s, len + 1, S_LEN);
}

function removeLevelAt(s: usize, pos: i32): void {
  const len = load<i32>(s, S_LEN);
  const at = load<usize>(s, S_PTR) + (<usize>pos << 2);
  memory.copy(at, at + 4, <usize>(len - pos - 1) << 2);
  store<i32>(s, len - 1, S_LEN);
}

// ---- resting orders ----

/** Appends a new resting order at the back of its price level; pos is findLevel's answer for it. */
export function restOrder(market: i32, side: i32, id: u64, owner: u64, price: i64, qty: i64, pos: i32): void {
  const s = sideOf(market, side);
  let level: i32;
  if (pos >= 0) {
    level = sideLevel(s, pos);
  } else {
    level = allocLevel(price);
    insertLevel(s, -pos - 1, level);
  }
  const slot = allocOrder();
  const o = orderAt(slot);
  const l = levelAt(level);
  const tail = load<i32>(l, L_TAIL);
  store<u64>(o, id, O_ID);
  store<u64>(o, owner, O_OWNER);
  store<i64>(o, qty, O_REMAINING);
  store<i32>(o, tail, O_PREV);
  store<i32>(o, -1, O_NEXT);
  store<i32>(o, level, O_LEVEL);
  store<u16>(o, market, O_MARKET);
  store<u8>(o, <u8>side, O_SIDE);
  if (tail >= 0) store<i32>(orderAt(tail), slot, O_NEXT);
  else store<i32>(l, slot, L_HEAD);
  store<i32>(l, slot, L_TAIL);
  store<i64>(l, load<i64>(l, L_TOTAL) + qty, L_TOTAL);
  store<i32>(l, load<i32>(l, L_COUNT) + 1, L_COUNT);
  insertId(id, slot);
}

/** Unlinks a resting order, drops its level when it empties, frees its slot and id. */
export function removeOrder(slot: i32): void {
  const o = orderAt(slot);
  const level = load<i32>(o, O_LEVEL);
  const l = levelAt(level);
  const prev = load<i32>(o, O_PREV);
  const next = load<i32>(o, O_NEXT);
  if (prev >= 0) store<i32>(orderAt(prev), next, O_NEXT);
  else store<i32>(l, next, L_HEAD);
  if (next >= 0) store<i32>(orderAt(next), prev, O_PREV);
  else store<i32>(l, prev, L_TAIL);
  store<i64>(l, load<i64>(l, L_TOTAL) - load<i64>(o, O_REMAINING), L_TOTAL);
  const count = load<i32>(l, L_COUNT) - 1;
  store<i32>(l, count, L_COUNT);
  if (count == 0) {
    const side = <i32>load<u8>(o, O_SIDE);
    const s = sideOf(<i32>load<u16>(o, O_MARKET), side);
    const len = sideLen(s);
    const pos = sideLevel(s, len - 1) == level ? len - 1 : findLevel(s, side, load<i64>(l, L_PRICE));
    removeLevelAt(s, pos);
    freeLevel(level);
  }
  removeId(load<u64>(o, O_ID), slot);
  freeOrder(slot);
}

export function orderPrice(o: usize): i64 {
  return load<i64>(levelAt(load<i32>(o, O_LEVEL)), L_PRICE);
}

// ---- commands ----

// @ts-ignore: decorator
@inline function reject(reason: i32, market: i32, id: u64): void {
  emit(C.EV_REJECTED, reason, market, id, 0, 0, 0, 0);
}

export function cancelOrReduce(kind: i32, market: i32, id: u64, owner: u64, qty: i64): void {
  if (id == 0) return reject(C.REJ_INVALID_ID, market, id);
  if (kind == C.CMD_REDUCE && qty <= 0) return reject(C.REJ_INVALID_QUANTITY, market, id);
  const slot = findId(id);
  if (slot < 0 || <i32>load<u16>(orderAt(slot), O_MARKET) != market) return reject(C.REJ_UNKNOWN_ORDER, market, id);
  const o = orderAt(slot);
  if (load<u64>(o, O_OWNER) != owner) return reject(C.REJ_NOT_OWNER, market, id);
  const remaining = load<i64>(o, O_REMAINING);
  const price = orderPrice(o);
  if (kind == C.CMD_CANCEL || qty >= remaining) {
    removeOrder(slot);
    const why = kind == C.CMD_CANCEL ? C.DONE_CANCELLED : C.DONE_REDUCED_TO_ZERO;
    return emit(C.EV_DONE, why, market, id, 0, price, remaining, 0);
  }
  store<i64>(o, remaining - qty, O_REMAINING);
  const l = levelAt(load<i32>(o, O_LEVEL));
  store<i64>(l, load<i64>(l, L_TOTAL) - qty, L_TOTAL);
  emit(C.EV_REDUCED, 0, market, id, 0, price, qty, remaining - qty);
}

// @ts-ignore: decorator
@inline function crosses(isLimit: bool, isBuy: bool, price: i64, levelPrice: i64): bool {
  return !isLimit || (isBuy ? price >= levelPrice : price <= levelPrice);
}

export function place(
  market: i32, id: u64, owner: u64, side: i32, type: i32, tif: i32, flags: i32, stp: i32, price: i64, qty: i64,
): void {
  // checks in the order of the REJ_* numbers (unknown command and market are checked by the caller)
  if (id == 0) return reject(C.REJ_INVALID_ID, market, id);
  if (side != C.SIDE_BUY && side != C.SIDE_SELL) return reject(C.REJ_INVALID_SIDE, market, id);
  if (type != C.TYPE_LIMIT && type != C.TYPE_MARKET) return reject(C.REJ_INVALID_TYPE, market, id);
  if (tif != C.TIF_GTC && tif != C.TIF_IOC && tif != C.TIF_FOK) return reject(C.REJ_INVALID_TIF, market, id);
  if (type == C.TYPE_MARKET && tif == C.TIF_GTC) return reject(C.REJ_INVALID_TIF, market, id);
  if ((flags & ~C.FLAG_POST_ONLY) != 0) return reject(C.REJ_INVALID_FLAGS, market, id);
  const postOnly = (flags & C.FLAG_POST_ONLY) != 0;
  if (postOnly && (type != C.TYPE_LIMIT || tif != C.TIF_GTC)) return reject(C.REJ_INVALID_FLAGS, market, id);
  if (stp != C.STP_CANCEL_RESTING) return reject(C.REJ_INVALID_STP, market, id);
  if (qty <= 0) return reject(C.REJ_INVALID_QUANTITY, market, id);
  const isLimit = type == C.TYPE_LIMIT;
  if (isLimit ? price <= 0 : price != 0) return reject(C.REJ_INVALID_PRICE, market, id);
  if (isLimit && qty > I64_MAX / price) return reject(C.REJ_OVERFLOW, market, id);
  if (findId(id) >= 0) return reject(C.REJ_DUPLICATE_ID, market, id);

  const isBuy = side == C.SIDE_BUY;
  const opposite = sideOf(market, isBuy ? C.SIDE_SELL : C.SIDE_BUY);
  if (postOnly) {
    const best = bestLevel(opposite);
    if (best >= 0 && crosses(true, isBuy, price, load<i64>(levelAt(best), L_PRICE))) {
      return reject(C.REJ_POST_ONLY_WOULD_CROSS, market, id);
    }
  }
  const mayRest = isLimit && tif == C.TIF_GTC;
  // where the order would rest on its own side; matching never changes the own side
  let pos: i32 = 0;
  if (mayRest) {
    if (idCount() >= maxOrders) return reject(C.REJ_CAPACITY, market, id);
    const own = sideOf(market, side);
    pos = findLevel(own, side, price);
    if (pos >= 0 && load<i64>(levelAt(sideLevel(own, pos)), L_TOTAL) > I64_MAX - qty) {
      return reject(C.REJ_OVERFLOW, market, id);
    }
  }

  emit(C.EV_ACCEPTED, 0, market, id, owner, price, qty, qty);

  if (tif == C.TIF_FOK && !fillable(opposite, isLimit, isBuy, price, qty, owner)) {
    return emit(C.EV_DONE, C.DONE_FOK_UNFILLED, market, id, 0, price, qty, 0);
  }

  let remaining = qty;
  while (remaining > 0) {
    const level = bestLevel(opposite);
    if (level < 0) break;
    const l = levelAt(level);
    const levelPrice = load<i64>(l, L_PRICE);
    if (!crosses(isLimit, isBuy, price, levelPrice)) break;
    const makerSlot = load<i32>(l, L_HEAD);
    const m = orderAt(makerSlot);
    const makerId = load<u64>(m, O_ID);
    const makerRemaining = load<i64>(m, O_REMAINING);
    if (load<u64>(m, O_OWNER) == owner) {
      // self-trade prevention, cancel-resting: the resting order goes, matching goes on
      removeOrder(makerSlot);
      emit(C.EV_DONE, C.DONE_SELF_TRADE, market, makerId, 0, levelPrice, makerRemaining, 0);
      continue;
    }
    const q = remaining < makerRemaining ? remaining : makerRemaining;
    remaining -= q;
    const left = makerRemaining - q;
    emit(C.EV_TRADE, 0, market, id, makerId, levelPrice, q, left);
    if (left == 0) {
      removeOrder(makerSlot);
      emit(C.EV_DONE, C.DONE_FILLED, market, makerId, 0, levelPrice, 0, 0);
    } else {
      store<i64>(m, left, O_REMAINING);
      store<i64>(l, load<i64>(l, L_TOTAL) - q, L_TOTAL);
    }
  }

  if (remaining == 0) return emit(C.EV_DONE, C.DONE_FILLED, market, id, 0, price, 0, 0);
  if (!mayRest) return emit(C.EV_DONE, C.DONE_EXPIRED, market, id, 0, price, remaining, 0);
  restOrder(market, side, id, owner, price, remaining, pos);
}

/** Can other owners' resting orders at acceptable prices fill qty in full? */
function fillable(opposite: usize, isLimit: bool, isBuy: bool, price: i64, qty: i64, owner: u64): bool {
  // u64: below qty before a level, plus at most one level total, never passes 2^64
  let available: u64 = 0;
  for (let pos = sideLen(opposite) - 1; pos >= 0 && available < <u64>qty; pos--) {
    const l = levelAt(sideLevel(opposite, pos));
    if (!crosses(isLimit, isBuy, price, load<i64>(l, L_PRICE))) break;
    for (let slot = load<i32>(l, L_HEAD); slot >= 0; slot = load<i32>(orderAt(slot), O_NEXT)) {
      const o = orderAt(slot);
      if (load<u64>(o, O_OWNER) != owner) available += <u64>load<i64>(o, O_REMAINING);
    }
  }
  return available >= <u64>qty;
}
