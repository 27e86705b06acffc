// The twin's commands: the core's (assembly/book.ts, second half, and execute()
// in assembly/index.ts) line for line, over the twin's structure. It reads the same 80-byte
// command records and writes the same 48-byte event records. Where the core checks a product
// or a total against i64 max, the twin checks it against LIMIT (2^53 - 1), exactly: a double
// product of integers rounds past LIMIT exactly when the true product passes it. Stop prices
// and expiries above LIMIT are refused with `overflow` (the core keeps them).
import * as C from '../codes.ts';
import { get64 } from './events.ts';
import {
  EXT_F64,
  L_HIDDEN,
  L_PRICE,
  L_TOTAL,
  LEVEL_F64,
  O_EXT,
  O_ID_HI,
  O_ID_LO,
  O_MARKET,
  O_OWNER_HI,
  O_OWNER_LO,
  OF_OCO,
  OF_PENDING,
  OF_POST_ONLY,
  OF_STP_SHIFT,
  ORDER_I32,
  X_DISPLAY,
  X_EXPIRES,
  X_PRICE2,
  X_STOP,
  X_TIF,
  X_TYPE,
} from './records.ts';
import { crosses, TwinMatching } from './match.ts';
import { LIMIT } from './structure.ts';

const CMD_I32 = C.CMD_SIZE / 4;
const PREFETCH = 16; // commands whose index entries and records are touched before they run

/** More than MAX_ICEBERG_PARTS slices of display in qty? (qty, display > 0; exact in doubles) */
function tooManyParts(qty: number, display: number): boolean {
  return qty - 1 >= C.MAX_ICEBERG_PARTS * display;
}

export class TwinMatcher extends TwinMatching {
  private readonly homes = new Int32Array(PREFETCH);
  touched = 0; // keeps the touching loads alive
  /** Executes n command records (an Int32Array and a byte view of the same bytes); returns the event count. */
  executeRecords(cmd: Int32Array, bytes: Uint8Array, n: number): number {
    const ev = this.ev;
    ev.count = 0;
    for (let i = 0; i < n; i++) {
      if (i % PREFETCH === 0) this.touchGroup(cmd, i, Math.min(i + PREFETCH, n));
      ev.cmd = i;
      const c = i * CMD_I32;
      const b = i * C.CMD_SIZE;
      const time = get64(cmd, c + C.CMD_OFF_TIME / 4);
      if (time > 0) this.expireUntil(time);
      const kind = bytes[b + C.CMD_OFF_KIND];
      const market = cmd[c + 1] >>> 16; // u16 at byte 6
      const idLo = cmd[c + C.CMD_OFF_ID / 4];
      const idHi = cmd[c + C.CMD_OFF_ID / 4 + 1];
      const ownerLo = cmd[c + C.CMD_OFF_OWNER / 4];
      const ownerHi = cmd[c + C.CMD_OFF_OWNER / 4 + 1];
      if (kind < C.CMD_PLACE || kind > C.CMD_AMEND) {
        this.reject(C.REJ_UNKNOWN_COMMAND, market, idLo, idHi);
      } else if (market >= this.marketCount) {
        this.reject(C.REJ_UNKNOWN_MARKET, market, idLo, idHi);
      } else if (idLo === 0 && idHi === 0) {
        this.reject(C.REJ_INVALID_ID, market, idLo, idHi);
      } else if (kind === C.CMD_PLACE) {
        this.place(
          market,
          idLo,
          idHi,
          ownerLo,
          ownerHi,
          bytes[b + C.CMD_OFF_SIDE],
          bytes[b + C.CMD_OFF_TYPE],
          bytes[b + C.CMD_OFF_TIF],
          bytes[b + C.CMD_OFF_FLAGS],
          bytes[b + C.CMD_OFF_STP],
          get64(cmd, c + C.CMD_OFF_PRICE / 4),
          get64(cmd, c + C.CMD_OFF_QTY / 4),
          time,
          get64(cmd, c + C.CMD_OFF_STOP / 4),
          get64(cmd, c + C.CMD_OFF_DISPLAY / 4),
          get64(cmd, c + C.CMD_OFF_EXPIRES / 4),
          get64(cmd, c + C.CMD_OFF_OCO_PRICE / 4),
        );
      } else if (kind === C.CMD_CANCEL) {
        this.cancel(market, idLo, idHi, ownerLo, ownerHi);
      } else if (kind === C.CMD_REDUCE) {
        this.reduce(market, idLo, idHi, ownerLo, ownerHi, get64(cmd, c + C.CMD_OFF_QTY / 4));
      } else {
        this.amend(
          market,
          idLo,
          idHi,
          ownerLo,
          ownerHi,
          get64(cmd, c + C.CMD_OFF_PRICE / 4),
          get64(cmd, c + C.CMD_OFF_QTY / 4),
        );
      }
    }
    return ev.count;
  }

  /** The core's prefetch: the id index entries of a group of commands, then the order records they name. */
  private touchGroup(cmd: Int32Array, from: number, to: number): void {
    const homes = this.homes;
    for (let i = from; i < to; i++)
      homes[i - from] = this.ids.touch(cmd[i * CMD_I32 + C.CMD_OFF_ID / 4], cmd[i * CMD_I32 + C.CMD_OFF_ID / 4 + 1]);
    const oi = this.r.orders.i32;
    let sink = 0;
    for (let i = from; i < to; i++) if (homes[i - from] > 0) sink ^= oi[(homes[i - from] - 1) * ORDER_I32];
    this.touched ^= sink;
  }

  private reject(reason: number, market: number, idLo: number, idHi: number): void {
    this.ev.emit(C.EV_REJECTED, reason, market, idLo, idHi, 0, 0, 0, 0, 0);
  }

  /** The reject reason of a place command, or 0; in the core's order. */
  private checkPlace(
    market: number,
    idLo: number,
    idHi: number,
    side: number,
    type: number,
    tif: number,
    flags: number,
    stp: number,
    price: number,
    qty: number,
    time: number,
    stop: number,
    display: number,
    expires: number,
    ocoPrice: number,
  ): number {
    if (side !== C.SIDE_BUY && side !== C.SIDE_SELL) return C.REJ_INVALID_SIDE;
    if (type < C.TYPE_LIMIT || type > C.TYPE_STOP_MARKET) return C.REJ_INVALID_TYPE;
    const hasLimit = type === C.TYPE_LIMIT || type === C.TYPE_STOP_LIMIT;
    const isStop = type === C.TYPE_STOP_LIMIT || type === C.TYPE_STOP_MARKET;
    const gtcLimit = type === C.TYPE_LIMIT && tif === C.TIF_GTC;
    if (tif !== C.TIF_GTC && tif !== C.TIF_IOC && tif !== C.TIF_FOK) return C.REJ_INVALID_TIF;
    if (!hasLimit && tif === C.TIF_GTC) return C.REJ_INVALID_TIF;
    if ((flags & ~(C.FLAG_POST_ONLY | C.FLAG_OCO)) !== 0) return C.REJ_INVALID_FLAGS;
    const postOnly = (flags & C.FLAG_POST_ONLY) !== 0;
    const oco = (flags & C.FLAG_OCO) !== 0;
    if ((postOnly || oco) && !gtcLimit) return C.REJ_INVALID_FLAGS;
    if (oco && display !== 0) return C.REJ_INVALID_FLAGS;
    if (stp < C.STP_CANCEL_RESTING || stp > C.STP_DECREMENT) return C.REJ_INVALID_STP;
    if (tif === C.TIF_FOK && stp !== C.STP_CANCEL_RESTING) return C.REJ_INVALID_STP;
    if (qty <= 0) return C.REJ_INVALID_QUANTITY;
    if (hasLimit ? price <= 0 : price !== 0) return C.REJ_INVALID_PRICE;
    if ((hasLimit && price * qty > LIMIT) || qty > LIMIT) return C.REJ_OVERFLOW;
    if (isStop || oco ? stop <= 0 : stop !== 0) return C.REJ_INVALID_STOP_PRICE;
    if (oco) {
      if (ocoPrice < 0) return C.REJ_INVALID_STOP_PRICE;
      if (side === C.SIDE_BUY ? stop <= price : stop >= price) return C.REJ_INVALID_STOP_PRICE;
      if (ocoPrice > 0 && ocoPrice * qty > LIMIT) return C.REJ_OVERFLOW;
    } else if (ocoPrice !== 0) {
      return C.REJ_INVALID_STOP_PRICE;
    }
    if (stop > LIMIT) return C.REJ_OVERFLOW;
    if (display < 0 || (display > 0 && (!gtcLimit || display > qty || tooManyParts(qty, display))))
      return C.REJ_INVALID_DISPLAY;
    if (expires < 0 || (expires > 0 && !gtcLimit && !isStop)) return C.REJ_INVALID_EXPIRY;
    if (expires > LIMIT) return C.REJ_OVERFLOW;
    if (expires > 0 && time > 0 && expires <= time) return C.REJ_INVALID_EXPIRY;
    if (this.ids.find(idLo, idHi, this.r.orders.i32) >= 0) return C.REJ_DUPLICATE_ID;
    if (postOnly) {
      const best = this.sides[market * 2 + (side === C.SIDE_BUY ? C.SIDE_SELL : C.SIDE_BUY)].last();
      if (best >= 0 && crosses(side, true, price, this.r.levels.f64[best * LEVEL_F64 + L_PRICE]))
        return C.REJ_POST_ONLY_WOULD_CROSS;
    }
    return gtcLimit || isStop ? this.checkRoom(market, side, gtcLimit, price, qty) : 0;
  }

  private place(
    market: number,
    idLo: number,
    idHi: number,
    ownerLo: number,
    ownerHi: number,
    side: number,
    type: number,
    tif: number,
    flags: number,
    stp: number,
    price: number,
    qty: number,
    time: number,
    stop: number,
    display: number,
    expires: number,
    ocoPrice: number,
  ): void {
    const why = this.checkPlace(
      market,
      idLo,
      idHi,
      side,
      type,
      tif,
      flags,
      stp,
      price,
      qty,
      time,
      stop,
      display,
      expires,
      ocoPrice,
    );
    if (why !== 0) {
      this.reject(why, market, idLo, idHi);
      return;
    }
    this.ev.emit(C.EV_ACCEPTED, 0, market, idLo, idHi, ownerLo, ownerHi, price, qty, qty);
    if (type === C.TYPE_STOP_LIMIT || type === C.TYPE_STOP_MARKET) {
      const slot = this.newStop(market, side, idLo, idHi, ownerLo, ownerHi, qty, type, tif, stp, price, stop, expires);
      this.addStop(slot);
      if (expires > 0) this.addExpiry(slot);
    } else {
      this.tIdLo = idLo;
      this.tIdHi = idHi;
      this.tOwnerLo = ownerLo;
      this.tOwnerHi = ownerHi;
      this.tMarket = market;
      this.tSide = side;
      this.tType = type;
      this.tTif = tif;
      this.tPrice = price;
      this.tQty = qty;
      this.tDisplay = display;
      this.tExpires = expires;
      this.tPostOnly = (flags & C.FLAG_POST_ONLY) !== 0;
      this.tStp = stp;
      this.tOco = (flags & C.FLAG_OCO) !== 0;
      this.tStop = stop;
      this.tOcoPrice = ocoPrice;
      this.enter();
    }
    this.triggerStops(market);
  }

  /** A pending stop order in a fresh slot, in the id index (the caller puts it in its stop list). */
  newStop(
    market: number,
    side: number,
    idLo: number,
    idHi: number,
    ownerLo: number,
    ownerHi: number,
    qty: number,
    type: number,
    tif: number,
    stp: number,
    price: number,
    stop: number,
    expires: number,
  ): number {
    const slot = this.r.orders.alloc();
    this.writeOrder(slot, idLo, idHi, ownerLo, ownerHi, qty, market, side, OF_PENDING | (stp << OF_STP_SHIFT));
    const x = this.extOf(slot);
    const xf = this.r.exts.f64;
    xf[x + X_EXPIRES] = expires;
    xf[x + X_STOP] = stop;
    xf[x + X_PRICE2] = price;
    const xi = this.r.exts.i32;
    xi[(x / EXT_F64) * 12 + X_TYPE] = type;
    xi[(x / EXT_F64) * 12 + X_TIF] = tif;
    this.ids.insert(idLo, idHi, slot);
    return slot;
  }

  /** Triggers, one at a time, every stop the market's last trade price has reached. */
  private triggerStops(market: number): void {
    while (true) {
      const last = this.lastPrices[market];
      if (last === 0) return;
      let slot = this.stops[market * 2 + C.SIDE_BUY].last();
      if (slot < 0 || last < this.stopOf(slot)) {
        slot = this.stops[market * 2 + C.SIDE_SELL].last();
        if (slot < 0 || last > this.stopOf(slot)) return;
      }
      this.trigger(slot);
    }
  }

  private trigger(slot: number): void {
    const oi = this.r.orders.i32;
    const o = slot * ORDER_I32;
    const xIndex = oi[o + O_EXT];
    const x = xIndex * EXT_F64;
    const xf = this.r.exts.f64;
    const flags = this.flagsOf(slot);
    const qty = this.totalOf(slot);
    const stop = xf[x + X_STOP];
    this.tIdLo = oi[o + O_ID_LO];
    this.tIdHi = oi[o + O_ID_HI];
    this.tOwnerLo = oi[o + O_OWNER_LO];
    this.tOwnerHi = oi[o + O_OWNER_HI];
    this.tMarket = oi[o + O_MARKET];
    this.tSide = this.sideOf(slot);
    this.tQty = qty;
    this.tDisplay = 0;
    this.tExpires = xf[x + X_EXPIRES];
    this.tPostOnly = false;
    this.tStp = (flags >> OF_STP_SHIFT) & 3;
    this.tOco = false;
    this.tStop = 0;
    this.tOcoPrice = 0;
    this.tPrice = xf[x + X_PRICE2];
    if ((flags & OF_OCO) !== 0) {
      this.tType = this.tPrice > 0 ? C.TYPE_LIMIT : C.TYPE_MARKET;
      this.tTif = this.tPrice > 0 ? C.TIF_GTC : C.TIF_IOC;
    } else {
      const xi = this.r.exts.i32;
      this.tType = xi[xIndex * 12 + X_TYPE] === C.TYPE_STOP_LIMIT ? C.TYPE_LIMIT : C.TYPE_MARKET;
      this.tTif = xi[xIndex * 12 + X_TIF];
    }
    this.removeOrder(slot);
    this.ev.emit(C.EV_TRIGGERED, 0, this.tMarket, this.tIdLo, this.tIdHi, this.tOwnerLo, this.tOwnerHi, stop, qty, qty);
    if (this.tType === C.TYPE_LIMIT && this.tTif === C.TIF_GTC) {
      const why = this.checkRoom(this.tMarket, this.tSide, true, this.tPrice, this.tQty);
      if (why !== 0) {
        this.reject(why, this.tMarket, this.tIdLo, this.tIdHi);
        return;
      }
    }
    this.enter();
  }

  /** The slot of the owner's live order in the market; otherwise rejects and returns -1. */
  private liveOrder(market: number, idLo: number, idHi: number, ownerLo: number, ownerHi: number): number {
    const oi = this.r.orders.i32;
    const slot = this.ids.find(idLo, idHi, oi);
    if (slot < 0 || oi[slot * ORDER_I32 + O_MARKET] !== market) {
      this.reject(C.REJ_UNKNOWN_ORDER, market, idLo, idHi);
      return -1;
    }
    if (oi[slot * ORDER_I32 + O_OWNER_LO] !== ownerLo || oi[slot * ORDER_I32 + O_OWNER_HI] !== ownerHi) {
      this.reject(C.REJ_NOT_OWNER, market, idLo, idHi);
      return -1;
    }
    return slot;
  }

  private cancel(market: number, idLo: number, idHi: number, ownerLo: number, ownerHi: number): void {
    const slot = this.liveOrder(market, idLo, idHi, ownerLo, ownerHi);
    if (slot < 0) return;
    const price = this.priceOf(slot);
    const qty = this.totalOf(slot);
    this.removeOrder(slot);
    this.ev.emit(C.EV_DONE, C.DONE_CANCELLED, market, idLo, idHi, 0, 0, price, qty, 0);
  }

  private reduce(market: number, idLo: number, idHi: number, ownerLo: number, ownerHi: number, qty: number): void {
    if (qty <= 0) {
      this.reject(C.REJ_INVALID_QUANTITY, market, idLo, idHi);
      return;
    }
    const slot = this.liveOrder(market, idLo, idHi, ownerLo, ownerHi);
    if (slot < 0) return;
    const price = this.priceOf(slot);
    const total = this.totalOf(slot);
    if (qty >= total) {
      this.removeOrder(slot);
      this.ev.emit(C.EV_DONE, C.DONE_REDUCED_TO_ZERO, market, idLo, idHi, 0, 0, price, total, 0);
      return;
    }
    this.takeOff(slot, qty);
    this.ev.emit(C.EV_REDUCED, 0, market, idLo, idHi, 0, 0, price, qty, total - qty);
  }

  private amend(
    market: number,
    idLo: number,
    idHi: number,
    ownerLo: number,
    ownerHi: number,
    newPrice: number,
    newQty: number,
  ): void {
    if (newPrice < 0) {
      this.reject(C.REJ_INVALID_PRICE, market, idLo, idHi);
      return;
    }
    if (newQty < 0 || (newPrice === 0 && newQty === 0)) {
      this.reject(C.REJ_INVALID_QUANTITY, market, idLo, idHi);
      return;
    }
    const slot = this.liveOrder(market, idLo, idHi, ownerLo, ownerHi);
    if (slot < 0) return;
    const flags = this.flagsOf(slot);
    if ((flags & OF_PENDING) !== 0) {
      this.reject(C.REJ_NOT_AMENDABLE, market, idLo, idHi);
      return;
    }
    const side = this.sideOf(slot);
    const oldPrice = this.priceOf(slot);
    const total = this.totalOf(slot);
    const price = newPrice === 0 ? oldPrice : newPrice;
    const qty = newQty === 0 ? total : newQty;
    if (qty * price > LIMIT) {
      this.reject(C.REJ_OVERFLOW, market, idLo, idHi);
      return;
    }
    const xIndex = this.r.orders.i32[slot * ORDER_I32 + O_EXT];
    const x = xIndex * EXT_F64;
    const xf = this.r.exts.f64;
    if (xIndex >= 0) {
      const display = xf[x + X_DISPLAY];
      if (display > 0 && tooManyParts(qty, display)) {
        this.reject(C.REJ_INVALID_DISPLAY, market, idLo, idHi);
        return;
      }
    }
    const isOco = (flags & OF_OCO) !== 0;
    if (isOco) {
      const stop = xf[x + X_STOP];
      if (side === C.SIDE_BUY ? stop <= price : stop >= price) {
        this.reject(C.REJ_INVALID_STOP_PRICE, market, idLo, idHi);
        return;
      }
      const p2 = xf[x + X_PRICE2];
      if (p2 > 0 && p2 * qty > LIMIT) {
        this.reject(C.REJ_OVERFLOW, market, idLo, idHi);
        return;
      }
    }
    const moving = price !== oldPrice;
    if (moving && (flags & OF_POST_ONLY) !== 0) {
      const best = this.sides[market * 2 + (side === C.SIDE_BUY ? C.SIDE_SELL : C.SIDE_BUY)].last();
      if (best >= 0 && crosses(side, true, price, this.r.levels.f64[best * LEVEL_F64 + L_PRICE])) {
        this.reject(C.REJ_POST_ONLY_WOULD_CROSS, market, idLo, idHi);
        return;
      }
    }
    if (moving || qty > total) {
      const own = this.sides[market * 2 + side];
      const pos = this.findLevel(own, side, price);
      if (pos >= 0) {
        const l = own.data[pos] * LEVEL_F64;
        const lf = this.r.levels.f64;
        const others = lf[l + L_TOTAL] + lf[l + L_HIDDEN] - (moving ? 0 : total);
        if (others > LIMIT - qty) {
          this.reject(C.REJ_OVERFLOW, market, idLo, idHi);
          return;
        }
      }
    }
    this.ev.emit(C.EV_AMENDED, 0, market, idLo, idHi, 0, 0, price, qty, qty);
    if (!moving && qty <= total) {
      this.takeOff(slot, total - qty); // keeps its place
    } else {
      this.tIdLo = idLo;
      this.tIdHi = idHi;
      this.tOwnerLo = ownerLo;
      this.tOwnerHi = ownerHi;
      this.tMarket = market;
      this.tSide = side;
      this.tType = C.TYPE_LIMIT;
      this.tTif = C.TIF_GTC;
      this.tPrice = price;
      this.tQty = qty;
      this.tDisplay = xIndex >= 0 ? xf[x + X_DISPLAY] : 0;
      this.tExpires = xIndex >= 0 ? xf[x + X_EXPIRES] : 0;
      this.tPostOnly = (flags & OF_POST_ONLY) !== 0;
      this.tStp = (flags >> OF_STP_SHIFT) & 3;
      this.tOco = isOco;
      this.tStop = isOco ? xf[x + X_STOP] : 0;
      this.tOcoPrice = isOco ? xf[x + X_PRICE2] : 0;
      this.detach(slot); // keeps its slot and id index entry for enter() to reuse
      this.tSlot = slot;
      this.enter();
    }
    this.triggerStops(market);
  }

  /** Expires every good-till-time order whose time has come, the earliest (then lowest id) first. */
  private expireUntil(time: number): void {
    for (let slot = this.nextExpired(time); slot >= 0; slot = this.nextExpired(time)) {
      const oi = this.r.orders.i32;
      const o = slot * ORDER_I32;
      const market = oi[o + O_MARKET];
      const idLo = oi[o + O_ID_LO];
      const idHi = oi[o + O_ID_HI];
      const price = this.priceOf(slot);
      const qty = this.totalOf(slot);
      this.removeOrder(slot);
      this.ev.emit(C.EV_DONE, C.DONE_TIME_EXPIRED, market, idLo, idHi, 0, 0, price, qty, 0);
    }
  }
}
