// A checkpoint of a node's state: the core's snapshot bytes and the host's tables, so a
// restart (and, later, a rollback) restores both together. The snapshot store adds the file
// framing and checksum; this is only the payload. Orders and trades are fixed-size binary
// records (fast to write and read: a node may remember hundreds of thousands of orders);
// the strings they refer to (owners, client order ids, cancel reasons) sit in one table.
//
//   magic "MBCKPT" 0x00 0x04 (the last byte is the format version)
//   u32 n + n bytes      the core snapshot (Engine.snapshot())
//   u32 n + n bytes      UTF-8 JSON: {eventCount, lamport, originSeqs, last, tradeCount, markets, strings}
//                        (last: the newest envelope applied, [Lamport, origin hex, seq]: the checkpoint
//                        holds the prefix of the total order up to it)
//   u32 n + n × 136      orders, creation order (the layout is in encodeSteps)
//   u32 n + n × u64      finished orders, oldest finished first, by id (each one of the orders)
//   u32 m, then per market: u32 n + n × 48   trades, oldest first (TRADE layout below; byte 45:
//                        the trade's status, 0 final, 1 tentative, 2 reverted)
//
// All integers little-endian; bigints as i64/u64, times (ms) as f64. Only this version is read:
// an older checkpoint is refused with a message that says so (a restart can rebuild from the log).

import { orderIdHex } from '../wire/envelope.ts';
import type { OcoState, OrderRecord, OrderStatus } from './order-table.ts';

/** Where an envelope sits in the total order: (Lamport, origin key in hex, origin seq). */
export interface AppliedKey {
  lamport: bigint;
  origin: string;
  seq: bigint;
}
import type { TradeRecord, TradeStatus } from './trades.ts';

function badTradeStatus(): never {
  throw new Error('checkpoint: bad trade status');
}

const MAGIC = [0x4d, 0x42, 0x43, 0x4b, 0x50, 0x54, 0x00, 0x04];
// append only: the index is what is stored
const STATUSES: OrderStatus[] = ['open', 'partially_filled', 'filled', 'cancelled', 'pending', 'expired', 'rejected'];
// append only: the index is what is stored (byte 45 of a trade)
const TRADE_STATUSES: TradeStatus[] = ['final', 'tentative', 'reverted'];
const OCO_STATES: (OcoState | null)[] = [null, 'pending', 'triggered', 'cancelled'];
const ORDER_BYTES = 136;
const TRADE_BYTES = 48;
const FLAG_POST_ONLY = 1;
const FLAG_RESTING = 2;

export interface CheckpointData {
  core: Uint8Array;
  eventCount: number;
  lamport: bigint;
  originSeqs: Map<string, bigint>;
  /** The newest envelope applied: the end of the total-order prefix the checkpoint holds. */
  last: AppliedKey | null;
  tradeCount: number;
  markets: string;
  /** Every order kept, in creation order. */
  orders: OrderRecord[];
  /** Ids of the finished ones, oldest finished first. */
  finished: bigint[];
  /** Per market, oldest first. */
  trades: TradeRecord[][];
  /**
   * What an order looked like when the checkpoint was taken, when it has changed since
   * (copy-on-write while an encoding runs in slices); identity when absent.
   */
  view?: (o: OrderRecord) => OrderRecord;
}

/** Orders encoded between two yields of the sliced encoder. */
const SLICE = 8192;

class Strings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  /** 1-based index, 0 for null. */
  ref(s: string | null): number {
    if (s === null) return 0;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i + 1;
  }
}

export function encodeCheckpoint(d: CheckpointData): Uint8Array {
  const steps = encodeSteps(d);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** The same bytes, yielding to `pause` every few thousand orders so the node keeps serving. */
export async function encodeCheckpointSliced(
  d: CheckpointData,
  pause: () => Promise<void>,
  slice = SLICE,
): Promise<Uint8Array> {
  const steps = encodeSteps(d, slice);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await pause();
  }
}

function* encodeSteps(d: CheckpointData, slice = SLICE): Generator<void, Uint8Array> {
  const strings = new Strings();
  const orderBytes = new Uint8Array(d.orders.length * ORDER_BYTES);
  const ov = new DataView(orderBytes.buffer);
  const view = d.view ?? ((o: OrderRecord) => o);
  for (let i = 0; i < d.orders.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    const o = view(d.orders[i]);
    const p = i * ORDER_BYTES;
    ov.setBigUint64(p, o.id, true);
    ov.setBigInt64(p + 8, o.price, true);
    ov.setBigInt64(p + 16, o.quantity, true);
    ov.setBigInt64(p + 24, o.filled, true);
    ov.setBigInt64(p + 32, o.remaining, true);
    ov.setFloat64(p + 40, o.createdAt, true);
    ov.setFloat64(p + 48, o.updatedAt, true);
    ov.setUint32(p + 56, strings.ref(o.owner), true);
    ov.setUint32(p + 60, strings.ref(o.clientOrderId), true);
    ov.setUint16(p + 64, o.market, true);
    orderBytes[p + 66] = o.side;
    orderBytes[p + 67] = o.type;
    orderBytes[p + 68] = o.tif;
    orderBytes[p + 69] = (o.postOnly ? FLAG_POST_ONLY : 0) | (o.resting ? FLAG_RESTING : 0);
    orderBytes[p + 70] = STATUSES.indexOf(o.status);
    orderBytes[p + 71] = o.stp | (OCO_STATES.indexOf(o.ocoState) << 4);
    ov.setUint32(p + 72, strings.ref(o.reason), true);
    ov.setUint32(p + 76, o.takerTrades, true);
    ov.setBigInt64(p + 80, o.visible, true);
    ov.setBigInt64(p + 88, o.stopPrice, true);
    ov.setBigInt64(p + 96, o.display, true);
    ov.setBigInt64(p + 104, o.ocoStopPrice, true);
    ov.setBigInt64(p + 112, o.ocoPrice, true);
    ov.setFloat64(p + 120, o.expiresAt, true);
    ov.setFloat64(p + 128, o.triggeredAt, true);
  }
  const finished = new Uint8Array(d.finished.length * 8);
  const fv = new DataView(finished.buffer);
  for (let i = 0; i < d.finished.length; i++) fv.setBigUint64(i * 8, d.finished[i], true);
  const tradeBlocks = d.trades.map((ring) => {
    const b = new Uint8Array(ring.length * TRADE_BYTES);
    const tv = new DataView(b.buffer);
    ring.forEach((t, i) => {
      const p = i * TRADE_BYTES;
      tv.setBigUint64(p, t.takerOrderId, true);
      tv.setBigUint64(p + 8, t.makerOrderId, true);
      tv.setBigInt64(p + 16, t.price, true);
      tv.setBigInt64(p + 24, t.quantity, true);
      tv.setFloat64(p + 32, t.time, true);
      tv.setUint32(p + 40, Number(t.id.slice(t.id.lastIndexOf('-') + 1)), true);
      b[p + 44] = t.takerSide;
      b[p + 45] = TRADE_STATUSES.indexOf(t.status);
    });
    return b;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({
      eventCount: d.eventCount,
      lamport: `${d.lamport}`,
      originSeqs: [...d.originSeqs].map(([k, v]) => [k, `${v}`]),
      last: d.last === null ? null : [`${d.last.lamport}`, d.last.origin, `${d.last.seq}`],
      tradeCount: d.tradeCount,
      markets: d.markets,
      strings: strings.list,
    }),
  );
  const parts: Uint8Array[] = [
    new Uint8Array(MAGIC),
    u32(d.core.length),
    d.core,
    u32(header.length),
    header,
    u32(d.orders.length),
    orderBytes,
    u32(d.finished.length),
    finished,
    u32(tradeBlocks.length),
    ...tradeBlocks.flatMap((b) => [u32(b.length / TRADE_BYTES), b]),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointData {
  if (bytes.length < 12 || MAGIC.slice(0, 7).some((b, i) => bytes[i] !== b) || bytes[7] > MAGIC[7]) {
    throw new Error('checkpoint: bad magic or unknown version');
  }
  if (bytes[7] !== MAGIC[7]) {
    throw new Error(
      `checkpoint: version ${bytes[7]} is not read any more (this node reads version ${MAGIC[7]}); start from the write-ahead log, or from an empty data directory`,
    );
  }
  const orderBytes = ORDER_BYTES;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = MAGIC.length;
  const take = (n: number): Uint8Array => {
    if (p + n > bytes.length) throw new Error('checkpoint: truncated');
    const b = bytes.subarray(p, p + n);
    p += n;
    return b;
  };
  const count = (): number => {
    const n = new DataView(take(4).slice().buffer).getUint32(0, true);
    return n;
  };
  const core = take(count()).slice();
  let h: {
    eventCount: number;
    lamport: string;
    originSeqs: [string, string][];
    last?: [string, string, string] | null;
    tradeCount: number;
    markets: string;
    strings: string[];
  };
  try {
    h = JSON.parse(new TextDecoder().decode(take(count())));
  } catch (err) {
    throw new Error(`checkpoint: header unreadable: ${(err as Error).message}`);
  }
  const str = (ref: number): string | null => {
    if (ref === 0) return null;
    const s = h.strings[ref - 1];
    if (s === undefined) throw new Error('checkpoint: bad string reference');
    return s;
  };
  const nOrders = count();
  const ob = take(nOrders * orderBytes);
  const obase = ob.byteOffset - bytes.byteOffset;
  const orders: OrderRecord[] = new Array(nOrders);
  for (let i = 0; i < nOrders; i++) {
    const q = obase + i * orderBytes;
    const id = dv.getBigUint64(q, true);
    const flags = bytes[q + 69];
    const status = STATUSES[bytes[q + 70]];
    if (status === undefined) throw new Error('checkpoint: bad order status');
    const ocoState = OCO_STATES[bytes[q + 71] >> 4];
    if (ocoState === undefined) throw new Error('checkpoint: bad OCO state');
    const remaining = dv.getBigInt64(q + 32, true);
    const resting = (flags & FLAG_RESTING) !== 0;
    // the keys in the order NodeState creates them, so a restored table prints the same
    orders[i] = {
      id,
      hex: orderIdHex(id),
      market: dv.getUint16(q + 64, true),
      owner: str(dv.getUint32(q + 56, true))!,
      clientOrderId: str(dv.getUint32(q + 60, true)),
      side: bytes[q + 66],
      type: bytes[q + 67],
      tif: bytes[q + 68],
      postOnly: (flags & FLAG_POST_ONLY) !== 0,
      stp: bytes[q + 71] & 0x0f,
      price: dv.getBigInt64(q + 8, true),
      quantity: dv.getBigInt64(q + 16, true),
      filled: dv.getBigInt64(q + 24, true),
      remaining,
      visible: dv.getBigInt64(q + 80, true),
      status,
      reason: str(dv.getUint32(q + 72, true)),
      createdAt: dv.getFloat64(q + 40, true),
      updatedAt: dv.getFloat64(q + 48, true),
      resting,
      stopPrice: dv.getBigInt64(q + 88, true),
      display: dv.getBigInt64(q + 96, true),
      expiresAt: dv.getFloat64(q + 120, true),
      ocoStopPrice: dv.getBigInt64(q + 104, true),
      ocoPrice: dv.getBigInt64(q + 112, true),
      ocoState,
      triggeredAt: dv.getFloat64(q + 128, true),
      takerTrades: dv.getUint32(q + 76, true),
    };
  }
  const nFinished = count();
  const fb = take(nFinished * 8);
  const fbase = fb.byteOffset - bytes.byteOffset;
  const finished: bigint[] = new Array(nFinished);
  const kept = new Set(orders.map((o) => o.id));
  for (let i = 0; i < nFinished; i++) {
    const id = dv.getBigUint64(fbase + i * 8, true);
    if (!kept.has(id)) throw new Error('checkpoint: a finished order that is not among the orders');
    finished[i] = id;
  }
  const nMarkets = count();
  const trades: TradeRecord[][] = [];
  for (let m = 0; m < nMarkets; m++) {
    const n = count();
    const tb = take(n * TRADE_BYTES);
    const tbase = tb.byteOffset - bytes.byteOffset;
    const ring: TradeRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const q = tbase + i * TRADE_BYTES;
      const taker = dv.getBigUint64(q, true);
      ring[i] = {
        id: `${orderIdHex(taker)}-${dv.getUint32(q + 40, true)}`,
        market: m,
        price: dv.getBigInt64(q + 16, true),
        quantity: dv.getBigInt64(q + 24, true),
        takerSide: bytes[q + 44],
        takerOrderId: taker,
        makerOrderId: dv.getBigUint64(q + 8, true),
        time: dv.getFloat64(q + 32, true),
        status: TRADE_STATUSES[bytes[q + 45]] ?? badTradeStatus(),
      };
    }
    trades.push(ring);
  }
  if (p !== bytes.length) throw new Error(`checkpoint: ${bytes.length - p} trailing bytes`);
  return {
    core,
    eventCount: h.eventCount,
    lamport: BigInt(h.lamport),
    originSeqs: new Map(h.originSeqs.map(([k, v]) => [k, BigInt(v)])),
    last: h.last ? { lamport: BigInt(h.last[0]), origin: h.last[1], seq: BigInt(h.last[2]) } : null,
    tradeCount: h.tradeCount,
    markets: h.markets,
    orders,
    finished,
    trades,
  };
}
