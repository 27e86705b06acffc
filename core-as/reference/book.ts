// The reference matcher: the oracle the WASM core is checked against, event for event.
// Written to be obviously right rather than fast: plain arrays, bigints, linear scans.
// It must never import the binding (src/) — only the shared codes and types.
// The rules it implements are written out in core-as/README.md.
import * as C from '../codes.ts';
import type { Book, Command, Depth, EngineEvent, EngineOptions, Level, OrderInfo } from '../types.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  hashState,
  type LogicalState,
  type LogicalOrder,
  type LogicalStop,
} from './state.ts';

export const I64_MAX = (1n << 63n) - 1n;
export const DEFAULT_MAX_ORDERS = 1 << 24;

/**
 * Options of the reference beyond the engine's. `valueLimit` is the largest quantity, price,
 * product and total the book takes (default: i64 max, the core's). A smaller limit models an
 * engine whose numbers are narrower, such as the JS twin's doubles (2^53 - 1): whatever would
 * pass it is refused with `overflow`, and so are a quantity, a stop price or an expiry above it.
 */
export interface ReferenceOptions extends EngineOptions {
  valueLimit?: bigint;
}

/** A live order: resting in a level, or a stop waiting for its trigger (pending). */
interface Order {
  id: bigint;
  owner: bigint;
  market: number;
  side: number;
  price: bigint; //     resting: its level's price; pending: its limit price (0 for stop-market)
  visible: bigint; //   resting: the part in the level; pending: its quantity
  hidden: bigint; //    iceberg reserve
  display: bigint; //   iceberg display size, 0 = not an iceberg
  expiresAt: bigint; // 0 = none
  postOnly: boolean;
  stp: number;
  pending: boolean;
  type: number; //      pending stops: TYPE_STOP_LIMIT or TYPE_STOP_MARKET
  tif: number; //       pending stops: their time in force once triggered
  stopPrice: bigint; // pending stops, and OCOs
  oco: boolean; //      a resting limit whose stop leg waits in the stop list
  ocoPrice: bigint; //  the stop leg's limit price, 0 = stop-market
}

interface PriceLevel {
  price: bigint;
  orders: Order[]; // FIFO: oldest first
}

interface MarketBook {
  bids: PriceLevel[]; //  best (highest) first
  asks: PriceLevel[]; //  best (lowest) first
  buyStops: Order[]; //   trigger order: stop price ascending, then arrival
  sellStops: Order[]; //  trigger order: stop price descending, then arrival
  lastPrice: bigint; //   last trade price, 0 before the first trade
}

/** What enters the matcher: a new order, a triggered stop, or a moved order. */
interface Taker {
  id: bigint;
  owner: bigint;
  market: number;
  side: number;
  type: number;
  tif: number;
  price: bigint;
  qty: bigint;
  display: bigint;
  expiresAt: bigint;
  postOnly: boolean;
  stp: number;
  oco: boolean;
  stopPrice: bigint;
  ocoPrice: bigint;
}

const total = (o: Order) => o.visible + o.hidden;
const isStopType = (t: number) => t === C.TYPE_STOP_LIMIT || t === C.TYPE_STOP_MARKET;

export class ReferenceBook implements Book {
  private markets: MarketBook[] = [];
  private live = new Map<bigint, Order>();
  private expiries: Order[] = []; // good-till-time orders by (expiresAt, id)
  private maxOrders: number;
  private readonly limit: bigint;
  private out: EngineEvent[] = [];
  private cmdIndex = 0;

  constructor(options: ReferenceOptions = {}) {
    this.maxOrders = options.maxOrders ?? DEFAULT_MAX_ORDERS;
    this.limit = options.valueLimit ?? I64_MAX;
    for (let m = 0; m < (options.markets ?? 1); m++) this.markets.push(emptyMarket());
  }

  execute(commands: Command[]): EngineEvent[] {
    this.out = [];
    commands.forEach((c, i) => {
      this.cmdIndex = i;
      this.apply(c);
    });
    return this.out;
  }

  private emit(
    kind: number,
    reason: number,
    market: number,
    id: bigint,
    other: bigint,
    price: bigint,
    qty: bigint,
    remaining: bigint,
  ): void {
    this.out.push({ kind, reason, market, cmd: this.cmdIndex, id, other, price, qty, remaining });
  }

  private apply(c: Command): void {
    if (c.time > 0n) this.expire(c.time);
    const reject = (reason: number) => this.emit(C.EV_REJECTED, reason, c.market, c.id, 0n, 0n, 0n, 0n);
    if (c.kind < C.CMD_PLACE || c.kind > C.CMD_AMEND) return reject(C.REJ_UNKNOWN_COMMAND);
    if (c.market >= this.markets.length) return reject(C.REJ_UNKNOWN_MARKET);
    if (c.id === 0n) return reject(C.REJ_INVALID_ID);
    if (c.kind === C.CMD_PLACE) {
      const why = this.checkPlace(c);
      if (why !== 0) return reject(why);
      this.place(c);
      return this.triggerStops(c.market);
    }
    if (c.kind === C.CMD_REDUCE && c.qty <= 0n) return reject(C.REJ_INVALID_QUANTITY);
    if (c.kind === C.CMD_AMEND) {
      if (c.price < 0n) return reject(C.REJ_INVALID_PRICE);
      if (c.qty < 0n || (c.price === 0n && c.qty === 0n)) return reject(C.REJ_INVALID_QUANTITY);
    }
    const o = this.live.get(c.id);
    if (!o || o.market !== c.market) return reject(C.REJ_UNKNOWN_ORDER);
    if (o.owner !== c.owner) return reject(C.REJ_NOT_OWNER);
    if (c.kind === C.CMD_CANCEL) {
      this.removeOrder(o);
      return this.emit(C.EV_DONE, C.DONE_CANCELLED, o.market, o.id, 0n, o.price, total(o), 0n);
    }
    if (c.kind === C.CMD_REDUCE) {
      if (c.qty >= total(o)) {
        this.removeOrder(o);
        return this.emit(C.EV_DONE, C.DONE_REDUCED_TO_ZERO, o.market, o.id, 0n, o.price, total(o), 0n);
      }
      takeOff(o, c.qty);
      return this.emit(C.EV_REDUCED, 0, o.market, o.id, 0n, o.price, c.qty, total(o));
    }
    const why = this.checkAmend(c, o);
    if (why !== 0) return reject(why);
    this.amend(c, o);
    this.triggerStops(c.market);
  }

  // ---- place ----

  /** The reject reason of a place command, or 0; in the documented order. */
  private checkPlace(c: Command): number {
    const book = this.markets[c.market];
    if (c.side !== C.SIDE_BUY && c.side !== C.SIDE_SELL) return C.REJ_INVALID_SIDE;
    if (c.type < C.TYPE_LIMIT || c.type > C.TYPE_STOP_MARKET) return C.REJ_INVALID_TYPE;
    const hasLimit = c.type === C.TYPE_LIMIT || c.type === C.TYPE_STOP_LIMIT;
    const isStop = isStopType(c.type);
    const gtcLimit = c.type === C.TYPE_LIMIT && c.tif === C.TIF_GTC;
    if (c.tif !== C.TIF_GTC && c.tif !== C.TIF_IOC && c.tif !== C.TIF_FOK) return C.REJ_INVALID_TIF;
    if (!hasLimit && c.tif === C.TIF_GTC) return C.REJ_INVALID_TIF;
    if ((c.flags & ~(C.FLAG_POST_ONLY | C.FLAG_OCO)) !== 0) return C.REJ_INVALID_FLAGS;
    const postOnly = (c.flags & C.FLAG_POST_ONLY) !== 0;
    const oco = (c.flags & C.FLAG_OCO) !== 0;
    if ((postOnly || oco) && !gtcLimit) return C.REJ_INVALID_FLAGS;
    if (oco && c.display !== 0n) return C.REJ_INVALID_FLAGS;
    if (c.stp < C.STP_CANCEL_RESTING || c.stp > C.STP_DECREMENT) return C.REJ_INVALID_STP;
    if (c.tif === C.TIF_FOK && c.stp !== C.STP_CANCEL_RESTING) return C.REJ_INVALID_STP;
    if (c.qty <= 0n) return C.REJ_INVALID_QUANTITY;
    if (hasLimit ? c.price <= 0n : c.price !== 0n) return C.REJ_INVALID_PRICE;
    if ((hasLimit && c.price * c.qty > this.limit) || c.qty > this.limit) return C.REJ_OVERFLOW; // qty: never with the core's limit
    if (isStop || oco ? c.stopPrice <= 0n : c.stopPrice !== 0n) return C.REJ_INVALID_STOP_PRICE;
    if (oco) {
      if (c.ocoPrice < 0n) return C.REJ_INVALID_STOP_PRICE;
      if (c.side === C.SIDE_BUY ? c.stopPrice <= c.price : c.stopPrice >= c.price) return C.REJ_INVALID_STOP_PRICE;
      if (c.ocoPrice * c.qty > this.limit) return C.REJ_OVERFLOW;
    } else if (c.ocoPrice !== 0n) {
      return C.REJ_INVALID_STOP_PRICE;
    }
    if (c.stopPrice > this.limit) return C.REJ_OVERFLOW; // never with the core's limit
    if (c.display < 0n || (c.display > 0n && (!gtcLimit || c.display > c.qty || tooManyParts(c.qty, c.display))))
      return C.REJ_INVALID_DISPLAY;
    if (c.expiresAt < 0n || (c.expiresAt > 0n && !gtcLimit && !isStop)) return C.REJ_INVALID_EXPIRY;
    if (c.expiresAt > this.limit) return C.REJ_OVERFLOW; // never with the core's limit
    if (c.expiresAt > 0n && c.time > 0n && c.expiresAt <= c.time) return C.REJ_INVALID_EXPIRY;
    if (this.live.has(c.id)) return C.REJ_DUPLICATE_ID;
    const opposite = c.side === C.SIDE_BUY ? book.asks : book.bids;
    if (postOnly && opposite.length > 0 && crosses(c.side, true, c.price, opposite[0].price))
      return C.REJ_POST_ONLY_WOULD_CROSS;
    return gtcLimit || isStop ? this.checkRoom(c.market, c.side, gtcLimit, c.price, c.qty) : 0;
  }

  /** Capacity, and for a would-be resting limit the committed total of its level. */
  private checkRoom(market: number, side: number, rests: boolean, price: bigint, qty: bigint): number {
    if (this.live.size >= this.maxOrders) return C.REJ_CAPACITY;
    if (!rests) return 0;
    const book = this.markets[market];
    const level = (side === C.SIDE_BUY ? book.bids : book.asks).find((l) => l.price === price);
    if (level && committed(level) + qty > this.limit) return C.REJ_OVERFLOW;
    return 0;
  }

  private place(c: Command): void {
    this.emit(C.EV_ACCEPTED, 0, c.market, c.id, c.owner, c.price, c.qty, c.qty);
    const postOnly = (c.flags & C.FLAG_POST_ONLY) !== 0;
    if (isStopType(c.type)) {
      const o: Order = {
        id: c.id,
        owner: c.owner,
        market: c.market,
        side: c.side,
        price: c.price,
        visible: c.qty,
        hidden: 0n,
        display: 0n,
        expiresAt: c.expiresAt,
        postOnly,
        stp: c.stp,
        pending: true,
        type: c.type,
        tif: c.tif,
        stopPrice: c.stopPrice,
        oco: false,
        ocoPrice: 0n,
      };
      this.live.set(o.id, o);
      this.addStop(o);
      if (o.expiresAt > 0n) this.addExpiry(o);
      return;
    }
    this.enter({
      id: c.id,
      owner: c.owner,
      market: c.market,
      side: c.side,
      type: c.type,
      tif: c.tif,
      price: c.price,
      qty: c.qty,
      display: c.display,
      expiresAt: c.expiresAt,
      postOnly,
      stp: c.stp,
      oco: (c.flags & C.FLAG_OCO) !== 0,
      stopPrice: c.stopPrice,
      ocoPrice: c.ocoPrice,
    });
  }

  /** Matches a taker against the book, then rests, expires or fills it. Checks are done. */
  private enter(t: Taker): void {
    const book = this.markets[t.market];
    const isBuy = t.side === C.SIDE_BUY;
    const isLimit = t.type === C.TYPE_LIMIT;
    const opposite = isBuy ? book.asks : book.bids;
    if (t.tif === C.TIF_FOK) {
      // fillable from other owners' orders alone, hidden parts included (refills stay at their price)
      let available = 0n;
      for (const level of opposite) {
        if (!crosses(t.side, isLimit, t.price, level.price) || available >= t.qty) break;
        for (const o of level.orders) if (o.owner !== t.owner) available += total(o);
      }
      if (available < t.qty) return this.emit(C.EV_DONE, C.DONE_FOK_UNFILLED, t.market, t.id, 0n, t.price, t.qty, 0n);
    }
    let rem = t.qty;
    let traded = false;
    while (rem > 0n && opposite.length > 0 && crosses(t.side, isLimit, t.price, opposite[0].price)) {
      const level = opposite[0];
      const m = level.orders[0];
      if (m.owner === t.owner) {
        const mq = total(m);
        if (t.stp === C.STP_CANCEL_RESTING || t.stp === C.STP_CANCEL_BOTH) {
          this.removeOrder(m);
          this.emit(C.EV_DONE, C.DONE_SELF_TRADE, t.market, m.id, 0n, m.price, mq, 0n);
          if (t.stp === C.STP_CANCEL_RESTING) continue;
        }
        if (t.stp !== C.STP_DECREMENT)
          return this.emit(C.EV_DONE, C.DONE_SELF_TRADE, t.market, t.id, 0n, t.price, rem, 0n);
        // decrement and cancel: both lose the smaller quantity, nothing trades
        const d = mq < rem ? mq : rem;
        if (d === mq) {
          this.removeOrder(m);
          this.emit(C.EV_DONE, C.DONE_SELF_TRADE, t.market, m.id, 0n, m.price, mq, 0n);
        } else {
          takeOff(m, d);
          this.emit(C.EV_REDUCED, 0, t.market, m.id, 0n, m.price, d, total(m));
        }
        rem -= d;
        if (rem === 0n) return this.emit(C.EV_DONE, C.DONE_SELF_TRADE, t.market, t.id, 0n, t.price, d, 0n);
        this.emit(C.EV_REDUCED, 0, t.market, t.id, 0n, t.price, d, rem);
        continue;
      }
      const q = rem < m.visible ? rem : m.visible;
      rem -= q;
      m.visible -= q;
      traded = true;
      book.lastPrice = level.price;
      this.emit(C.EV_TRADE, 0, t.market, t.id, m.id, level.price, q, total(m));
      if (m.oco) this.dropStopLeg(m);
      if (m.visible === 0n) {
        if (m.hidden > 0n) {
          // iceberg: show the next slice, at the back of the level
          m.visible = m.hidden < m.display ? m.hidden : m.display;
          m.hidden -= m.visible;
          level.orders.shift();
          level.orders.push(m);
          this.emit(C.EV_REFILLED, 0, t.market, m.id, 0n, level.price, m.visible, total(m));
        } else {
          this.removeOrder(m);
          this.emit(C.EV_DONE, C.DONE_FILLED, t.market, m.id, 0n, level.price, 0n, 0n);
        }
      }
    }
    if (rem === 0n) return this.emit(C.EV_DONE, C.DONE_FILLED, t.market, t.id, 0n, t.price, 0n, 0n);
    if (!(isLimit && t.tif === C.TIF_GTC))
      return this.emit(C.EV_DONE, C.DONE_EXPIRED, t.market, t.id, 0n, t.price, rem, 0n);
    const visible = t.display > 0n && t.display < rem ? t.display : rem;
    const o: Order = {
      id: t.id,
      owner: t.owner,
      market: t.market,
      side: t.side,
      price: t.price,
      visible,
      hidden: rem - visible,
      display: t.display,
      expiresAt: t.expiresAt,
      postOnly: t.postOnly,
      stp: t.stp,
      pending: false,
      type: C.TYPE_LIMIT,
      tif: C.TIF_GTC,
      stopPrice: 0n,
      oco: false,
      ocoPrice: 0n,
    };
    this.rest(o);
    this.live.set(o.id, o);
    if (o.expiresAt > 0n) this.addExpiry(o);
    if (t.oco && !traded) {
      // the stop leg waits only while the limit leg is untouched
      o.oco = true;
      o.stopPrice = t.stopPrice;
      o.ocoPrice = t.ocoPrice;
      this.addStop(o);
    }
  }

  // ---- stops ----

  private triggerStops(market: number): void {
    const book = this.markets[market];
    while (book.lastPrice > 0n) {
      const b = book.buyStops[0];
      const s = book.sellStops[0];
      const next = b && book.lastPrice >= b.stopPrice ? b : s && book.lastPrice <= s.stopPrice ? s : undefined;
      if (!next) return;
      this.trigger(next);
    }
  }

  private trigger(s: Order): void {
    const qty = total(s);
    this.removeOrder(s);
    this.emit(C.EV_TRIGGERED, 0, s.market, s.id, s.owner, s.stopPrice, qty, qty);
    const t: Taker = s.oco
      ? {
          id: s.id,
          owner: s.owner,
          market: s.market,
          side: s.side,
          type: s.ocoPrice > 0n ? C.TYPE_LIMIT : C.TYPE_MARKET,
          tif: s.ocoPrice > 0n ? C.TIF_GTC : C.TIF_IOC,
          price: s.ocoPrice,
          qty,
          display: 0n,
          expiresAt: s.expiresAt,
          postOnly: false,
          stp: s.stp,
          oco: false,
          stopPrice: 0n,
          ocoPrice: 0n,
        }
      : {
          id: s.id,
          owner: s.owner,
          market: s.market,
          side: s.side,
          type: s.type === C.TYPE_STOP_LIMIT ? C.TYPE_LIMIT : C.TYPE_MARKET,
          tif: s.tif,
          price: s.price,
          qty,
          display: 0n,
          expiresAt: s.expiresAt,
          postOnly: false,
          stp: s.stp,
          oco: false,
          stopPrice: 0n,
          ocoPrice: 0n,
        };
    if (t.type === C.TYPE_LIMIT && t.tif === C.TIF_GTC) {
      const why = this.checkRoom(t.market, t.side, true, t.price, t.qty);
      if (why !== 0) return this.emit(C.EV_REJECTED, why, t.market, t.id, 0n, 0n, 0n, 0n);
    }
    this.enter(t);
  }

  private addStop(o: Order): void {
    const book = this.markets[o.market];
    const list = o.side === C.SIDE_BUY ? book.buyStops : book.sellStops;
    // after every stop that triggers no later than it
    const later = (s: Order) => (o.side === C.SIDE_BUY ? s.stopPrice > o.stopPrice : s.stopPrice < o.stopPrice);
    const i = list.findIndex(later);
    list.splice(i < 0 ? list.length : i, 0, o);
  }

  private dropStopLeg(o: Order): void {
    const book = this.markets[o.market];
    const list = o.side === C.SIDE_BUY ? book.buyStops : book.sellStops;
    list.splice(list.indexOf(o), 1);
    o.oco = false;
    o.stopPrice = 0n;
    o.ocoPrice = 0n;
  }

  // ---- good-till-time ----

  private addExpiry(o: Order): void {
    const i = this.expiries.findIndex((e) => e.expiresAt > o.expiresAt || (e.expiresAt === o.expiresAt && e.id > o.id));
    this.expiries.splice(i < 0 ? this.expiries.length : i, 0, o);
  }

  private expire(time: bigint): void {
    while (this.expiries.length > 0 && this.expiries[0].expiresAt <= time) {
      const o = this.expiries[0];
      this.removeOrder(o);
      this.emit(C.EV_DONE, C.DONE_TIME_EXPIRED, o.market, o.id, 0n, o.price, total(o), 0n);
    }
  }

  // ---- amend ----

  private checkAmend(c: Command, o: Order): number {
    if (o.pending) return C.REJ_NOT_AMENDABLE;
    const price = c.price === 0n ? o.price : c.price;
    const qty = c.qty === 0n ? total(o) : c.qty;
    if (price * qty > this.limit) return C.REJ_OVERFLOW;
    if (o.display > 0n && tooManyParts(qty, o.display)) return C.REJ_INVALID_DISPLAY;
    if (o.oco) {
      if (o.side === C.SIDE_BUY ? o.stopPrice <= price : o.stopPrice >= price) return C.REJ_INVALID_STOP_PRICE;
      if (o.ocoPrice * qty > this.limit) return C.REJ_OVERFLOW;
    }
    const book = this.markets[o.market];
    const opposite = o.side === C.SIDE_BUY ? book.asks : book.bids;
    const moving = price !== o.price;
    if (moving && o.postOnly && opposite.length > 0 && crosses(o.side, true, price, opposite[0].price))
      return C.REJ_POST_ONLY_WOULD_CROSS;
    const own = o.side === C.SIDE_BUY ? book.bids : book.asks;
    const level = own.find((l) => l.price === price);
    const others = level ? committed(level) - (moving ? 0n : total(o)) : 0n;
    if ((moving || qty > total(o)) && others + qty > this.limit) return C.REJ_OVERFLOW;
    return 0;
  }

  private amend(c: Command, o: Order): void {
    const price = c.price === 0n ? o.price : c.price;
    const qty = c.qty === 0n ? total(o) : c.qty;
    this.emit(C.EV_AMENDED, 0, o.market, o.id, 0n, price, qty, qty);
    if (price === o.price && qty <= total(o)) return takeOff(o, total(o) - qty); // keeps its place
    const { oco, stopPrice, ocoPrice } = o;
    this.removeOrder(o);
    this.enter({
      id: o.id,
      owner: o.owner,
      market: o.market,
      side: o.side,
      type: C.TYPE_LIMIT,
      tif: C.TIF_GTC,
      price,
      qty,
      display: o.display,
      expiresAt: o.expiresAt,
      postOnly: o.postOnly,
      stp: o.stp,
      oco,
      stopPrice,
      ocoPrice,
    });
  }

  // ---- structure ----

  private rest(o: Order): void {
    const book = this.markets[o.market];
    const levels = o.side === C.SIDE_BUY ? book.bids : book.asks;
    const better = (p: bigint) => (o.side === C.SIDE_BUY ? p > o.price : p < o.price);
    let i = 0;
    while (i < levels.length && better(levels[i].price)) i++;
    if (i < levels.length && levels[i].price === o.price) levels[i].orders.push(o);
    else levels.splice(i, 0, { price: o.price, orders: [o] });
  }

  /** Takes an order out of everything that holds it: level, stop list, expiry list, id map. */
  private removeOrder(o: Order): void {
    const book = this.markets[o.market];
    if (o.pending || o.oco) {
      const list = o.side === C.SIDE_BUY ? book.buyStops : book.sellStops;
      list.splice(list.indexOf(o), 1);
    }
    if (!o.pending) {
      const levels = o.side === C.SIDE_BUY ? book.bids : book.asks;
      const i = levels.findIndex((l) => l.price === o.price);
      const level = levels[i];
      level.orders.splice(level.orders.indexOf(o), 1);
      if (level.orders.length === 0) levels.splice(i, 1);
    }
    if (o.expiresAt > 0n) this.expiries.splice(this.expiries.indexOf(o), 1);
    this.live.delete(o.id);
  }

  // ---- queries ----

  depth(market: number, n: number): Depth {
    const book = this.markets[market];
    if (!book) return { bids: [], asks: [] };
    const summary = (l: PriceLevel): Level => ({
      price: l.price,
      qty: l.orders.reduce((s, o) => s + o.visible, 0n),
      orders: l.orders.length,
    });
    return { bids: book.bids.slice(0, n).map(summary), asks: book.asks.slice(0, n).map(summary) };
  }

  order(id: bigint): OrderInfo | null {
    const o = this.live.get(id);
    if (!o) return null;
    return {
      id: o.id,
      market: o.market,
      side: o.side,
      owner: o.owner,
      price: o.price,
      remaining: total(o),
      visible: o.pending ? 0n : o.visible,
      pending: o.pending,
    };
  }

  bestBid(market: number): bigint | null {
    return this.markets[market]?.bids[0]?.price ?? null;
  }

  bestAsk(market: number): bigint | null {
    return this.markets[market]?.asks[0]?.price ?? null;
  }

  orderCount(): number {
    return this.live.size;
  }

  marketCount(): number {
    return this.markets.length;
  }

  // ---- state ----

  private logical(): LogicalState {
    const order = (o: Order): LogicalOrder => ({
      id: o.id,
      owner: o.owner,
      visible: o.visible,
      hidden: o.hidden,
      display: o.display,
      expiresAt: o.expiresAt,
      postOnly: o.postOnly,
      stp: o.stp,
      oco: o.oco,
      stopPrice: o.stopPrice,
      ocoPrice: o.ocoPrice,
    });
    const stop = (o: Order): LogicalStop =>
      o.oco
        ? { id: o.id, oco: true, owner: 0n, qty: 0n, type: 0, tif: 0, stp: 0, price: 0n, stopPrice: 0n, expiresAt: 0n }
        : {
            id: o.id,
            oco: false,
            owner: o.owner,
            qty: o.visible,
            type: o.type,
            tif: o.tif,
            stp: o.stp,
            price: o.price,
            stopPrice: o.stopPrice,
            expiresAt: o.expiresAt,
          };
    const side = (levels: PriceLevel[]) => levels.map((l) => ({ price: l.price, orders: l.orders.map(order) }));
    return {
      maxOrders: this.maxOrders,
      markets: this.markets.map((b) => ({
        lastPrice: b.lastPrice,
        bids: side(b.bids),
        asks: side(b.asks),
        buyStops: b.buyStops.map(stop),
        sellStops: b.sellStops.map(stop),
      })),
    };
  }

  stateHash(): bigint {
    return hashState(this.logical());
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.logical());
  }

  restore(bytes: Uint8Array): void {
    const state = decodeSnapshot(bytes); // checks everything; throws SnapshotError before anything changes
    const live = new Map<bigint, Order>();
    const expiries: Order[] = [];
    const markets = state.markets.map((m, market): MarketBook => {
      const side = (levels: LogicalState['markets'][number]['bids'], s: number): PriceLevel[] =>
        levels.map((l) => ({
          price: l.price,
          orders: l.orders.map((lo) => {
            const o: Order = {
              ...lo,
              market,
              side: s,
              price: l.price,
              pending: false,
              type: C.TYPE_LIMIT,
              tif: C.TIF_GTC,
            };
            live.set(o.id, o);
            return o;
          }),
        }));
      const bids = side(m.bids, C.SIDE_BUY);
      const asks = side(m.asks, C.SIDE_SELL);
      const stops = (list: LogicalStop[], s: number): Order[] =>
        list.map((ls) => {
          if (ls.oco) return live.get(ls.id)!;
          const o: Order = {
            id: ls.id,
            owner: ls.owner,
            market,
            side: s,
            price: ls.price,
            visible: ls.qty,
            hidden: 0n,
            display: 0n,
            expiresAt: ls.expiresAt,
            postOnly: false,
            stp: ls.stp,
            pending: true,
            type: ls.type,
            tif: ls.tif,
            stopPrice: ls.stopPrice,
            oco: false,
            ocoPrice: 0n,
          };
          live.set(o.id, o);
          return o;
        });
      return {
        lastPrice: m.lastPrice,
        bids,
        asks,
        buyStops: stops(m.buyStops, C.SIDE_BUY),
        sellStops: stops(m.sellStops, C.SIDE_SELL),
      };
    });
    for (const o of live.values()) if (o.expiresAt > 0n) expiries.push(o);
    expiries.sort((a, b) =>
      a.expiresAt !== b.expiresAt ? (a.expiresAt < b.expiresAt ? -1 : 1) : a.id < b.id ? -1 : 1,
    );
    this.markets = markets;
    this.live = live;
    this.expiries = expiries;
    this.maxOrders = state.maxOrders;
  }
}

function emptyMarket(): MarketBook {
  return { bids: [], asks: [], buyStops: [], sellStops: [], lastPrice: 0n };
}

function crosses(side: number, isLimit: boolean, price: bigint, levelPrice: bigint): boolean {
  return !isLimit || (side === C.SIDE_BUY ? price >= levelPrice : price <= levelPrice);
}

/** Shown plus hidden quantity of every order of a level: what its total may never pass. */
function committed(level: PriceLevel): bigint {
  return level.orders.reduce((s, o) => s + total(o), 0n);
}

function tooManyParts(qty: bigint, display: bigint): boolean {
  return (qty + display - 1n) / display > BigInt(C.MAX_ICEBERG_PARTS);
}

/** Takes q off an order, from the hidden reserve first: it keeps its place. */
function takeOff(o: Order, q: bigint): void {
  const fromHidden = q < o.hidden ? q : o.hidden;
  o.hidden -= fromHidden;
  o.visible -= q - fromHidden;
}
