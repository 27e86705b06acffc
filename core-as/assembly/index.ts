// The module's exports: the ABI the binding (../src/engine.ts) calls. Nothing here throws
// across the boundary: bad commands become reject events, bad snapshots an error code.
import * as C from '../codes';
import { alloc, free } from './mem';
import { commandBuffer, commandAt, resetEvents, eventCount, eventBuffer, emit, setCurrentCmd } from './abi';
import { marketCount, maxOrders, resetBooks, place, cancel, reduce, amend, expireUntil, sideOf, bestLevel, priceOf, totalOf } from './book';
import { arrayLen, arrayGet } from './arrays';
import { resetIds, findId, idCount, idTableBytes, touchHome, touchRecord } from './ids';
import { resetStore, storeBytes, orderAt, levelAt, O_OWNER, O_REMAINING, O_MARKET, O_SIDE, O_FLAGS, OF_PENDING, L_PRICE, L_TOTAL, L_COUNT, MAX_ORDER_SLOTS } from './store';
export { stateHash, snapshot, snapshotLength, restore, validate } from './state';
export { lamportTick, lamportMerge, vcCompare, vcMerge, vcTick } from './clocks';
export { adoptPages } from './mem';
export { commandBuffer, eventCount, eventBuffer };

/** Empties the engine and sets its shape. Returns 0, or -1 for an impossible shape. */
export function init(markets: i32, limit: i32): i32 {
  if (markets < 1 || markets > 65536 || limit < 1 || limit > MAX_ORDER_SLOTS) return -1;
  resetStore();
  resetBooks(markets, limit);
  resetIds(1024);
  return 0;
}

// Commands are executed in groups of PREFETCH: first the id index entries of the whole group
// are read, then the order records they name, then the commands run. The reads of a group are
// independent, so their cache misses overlap instead of coming one per command.
const PREFETCH: i32 = 16;
const homes: usize = memory.data(PREFETCH << 3);
let touched: u64 = 0; // keeps the touching loads alive

function touchGroup(from: i32, to: i32): void {
  let sink: u64 = 0;
  for (let i = from; i < to; i++) {
    const e = touchHome(load<u64>(commandAt(i), C.CMD_OFF_ID));
    store<u64>(homes + (<usize>(i - from) << 3), e);
  }
  for (let i = from; i < to; i++) {
    sink ^= touchRecord(load<u64>(commandAt(i), C.CMD_OFF_ID), load<u64>(homes + (<usize>(i - from) << 3)));
  }
  touched ^= sink;
}

/** Executes n commands from the command buffer; returns how many events it wrote. */
export function execute(n: i32): i32 {
  resetEvents();
  for (let i = 0; i < n; i++) {
    if (i % PREFETCH == 0) touchGroup(i, min(i + PREFETCH, n));
    setCurrentCmd(<u32>i);
    const c = commandAt(i);
    const time = load<i64>(c, C.CMD_OFF_TIME);
    if (time > 0) expireUntil(time);
    const kind = <i32>load<u8>(c, C.CMD_OFF_KIND);
    const market = <i32>load<u16>(c, C.CMD_OFF_MARKET);
    const id = load<u64>(c, C.CMD_OFF_ID);
    const owner = load<u64>(c, C.CMD_OFF_OWNER);
    if (kind < C.CMD_PLACE || kind > C.CMD_AMEND) {
      emit(C.EV_REJECTED, C.REJ_UNKNOWN_COMMAND, market, id, 0, 0, 0, 0);
    } else if (market >= marketCount) {
      emit(C.EV_REJECTED, C.REJ_UNKNOWN_MARKET, market, id, 0, 0, 0, 0);
    } else if (id == 0) {
      emit(C.EV_REJECTED, C.REJ_INVALID_ID, market, id, 0, 0, 0, 0);
    } else if (kind == C.CMD_PLACE) {
      place(
        market, id, owner,
        <i32>load<u8>(c, C.CMD_OFF_SIDE), <i32>load<u8>(c, C.CMD_OFF_TYPE), <i32>load<u8>(c, C.CMD_OFF_TIF),
        <i32>load<u8>(c, C.CMD_OFF_FLAGS), <i32>load<u8>(c, C.CMD_OFF_STP),
        load<i64>(c, C.CMD_OFF_PRICE), load<i64>(c, C.CMD_OFF_QTY), time,
        load<i64>(c, C.CMD_OFF_STOP), load<i64>(c, C.CMD_OFF_DISPLAY), load<i64>(c, C.CMD_OFF_EXPIRES), load<i64>(c, C.CMD_OFF_OCO_PRICE),
      );
    } else if (kind == C.CMD_CANCEL) {
      cancel(market, id, owner);
    } else if (kind == C.CMD_REDUCE) {
      reduce(market, id, owner, load<i64>(c, C.CMD_OFF_QTY));
    } else {
      amend(market, id, owner, load<i64>(c, C.CMD_OFF_PRICE), load<i64>(c, C.CMD_OFF_QTY));
    }
  }
  return eventCount();
}

export function getMarketCount(): i32 {
  return marketCount;
}

export function getMaxOrders(): i32 {
  return maxOrders;
}

export function orderCount(): i32 {
  return idCount();
}

// ---- queries: results go to a small query buffer the binding reads ----
const query: usize = memory.data(64);
let depthBuf: usize = 0;
let depthCap: i32 = 0;

export function queryBuffer(): usize {
  return query;
}

/** Best price of a side (0 = bids, 1 = asks), or 0 when the side is empty. */
export function bestPrice(market: i32, side: i32): i64 {
  if (market < 0 || market >= marketCount || side < 0 || side > 1) return 0;
  const level = bestLevel(sideOf(market, side));
  return level < 0 ? 0 : load<i64>(levelAt(level), L_PRICE);
}

/** Writes up to n levels of a side, best first, as (price i64, shown total i64, count i64) at depthBuffer(). */
export function depth(market: i32, side: i32, n: i32): i32 {
  if (market < 0 || market >= marketCount || side < 0 || side > 1 || n <= 0) return 0;
  const s = sideOf(market, side);
  const len = arrayLen(s);
  const k = n < len ? n : len;
  if (k > depthCap) {
    if (depthBuf != 0) free(depthBuf);
    depthCap = k;
    depthBuf = alloc(<usize>k * 24);
  }
  for (let i = 0; i < k; i++) {
    const l = levelAt(arrayGet(s, len - 1 - i));
    const at = depthBuf + <usize>i * 24;
    store<i64>(at, load<i64>(l, L_PRICE));
    store<i64>(at, load<i64>(l, L_TOTAL), 8);
    store<i64>(at, <i64>load<i32>(l, L_COUNT), 16);
  }
  return k;
}

export function depthBuffer(): usize {
  return depthBuf;
}

/** Looks an order up; writes (market, side, owner, price, remaining, shown, pending) as i64s at queryBuffer(). */
export function findOrder(id: u64): bool {
  const slot = findId(id);
  if (slot < 0) return false;
  const o = orderAt(slot);
  const pending = (load<u8>(o, O_FLAGS) & OF_PENDING) != 0;
  store<i64>(query, <i64>load<u16>(o, O_MARKET));
  store<i64>(query, <i64>load<u8>(o, O_SIDE), 8);
  store<u64>(query, load<u64>(o, O_OWNER), 16);
  store<i64>(query, priceOf(o), 24);
  store<i64>(query, totalOf(o), 32);
  store<i64>(query, pending ? 0 : load<i64>(o, O_REMAINING), 40);
  store<i64>(query, pending ? 1 : 0, 48);
  return true;
}

/** Bytes the book's own structures hold (record chunks, id index). */
export function bookBytes(): usize {
  return storeBytes() + idTableBytes();
}

/** Scratch space for the binding (snapshots to restore, vector clocks). */
let scratch: usize = 0;
let scratchCap: i32 = 0;
export function scratchBuffer(bytes: i32): usize {
  if (bytes > scratchCap) {
    if (scratch != 0) free(scratch);
    scratchCap = bytes;
    scratch = alloc(<usize>bytes);
  }
  return scratch;
}

/** Gives the scratch space back (after a restore, the snapshot copy is no longer needed). */
export function releaseScratch(): void {
  if (scratch != 0) free(scratch);
  scratch = 0;
  scratchCap = 0;
}

init(1, MAX_ORDER_SLOTS);
