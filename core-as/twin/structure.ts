// The twin's book structure: the core's levels, stop lists and expiry queue (assembly/book.ts,
// first half) over the twin's records. Invariants, as in the core:
//   - each side's level array is sorted worst-to-best, so the best level is the last entry;
//   - a level's total is the sum of its orders' shown quantity, hidden of their reserves, and
//     total + hidden never exceeds LIMIT;
//   - every live order has quantity > 0, price x quantity <= LIMIT, and is in the id index;
//   - stop lists are in trigger order with the next to trigger last.
import * as C from '../codes.ts';
import { EventSink } from './events.ts';
import { IdIndex } from './ids.ts';
import {
  EXT_F64,
  L_COUNT,
  L_HEAD,
  L_HIDDEN,
  L_PRICE,
  L_TAIL,
  L_TOTAL,
  LEVEL_F64,
  LEVEL_I32,
  O_EXT,
  O_ID_HI,
  O_ID_LO,
  O_LEVEL,
  O_MARKET,
  O_NEXT,
  O_OWNER_HI,
  O_OWNER_LO,
  O_PREV,
  O_REMAINING,
  O_SIDE_FLAGS,
  OF_OCO,
  OF_PENDING,
  ORDER_F64,
  ORDER_I32,
  LevelArray,
  Records,
  SlotArray,
  X_EXPIRES,
  X_HIDDEN,
  X_STOP,
  X_PRICE2,
} from './records.ts';

/** The twin's i64 max: every quantity, price, product and total it keeps stays exact in a double. */
export const LIMIT = Number.MAX_SAFE_INTEGER;

export class TwinStructure {
  readonly r = new Records();
  readonly ids = new IdIndex();
  readonly ev = new EventSink();
  marketCount: number;
  maxOrders: number;
  sides: LevelArray[] = []; // market * 2 + side: levels, best last, and their keys
  stops: SlotArray[] = []; //  market * 2 + side: stops, next to trigger last
  lastPrices: Float64Array;
  readonly expiries = new SlotArray(); // good-till-time orders, the next to expire last

  constructor(markets: number, maxOrders: number) {
    this.marketCount = markets;
    this.maxOrders = maxOrders;
    for (let i = 0; i < markets * 2; i++) {
      this.sides.push(new LevelArray());
      this.stops.push(new SlotArray());
    }
    this.lastPrices = new Float64Array(markets);
  }

  // ---- order fields ----

  sideOf(slot: number): number {
    return this.r.orders.i32[slot * ORDER_I32 + O_SIDE_FLAGS] & 0xff;
  }

  flagsOf(slot: number): number {
    return this.r.orders.i32[slot * ORDER_I32 + O_SIDE_FLAGS] >>> 8;
  }

  setFlags(slot: number, flags: number): void {
    const at = slot * ORDER_I32 + O_SIDE_FLAGS;
    const oi = this.r.orders.i32;
    oi[at] = (oi[at] & 0xff) | (flags << 8);
  }

  hiddenOf(slot: number): number {
    const x = this.r.orders.i32[slot * ORDER_I32 + O_EXT];
    return x < 0 ? 0 : this.r.exts.f64[x * EXT_F64 + X_HIDDEN];
  }

  /** Shown plus hidden: everything the order may still trade. */
  totalOf(slot: number): number {
    return this.r.orders.f64[slot * ORDER_F64 + O_REMAINING] + this.hiddenOf(slot);
  }

  /** The price an event names for the order: its level's, or a pending stop's limit price. */
  priceOf(slot: number): number {
    const oi = this.r.orders.i32;
    const level = oi[slot * ORDER_I32 + O_LEVEL];
    return level >= 0
      ? this.r.levels.f64[level * LEVEL_F64 + L_PRICE]
      : this.r.exts.f64[oi[slot * ORDER_I32 + O_EXT] * EXT_F64 + X_PRICE2];
  }

  /** The order's extension (allocated, zeroed, when it has none); returns its f64 index. */
  extOf(slot: number): number {
    let x = this.r.orders.i32[slot * ORDER_I32 + O_EXT];
    if (x < 0) {
      x = this.r.exts.alloc();
      this.r.exts.f64.fill(0, x * EXT_F64, (x + 1) * EXT_F64);
      this.r.orders.i32[slot * ORDER_I32 + O_EXT] = x;
    }
    return x * EXT_F64;
  }

  expiresOf(slot: number): number {
    const x = this.r.orders.i32[slot * ORDER_I32 + O_EXT];
    return x < 0 ? 0 : this.r.exts.f64[x * EXT_F64 + X_EXPIRES];
  }

  /** Writes a new order record's own fields: no level yet, no extension. */
  writeOrder(
    slot: number,
    idLo: number,
    idHi: number,
    ownerLo: number,
    ownerHi: number,
    remaining: number,
    market: number,
    side: number,
    flags: number,
  ): void {
    const oi = this.r.orders.i32;
    const o = slot * ORDER_I32;
    oi[o + O_ID_LO] = idLo;
    oi[o + O_ID_HI] = idHi;
    oi[o + O_OWNER_LO] = ownerLo;
    oi[o + O_OWNER_HI] = ownerHi;
    this.r.orders.f64[slot * ORDER_F64 + O_REMAINING] = remaining;
    oi[o + O_LEVEL] = -1;
    oi[o + O_MARKET] = market;
    oi[o + O_SIDE_FLAGS] = side | (flags << 8);
    oi[o + O_EXT] = -1;
  }

  // ---- levels ----

  /** Position of the level at price, or -(insert position) - 1. Sort key: price for bids, -price for asks. */
  findLevel(s: LevelArray, side: number, price: number): number {
    const keys = s.keys;
    const len = s.len;
    const key = side === C.SIDE_BUY ? price : -price;
    // most activity is at the touch: look at the best few levels before searching
    const near = len > 4 ? len - 4 : 0;
    for (let pos = len - 1; pos >= near; pos--) {
      const k = keys[pos];
      if (k === key) return pos;
      if (k < key) return -(pos + 1) - 1;
    }
    let lo = 0;
    let hi = near - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  /** Links an order at the back of the level at price (pos: findLevel's answer), counting its quantities. */
  appendToLevel(slot: number, s: LevelArray, pos: number, price: number): void {
    let level: number;
    if (pos >= 0) {
      level = s.data[pos];
    } else {
      level = this.r.levels.alloc();
      const lf = this.r.levels.f64;
      const li = this.r.levels.i32;
      lf[level * LEVEL_F64 + L_PRICE] = price;
      lf[level * LEVEL_F64 + L_TOTAL] = 0;
      lf[level * LEVEL_F64 + L_HIDDEN] = 0;
      li[level * LEVEL_I32 + L_HEAD] = -1;
      li[level * LEVEL_I32 + L_TAIL] = -1;
      li[level * LEVEL_I32 + L_COUNT] = 0;
      s.insertLevel(-pos - 1, level, this.sideOf(slot) === C.SIDE_BUY ? price : -price);
    }
    const oi = this.r.orders.i32;
    const li = this.r.levels.i32;
    const lf = this.r.levels.f64;
    const o = slot * ORDER_I32;
    const l = level * LEVEL_I32;
    const tail = li[l + L_TAIL];
    oi[o + O_PREV] = tail;
    oi[o + O_NEXT] = -1;
    oi[o + O_LEVEL] = level;
    if (tail >= 0) oi[tail * ORDER_I32 + O_NEXT] = slot;
    else li[l + L_HEAD] = slot;
    li[l + L_TAIL] = slot;
    lf[level * LEVEL_F64 + L_TOTAL] += this.r.orders.f64[slot * ORDER_F64 + O_REMAINING];
    lf[level * LEVEL_F64 + L_HIDDEN] += this.hiddenOf(slot);
    li[l + L_COUNT]++;
  }

  unlink(slot: number, level: number): void {
    const oi = this.r.orders.i32;
    const li = this.r.levels.i32;
    const prev = oi[slot * ORDER_I32 + O_PREV];
    const next = oi[slot * ORDER_I32 + O_NEXT];
    if (prev >= 0) oi[prev * ORDER_I32 + O_NEXT] = next;
    else li[level * LEVEL_I32 + L_HEAD] = next;
    if (next >= 0) oi[next * ORDER_I32 + O_PREV] = prev;
    else li[level * LEVEL_I32 + L_TAIL] = prev;
  }

  /** Takes an order out of its level, and the level out of its side when it empties. */
  removeFromLevel(slot: number): void {
    const oi = this.r.orders.i32;
    const li = this.r.levels.i32;
    const lf = this.r.levels.f64;
    const level = oi[slot * ORDER_I32 + O_LEVEL];
    this.unlink(slot, level);
    lf[level * LEVEL_F64 + L_TOTAL] -= this.r.orders.f64[slot * ORDER_F64 + O_REMAINING];
    lf[level * LEVEL_F64 + L_HIDDEN] -= this.hiddenOf(slot);
    const count = --li[level * LEVEL_I32 + L_COUNT];
    oi[slot * ORDER_I32 + O_LEVEL] = -1;
    if (count === 0) {
      const side = this.sideOf(slot);
      const s = this.sides[oi[slot * ORDER_I32 + O_MARKET] * 2 + side];
      const len = s.len;
      s.removeLevel(s.data[len - 1] === level ? len - 1 : this.findLevel(s, side, lf[level * LEVEL_F64 + L_PRICE]));
      this.r.levels.release(level);
    }
  }

  /** Takes q off an order, from the hidden reserve first: it keeps its place. */
  takeOff(slot: number, q: number): void {
    const x = this.r.orders.i32[slot * ORDER_I32 + O_EXT];
    let fromHidden = 0;
    if (x >= 0) {
      const xf = this.r.exts.f64;
      const hidden = xf[x * EXT_F64 + X_HIDDEN];
      fromHidden = Math.min(q, hidden);
      xf[x * EXT_F64 + X_HIDDEN] = hidden - fromHidden;
    }
    const fromShown = q - fromHidden;
    this.r.orders.f64[slot * ORDER_F64 + O_REMAINING] -= fromShown;
    const level = this.r.orders.i32[slot * ORDER_I32 + O_LEVEL];
    if (level >= 0) {
      const lf = this.r.levels.f64;
      lf[level * LEVEL_F64 + L_TOTAL] -= fromShown;
      lf[level * LEVEL_F64 + L_HIDDEN] -= fromHidden;
    }
  }

  // ---- stop lists and the expiry queue ----

  stopOf(slot: number): number {
    return this.r.exts.f64[this.r.orders.i32[slot * ORDER_I32 + O_EXT] * EXT_F64 + X_STOP];
  }

  /** First position whose rank is <= r (rank: buy stops their stop price, sell stops minus it). */
  private stopBound(a: SlotArray, side: number, r: number): number {
    let lo = 0;
    let hi = a.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const stop = this.stopOf(a.data[mid]);
      if ((side === C.SIDE_BUY ? stop : -stop) > r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Joins the stop list behind every stop that triggers no later. */
  addStop(slot: number): void {
    const side = this.sideOf(slot);
    const a = this.stops[this.r.orders.i32[slot * ORDER_I32 + O_MARKET] * 2 + side];
    const stop = this.stopOf(slot);
    a.insert(this.stopBound(a, side, side === C.SIDE_BUY ? stop : -stop), slot);
  }

  removeStop(slot: number): void {
    const side = this.sideOf(slot);
    const a = this.stops[this.r.orders.i32[slot * ORDER_I32 + O_MARKET] * 2 + side];
    const stop = this.stopOf(slot);
    let pos = this.stopBound(a, side, side === C.SIDE_BUY ? stop : -stop);
    while (a.data[pos] !== slot) pos++;
    a.remove(pos);
  }

  /** Does a expire after b? By time, then by id (u64). */
  private expiresAfter(a: number, b: number): boolean {
    const ta = this.expiresOf(a);
    const tb = this.expiresOf(b);
    if (ta !== tb) return ta > tb;
    const oi = this.r.orders.i32;
    const ah = oi[a * ORDER_I32 + O_ID_HI] >>> 0;
    const bh = oi[b * ORDER_I32 + O_ID_HI] >>> 0;
    return ah !== bh ? ah > bh : oi[a * ORDER_I32 + O_ID_LO] >>> 0 > oi[b * ORDER_I32 + O_ID_LO] >>> 0;
  }

  /** First position of the queue (latest first) that does not expire after slot. */
  private expiryBound(slot: number): number {
    const q = this.expiries;
    let lo = 0;
    let hi = q.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.expiresAfter(q.data[mid], slot)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  addExpiry(slot: number): void {
    this.expiries.insert(this.expiryBound(slot), slot);
  }

  /** The next order to expire at time, or -1. */
  nextExpired(time: number): number {
    const slot = this.expiries.last();
    return slot >= 0 && this.expiresOf(slot) <= time ? slot : -1;
  }

  /** Takes an order out of its level, stop list and expiry queue, and frees its extension; the slot and its id stay. */
  detach(slot: number): void {
    const flags = this.flagsOf(slot);
    if ((flags & (OF_PENDING | OF_OCO)) !== 0) this.removeStop(slot);
    if ((flags & OF_PENDING) === 0) this.removeFromLevel(slot);
    const oi = this.r.orders.i32;
    const x = oi[slot * ORDER_I32 + O_EXT];
    if (x >= 0) {
      if (this.r.exts.f64[x * EXT_F64 + X_EXPIRES] > 0) this.expiries.remove(this.expiryBound(slot));
      this.r.exts.release(x);
      oi[slot * ORDER_I32 + O_EXT] = -1;
    }
  }

  /** Takes an order out of everything that holds it, and frees it. */
  removeOrder(slot: number): void {
    this.detach(slot);
    const oi = this.r.orders.i32;
    this.ids.remove(oi[slot * ORDER_I32 + O_ID_LO], oi[slot * ORDER_I32 + O_ID_HI], slot);
    this.r.orders.release(slot);
  }

  /** Forget every order; the pools keep their memory. */
  clear(): void {
    this.r.reset();
    this.ids.reset();
    for (const a of this.sides) a.clear();
    for (const a of this.stops) a.clear();
    this.expiries.clear();
    this.lastPrices.fill(0);
  }
}
