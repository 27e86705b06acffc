// The reference matcher: the oracle the WASM core is checked against, event for event.
// Written to be obviously right rather than fast: plain arrays, bigints, linear scans.
// It must never import the binding (src/) — only the shared codes and types.
import * as C from '../codes.ts';
import type { Book, Command, Depth, EngineEvent, EngineOptions, Level, OrderInfo } from '../types.ts';
import { SnapshotError } from '../types.ts';
import { decodeSnapshot, encodeSnapshot, hashState, type LogicalState } from './state.ts';

export const I64_MAX = (1n << 63n) - 1n;
export const DEFAULT_MAX_ORDERS = 1 << 24;

interface RestingOrder {
  id: bigint;
  owner: bigint;
  side: number;
  price: bigint;
  remaining: bigint;
}

interface PriceLevel {
  price: bigint;
  orders: RestingOrder[]; // FIFO: oldest first
}

interface MarketBook {
  bids: PriceLevel[]; // best (highest price) first
  asks: PriceLevel[]; // best (lowest price) first
}

export class ReferenceBook implements Book {
  private markets: MarketBook[] = [];
  private live = new Map<bigint, { market: number; order: RestingOrder }>();
  private maxOrders: number;

  constructor(options: EngineOptions = {}) {
    this.maxOrders = options.maxOrders ?? DEFAULT_MAX_ORDERS;
    for (let m = 0; m < (options.markets ?? 1); m++) this.markets.push({ bids: [], asks: [] });
  }

  execute(commands: Command[]): EngineEvent[] {
    const out: EngineEvent[] = [];
    commands.forEach((c, i) => this.apply(c, i, out));
    return out;
  }

  private apply(c: Command, index: number, out: EngineEvent[]): void {
    const emit = (kind: number, reason: number, id: bigint, other: bigint, price: bigint, qty: bigint, remaining: bigint) =>
      out.push({ kind, reason, market: c.market, cmd: index, id, other, price, qty, remaining });
    const reject = (reason: number) => emit(C.EV_REJECTED, reason, c.id, 0n, 0n, 0n, 0n);

    if (c.kind !== C.CMD_PLACE && c.kind !== C.CMD_CANCEL && c.kind !== C.CMD_REDUCE) return reject(C.REJ_UNKNOWN_COMMAND);
    if (c.market >= this.markets.length) return reject(C.REJ_UNKNOWN_MARKET);
    if (c.id === 0n) return reject(C.REJ_INVALID_ID);
    const book = this.markets[c.market];

    if (c.kind === C.CMD_CANCEL || c.kind === C.CMD_REDUCE) {
      if (c.kind === C.CMD_REDUCE && c.qty <= 0n) return reject(C.REJ_INVALID_QUANTITY);
      const entry = this.live.get(c.id);
      if (!entry || entry.market !== c.market) return reject(C.REJ_UNKNOWN_ORDER);
      const o = entry.order;
      if (o.owner !== c.owner) return reject(C.REJ_NOT_OWNER);
      if (c.kind === C.CMD_CANCEL || c.qty >= o.remaining) {
        const removed = o.remaining;
        this.remove(book, o);
        const why = c.kind === C.CMD_CANCEL ? C.DONE_CANCELLED : C.DONE_REDUCED_TO_ZERO;
        return emit(C.EV_DONE, why, o.id, 0n, o.price, removed, 0n);
      }
      o.remaining -= c.qty;
      return emit(C.EV_REDUCED, 0, o.id, 0n, o.price, c.qty, o.remaining);
    }

    // place: checks in the order of the REJ_* numbers
    if (c.side !== C.SIDE_BUY && c.side !== C.SIDE_SELL) return reject(C.REJ_INVALID_SIDE);
    if (c.type !== C.TYPE_LIMIT && c.type !== C.TYPE_MARKET) return reject(C.REJ_INVALID_TYPE);
    if (c.tif !== C.TIF_GTC && c.tif !== C.TIF_IOC && c.tif !== C.TIF_FOK) return reject(C.REJ_INVALID_TIF);
    if (c.type === C.TYPE_MARKET && c.tif === C.TIF_GTC) return reject(C.REJ_INVALID_TIF);
    if ((c.flags & ~C.FLAG_POST_ONLY) !== 0) return reject(C.REJ_INVALID_FLAGS);
    const postOnly = (c.flags & C.FLAG_POST_ONLY) !== 0;
    if (postOnly && (c.type !== C.TYPE_LIMIT || c.tif !== C.TIF_GTC)) return reject(C.REJ_INVALID_FLAGS);
    if (c.stp !== C.STP_CANCEL_RESTING) return reject(C.REJ_INVALID_STP);
    if (c.qty <= 0n) return reject(C.REJ_INVALID_QUANTITY);
    const isLimit = c.type === C.TYPE_LIMIT;
    if (isLimit ? c.price <= 0n : c.price !== 0n) return reject(C.REJ_INVALID_PRICE);
    if (isLimit && c.price * c.qty > I64_MAX) return reject(C.REJ_OVERFLOW);
    if (this.live.has(c.id)) return reject(C.REJ_DUPLICATE_ID);

    const isBuy = c.side === C.SIDE_BUY;
    const opposite = isBuy ? book.asks : book.bids;
    const crosses = (levelPrice: bigint) => !isLimit || (isBuy ? c.price >= levelPrice : c.price <= levelPrice);
    if (postOnly && opposite.length > 0 && crosses(opposite[0].price)) return reject(C.REJ_POST_ONLY_WOULD_CROSS);
    const mayRest = isLimit && c.tif === C.TIF_GTC;
    if (mayRest) {
      if (this.live.size >= this.maxOrders) return reject(C.REJ_CAPACITY);
      const own = (isBuy ? book.bids : book.asks).find((l) => l.price === c.price);
      if (own && levelTotal(own) + c.qty > I64_MAX) return reject(C.REJ_OVERFLOW);
    }

    emit(C.EV_ACCEPTED, 0, c.id, c.owner, c.price, c.qty, c.qty);

    if (c.tif === C.TIF_FOK) {
      // Fillable from other owners' orders alone (own orders would be cancelled, not traded).
      let available = 0n;
      for (const level of opposite) {
        if (!crosses(level.price) || available >= c.qty) break;
        for (const o of level.orders) if (o.owner !== c.owner) available += o.remaining;
      }
      if (available < c.qty) return emit(C.EV_DONE, C.DONE_FOK_UNFILLED, c.id, 0n, c.price, c.qty, 0n);
    }

    let remaining = c.qty;
    while (remaining > 0n && opposite.length > 0 && crosses(opposite[0].price)) {
      const level = opposite[0];
      const maker = level.orders[0];
      if (maker.owner === c.owner) {
        // Self-trade prevention, mode cancel-resting: the resting order goes, matching goes on.
        this.remove(book, maker);
        emit(C.EV_DONE, C.DONE_SELF_TRADE, maker.id, 0n, maker.price, maker.remaining, 0n);
        continue;
      }
      const q = remaining < maker.remaining ? remaining : maker.remaining;
      remaining -= q;
      maker.remaining -= q;
      emit(C.EV_TRADE, 0, c.id, maker.id, level.price, q, maker.remaining);
      if (maker.remaining === 0n) {
        this.remove(book, maker);
        emit(C.EV_DONE, C.DONE_FILLED, maker.id, 0n, maker.price, 0n, 0n);
      }
    }

    if (remaining === 0n) return emit(C.EV_DONE, C.DONE_FILLED, c.id, 0n, c.price, 0n, 0n);
    if (!mayRest) return emit(C.EV_DONE, C.DONE_EXPIRED, c.id, 0n, c.price, remaining, 0n);
    const order: RestingOrder = { id: c.id, owner: c.owner, side: c.side, price: c.price, remaining };
    this.rest(book, order);
    this.live.set(order.id, { market: c.market, order });
  }

  private rest(book: MarketBook, o: RestingOrder): void {
    const levels = o.side === C.SIDE_BUY ? book.bids : book.asks;
    const better = (p: bigint) => (o.side === C.SIDE_BUY ? p > o.price : p < o.price);
    let i = 0;
    while (i < levels.length && better(levels[i].price)) i++;
    if (i < levels.length && levels[i].price === o.price) levels[i].orders.push(o);
    else levels.splice(i, 0, { price: o.price, orders: [o] });
  }

  private remove(book: MarketBook, o: RestingOrder): void {
    const levels = o.side === C.SIDE_BUY ? book.bids : book.asks;
    const i = levels.findIndex((l) => l.price === o.price);
    const level = levels[i];
    level.orders.splice(level.orders.indexOf(o), 1);
    if (level.orders.length === 0) levels.splice(i, 1);
    this.live.delete(o.id);
  }

  depth(market: number, n: number): Depth {
    const book = this.markets[market];
    if (!book) return { bids: [], asks: [] };
    const summary = (l: PriceLevel): Level => ({ price: l.price, qty: levelTotal(l), orders: l.orders.length });
    return { bids: book.bids.slice(0, n).map(summary), asks: book.asks.slice(0, n).map(summary) };
  }

  order(id: bigint): OrderInfo | null {
    const entry = this.live.get(id);
    if (!entry) return null;
    const o = entry.order;
    return { id: o.id, market: entry.market, side: o.side, owner: o.owner, price: o.price, remaining: o.remaining };
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

  private logical(): LogicalState {
    const side = (levels: PriceLevel[]) =>
      levels.map((l) => ({ price: l.price, orders: l.orders.map((o) => ({ id: o.id, owner: o.owner, remaining: o.remaining })) }));
    return { maxOrders: this.maxOrders, markets: this.markets.map((b) => ({ bids: side(b.bids), asks: side(b.asks) })) };
  }

  stateHash(): bigint {
    return hashState(this.logical());
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.logical());
  }

  restore(bytes: Uint8Array): void {
    const state = decodeSnapshot(bytes); // throws SnapshotError, before anything changes
    const live = new Map<bigint, { market: number; order: RestingOrder }>();
    const markets = state.markets.map((m, market) => {
      const side = (levels: LogicalState['markets'][number]['bids'], s: number) =>
        levels.map((l) => ({
          price: l.price,
          orders: l.orders.map((o) => {
            const order = { id: o.id, owner: o.owner, side: s, price: l.price, remaining: o.remaining };
            if (live.has(o.id)) throw new SnapshotError(`snapshot: duplicate order id ${o.id}`);
            live.set(o.id, { market, order });
            return order;
          }),
        }));
      return { bids: side(m.bids, C.SIDE_BUY), asks: side(m.asks, C.SIDE_SELL) };
    });
    this.markets = markets;
    this.live = live;
    this.maxOrders = state.maxOrders;
  }
}

function levelTotal(level: PriceLevel): bigint {
  return level.orders.reduce((sum, o) => sum + o.remaining, 0n);
}
