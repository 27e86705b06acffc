// The logical state of a book, its 64-bit hash and its snapshot bytes, written the slow,
// obvious way. The WASM core (assembly/state.ts) must produce the same words, hash and bytes;
// core-as/README.md specifies both formats.
import * as C from '../codes.ts';
import { SnapshotError } from '../types.ts';

export interface LogicalOrder {
  id: bigint;
  owner: bigint;
  visible: bigint;
  hidden: bigint;
  display: bigint;
  expiresAt: bigint;
  postOnly: boolean;
  stp: number;
  oco: boolean;
  stopPrice: bigint;
  ocoPrice: bigint;
}
export interface LogicalLevel {
  price: bigint;
  orders: LogicalOrder[];
}
/** A stop list entry: a pending stop order, or (oco) the stop leg of a resting OCO order. */
export interface LogicalStop {
  id: bigint;
  oco: boolean;
  owner: bigint;
  qty: bigint;
  type: number;
  tif: number;
  stp: number;
  price: bigint;
  stopPrice: bigint;
  expiresAt: bigint;
}
export interface LogicalMarket {
  lastPrice: bigint;
  bids: LogicalLevel[]; //      best first, orders FIFO
  asks: LogicalLevel[];
  buyStops: LogicalStop[]; //   trigger order
  sellStops: LogicalStop[];
}
export interface LogicalState {
  maxOrders: number;
  markets: LogicalMarket[];
}

const MASK = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
export const HASH_SEED = 0x6d657368626f6f6bn; // "meshbook"
export const GOLDEN = 0x9e3779b97f4a7c15n;
export const SNAPSHOT_MAGIC = 0x3153504b4f4f424dn; // "MBOOKPS1" read as a little-endian u64
export const SNAPSHOT_VERSION = 2n;
export const MAX_MARKETS = 65536;
export const MAX_ORDERS = 1 << 24; // the core's order slot limit

// bits of a resting order's flags word
export const OF_ICEBERG = 1n;
export const OF_GTT = 2n;
export const OF_OCO = 4n;
export const OF_POST_ONLY = 8n;
export const OF_STP_SHIFT = 4n; // two bits

/** splitmix64's finaliser. */
export function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** h' = mix64((h + GOLDEN) xor w), all modulo 2^64; w is taken as its two's complement u64. */
export function absorb(h: bigint, w: bigint): bigint {
  return mix64(((h + GOLDEN) & MASK) ^ (w & MASK));
}

/** The words the state hash is taken over (the snapshot body is the same words). */
export function stateWords(state: LogicalState): bigint[] {
  const words: bigint[] = [BigInt(state.markets.length)];
  for (const m of state.markets) {
    words.push(m.lastPrice);
    for (const levels of [m.bids, m.asks]) {
      words.push(BigInt(levels.length));
      for (const l of levels) {
        words.push(l.price, BigInt(l.orders.length));
        for (const o of l.orders) {
          const bits =
            (o.display > 0n ? OF_ICEBERG : 0n) |
            (o.expiresAt > 0n ? OF_GTT : 0n) |
            (o.oco ? OF_OCO : 0n) |
            (o.postOnly ? OF_POST_ONLY : 0n) |
            (BigInt(o.stp) << OF_STP_SHIFT);
          words.push(o.id, o.owner, o.visible, bits);
          if (o.display > 0n) words.push(o.hidden, o.display);
          if (o.expiresAt > 0n) words.push(o.expiresAt);
          if (o.oco) words.push(o.stopPrice, o.ocoPrice);
        }
      }
    }
    for (const stops of [m.buyStops, m.sellStops]) {
      words.push(BigInt(stops.length));
      for (const s of stops) {
        words.push(s.id, s.oco ? 1n : 0n);
        if (!s.oco)
          words.push(s.owner, s.qty, BigInt(s.type), BigInt(s.tif), BigInt(s.stp), s.price, s.stopPrice, s.expiresAt);
      }
    }
  }
  return words;
}

export function hashWords(words: bigint[]): bigint {
  return words.reduce(absorb, HASH_SEED);
}

export function hashState(state: LogicalState): bigint {
  return hashWords(stateWords(state));
}

/** [magic, version, maxOrders, ...stateWords, checksum over all the words before it]. */
export function encodeSnapshot(state: LogicalState): Uint8Array {
  const words = [SNAPSHOT_MAGIC, SNAPSHOT_VERSION, BigInt(state.maxOrders), ...stateWords(state)];
  words.push(hashWords(words));
  const bytes = new Uint8Array(words.length * 8);
  const view = new DataView(bytes.buffer);
  for (const [i, w] of words.entries()) view.setBigUint64(i * 8, w & MASK, true);
  return bytes;
}

/** Parses and checks a snapshot: every invariant the book keeps, or SnapshotError. */
export function decodeSnapshot(bytes: Uint8Array): LogicalState {
  const fail = (why: string): never => {
    throw new SnapshotError(`snapshot: ${why}`);
  };
  if (bytes.length % 8 !== 0 || bytes.length < 5 * 8) fail(`bad length ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / 8;
  const words: bigint[] = [];
  for (let i = 0; i < count; i++) words.push(view.getBigUint64(i * 8, true));
  if (words[0] !== SNAPSHOT_MAGIC) fail('bad magic');
  if (words[1] !== SNAPSHOT_VERSION) fail(`unsupported version ${words[1]}`);
  if (hashWords(words.slice(0, -1)) !== words[count - 1]) fail('checksum mismatch');

  let at = 2;
  const body = count - 1; // index of the checksum word
  const next = (): bigint => (at < body ? words[at++] : fail('truncated'));
  const signed = (): bigint => {
    const w = next();
    return w > I64_MAX ? w - (1n << 64n) : w;
  };
  const small = (limit: number): number => {
    const w = next();
    return w <= BigInt(limit) ? Number(w) : fail(`bad field ${w}`);
  };
  const maxOrders = next();
  if (maxOrders < 1n || maxOrders > BigInt(MAX_ORDERS)) fail(`bad maxOrders ${maxOrders}`);
  const marketCount = next();
  if (marketCount < 1n || marketCount > BigInt(MAX_MARKETS)) fail(`bad market count ${marketCount}`);
  const ids = new Set<bigint>();
  const fresh = (id: bigint) => {
    if (id === 0n) fail('order id 0');
    if (ids.has(id)) fail(`duplicate order id ${id}`);
    ids.add(id);
  };
  const markets: LogicalMarket[] = [];
  for (let m = 0n; m < marketCount; m++) {
    const lastPrice = signed();
    if (lastPrice < 0n) fail('bad last price');
    const sides: LogicalLevel[][] = [];
    const ocos = new Map<bigint, { side: number; order: LogicalOrder }>();
    for (let side = 0; side < 2; side++) {
      const levelCount = next();
      if (levelCount > BigInt(body - at)) fail('level count past the end');
      const levels: LogicalLevel[] = [];
      for (let l = 0n; l < levelCount; l++) {
        const price = signed();
        if (price <= 0n) fail(`bad price ${price}`);
        const prev = levels[levels.length - 1];
        if (prev && (side === 0 ? price >= prev.price : price <= prev.price)) fail('levels not sorted best first');
        const orderCount = next();
        if (orderCount < 1n || orderCount > BigInt(body - at)) fail(`bad order count ${orderCount}`);
        const orders: LogicalOrder[] = [];
        let committed = 0n;
        for (let k = 0n; k < orderCount; k++) {
          const id = next();
          fresh(id);
          const owner = next();
          const visible = signed();
          const bits = next();
          if ((bits & ~(OF_ICEBERG | OF_GTT | OF_OCO | OF_POST_ONLY | (3n << OF_STP_SHIFT))) !== 0n)
            fail('bad order flags');
          const o: LogicalOrder = {
            id,
            owner,
            visible,
            hidden: 0n,
            display: 0n,
            expiresAt: 0n,
            postOnly: (bits & OF_POST_ONLY) !== 0n,
            stp: Number((bits >> OF_STP_SHIFT) & 3n),
            oco: (bits & OF_OCO) !== 0n,
            stopPrice: 0n,
            ocoPrice: 0n,
          };
          if (bits & OF_ICEBERG) {
            o.hidden = signed();
            o.display = signed();
            if (o.display <= 0n || o.hidden < 0n || o.visible > o.display) fail('bad iceberg');
            if ((o.visible + o.hidden + o.display - 1n) / o.display > BigInt(C.MAX_ICEBERG_PARTS))
              fail('iceberg in too many parts');
          }
          if (bits & OF_GTT) {
            o.expiresAt = signed();
            if (o.expiresAt <= 0n) fail('bad expiry');
          }
          if (o.oco) {
            if (o.display > 0n) fail('iceberg OCO');
            o.stopPrice = signed();
            o.ocoPrice = signed();
            if (side === 0 ? o.stopPrice <= price : o.stopPrice >= price) fail('bad OCO stop price');
            if (o.ocoPrice < 0n || o.ocoPrice * visible > I64_MAX) fail('bad OCO price');
            ocos.set(id, { side, order: o });
          }
          const all = visible + o.hidden;
          if (visible <= 0n || price * all > I64_MAX) fail(`bad remaining ${visible}`);
          committed += all;
          if (committed > I64_MAX) fail('level total overflows');
          orders.push(o);
        }
        levels.push({ price, orders });
      }
      sides.push(levels);
    }
    const [bids, asks] = sides;
    if (bids.length > 0 && asks.length > 0 && bids[0].price >= asks[0].price) fail('crossed book');
    const stopLists: LogicalStop[][] = [];
    for (let side = 0; side < 2; side++) {
      const n = next();
      if (n > BigInt(body - at)) fail('stop count past the end');
      const list: LogicalStop[] = [];
      for (let k = 0n; k < n; k++) {
        const id = next();
        const isOco = next();
        let s: LogicalStop;
        if (isOco === 1n) {
          const entry = ocos.get(id);
          if (!entry || entry.side !== side) fail(`stop list names no OCO ${id}`);
          ocos.delete(id);
          s = {
            id,
            oco: true,
            owner: 0n,
            qty: 0n,
            type: 0,
            tif: 0,
            stp: 0,
            price: 0n,
            stopPrice: entry!.order.stopPrice,
            expiresAt: 0n,
          };
        } else if (isOco === 0n) {
          fresh(id);
          s = {
            id,
            oco: false,
            owner: next(),
            qty: signed(),
            type: small(C.TYPE_STOP_MARKET),
            tif: small(C.TIF_FOK),
            stp: small(C.STP_DECREMENT),
            price: signed(),
            stopPrice: signed(),
            expiresAt: signed(),
          };
          if (s.type !== C.TYPE_STOP_LIMIT && s.type !== C.TYPE_STOP_MARKET) fail('bad stop type');
          if (s.type === C.TYPE_STOP_MARKET && s.tif === C.TIF_GTC) fail('bad stop time in force');
          if (s.tif === C.TIF_FOK && s.stp !== C.STP_CANCEL_RESTING) fail('bad stop stp');
          if (s.qty <= 0n || s.stopPrice <= 0n || s.expiresAt < 0n) fail('bad stop');
          if (s.type === C.TYPE_STOP_LIMIT ? s.price <= 0n || s.price * s.qty > I64_MAX : s.price !== 0n)
            fail('bad stop price');
        } else {
          fail('bad stop entry');
        }
        // a stop still in the list has not triggered, and the list is in trigger order
        if (lastPrice > 0n && (side === 0 ? s!.stopPrice <= lastPrice : s!.stopPrice >= lastPrice))
          fail('stop past its trigger');
        const prev = list[list.length - 1];
        if (prev && (side === 0 ? s!.stopPrice < prev.stopPrice : s!.stopPrice > prev.stopPrice))
          fail('stops not in trigger order');
        list.push(s!);
      }
      stopLists.push(list);
    }
    if (ocos.size > 0) fail('OCO without its stop');
    markets.push({ lastPrice, bids, asks, buyStops: stopLists[0], sellStops: stopLists[1] });
  }
  if (at !== body) fail('trailing words');
  if (BigInt(ids.size) > maxOrders) fail('more orders than maxOrders');
  return { maxOrders: Number(maxOrders), markets };
}
