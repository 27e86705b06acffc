// The JS twin: the WASM core's algorithm and memory layout in plain TypeScript, behind the same
// Book interface and the same raw record path (executeRaw) as the binding, so the benchmark can
// say what WebAssembly itself buys. Its numbers are doubles: every quantity, price, product
// and level total it takes is at most LIMIT (2^53 - 1) where the core's is i64 max, and a stop
// price or expiry above LIMIT is refused with `overflow`; below that it produces the core's
// events, state hash and snapshot bytes. It is a benchmark subject and a second implementation
// to test, not part of the node.
import * as C from '../codes.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  hashState,
  type LogicalLevel,
  type LogicalState,
  type LogicalStop,
} from '../reference/state.ts';
import { decodeEvents, encodeCommands } from '../src/records.ts';
import type { Book, Command, Depth, EngineEvent, EngineOptions, Level, OrderInfo } from '../types.ts';
import { SnapshotError } from '../types.ts';
import { TwinMatcher } from './matcher.ts';
import {
  EXT_F64,
  L_COUNT,
  L_HEAD,
  L_PRICE,
  L_TOTAL,
  LEVEL_F64,
  LEVEL_I32,
  O_EXT,
  O_ID_HI,
  O_ID_LO,
  O_MARKET,
  O_NEXT,
  O_OWNER_HI,
  O_OWNER_LO,
  O_REMAINING,
  OF_OCO,
  OF_PENDING,
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
  X_TIF,
  X_TYPE,
} from './records.ts';
import { LIMIT } from './structure.ts';

export { LIMIT as TWIN_LIMIT };
export const DEFAULT_MAX_ORDERS = 1 << 24;
const U64_MAX = (1n << 64n) - 1n;
const BIG_LIMIT = BigInt(LIMIT);

const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const lo32 = (v: bigint): number => Number(v & 0xffffffffn) | 0;
const hi32 = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;

export class TwinEngine implements Book {
  private core: TwinMatcher;

  constructor(options: EngineOptions = {}) {
    const markets = options.markets ?? 1;
    const maxOrders = options.maxOrders ?? DEFAULT_MAX_ORDERS;
    if (!Number.isInteger(markets) || markets < 1 || markets > 65536 || !Number.isInteger(maxOrders) || maxOrders < 1)
      throw new RangeError(`bad engine shape: ${markets} markets, ${maxOrders} orders`);
    this.core = new TwinMatcher(markets, maxOrders);
  }

  execute(commands: Command[]): EngineEvent[] {
    const events = this.executeRaw(encodeCommands(commands), commands.length);
    return decodeEvents(
      new DataView(events.buffer, events.byteOffset, events.byteLength),
      0,
      events.length / C.EV_SIZE,
    );
  }

  /** n command records in, the event records out (a view valid until the next call). */
  executeRaw(records: Uint8Array, n: number): Uint8Array {
    if (records.length < n * C.CMD_SIZE) throw new RangeError(`${n} commands need ${n * C.CMD_SIZE} bytes`);
    const aligned = records.byteOffset % 4 === 0 ? records : records.slice(0, n * C.CMD_SIZE);
    const ints = new Int32Array(aligned.buffer, aligned.byteOffset, (n * C.CMD_SIZE) / 4);
    this.core.executeRecords(ints, aligned, n);
    return this.core.ev.bytes();
  }

  // ---- queries: the reference's answers for every argument ----

  private isMarket(market: number): boolean {
    return Number.isInteger(market) && market >= 0 && market < this.core.marketCount;
  }

  depth(market: number, levels: number): Depth {
    if (!this.isMarket(market)) return { bids: [], asks: [] };
    const side = (s: SlotArray): Level[] => {
      const k = levels >= 0 ? Math.min(Math.trunc(levels), s.len) : s.len;
      const lf = this.core.r.levels.f64;
      const li = this.core.r.levels.i32;
      const out: Level[] = [];
      for (let i = 0; i < k; i++) {
        const level = s.data[s.len - 1 - i];
        out.push({
          price: BigInt(lf[level * LEVEL_F64 + L_PRICE]),
          qty: BigInt(lf[level * LEVEL_F64 + L_TOTAL]),
          orders: li[level * LEVEL_I32 + L_COUNT],
        });
      }
      return levels >= 0 ? out : out.slice(0, levels); // NaN and negative counts, as slice() reads them
    };
    return { bids: side(this.core.sides[market * 2]), asks: side(this.core.sides[market * 2 + 1]) };
  }

  order(id: bigint): OrderInfo | null {
    if (typeof id !== 'bigint' || id <= 0n || id > U64_MAX) return null;
    const c = this.core;
    const slot = c.ids.find(lo32(id), hi32(id), c.r.orders.i32);
    if (slot < 0) return null;
    const oi = c.r.orders.i32;
    const pending = (c.flagsOf(slot) & OF_PENDING) !== 0;
    return {
      id,
      market: oi[slot * ORDER_I32 + O_MARKET],
      side: c.sideOf(slot),
      owner: u64(oi[slot * ORDER_I32 + O_OWNER_LO], oi[slot * ORDER_I32 + O_OWNER_HI]),
      price: BigInt(c.priceOf(slot)),
      remaining: BigInt(c.totalOf(slot)),
      visible: pending ? 0n : BigInt(c.r.orders.f64[slot * ORDER_F64 + O_REMAINING]),
      pending,
    };
  }

  private best(market: number, side: number): bigint | null {
    if (!this.isMarket(market)) return null;
    const level = this.core.sides[market * 2 + side].last();
    return level < 0 ? null : BigInt(this.core.r.levels.f64[level * LEVEL_F64 + L_PRICE]);
  }

  bestBid(market: number): bigint | null {
    return this.best(market, C.SIDE_BUY);
  }

  bestAsk(market: number): bigint | null {
    return this.best(market, C.SIDE_SELL);
  }

  orderCount(): number {
    return this.core.ids.count;
  }

  marketCount(): number {
    return this.core.marketCount;
  }

  /** Bytes of the typed arrays the book holds (records and id index). */
  memory(): { book: number } {
    return { book: this.core.r.bytes() + this.core.ids.bytes() };
  }

  // ---- state: the reference's logical state, so hash and snapshot bytes are the core's ----

  private logical(): LogicalState {
    const c = this.core;
    const oi = c.r.orders.i32;
    const of = c.r.orders.f64;
    const xf = c.r.exts.f64;
    const xi = c.r.exts.i32;
    const ext = (slot: number, field: number): bigint => {
      const x = oi[slot * ORDER_I32 + O_EXT];
      return x < 0 ? 0n : BigInt(xf[x * EXT_F64 + field]);
    };
    const levels = (s: SlotArray): LogicalLevel[] => {
      const out: LogicalLevel[] = [];
      for (let i = s.len - 1; i >= 0; i--) {
        const level = s.data[i];
        const orders = [];
        for (let slot = c.r.levels.i32[level * LEVEL_I32 + L_HEAD]; slot >= 0; slot = oi[slot * ORDER_I32 + O_NEXT]) {
          const flags = c.flagsOf(slot);
          const oco = (flags & OF_OCO) !== 0;
          orders.push({
            id: u64(oi[slot * ORDER_I32 + O_ID_LO], oi[slot * ORDER_I32 + O_ID_HI]),
            owner: u64(oi[slot * ORDER_I32 + O_OWNER_LO], oi[slot * ORDER_I32 + O_OWNER_HI]),
            visible: BigInt(of[slot * ORDER_F64 + O_REMAINING]),
            hidden: ext(slot, X_HIDDEN),
            display: ext(slot, X_DISPLAY),
            expiresAt: ext(slot, X_EXPIRES),
            postOnly: (flags & OF_POST_ONLY) !== 0,
            stp: (flags >> OF_STP_SHIFT) & 3,
            oco,
            stopPrice: oco ? ext(slot, X_STOP) : 0n,
            ocoPrice: oco ? ext(slot, X_PRICE2) : 0n,
          });
        }
        out.push({ price: BigInt(c.r.levels.f64[level * LEVEL_F64 + L_PRICE]), orders });
      }
      return out;
    };
    const stops = (a: SlotArray): LogicalStop[] => {
      const out: LogicalStop[] = [];
      for (let i = a.len - 1; i >= 0; i--) {
        const slot = a.data[i];
        const id = u64(oi[slot * ORDER_I32 + O_ID_LO], oi[slot * ORDER_I32 + O_ID_HI]);
        const flags = c.flagsOf(slot);
        if ((flags & OF_PENDING) === 0) {
          out.push({
            id,
            oco: true,
            owner: 0n,
            qty: 0n,
            type: 0,
            tif: 0,
            stp: 0,
            price: 0n,
            stopPrice: 0n,
            expiresAt: 0n,
          });
          continue;
        }
        const x = oi[slot * ORDER_I32 + O_EXT];
        out.push({
          id,
          oco: false,
          owner: u64(oi[slot * ORDER_I32 + O_OWNER_LO], oi[slot * ORDER_I32 + O_OWNER_HI]),
          qty: BigInt(of[slot * ORDER_F64 + O_REMAINING]),
          type: xi[x * 12 + X_TYPE],
          tif: xi[x * 12 + X_TIF],
          stp: (flags >> OF_STP_SHIFT) & 3,
          price: BigInt(xf[x * EXT_F64 + X_PRICE2]),
          stopPrice: BigInt(xf[x * EXT_F64 + X_STOP]),
          expiresAt: BigInt(xf[x * EXT_F64 + X_EXPIRES]),
        });
      }
      return out;
    };
    const markets = [];
    for (let m = 0; m < c.marketCount; m++) {
      markets.push({
        lastPrice: BigInt(c.lastPrices[m]),
        bids: levels(c.sides[m * 2 + C.SIDE_BUY]),
        asks: levels(c.sides[m * 2 + C.SIDE_SELL]),
        buyStops: stops(c.stops[m * 2 + C.SIDE_BUY]),
        sellStops: stops(c.stops[m * 2 + C.SIDE_SELL]),
      });
    }
    return { maxOrders: c.maxOrders, markets };
  }

  stateHash(): bigint {
    return hashState(this.logical());
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.logical());
  }

  /** Replaces the state with a snapshot's; a bad one (or one past the twin's limit) throws SnapshotError and changes nothing. */
  restore(bytes: Uint8Array): void {
    const state = decodeSnapshot(bytes);
    this.core = build(state);
  }
}

function checkLimit(...values: bigint[]): void {
  for (const v of values) if (v > BIG_LIMIT) throw new SnapshotError(`snapshot: value ${v} past the twin's limit`);
}

/** A twin holding a checked logical state. */
function build(state: LogicalState): TwinMatcher {
  const c = new TwinMatcher(state.markets.length, state.maxOrders);
  state.markets.forEach((m, market) => {
    checkLimit(m.lastPrice);
    c.lastPrices[market] = Number(m.lastPrice);
    for (const side of [C.SIDE_BUY, C.SIDE_SELL]) {
      const s = c.sides[market * 2 + side];
      for (const level of side === C.SIDE_BUY ? m.bids : m.asks) {
        checkLimit(
          level.price,
          level.orders.reduce((sum, o) => sum + o.visible + o.hidden, 0n),
        );
        for (const o of level.orders) {
          checkLimit(
            o.display,
            o.expiresAt,
            o.stopPrice,
            level.price * (o.visible + o.hidden),
            o.ocoPrice * (o.visible + o.hidden),
          );
          const slot = c.r.orders.alloc();
          const flags = (o.postOnly ? OF_POST_ONLY : 0) | (o.stp << OF_STP_SHIFT) | (o.oco ? OF_OCO : 0);
          c.writeOrder(
            slot,
            lo32(o.id),
            hi32(o.id),
            lo32(o.owner),
            hi32(o.owner),
            Number(o.visible),
            market,
            side,
            flags,
          );
          if (o.hidden > 0n || o.display > 0n || o.expiresAt > 0n || o.oco) {
            const x = c.extOf(slot);
            const xf = c.r.exts.f64;
            xf[x + X_HIDDEN] = Number(o.hidden);
            xf[x + X_DISPLAY] = Number(o.display);
            xf[x + X_EXPIRES] = Number(o.expiresAt);
            xf[x + X_STOP] = Number(o.stopPrice);
            xf[x + X_PRICE2] = Number(o.ocoPrice);
          }
          c.ids.insert(lo32(o.id), hi32(o.id), slot);
          c.appendToLevel(slot, s, c.findLevel(s, side, Number(level.price)), Number(level.price));
          if (o.expiresAt > 0n) c.addExpiry(slot);
        }
      }
      for (const st of side === C.SIDE_BUY ? m.buyStops : m.sellStops) {
        let slot: number;
        if (st.oco) {
          slot = c.ids.find(lo32(st.id), hi32(st.id), c.r.orders.i32);
        } else {
          checkLimit(st.qty, st.price * st.qty, st.stopPrice, st.expiresAt);
          slot = c.newStop(
            market,
            side,
            lo32(st.id),
            hi32(st.id),
            lo32(st.owner),
            hi32(st.owner),
            Number(st.qty),
            st.type,
            st.tif,
            st.stp,
            Number(st.price),
            Number(st.stopPrice),
            Number(st.expiresAt),
          );
          if (st.expiresAt > 0n) c.addExpiry(slot);
        }
        c.stops[market * 2 + side].insert(0, slot); // the list is walked first-to-trigger first
      }
    }
  });
  return c;
}
