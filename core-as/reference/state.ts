// The logical state of a book, its 64-bit hash and its snapshot bytes, written the slow,
// obvious way. The WASM core (assembly/state.ts) must produce the same words, hash and bytes;
// core-as/README.md specifies both formats.
import { SnapshotError } from '../types.ts';

export interface LogicalOrder { id: bigint; owner: bigint; remaining: bigint }
export interface LogicalLevel { price: bigint; orders: LogicalOrder[] }
export interface LogicalState {
  maxOrders: number;
  markets: { bids: LogicalLevel[]; asks: LogicalLevel[] }[]; // levels best first, orders FIFO
}

const MASK = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
export const HASH_SEED = 0x6d657368626f6f6bn; // "meshbook"
export const GOLDEN = 0x9e3779b97f4a7c15n;
export const SNAPSHOT_MAGIC = 0x3153504b4f4f424dn; // "MBOOKPS1" read as a little-endian u64
export const SNAPSHOT_VERSION = 1n;
export const MAX_MARKETS = 65536;
export const MAX_ORDERS = 1 << 24; // the core's order slot limit

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
    for (const levels of [m.bids, m.asks]) {
      words.push(BigInt(levels.length));
      for (const l of levels) {
        words.push(l.price, BigInt(l.orders.length));
        for (const o of l.orders) words.push(o.id, o.owner, o.remaining);
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
  words.forEach((w, i) => view.setBigUint64(i * 8, w & MASK, true));
  return bytes;
}

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
  const signed = (w: bigint) => (w > I64_MAX ? w - (1n << 64n) : w);
  const maxOrders = next();
  if (maxOrders < 1n || maxOrders > BigInt(MAX_ORDERS)) fail(`bad maxOrders ${maxOrders}`);
  const marketCount = next();
  if (marketCount < 1n || marketCount > BigInt(MAX_MARKETS)) fail(`bad market count ${marketCount}`);
  const ids = new Set<bigint>();
  const markets: LogicalState['markets'] = [];
  for (let m = 0n; m < marketCount; m++) {
    const sides: LogicalLevel[][] = [];
    for (let side = 0; side < 2; side++) {
      const levelCount = next();
      if (levelCount > BigInt(body - at)) fail('level count past the end');
      const levels: LogicalLevel[] = [];
      for (let l = 0n; l < levelCount; l++) {
        const price = signed(next());
        if (price <= 0n) fail(`bad price ${price}`);
        const prev = levels[levels.length - 1];
        if (prev && (side === 0 ? price >= prev.price : price <= prev.price)) fail('levels not sorted best first');
        const orderCount = next();
        if (orderCount < 1n || orderCount > BigInt(body - at)) fail(`bad order count ${orderCount}`);
        const orders: LogicalOrder[] = [];
        let total = 0n;
        for (let o = 0n; o < orderCount; o++) {
          const id = next();
          const owner = next();
          const remaining = signed(next());
          if (id === 0n) fail('order id 0');
          if (ids.has(id)) fail(`duplicate order id ${id}`);
          ids.add(id);
          if (remaining <= 0n || price * remaining > I64_MAX) fail(`bad remaining ${remaining}`);
          total += remaining;
          if (total > I64_MAX) fail('level total overflows');
          orders.push({ id, owner, remaining });
        }
        levels.push({ price, orders });
      }
      sides.push(levels);
    }
    const [bids, asks] = sides;
    if (bids.length > 0 && asks.length > 0 && bids[0].price >= asks[0].price) fail('crossed book');
    markets.push({ bids, asks });
  }
  if (at !== body) fail('trailing words');
  if (BigInt(ids.size) > maxOrders) fail('more orders than maxOrders');
  return { maxOrders: Number(maxOrders), markets };
}
