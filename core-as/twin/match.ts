// The twin's matcher: the core's (assembly/book.ts, fillable, enter, match) over the twin's
// structure. The taker is a set of fields, as in the core, so a match allocates nothing.
import * as C from '../codes.ts';
import {
  EXT_F64,
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
  O_NEXT,
  O_OWNER_HI,
  O_OWNER_LO,
  O_PREV,
  O_REMAINING,
  OF_OCO,
  OF_POST_ONLY,
  OF_STP_SHIFT,
  ORDER_F64,
  ORDER_I32,
  type SlotArray,
  X_DISPLAY,
  X_EXPIRES,
  X_HIDDEN,
  X_PRICE2,
  X_STOP,
} from './records.ts';
import { LIMIT, TwinStructure } from './structure.ts';

export function crosses(side: number, isLimit: boolean, price: number, levelPrice: number): boolean {
  return !isLimit || (side === C.SIDE_BUY ? price >= levelPrice : price <= levelPrice);
}

export class TwinMatching extends TwinStructure {
  // the taker: what enters the matcher (a new order, a triggered stop, a moved order)
  protected tIdLo = 0;
  protected tIdHi = 0;
  protected tOwnerLo = 0;
  protected tOwnerHi = 0;
  protected tMarket = 0;
  protected tSide = 0;
  protected tType = 0;
  protected tTif = 0;
  protected tPrice = 0;
  protected tQty = 0;
  protected tDisplay = 0;
  protected tExpires = 0;
  protected tPostOnly = false;
  protected tStp = 0;
  protected tOco = false;
  protected tStop = 0;
  protected tOcoPrice = 0;
  protected tSlot = -1; //        an amended order's own slot, detached but still in the id index
  protected tPos = 0; //          checkRoom's findLevel answer for the taker's own side...
  protected tPosValid = false; // ...valid until the taker rests

  /** Other owners' quantity, hidden included, at prices the taker accepts: enough for all of it? */
  private fillable(opposite: SlotArray, isLimit: boolean): boolean {
    const oi = this.r.orders.i32;
    const li = this.r.levels.i32;
    const lf = this.r.levels.f64;
    let available = 0;
    for (let pos = opposite.len - 1; pos >= 0 && available < this.tQty; pos--) {
      const level = opposite.data[pos];
      if (!crosses(this.tSide, isLimit, this.tPrice, lf[level * LEVEL_F64 + L_PRICE])) break;
      for (let slot = li[level * LEVEL_I32 + L_HEAD]; slot >= 0; slot = oi[slot * ORDER_I32 + O_NEXT]) {
        const o = slot * ORDER_I32;
        if (oi[o + O_OWNER_LO] !== this.tOwnerLo || oi[o + O_OWNER_HI] !== this.tOwnerHi)
          available += this.totalOf(slot);
      }
    }
    return available >= this.tQty;
  }

  /** Matches the taker against the book, then rests it, expires it or reports it filled. */
  protected enter(): void {
    const reuse = this.tSlot;
    const pos = this.tPosValid ? this.tPos : 0;
    const havePos = this.tPosValid;
    this.tSlot = -1;
    this.tPosValid = false;
    if (!this.match(reuse, pos, havePos) && reuse >= 0) {
      this.ids.remove(this.tIdLo, this.tIdHi, reuse);
      this.r.orders.release(reuse);
    }
  }

  private ended(reason: number, market: number, price: number, qty: number): boolean {
    this.ev.emit(C.EV_DONE, reason, market, this.tIdLo, this.tIdHi, 0, 0, price, qty, 0);
    return false;
  }

  /** enter()'s work; true when the taker rests (in reuse when that is a slot). */
  private match(reuse: number, pos: number, havePos: boolean): boolean {
    const market = this.tMarket;
    const side = this.tSide;
    const isLimit = this.tType === C.TYPE_LIMIT;
    const opposite = this.sides[market * 2 + (side === C.SIDE_BUY ? C.SIDE_SELL : C.SIDE_BUY)];
    const ev = this.ev;
    if (this.tTif === C.TIF_FOK && !this.fillable(opposite, isLimit))
      return this.ended(C.DONE_FOK_UNFILLED, market, this.tPrice, this.tQty);
    const stp = this.tStp;
    const ownerLo = this.tOwnerLo;
    const ownerHi = this.tOwnerHi;
    let rem = this.tQty;
    let traded = false;
    while (rem > 0) {
      const level = opposite.last();
      if (level < 0) break;
      const oi = this.r.orders.i32;
      const of = this.r.orders.f64;
      const li = this.r.levels.i32;
      const lf = this.r.levels.f64;
      const levelPrice = lf[level * LEVEL_F64 + L_PRICE];
      if (!crosses(side, isLimit, this.tPrice, levelPrice)) break;
      const mSlot = li[level * LEVEL_I32 + L_HEAD];
      const m = mSlot * ORDER_I32;
      const mLo = oi[m + O_ID_LO];
      const mHi = oi[m + O_ID_HI];
      if (oi[m + O_OWNER_LO] === ownerLo && oi[m + O_OWNER_HI] === ownerHi) {
        const mq = this.totalOf(mSlot);
        if (stp === C.STP_CANCEL_RESTING || stp === C.STP_CANCEL_BOTH) {
          this.removeOrder(mSlot);
          ev.emit(C.EV_DONE, C.DONE_SELF_TRADE, market, mLo, mHi, 0, 0, levelPrice, mq, 0);
          if (stp === C.STP_CANCEL_RESTING) continue;
        }
        if (stp !== C.STP_DECREMENT) return this.ended(C.DONE_SELF_TRADE, market, this.tPrice, rem);
        // decrement and cancel: both lose the smaller quantity, nothing trades
        const d = Math.min(mq, rem);
        if (d === mq) {
          this.removeOrder(mSlot);
          ev.emit(C.EV_DONE, C.DONE_SELF_TRADE, market, mLo, mHi, 0, 0, levelPrice, mq, 0);
        } else {
          this.takeOff(mSlot, d);
          ev.emit(C.EV_REDUCED, 0, market, mLo, mHi, 0, 0, levelPrice, d, mq - d);
        }
        rem -= d;
        if (rem === 0) return this.ended(C.DONE_SELF_TRADE, market, this.tPrice, d);
        ev.emit(C.EV_REDUCED, 0, market, this.tIdLo, this.tIdHi, 0, 0, this.tPrice, d, rem);
        continue;
      }
      const shown = of[mSlot * ORDER_F64 + O_REMAINING];
      const q = Math.min(rem, shown);
      rem -= q;
      const left = shown - q;
      of[mSlot * ORDER_F64 + O_REMAINING] = left;
      lf[level * LEVEL_F64 + L_TOTAL] -= q;
      traded = true;
      this.lastPrices[market] = levelPrice;
      const x = oi[m + O_EXT];
      const hidden = x < 0 ? 0 : this.r.exts.f64[x * EXT_F64 + X_HIDDEN];
      ev.emit(C.EV_TRADE, 0, market, this.tIdLo, this.tIdHi, mLo, mHi, levelPrice, q, left + hidden);
      if ((this.flagsOf(mSlot) & OF_OCO) !== 0) this.dropStopLeg(mSlot);
      if (left === 0) {
        if (hidden > 0) {
          // iceberg: show the next slice, at the back of the level
          const xf = this.r.exts.f64;
          const display = xf[x * EXT_F64 + X_DISPLAY];
          const slice = Math.min(hidden, display);
          xf[x * EXT_F64 + X_HIDDEN] = hidden - slice;
          of[mSlot * ORDER_F64 + O_REMAINING] = slice;
          lf[level * LEVEL_F64 + L_TOTAL] += slice;
          lf[level * LEVEL_F64 + L_HIDDEN] -= slice;
          if (li[level * LEVEL_I32 + L_TAIL] !== mSlot) {
            this.unlink(mSlot, level);
            const tail = li[level * LEVEL_I32 + L_TAIL];
            oi[m + O_PREV] = tail;
            oi[m + O_NEXT] = -1;
            oi[tail * ORDER_I32 + O_NEXT] = mSlot;
            li[level * LEVEL_I32 + L_TAIL] = mSlot;
          }
          ev.emit(C.EV_REFILLED, 0, market, mLo, mHi, 0, 0, levelPrice, slice, hidden);
        } else {
          this.removeOrder(mSlot);
          ev.emit(C.EV_DONE, C.DONE_FILLED, market, mLo, mHi, 0, 0, levelPrice, 0, 0);
        }
      }
    }
    if (rem === 0) return this.ended(C.DONE_FILLED, market, this.tPrice, 0);
    if (!(isLimit && this.tTif === C.TIF_GTC)) return this.ended(C.DONE_EXPIRED, market, this.tPrice, rem);
    // rest
    const slot = reuse >= 0 ? reuse : this.r.orders.alloc();
    const display = this.tDisplay;
    const shown = display > 0 && display < rem ? display : rem;
    const flags = (this.tPostOnly ? OF_POST_ONLY : 0) | (stp << OF_STP_SHIFT);
    this.writeOrder(slot, this.tIdLo, this.tIdHi, ownerLo, ownerHi, shown, market, side, flags);
    const oco = this.tOco && !traded; // the stop leg waits only while the limit leg is untouched
    if (display > 0 || this.tExpires > 0 || oco) {
      const x = this.extOf(slot);
      const xf = this.r.exts.f64;
      xf[x + X_HIDDEN] = rem - shown;
      xf[x + X_DISPLAY] = display;
      xf[x + X_EXPIRES] = this.tExpires;
      if (oco) {
        xf[x + X_STOP] = this.tStop;
        xf[x + X_PRICE2] = this.tOcoPrice;
      }
    }
    const own = this.sides[market * 2 + side];
    this.appendToLevel(slot, own, havePos ? pos : this.findLevel(own, side, this.tPrice), this.tPrice);
    if (reuse < 0) this.ids.insert(this.tIdLo, this.tIdHi, slot);
    if (this.tExpires > 0) this.addExpiry(slot);
    if (oco) {
      this.setFlags(slot, this.flagsOf(slot) | OF_OCO);
      this.addStop(slot);
    }
    return true;
  }

  /** The OCO's limit leg traded: its stop leg is cancelled. */
  private dropStopLeg(slot: number): void {
    this.removeStop(slot);
    this.setFlags(slot, this.flagsOf(slot) & ~OF_OCO);
  }

  /** Capacity, and for a would-be resting limit the committed total of its level; 0 if there is room. */
  protected checkRoom(market: number, side: number, rests: boolean, price: number, qty: number): number {
    this.tPosValid = false;
    if (this.ids.count >= this.maxOrders) return C.REJ_CAPACITY;
    if (!rests) return 0;
    const own = this.sides[market * 2 + side];
    const pos = this.findLevel(own, side, price);
    if (pos >= 0) {
      const l = own.data[pos] * LEVEL_F64;
      const lf = this.r.levels.f64;
      if (lf[l + L_TOTAL] + lf[l + L_HIDDEN] > LIMIT - qty) return C.REJ_OVERFLOW;
    }
    this.tPos = pos; // enter() rests the order there: nothing on this side changes before it
    this.tPosValid = true;
    return 0;
  }
}
