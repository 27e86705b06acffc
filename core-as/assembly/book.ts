// The order books of every market and the matcher. Semantics are fixed by core-as/README.md
// and by the reference matcher (../reference/book.ts); this file must agree with it event for
// event. Invariants kept here:
//   - each side's level array is sorted worst-to-best, so the best level is the last entry
//     (bids ascending by price, asks descending), and levels at the touch move cheaply;
//   - a level's L_TOTAL is the sum of its orders' shown quantity, L_HIDDEN of their iceberg
//     reserves, and L_TOTAL + L_HIDDEN never exceeds i64 max;
//   - every live order has quantity > 0, price x quantity <= i64 max, and is in the id index;
//   - stop lists are in trigger order with the next to trigger last, and no stop in them has
//     reached its trigger at the market's last trade price.
import * as C from '../codes';
import { emit } from './abi';
import { alloc, free } from './mem';
import { findId, insertId, removeId, idCount } from './ids';
import {
  ARRAY_HEADER, arrayInit, arrayFree, arrayLen, arrayGet, arrayLast, arrayInsert, arrayRemove,
  arrayInit64, arrayData, arrayInsert64, arrayRemove64,
} from './arrays';
import {
  orderAt, allocOrder, freeOrder, levelAt, allocLevel, freeLevel, extAt, allocExt, freeExt,
  O_ID, O_OWNER, O_REMAINING, O_PREV, O_NEXT, O_LEVEL, O_MARKET, O_SIDE, O_FLAGS, O_EXT,
  OF_POST_ONLY, OF_PENDING, OF_OCO, OF_STP_SHIFT,
  X_HIDDEN, X_DISPLAY, X_EXPIRES, X_STOP, X_PRICE2, X_TYPE, X_TIF,
  L_PRICE, L_TOTAL, L_HEAD, L_TAIL, L_COUNT, L_HIDDEN,
} from './store';

export const I64_MAX: i64 = 0x7fffffffffffffff;

// ---- markets: per market six arrays and a last price ----
// 0 bids, 1 asks: level slots, worst to best; 2 buy stops, 3 sell stops: stop slots in trigger
// order; 4, 5: the bids' and asks' level keys (price for bids, -price for asks), in step with
// 0 and 1, so finding a price reads one contiguous i64 array rather than a level record per step.
const ARRAYS_PER_MARKET = 6;
const KEYS_AFTER: usize = 4 * ARRAY_HEADER; // a side's keys, from its level array
export let marketCount: i32 = 0;
export let maxOrders: i32 = 0;
let arrays: usize = 0; //    marketCount * 4 array headers
let lastPrices: usize = 0; // marketCount i64
export const expiries: usize = memory.data(<i32>ARRAY_HEADER); // good-till-time orders, the next to expire last

export function resetBooks(markets: i32, limit: i32): void {
  if (arrays != 0) {
    for (let i = 0; i < marketCount * ARRAYS_PER_MARKET; i++) arrayFree(arrays + <usize>i * ARRAY_HEADER);
    free(arrays);
    free(lastPrices);
    arrayFree(expiries);
  }
  marketCount = markets;
  maxOrders = limit;
  arrays = alloc(<usize>markets * ARRAYS_PER_MARKET * ARRAY_HEADER);
  lastPrices = alloc(<usize>markets << 3);
  for (let i = 0; i < markets * ARRAYS_PER_MARKET; i++) {
    const a = arrays + <usize>i * ARRAY_HEADER;
    if (i % ARRAYS_PER_MARKET < 4) arrayInit(a);
    else arrayInit64(a);
  }
  memory.fill(lastPrices, 0, <usize>markets << 3);
  arrayInit(expiries);
}

/** The level array of a side (0 bids, 1 asks). */
// @ts-ignore: decorator
@inline export function sideOf(market: i32, side: i32): usize {
  return arrays + <usize>(market * ARRAYS_PER_MARKET + side) * ARRAY_HEADER;
}

/** The level keys of a side, given its level array. */
// @ts-ignore: decorator
@inline export function keysOf(s: usize): usize {
  return s + KEYS_AFTER;
}

/** The stop list of a side (0 buy stops, 1 sell stops). */
// @ts-ignore: decorator
@inline export function stopsOf(market: i32, side: i32): usize {
  return arrays + <usize>(market * ARRAYS_PER_MARKET + 2 + side) * ARRAY_HEADER;
}

// @ts-ignore: decorator
@inline export function lastPrice(market: i32): i64 {
  return load<i64>(lastPrices + (<usize>market << 3));
}

export function setLastPrice(market: i32, price: i64): void {
  store<i64>(lastPrices + (<usize>market << 3), price);
}

/** The best level slot of a side, or -1. */
// @ts-ignore: decorator
@inline export function bestLevel(s: usize): i32 {
  return arrayLast(s);
}

/** Position of the level at price, or -(insert position) - 1. Sort key: price for bids, -price for asks. */
export function findLevel(s: usize, side: i32, price: i64): i32 {
  const key = side == C.SIDE_BUY ? price : -price;
  const keys = arrayData(keysOf(s));
  const len = arrayLen(s);
  // most activity is at the touch: look at the best few levels before searching
  const near = len > 4 ? len - 4 : 0;
  for (let pos = len - 1; pos >= near; pos--) {
    const k = load<i64>(keys + (<usize>pos << 3));
    if (k == key) return pos;
    if (k < key) return -(pos + 1) - 1;
  }
  let lo = 0;
  let hi = near - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = load<i64>(keys + (<usize>mid << 3));
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

// ---- order fields ----

// @ts-ignore: decorator
@inline function flagsOf(o: usize): u8 {
  return load<u8>(o, O_FLAGS);
}

// @ts-ignore: decorator
@inline export function hiddenOf(o: usize): i64 {
  const x = load<i32>(o, O_EXT);
  return x < 0 ? 0 : load<i64>(extAt(x), X_HIDDEN);
}

/** Shown plus hidden: everything the order may still trade. */
// @ts-ignore: decorator
@inline export function totalOf(o: usize): i64 {
  return load<i64>(o, O_REMAINING) + hiddenOf(o);
}

/** The price an event names for the order: its level's, or a pending stop's limit price. */
export function priceOf(o: usize): i64 {
  const level = load<i32>(o, O_LEVEL);
  return level >= 0 ? load<i64>(levelAt(level), L_PRICE) : load<i64>(extAt(load<i32>(o, O_EXT)), X_PRICE2);
}

function extOf(slot: i32): usize {
  const o = orderAt(slot);
  let x = load<i32>(o, O_EXT);
  if (x < 0) {
    x = allocExt();
    store<i32>(o, x, O_EXT);
  }
  return extAt(x);
}

// @ts-ignore: decorator
@inline function expiresOf(o: usize): i64 {
  const x = load<i32>(o, O_EXT);
  return x < 0 ? 0 : load<i64>(extAt(x), X_EXPIRES);
}

// ---- levels ----

/** Links an order at the back of the level at price (pos: findLevel's answer), counting its quantities. */
function appendToLevel(slot: i32, s: usize, pos: i32, price: i64): void {
  let level: i32;
  if (pos >= 0) {
    level = arrayGet(s, pos);
  } else {
    level = allocLevel(price);
    arrayInsert(s, -pos - 1, level);
    arrayInsert64(keysOf(s), -pos - 1, load<u8>(orderAt(slot), O_SIDE) == C.SIDE_BUY ? price : -price);
  }
  const o = orderAt(slot);
  const l = levelAt(level);
  const tail = load<i32>(l, L_TAIL);
  store<i32>(o, tail, O_PREV);
  store<i32>(o, -1, O_NEXT);
  store<i32>(o, level, O_LEVEL);
  if (tail >= 0) store<i32>(orderAt(tail), slot, O_NEXT);
  else store<i32>(l, slot, L_HEAD);
  store<i32>(l, slot, L_TAIL);
  store<i64>(l, load<i64>(l, L_TOTAL) + load<i64>(o, O_REMAINING), L_TOTAL);
  store<i64>(l, load<i64>(l, L_HIDDEN) + hiddenOf(o), L_HIDDEN);
  store<i32>(l, load<i32>(l, L_COUNT) + 1, L_COUNT);
}

function unlink(o: usize, l: usize): void {
  const prev = load<i32>(o, O_PREV);
  const next = load<i32>(o, O_NEXT);
  if (prev >= 0) store<i32>(orderAt(prev), next, O_NEXT);
  else store<i32>(l, next, L_HEAD);
  if (next >= 0) store<i32>(orderAt(next), prev, O_PREV);
  else store<i32>(l, prev, L_TAIL);
}

/** Takes an order out of its level, and the level out of its side when it empties. */
function removeFromLevel(slot: i32): void {
  const o = orderAt(slot);
  const level = load<i32>(o, O_LEVEL);
  const l = levelAt(level);
  unlink(o, l);
  store<i64>(l, load<i64>(l, L_TOTAL) - load<i64>(o, O_REMAINING), L_TOTAL);
  store<i64>(l, load<i64>(l, L_HIDDEN) - hiddenOf(o), L_HIDDEN);
  const count = load<i32>(l, L_COUNT) - 1;
  store<i32>(l, count, L_COUNT);
  store<i32>(o, -1, O_LEVEL);
  if (count == 0) {
    const side = <i32>load<u8>(o, O_SIDE);
    const s = sideOf(<i32>load<u16>(o, O_MARKET), side);
    const len = arrayLen(s);
    const pos = arrayGet(s, len - 1) == level ? len - 1 : findLevel(s, side, load<i64>(l, L_PRICE));
    arrayRemove(s, pos);
    arrayRemove64(keysOf(s), pos);
    freeLevel(level);
  }
}

/** Takes q off an order, from the hidden reserve first: it keeps its place. */
function takeOff(slot: i32, q: i64): void {
  const o = orderAt(slot);
  const x = load<i32>(o, O_EXT);
  let fromHidden: i64 = 0;
  if (x >= 0) {
    const hidden = load<i64>(extAt(x), X_HIDDEN);
    fromHidden = q < hidden ? q : hidden;
    store<i64>(extAt(x), hidden - fromHidden, X_HIDDEN);
  }
  const fromShown = q - fromHidden;
  store<i64>(o, load<i64>(o, O_REMAINING) - fromShown, O_REMAINING);
  const level = load<i32>(o, O_LEVEL);
  if (level >= 0) {
    const l = levelAt(level);
    store<i64>(l, load<i64>(l, L_TOTAL) - fromShown, L_TOTAL);
    store<i64>(l, load<i64>(l, L_HIDDEN) - fromHidden, L_HIDDEN);
  }
}

// ---- stop lists and the expiry queue ----

/** Trigger rank: lower triggers first (buy stops: lower stop price; sell stops: higher). */
// @ts-ignore: decorator
@inline function rank(side: i32, stop: i64): i64 {
  return side == C.SIDE_BUY ? stop : -stop;
}

// @ts-ignore: decorator
@inline function stopOf(slot: i32): i64 {
  return load<i64>(extAt(load<i32>(orderAt(slot), O_EXT)), X_STOP);
}

/** First position whose rank is <= r (the array runs from the last to trigger to the first). */
function stopBound(a: usize, side: i32, r: i64): i32 {
  let lo = 0;
  let hi = arrayLen(a);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rank(side, stopOf(arrayGet(a, mid))) > r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Joins the stop list behind every stop that triggers no later. */
function addStop(slot: i32): void {
  const o = orderAt(slot);
  const side = <i32>load<u8>(o, O_SIDE);
  const a = stopsOf(<i32>load<u16>(o, O_MARKET), side);
  arrayInsert(a, stopBound(a, side, rank(side, stopOf(slot))), slot);
}

function removeStop(slot: i32): void {
  const o = orderAt(slot);
  const side = <i32>load<u8>(o, O_SIDE);
  const a = stopsOf(<i32>load<u16>(o, O_MARKET), side);
  let pos = stopBound(a, side, rank(side, stopOf(slot)));
  while (arrayGet(a, pos) != slot) pos++;
  arrayRemove(a, pos);
}

/** Does a expire after b? By time, then by id. */
// @ts-ignore: decorator
@inline function expiresAfter(a: i32, b: i32): bool {
  const ta = expiresOf(orderAt(a));
  const tb = expiresOf(orderAt(b));
  return ta != tb ? ta > tb : load<u64>(orderAt(a), O_ID) > load<u64>(orderAt(b), O_ID);
}

/** First position of the queue (latest first) that does not expire after slot. */
function expiryBound(slot: i32): i32 {
  let lo = 0;
  let hi = arrayLen(expiries);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (expiresAfter(arrayGet(expiries, mid), slot)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function addExpiry(slot: i32): void {
  arrayInsert(expiries, expiryBound(slot), slot);
}

/** Takes an order out of its level, stop list and expiry queue, and frees its extension; the slot and its id stay. */
function detach(slot: i32): void {
  const o = orderAt(slot);
  const flags = flagsOf(o);
  if ((flags & (OF_PENDING | OF_OCO)) != 0) removeStop(slot);
  if ((flags & OF_PENDING) == 0) removeFromLevel(slot);
  const x = load<i32>(o, O_EXT);
  if (x >= 0) {
    if (load<i64>(extAt(x), X_EXPIRES) > 0) arrayRemove(expiries, expiryBound(slot));
    freeExt(x);
    store<i32>(o, -1, O_EXT);
  }
}

/** Takes an order out of everything that holds it, and frees it. */
export function removeOrder(slot: i32): void {
  detach(slot);
  removeId(load<u64>(orderAt(slot), O_ID), slot);
  freeOrder(slot);
}

/** The next order to expire at time, or -1. */
export function nextExpired(time: i64): i32 {
  const slot = arrayLast(expiries);
  return slot >= 0 && expiresOf(orderAt(slot)) <= time ? slot : -1;
}

/** Writes a new order record's own fields: no level yet (O_LEVEL -1), no extension. */
// @ts-ignore: decorator
@inline function writeOrder(o: usize, id: u64, owner: u64, remaining: i64, market: i32, side: i32, flags: u8): void {
  store<u64>(o, id, O_ID);
  store<u64>(o, owner, O_OWNER);
  store<i64>(o, remaining, O_REMAINING);
  store<i32>(o, -1, O_LEVEL);
  store<u16>(o, <u16>market, O_MARKET);
  store<u8>(o, <u8>side, O_SIDE);
  store<u8>(o, flags, O_FLAGS);
  store<i32>(o, -1, O_EXT);
}

// ---- the taker: what enters the matcher (a new order, a triggered stop, a moved order) ----
let tId: u64 = 0;
let tOwner: u64 = 0;
let tMarket: i32 = 0;
let tSide: i32 = 0;
let tType: i32 = 0;
let tTif: i32 = 0;
let tPrice: i64 = 0;
let tQty: i64 = 0;
let tDisplay: i64 = 0;
let tExpires: i64 = 0;
let tPostOnly: bool = false;
let tStp: i32 = 0;
let tOco: bool = false;
let tStop: i64 = 0;
let tOcoPrice: i64 = 0;
let tSlot: i32 = -1; //     an amended order's own slot, detached but still in the id index: reused if it rests
let tPos: i32 = 0; //       checkRoom's findLevel answer for the taker's own side...
let tPosValid: bool = false; // ...valid until the taker rests (matching never changes its own side)

// @ts-ignore: decorator
@inline function crosses(side: i32, isLimit: bool, price: i64, levelPrice: i64): bool {
  return !isLimit || (side == C.SIDE_BUY ? price >= levelPrice : price <= levelPrice);
}

/** Other owners' quantity, hidden included, at prices the taker accepts: enough for all of it? */
function fillable(opposite: usize, isLimit: bool): bool {
  // u64: below tQty before a level, plus at most one level's committed total, never passes 2^64
  let available: u64 = 0;
  for (let pos = arrayLen(opposite) - 1; pos >= 0 && available < <u64>tQty; pos--) {
    const l = levelAt(arrayGet(opposite, pos));
    if (!crosses(tSide, isLimit, tPrice, load<i64>(l, L_PRICE))) break;
    for (let slot = load<i32>(l, L_HEAD); slot >= 0; slot = load<i32>(orderAt(slot), O_NEXT)) {
      const o = orderAt(slot);
      if (load<u64>(o, O_OWNER) != tOwner) available += <u64>totalOf(o);
    }
  }
  return available >= <u64>tQty;
}

/** The OCO's limit leg traded: its stop leg is cancelled. */
function dropStopLeg(slot: i32): void {
  removeStop(slot);
  const o = orderAt(slot);
  store<u8>(o, flagsOf(o) & ~OF_OCO, O_FLAGS);
}

/** Matches the taker against the book, then rests it, expires it or reports it filled. */
function enter(): void {
  const reuse = tSlot;
  const pos = tPosValid ? tPos : 0;
  const havePos = tPosValid;
  tSlot = -1;
  tPosValid = false;
  if (!match(reuse, pos, havePos) && reuse >= 0) {
    removeId(tId, reuse);
    freeOrder(reuse);
  }
}

// @ts-ignore: decorator
@inline function ended(kind: i32, reason: i32, market: i32, id: u64, price: i64, qty: i64): bool {
  emit(kind, reason, market, id, 0, price, qty, 0);
  return false;
}

/** enter()'s work; true when the taker rests (in reuse when that is a slot). */
function match(reuse: i32, pos: i32, havePos: bool): bool {
  const market = tMarket;
  const isBuy = tSide == C.SIDE_BUY;
  const isLimit = tType == C.TYPE_LIMIT;
  const opposite = sideOf(market, isBuy ? C.SIDE_SELL : C.SIDE_BUY);
  if (tTif == C.TIF_FOK && !fillable(opposite, isLimit)) {
    return ended(C.EV_DONE, C.DONE_FOK_UNFILLED, market, tId, tPrice, tQty);
  }
  let rem = tQty;
  let traded = false;
  while (rem > 0) {
    const level = arrayLast(opposite);
    if (level < 0) break;
    const l = levelAt(level);
    const levelPrice = load<i64>(l, L_PRICE);
    if (!crosses(tSide, isLimit, tPrice, levelPrice)) break;
    const mSlot = load<i32>(l, L_HEAD);
    const m = orderAt(mSlot);
    const mId = load<u64>(m, O_ID);
    if (load<u64>(m, O_OWNER) == tOwner) {
      const mq = totalOf(m);
      if (tStp == C.STP_CANCEL_RESTING || tStp == C.STP_CANCEL_BOTH) {
        removeOrder(mSlot);
        emit(C.EV_DONE, C.DONE_SELF_TRADE, market, mId, 0, levelPrice, mq, 0);
        if (tStp == C.STP_CANCEL_RESTING) continue;
      }
      if (tStp != C.STP_DECREMENT) return ended(C.EV_DONE, C.DONE_SELF_TRADE, market, tId, tPrice, rem);
      // decrement and cancel: both lose the smaller quantity, nothing trades
      const d = mq < rem ? mq : rem;
      if (d == mq) {
        removeOrder(mSlot);
        emit(C.EV_DONE, C.DONE_SELF_TRADE, market, mId, 0, levelPrice, mq, 0);
      } else {
        takeOff(mSlot, d);
        emit(C.EV_REDUCED, 0, market, mId, 0, levelPrice, d, mq - d);
      }
      rem -= d;
      if (rem == 0) return ended(C.EV_DONE, C.DONE_SELF_TRADE, market, tId, tPrice, d);
      emit(C.EV_REDUCED, 0, market, tId, 0, tPrice, d, rem);
      continue;
    }
    const shown = load<i64>(m, O_REMAINING);
    const q = rem < shown ? rem : shown;
    rem -= q;
    const left = shown - q;
    store<i64>(m, left, O_REMAINING);
    store<i64>(l, load<i64>(l, L_TOTAL) - q, L_TOTAL);
    traded = true;
    setLastPrice(market, levelPrice);
    const hidden = hiddenOf(m);
    emit(C.EV_TRADE, 0, market, tId, mId, levelPrice, q, left + hidden);
    if ((flagsOf(m) & OF_OCO) != 0) dropStopLeg(mSlot);
    if (left == 0) {
      if (hidden > 0) {
        // iceberg: show the next slice, at the back of the level
        const x = extAt(load<i32>(m, O_EXT));
        const display = load<i64>(x, X_DISPLAY);
        const slice = hidden < display ? hidden : display;
        store<i64>(x, hidden - slice, X_HIDDEN);
        store<i64>(m, slice, O_REMAINING);
        store<i64>(l, load<i64>(l, L_TOTAL) + slice, L_TOTAL);
        store<i64>(l, load<i64>(l, L_HIDDEN) - slice, L_HIDDEN);
        if (load<i32>(l, L_TAIL) != mSlot) {
          unlink(m, l);
          const tail = load<i32>(l, L_TAIL);
          store<i32>(m, tail, O_PREV);
          store<i32>(m, -1, O_NEXT);
          store<i32>(orderAt(tail), mSlot, O_NEXT);
          store<i32>(l, mSlot, L_TAIL);
        }
        emit(C.EV_REFILLED, 0, market, mId, 0, levelPrice, slice, hidden);
      } else {
        removeOrder(mSlot);
        emit(C.EV_DONE, C.DONE_FILLED, market, mId, 0, levelPrice, 0, 0);
      }
    }
  }
  if (rem == 0) return ended(C.EV_DONE, C.DONE_FILLED, market, tId, tPrice, 0);
  if (!(isLimit && tTif == C.TIF_GTC)) return ended(C.EV_DONE, C.DONE_EXPIRED, market, tId, tPrice, rem);
  // rest
  const slot = reuse >= 0 ? reuse : allocOrder();
  const o = orderAt(slot);
  const shown = tDisplay > 0 && tDisplay < rem ? tDisplay : rem;
  writeOrder(o, tId, tOwner, shown, market, tSide, (tPostOnly ? OF_POST_ONLY : 0) | <u8>(tStp << OF_STP_SHIFT));
  const oco = tOco && !traded; // the stop leg waits only while the limit leg is untouched
  if (tDisplay > 0 || tExpires > 0 || oco) {
    const x = extOf(slot);
    store<i64>(x, rem - shown, X_HIDDEN);
    store<i64>(x, tDisplay, X_DISPLAY);
    store<i64>(x, tExpires, X_EXPIRES);
    if (oco) {
      store<i64>(x, tStop, X_STOP);
      store<i64>(x, tOcoPrice, X_PRICE2);
    }
  }
  const own = sideOf(market, tSide);
  appendToLevel(slot, own, havePos ? pos : findLevel(own, tSide, tPrice), tPrice);
  if (reuse < 0) insertId(tId, slot);
  if (tExpires > 0) addExpiry(slot);
  if (oco) {
    store<u8>(o, flagsOf(o) | OF_OCO, O_FLAGS);
    addStop(slot);
  }
  return true;
}

// ---- commands ----

/** More than MAX_ICEBERG_PARTS slices of display in qty? (qty, display > 0) */
export function tooManyParts(qty: i64, display: i64): bool {
  return (qty - 1) / display >= C.MAX_ICEBERG_PARTS;
}

// @ts-ignore: decorator
@inline function reject(reason: i32, market: i32, id: u64): void {
  emit(C.EV_REJECTED, reason, market, id, 0, 0, 0, 0);
}

/** Capacity, and for a would-be resting limit the committed total of its level; 0 if there is room. */
function checkRoom(market: i32, side: i32, rests: bool, price: i64, qty: i64): i32 {
  tPosValid = false;
  if (idCount() >= maxOrders) return C.REJ_CAPACITY;
  if (!rests) return 0;
  const own = sideOf(market, side);
  const pos = findLevel(own, side, price);
  if (pos >= 0) {
    const l = levelAt(arrayGet(own, pos));
    if (load<i64>(l, L_TOTAL) + load<i64>(l, L_HIDDEN) > I64_MAX - qty) return C.REJ_OVERFLOW;
  }
  tPos = pos; // enter() rests the order there: nothing on this side changes before it
  tPosValid = true;
  return 0;
}

/** The reject reason of a place command, or 0; in the documented order. */
function checkPlace(
  market: i32, id: u64, side: i32, type: i32, tif: i32, flags: i32, stp: i32,
  price: i64, qty: i64, time: i64, stop: i64, display: i64, expires: i64, ocoPrice: i64,
): i32 {
  if (side != C.SIDE_BUY && side != C.SIDE_SELL) return C.REJ_INVALID_SIDE;
  if (type < C.TYPE_LIMIT || type > C.TYPE_STOP_MARKET) return C.REJ_INVALID_TYPE;
  const hasLimit = type == C.TYPE_LIMIT || type == C.TYPE_STOP_LIMIT;
  const isStop = type == C.TYPE_STOP_LIMIT || type == C.TYPE_STOP_MARKET;
  const gtcLimit = type == C.TYPE_LIMIT && tif == C.TIF_GTC;
  if (tif != C.TIF_GTC && tif != C.TIF_IOC && tif != C.TIF_FOK) return C.REJ_INVALID_TIF;
  if (!hasLimit && tif == C.TIF_GTC) return C.REJ_INVALID_TIF;
  if ((flags & ~(C.FLAG_POST_ONLY | C.FLAG_OCO)) != 0) return C.REJ_INVALID_FLAGS;
  const postOnly = (flags & C.FLAG_POST_ONLY) != 0;
  const oco = (flags & C.FLAG_OCO) != 0;
  if ((postOnly || oco) && !gtcLimit) return C.REJ_INVALID_FLAGS;
  if (oco && display != 0) return C.REJ_INVALID_FLAGS;
  if (stp < C.STP_CANCEL_RESTING || stp > C.STP_DECREMENT) return C.REJ_INVALID_STP;
  if (tif == C.TIF_FOK && stp != C.STP_CANCEL_RESTING) return C.REJ_INVALID_STP;
  if (qty <= 0) return C.REJ_INVALID_QUANTITY;
  if (hasLimit ? price <= 0 : price != 0) return C.REJ_INVALID_PRICE;
  if (hasLimit && qty > I64_MAX / price) return C.REJ_OVERFLOW;
  if ((isStop || oco) ? stop <= 0 : stop != 0) return C.REJ_INVALID_STOP_PRICE;
  if (oco) {
    if (ocoPrice < 0) return C.REJ_INVALID_STOP_PRICE;
    if (side == C.SIDE_BUY ? stop <= price : stop >= price) return C.REJ_INVALID_STOP_PRICE;
    if (ocoPrice > 0 && qty > I64_MAX / ocoPrice) return C.REJ_OVERFLOW;
  } else if (ocoPrice != 0) {
    return C.REJ_INVALID_STOP_PRICE;
  }
  if (display < 0 || (display > 0 && (!gtcLimit || display > qty || tooManyParts(qty, display)))) return C.REJ_INVALID_DISPLAY;
  if (expires < 0) return C.REJ_INVALID_EXPIRY;
  if (expires > 0 && ((!gtcLimit && !isStop) || (time > 0 && expires <= time))) return C.REJ_INVALID_EXPIRY;
  if (findId(id) >= 0) return C.REJ_DUPLICATE_ID;
  if (postOnly) {
    const best = arrayLast(sideOf(market, side == C.SIDE_BUY ? C.SIDE_SELL : C.SIDE_BUY));
    if (best >= 0 && crosses(side, true, price, load<i64>(levelAt(best), L_PRICE))) return C.REJ_POST_ONLY_WOULD_CROSS;
  }
  return gtcLimit || isStop ? checkRoom(market, side, gtcLimit, price, qty) : 0;
}

export function place(
  market: i32, id: u64, owner: u64, side: i32, type: i32, tif: i32, flags: i32, stp: i32,
  price: i64, qty: i64, time: i64, stop: i64, display: i64, expires: i64, ocoPrice: i64,
): void {
  const why = checkPlace(market, id, side, type, tif, flags, stp, price, qty, time, stop, display, expires, ocoPrice);
  if (why != 0) return reject(why, market, id);
  emit(C.EV_ACCEPTED, 0, market, id, owner, price, qty, qty);
  if (type == C.TYPE_STOP_LIMIT || type == C.TYPE_STOP_MARKET) {
    const slot = newStop(market, side, id, owner, qty, type, tif, stp, price, stop, expires);
    addStop(slot);
    if (expires > 0) addExpiry(slot);
  } else {
    tId = id; tOwner = owner; tMarket = market; tSide = side; tType = type; tTif = tif; tPrice = price; tQty = qty;
    tDisplay = display; tExpires = expires; tPostOnly = (flags & C.FLAG_POST_ONLY) != 0; tStp = stp;
    tOco = (flags & C.FLAG_OCO) != 0; tStop = stop; tOcoPrice = ocoPrice;
    enter();
  }
  triggerStops(market);
}

/** Triggers, one at a time, every stop the market's last trade price has reached. */
function triggerStops(market: i32): void {
  while (true) {
    const last = lastPrice(market);
    if (last == 0) return;
    let slot = arrayLast(stopsOf(market, C.SIDE_BUY));
    if (slot < 0 || last < stopOf(slot)) {
      slot = arrayLast(stopsOf(market, C.SIDE_SELL));
      if (slot < 0 || last > stopOf(slot)) return;
    }
    trigger(slot);
  }
}

function trigger(slot: i32): void {
  const o = orderAt(slot);
  const x = extAt(load<i32>(o, O_EXT));
  const flags = flagsOf(o);
  const qty = totalOf(o);
  const stop = load<i64>(x, X_STOP);
  tId = load<u64>(o, O_ID);
  tOwner = load<u64>(o, O_OWNER);
  tMarket = <i32>load<u16>(o, O_MARKET);
  tSide = <i32>load<u8>(o, O_SIDE);
  tQty = qty;
  tDisplay = 0;
  tExpires = load<i64>(x, X_EXPIRES);
  tPostOnly = false;
  tStp = <i32>(flags >> OF_STP_SHIFT) & 3;
  tOco = false;
  tStop = 0;
  tOcoPrice = 0;
  tPrice = load<i64>(x, X_PRICE2);
  if ((flags & OF_OCO) != 0) {
    tType = tPrice > 0 ? C.TYPE_LIMIT : C.TYPE_MARKET;
    tTif = tPrice > 0 ? C.TIF_GTC : C.TIF_IOC;
  } else {
    tType = load<u8>(x, X_TYPE) == C.TYPE_STOP_LIMIT ? C.TYPE_LIMIT : C.TYPE_MARKET;
    tTif = <i32>load<u8>(x, X_TIF);
  }
  removeOrder(slot);
  emit(C.EV_TRIGGERED, 0, tMarket, tId, tOwner, stop, qty, qty);
  if (tType == C.TYPE_LIMIT && tTif == C.TIF_GTC) {
    const why = checkRoom(tMarket, tSide, true, tPrice, tQty);
    if (why != 0) return reject(why, tMarket, tId);
  }
  enter();
}

export function cancel(market: i32, id: u64, owner: u64): void {
  const slot = liveOrder(market, id, owner);
  if (slot < 0) return;
  const o = orderAt(slot);
  const price = priceOf(o);
  const qty = totalOf(o);
  removeOrder(slot);
  emit(C.EV_DONE, C.DONE_CANCELLED, market, id, 0, price, qty, 0);
}

export function reduce(market: i32, id: u64, owner: u64, qty: i64): void {
  if (qty <= 0) return reject(C.REJ_INVALID_QUANTITY, market, id);
  const slot = liveOrder(market, id, owner);
  if (slot < 0) return;
  const o = orderAt(slot);
  const price = priceOf(o);
  const total = totalOf(o);
  if (qty >= total) {
    removeOrder(slot);
    return emit(C.EV_DONE, C.DONE_REDUCED_TO_ZERO, market, id, 0, price, total, 0);
  }
  takeOff(slot, qty);
  emit(C.EV_REDUCED, 0, market, id, 0, price, qty, total - qty);
}

/** The slot of the owner's live order in the market; otherwise rejects and returns -1. */
function liveOrder(market: i32, id: u64, owner: u64): i32 {
  const slot = findId(id);
  if (slot < 0 || <i32>load<u16>(orderAt(slot), O_MARKET) != market) {
    reject(C.REJ_UNKNOWN_ORDER, market, id);
    return -1;
  }
  if (load<u64>(orderAt(slot), O_OWNER) != owner) {
    reject(C.REJ_NOT_OWNER, market, id);
    return -1;
  }
  return slot;
}

export function amend(market: i32, id: u64, owner: u64, newPrice: i64, newQty: i64): void {
  if (newPrice < 0) return reject(C.REJ_INVALID_PRICE, market, id);
  if (newQty < 0 || (newPrice == 0 && newQty == 0)) return reject(C.REJ_INVALID_QUANTITY, market, id);
  const slot = liveOrder(market, id, owner);
  if (slot < 0) return;
  const o = orderAt(slot);
  const flags = flagsOf(o);
  if ((flags & OF_PENDING) != 0) return reject(C.REJ_NOT_AMENDABLE, market, id);
  const side = <i32>load<u8>(o, O_SIDE);
  const oldPrice = priceOf(o);
  const total = totalOf(o);
  const price = newPrice == 0 ? oldPrice : newPrice;
  const qty = newQty == 0 ? total : newQty;
  if (qty > I64_MAX / price) return reject(C.REJ_OVERFLOW, market, id);
  const x = load<i32>(o, O_EXT);
  if (x >= 0) {
    const display = load<i64>(extAt(x), X_DISPLAY);
    if (display > 0 && tooManyParts(qty, display)) return reject(C.REJ_INVALID_DISPLAY, market, id);
  }
  const isOco = (flags & OF_OCO) != 0;
  if (isOco) {
    const stop = load<i64>(extAt(x), X_STOP);
    if (side == C.SIDE_BUY ? stop <= price : stop >= price) return reject(C.REJ_INVALID_STOP_PRICE, market, id);
    const p2 = load<i64>(extAt(x), X_PRICE2);
    if (p2 > 0 && qty > I64_MAX / p2) return reject(C.REJ_OVERFLOW, market, id);
  }
  const moving = price != oldPrice;
  if (moving && (flags & OF_POST_ONLY) != 0) {
    const best = arrayLast(sideOf(market, side == C.SIDE_BUY ? C.SIDE_SELL : C.SIDE_BUY));
    if (best >= 0 && crosses(side, true, price, load<i64>(levelAt(best), L_PRICE))) return reject(C.REJ_POST_ONLY_WOULD_CROSS, market, id);
  }
  if (moving || qty > total) {
    const own = sideOf(market, side);
    const pos = findLevel(own, side, price);
    if (pos >= 0) {
      const l = levelAt(arrayGet(own, pos));
      const others = load<i64>(l, L_TOTAL) + load<i64>(l, L_HIDDEN) - (moving ? 0 : total);
      if (others > I64_MAX - qty) return reject(C.REJ_OVERFLOW, market, id);
    }
  }
  emit(C.EV_AMENDED, 0, market, id, 0, price, qty, qty);
  if (!moving && qty <= total) {
    takeOff(slot, total - qty); // keeps its place
  } else {
    tId = id; tOwner = owner; tMarket = market; tSide = side; tType = C.TYPE_LIMIT; tTif = C.TIF_GTC; tPrice = price; tQty = qty;
    tDisplay = x >= 0 ? load<i64>(extAt(x), X_DISPLAY) : 0;
    tExpires = x >= 0 ? load<i64>(extAt(x), X_EXPIRES) : 0;
    tPostOnly = (flags & OF_POST_ONLY) != 0;
    tStp = <i32>(flags >> OF_STP_SHIFT) & 3;
    tOco = isOco;
    tStop = isOco ? load<i64>(extAt(x), X_STOP) : 0;
    tOcoPrice = isOco ? load<i64>(extAt(x), X_PRICE2) : 0;
    detach(slot); // keeps its slot and id index entry for enter() to reuse
    tSlot = slot;
    enter();
  }
  triggerStops(market);
}

/** Expires every good-till-time order whose time has come, the earliest (then lowest id) first. */
export function expireUntil(time: i64): void {
  for (let slot = nextExpired(time); slot >= 0; slot = nextExpired(time)) {
    const o = orderAt(slot);
    const market = <i32>load<u16>(o, O_MARKET);
    const id = load<u64>(o, O_ID);
    const price = priceOf(o);
    const qty = totalOf(o);
    removeOrder(slot);
    emit(C.EV_DONE, C.DONE_TIME_EXPIRED, market, id, 0, price, qty, 0);
  }
}

// ---- for restore: put an order back exactly as a snapshot describes it ----

/** Rests an order at the back of its level; returns its slot. Extension fields are set by the caller. */
export function restoreResting(market: i32, side: i32, id: u64, owner: u64, shown: i64, flags: u8, needsExt: bool): i32 {
  const slot = allocOrder();
  writeOrder(orderAt(slot), id, owner, shown, market, side, flags);
  if (needsExt) extOf(slot);
  insertId(id, slot);
  return slot;
}

export function restoreLink(slot: i32, market: i32, side: i32, price: i64): void {
  const own = sideOf(market, side);
  appendToLevel(slot, own, findLevel(own, side, price), price);
}

/** A pending stop order in a fresh slot, in the id index (the caller puts it in its stop list). */
export function newStop(market: i32, side: i32, id: u64, owner: u64, qty: i64, type: i32, tif: i32, stp: i32, price: i64, stop: i64, expires: i64): i32 {
  const slot = allocOrder();
  writeOrder(orderAt(slot), id, owner, qty, market, side, OF_PENDING | <u8>(stp << OF_STP_SHIFT));
  const x = extOf(slot);
  store<i64>(x, expires, X_EXPIRES);
  store<i64>(x, stop, X_STOP);
  store<i64>(x, price, X_PRICE2);
  store<u8>(x, <u8>type, X_TYPE);
  store<u8>(x, <u8>tif, X_TIF);
  insertId(id, slot);
  return slot;
}

/** Appends to a stop list in snapshot order (the list is walked first-to-trigger first). */
export function restoreStopAppend(market: i32, side: i32, slot: i32): void {
  arrayInsert(stopsOf(market, side), 0, slot);
}

export { extOf };
