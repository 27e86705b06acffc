// The deterministic apply path: outcomes, the order table and the book do not depend on how
// envelopes are batched; the host's level totals mirror the core's depth; a checkpoint taken
// mid-stream restores to the same state and continues identically; finished orders are
// forgotten oldest first and their client order ids freed. Each runs on a basic stream and on
// an advanced one (stops, OCO, good-till-time, icebergs, self-trade modes, amends), where the
// order table must also agree with the core, order by order.

import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { Markets } from '../markets.ts';
import {
  decodeEnvelope,
  encodeUnsigned,
  type Body,
  type Envelope,
  orderIdOf,
  type PlaceBody,
  seal,
} from '../wire/envelope.ts';
import { encodeCheckpointSliced } from '../state/checkpoint.ts';
import { refusalError } from '../api/errors.ts';
import { type Applied, NodeState } from '../state/node-state.ts';
import { rng } from './process/fuzz-gen.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.00000001,ETH-USD:0.01:0.001'], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const origin = new Uint8Array(32).fill(9);

const engines = new WeakMap<NodeState, Engine>();

function fresh(maxFinishedOrders = 100_000): NodeState {
  const engine = Engine.create(wasm, { markets: markets.size });
  const s = new NodeState({ engine, markets, maxFinishedOrders });
  engines.set(s, engine);
  return s;
}

function envelope(seq: number, market: string, owner: string, body: Body, time = 1_760_000_000_000 + seq): Envelope {
  const fields = { market, origin, seq: BigInt(seq), lamport: BigInt(seq), time: BigInt(time), owner, clock: [], body };
  return decodeEnvelope(seal(encodeUnsigned(fields), new Uint8Array(64)));
}

/** A seeded stream of places (crossing and resting, some with client ids), cancels and reduces. */
function stream(seed: number, n: number): Envelope[] {
  const r = rng(seed);
  const out: Envelope[] = [];
  const placed: { id: bigint; market: string }[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const market = r() < 0.8 ? 'BTC-USD' : 'ETH-USD';
    const owner = ['alice', 'bob', 'carol'][Math.floor(r() * 3)];
    const roll = r();
    let body: Body;
    if (roll < 0.65 || placed.length === 0) {
      const type = r() < 0.1 ? C.TYPE_MARKET : C.TYPE_LIMIT;
      const tif =
        type === C.TYPE_MARKET
          ? r() < 0.5
            ? C.TIF_IOC
            : C.TIF_FOK
          : [C.TIF_GTC, C.TIF_GTC, C.TIF_GTC, C.TIF_IOC, C.TIF_FOK][Math.floor(r() * 5)];
      const flags = type === C.TYPE_LIMIT && tif === C.TIF_GTC && r() < 0.1 ? C.FLAG_POST_ONLY : 0;
      const cid = r() < 0.2 ? `c${Math.floor(r() * 20)}` : '';
      body = {
        kind: C.CMD_PLACE,
        side: r() < 0.5 ? C.SIDE_BUY : C.SIDE_SELL,
        type,
        tif,
        flags,
        stp: 0,
        price: type === C.TYPE_MARKET ? 0n : BigInt(1000 + Math.floor(r() * 20)),
        quantity: BigInt(1 + Math.floor(r() * 50)),
        clientOrderId: cid,
      };
    } else {
      const target = placed[Math.floor(r() * placed.length)];
      body =
        r() < 0.6
          ? { kind: C.CMD_CANCEL, orderId: target.id }
          : { kind: C.CMD_REDUCE, orderId: target.id, quantity: BigInt(1 + Math.floor(r() * 30)) };
      const e = envelope(seq, target.market, owner, body);
      out.push(e);
      continue;
    }
    const e = envelope(seq, market, owner, body);
    placed.push({ id: orderIdOf(e.id), market });
    out.push(e);
  }
  return out;
}

/** The advanced mix: every order type and flag, amends and reduces, times that expire orders. */
function advancedStream(seed: number, n: number): Envelope[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const out: Envelope[] = [];
  const placed: { id: bigint; market: string; owner: string }[] = [];
  let time = 1_760_000_000_000;
  for (let seq = 1; seq <= n; seq++) {
    time += int(0, 40);
    const market = r() < 0.85 ? 'BTC-USD' : 'ETH-USD';
    const roll = r();
    if (roll < 0.6 || placed.length === 0) {
      const owner = pick(['alice', 'bob', 'carol']);
      const side = r() < 0.5 ? C.SIDE_BUY : C.SIDE_SELL;
      const price = BigInt(int(1000, 1019));
      const quantity = BigInt(int(1, 60));
      const kind = pick(['limit', 'limit', 'limit', 'ioc', 'market', 'stop_limit', 'stop_market', 'oco', 'iceberg']);
      const body: PlaceBody = {
        kind: C.CMD_PLACE,
        side,
        type: C.TYPE_LIMIT,
        tif: C.TIF_GTC,
        flags: 0,
        stp: r() < 0.3 ? int(0, 3) : 0,
        price,
        quantity,
        clientOrderId: r() < 0.05 ? `c${int(0, 9)}` : '',
      };
      const away = (d: number) => BigInt(side === C.SIDE_BUY ? Number(price) + d : Number(price) - d);
      if (kind === 'ioc') body.tif = pick([C.TIF_IOC, C.TIF_FOK]);
      if (kind === 'market') Object.assign(body, { type: C.TYPE_MARKET, tif: pick([C.TIF_IOC, C.TIF_FOK]), price: 0n });
      if (kind === 'stop_limit')
        Object.assign(body, {
          type: C.TYPE_STOP_LIMIT,
          tif: pick([C.TIF_GTC, C.TIF_GTC, C.TIF_IOC]),
          stopPrice: BigInt(int(1000, 1019)),
        });
      if (kind === 'stop_market')
        Object.assign(body, {
          type: C.TYPE_STOP_MARKET,
          tif: C.TIF_IOC,
          price: 0n,
          stopPrice: BigInt(int(1000, 1019)),
        });
      if (kind === 'oco')
        Object.assign(body, {
          flags: C.FLAG_OCO,
          stopPrice: away(int(1, 6)),
          ...(r() < 0.5 ? { ocoPrice: away(int(1, 8)) } : {}),
        });
      if (kind === 'iceberg') body.display = BigInt(Math.max(1, Math.ceil(Number(quantity) / int(1, 12))));
      if (body.tif === C.TIF_FOK && r() < 0.9) body.stp = 0; // else the core refuses it (invalid_stp)
      if ((kind === 'limit' || kind === 'stop_limit' || kind === 'iceberg') && r() < 0.3)
        body.expiresAt = BigInt(time + int(1, 400));
      if (body.type === C.TYPE_LIMIT && body.tif === C.TIF_GTC && kind === 'limit' && r() < 0.05)
        body.flags = C.FLAG_POST_ONLY;
      const e = envelope(seq, market, owner, body, time);
      placed.push({ id: orderIdOf(e.id), market, owner });
      out.push(e);
      continue;
    }
    const target = placed[Math.floor(r() * placed.length)];
    const owner = r() < 0.95 ? target.owner : 'mallory';
    let body: Body;
    if (roll < 0.72) body = { kind: C.CMD_CANCEL, orderId: target.id };
    else if (roll < 0.78) body = { kind: C.CMD_REDUCE, orderId: target.id, quantity: BigInt(int(1, 40)) };
    else
      body = {
        kind: C.CMD_AMEND,
        orderId: target.id,
        price: r() < 0.6 ? BigInt(int(1000, 1019)) : 0n,
        quantity: r() < 0.6 ? BigInt(int(1, 80)) : 0n,
      };
    if (body.kind === C.CMD_AMEND && body.price === 0n && body.quantity === 0n) body.quantity = 1n;
    out.push(envelope(seq, target.market, owner, body, time));
  }
  return out;
}

/** Every live order of the table is in the core as the table says, and the core holds no other. */
function checkTableAgainstCore(s: NodeState, engine: Engine): void {
  let live = 0;
  for (const o of s.orders.entries().orders) {
    const info = engine.order(o.id);
    if (o.status === 'open' || o.status === 'partially_filled' || o.status === 'pending') {
      live++;
      expect(info, `order ${o.hex} (${o.status}) is in the core`).not.toBeNull();
      expect({ remaining: info!.remaining, visible: info!.visible, pending: info!.pending }, `order ${o.hex}`).toEqual({
        remaining: o.remaining,
        visible: o.visible,
        pending: o.status === 'pending',
      });
      if (o.resting) expect(info!.price, `order ${o.hex} price`).toBe(o.price);
    } else {
      expect(info, `order ${o.hex} (${o.status}) has left the core`).toBeNull();
    }
  }
  expect(engine.orderCount()).toBe(live);
}

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

function applyInBatches(state: NodeState, envs: Envelope[], sizes: () => number): Applied[] {
  const out: Applied[] = [];
  for (let i = 0; i < envs.length; ) {
    const n = Math.min(sizes(), envs.length - i);
    out.push(...state.apply(envs.slice(i, i + n)));
    i += n;
  }
  return out;
}

function tableOf(s: NodeState) {
  return show(s.orders.entries());
}

function checkMirror(s: NodeState): void {
  for (const m of markets.list) {
    const d = s.depth(m.index, 1 << 20);
    for (const [side, levels] of [
      [C.SIDE_BUY, d.bids],
      [C.SIDE_SELL, d.asks],
    ] as const) {
      for (const l of levels)
        expect(s.levelTotal(m.index, side, l.price), `market ${m.id} side ${side} price ${l.price}`).toBe(l.qty);
    }
  }
}

const STREAMS = [
  {
    name: 'basic',
    envs: stream(20261125, 3000),
    codes: [
      'open',
      'filled',
      'cancelled',
      'partially_filled',
      'duplicate_client_order_id',
      'order_not_open',
      'forbidden',
      'post_only_would_cross',
    ],
  },
  {
    name: 'advanced',
    envs: advancedStream(20261126, 3000),
    codes: [
      'open',
      'pending',
      'filled',
      'cancelled',
      'partially_filled',
      'order_not_open',
      'forbidden',
      'not_amendable',
      'invalid_stop_price',
    ],
  },
];

describe.each(STREAMS)('NodeState.apply, $name stream', ({ name, envs, codes: expectCodes }) => {
  it('gives the same outcomes, table and hash whatever the batching', () => {
    const one = fresh();
    const byOne = applyInBatches(one, envs, () => 1);
    const all = fresh();
    const inOne = all.apply(envs);
    const r = rng(7);
    const mixed = fresh();
    const inMixed = applyInBatches(mixed, envs, () => 1 + Math.floor(r() * 64));
    expect(show(inOne)).toBe(show(byOne));
    expect(show(inMixed)).toBe(show(byOne));
    expect(all.stateHash()).toBe(one.stateHash());
    expect(mixed.stateHash()).toBe(one.stateHash());
    expect(tableOf(all)).toBe(tableOf(one));
    expect(tableOf(mixed)).toBe(tableOf(one));
    // the stream exercised what it should
    const codes = new Set(
      byOne.map((o) => (!o.ok ? refusalError(o.refusal).code : 'order' in o ? o.order.status : 'time')),
    );
    for (const c of expectCodes) expect(codes, [...codes].join()).toContain(c);
    expect(byOne.some((o) => 'trades' in o && o.trades.length > 0)).toBe(true);
    checkMirror(one);
    checkMirror(all);
    checkTableAgainstCore(one, engines.get(one)!);
    checkTableAgainstCore(mixed, engines.get(mixed)!);
    if (name === 'advanced') {
      // every kind of order took part, and their events reached the table
      const table = one.orders.entries().orders;
      for (const [what, has] of [
        ['a triggered stop', table.some((o) => o.triggeredAt > 0 && o.ocoState === null)],
        ['a triggered OCO', table.some((o) => o.ocoState === 'triggered')],
        ['an OCO whose limit leg filled', table.some((o) => o.ocoState === 'cancelled' && o.filled > 0n)],
        ['an expired order', table.some((o) => o.status === 'expired')],
        ['an iceberg that refilled', table.some((o) => o.display > 0n && o.filled > o.display)],
        ['a self-trade reduction', table.some((o) => o.status === 'cancelled' && o.reason === 'self_trade')],
        ['a resting iceberg', table.some((o) => o.resting && o.display > 0n && o.visible < o.remaining)],
      ] as const)
        expect(has, what).toBe(true);
    }
  });

  it('the mirror and the table agree with the core after every batch', () => {
    const s = fresh();
    const r = rng(11);
    for (let i = 0; i < envs.length; ) {
      const n = Math.min(1 + Math.floor(r() * 16), envs.length - i);
      s.apply(envs.slice(i, i + n));
      i += n;
      if (i % 7 === 0 || i === envs.length) {
        checkMirror(s);
        checkTableAgainstCore(s, engines.get(s)!);
      }
    }
  });

  it("book deltas rebuild the book; order pushes end in each order's final state; trades are pushed once", () => {
    const s = fresh();
    const books = markets.list.map(() => ({ bids: new Map<bigint, bigint>(), asks: new Map<bigint, bigint>() }));
    const lastPush = new Map<bigint, string>();
    const trades = new Set<string>();
    const observer = {
      wantsBook: () => true,
      order: (o: any) => lastPush.set(o.id, show(o)),
      trade: (t: any) => {
        expect(trades.has(t.id)).toBe(false);
        trades.add(t.id);
      },
      book: (m: number, bids: [bigint, bigint][], asks: [bigint, bigint][]) => {
        for (const [side, rows] of [
          [books[m].bids, bids],
          [books[m].asks, asks],
        ] as const) {
          for (const [p, q] of rows) q === 0n ? side.delete(p) : side.set(p, q);
        }
      },
    };
    const r = rng(3);
    applyInBatches(
      { apply: (e: Envelope[]) => s.apply(e, observer) } as NodeState,
      envs,
      () => 1 + Math.floor(r() * 32),
    );
    for (const m of markets.list) {
      const d = s.depth(m.index, 1 << 20);
      expect(show([...books[m.index].bids].sort((a, b) => (a[0] > b[0] ? -1 : 1)))).toBe(
        show(d.bids.map((l) => [l.price, l.qty])),
      );
      expect(show([...books[m.index].asks].sort((a, b) => (a[0] < b[0] ? -1 : 1)))).toBe(
        show(d.asks.map((l) => [l.price, l.qty])),
      );
    }
    for (const o of s.orders.entries().orders) expect(lastPush.get(o.id), `order ${o.hex}`).toBe(show(o));
    expect(trades.size).toBe(s.tradeCount);
  });

  it('a checkpoint restores the same state and the stream continues identically', () => {
    const straight = fresh();
    const outA = straight.apply(envs);
    const first = fresh();
    const outB1 = first.apply(envs.slice(0, 1700));
    const bytes = first.checkpoint();
    const restored = fresh();
    restored.restore(bytes);
    expect(restored.stateHash()).toBe(first.stateHash());
    expect(tableOf(restored)).toBe(tableOf(first));
    expect(restored.eventCount).toBe(1700);
    const outB2 = restored.apply(envs.slice(1700));
    expect(show([...outB1, ...outB2])).toBe(show(outA));
    expect(restored.stateHash()).toBe(straight.stateHash());
    expect(tableOf(restored)).toBe(tableOf(straight));
    expect(show(restored.recentTrades(0, 1000))).toBe(show(straight.recentTrades(0, 1000)));
    checkMirror(restored);
  });

  it('a checkpoint encoded in slices while the stream goes on is the state of the moment it was taken', async () => {
    const reference = fresh();
    reference.apply(envs.slice(0, 1200));
    const expected = reference.checkpoint();
    const live = fresh();
    live.apply(envs.slice(0, 1200));
    const data = live.beginCheckpoint();
    // the encoder yields; meanwhile the node applies the rest of the stream
    let next = 1200;
    const bytes = await encodeCheckpointSliced(
      data,
      async () => {
        live.apply(envs.slice(next, next + 300));
        next += 300;
      },
      100,
    );
    live.endCheckpoint();
    live.apply(envs.slice(next));
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    expect(next).toBeGreaterThan(1500); // it yielded, and the stream moved on meanwhile
    const straight = fresh();
    straight.apply(envs);
    expect(live.stateHash()).toBe(straight.stateHash());
  });
});

/** Where a checkpoint's order count sits: past the magic, the core snapshot and the header. */
function ordersAt(bytes: Uint8Array): { dv: DataView; p: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  p += 4 + dv.getUint32(p, true); // core snapshot
  p += 4 + dv.getUint32(p, true); // header
  return { dv, p };
}

/** A checkpoint with another version byte (the versions before this one are not read any more). */
function asVersion(bytes: Uint8Array, version: number): Uint8Array {
  const out = bytes.slice();
  out[7] = version;
  return out;
}

describe('NodeState', () => {
  it('refuses checkpoints of older versions (2 and 3) with a message that says so, changing nothing', () => {
    const s = fresh();
    s.apply(STREAMS[1].envs.slice(0, 300));
    const bytes = s.checkpoint();
    const other = fresh();
    other.apply(STREAMS[0].envs.slice(0, 50));
    const before = tableOf(other);
    for (const version of [2, 3]) {
      expect(() => other.restore(asVersion(bytes, version))).toThrow(
        new RegExp(`version ${version} is not read any more`),
      );
    }
    expect(() => other.restore(asVersion(bytes, 5))).toThrow(/unknown version/);
    expect(tableOf(other)).toBe(before);
  });

  it('refuses a version-4 checkpoint whose finished list names an order it does not hold', () => {
    const s = fresh();
    s.apply(STREAMS[0].envs.slice(0, 200));
    const bytes = s.checkpoint();
    const at = ordersAt(bytes);
    const dv = at.dv;
    const p = at.p + 4 + dv.getUint32(at.p, true) * 136; // the finished list
    expect(dv.getUint32(p, true)).toBeGreaterThan(0);
    dv.setBigUint64(p + 4, 0xdeadbeefn, true);
    const other = fresh();
    const hash = other.stateHash();
    expect(() => other.restore(bytes)).toThrow(/finished order/);
    expect(other.stateHash()).toBe(hash);
  });

  it('a checkpoint of other markets is refused and changes nothing', () => {
    const s = fresh();
    s.apply(STREAMS[0].envs.slice(0, 100));
    const other = new NodeState({
      engine: Engine.create(wasm, { markets: 1 }),
      markets: new Markets(
        [markets.list[0]].map((m) => ({
          id: m.id,
          base: m.base,
          quote: m.quote,
          tickSize: m.tickSize,
          tickDecimals: m.tickDecimals,
          lotSize: m.lotSize,
          lotDecimals: m.lotDecimals,
        })),
      ),
    });
    const hash = other.stateHash();
    expect(() => other.restore(s.checkpoint())).toThrow(/markets/);
    expect(other.stateHash()).toBe(hash);
  });

  it('forgets the oldest finished orders past the limit (deterministically) and frees their client ids', () => {
    const s = fresh(3);
    const places = Array.from({ length: 6 }, (_, i) =>
      envelope(i + 1, 'BTC-USD', 'alice', {
        kind: C.CMD_PLACE,
        side: C.SIDE_BUY,
        type: C.TYPE_LIMIT,
        tif: C.TIF_IOC,
        flags: 0,
        stp: 0,
        price: 5n,
        quantity: 1n,
        clientOrderId: `k${i % 2}`,
      }),
    );
    const out = s.apply(places);
    // IOC on an empty book: each is accepted and cancelled at once; ids k0/k1 alternate and
    // stay taken while their orders are remembered
    expect(out.map((o) => (!o.ok ? refusalError(o.refusal).code : 'order' in o ? o.order.status : 'time'))).toEqual([
      'cancelled',
      'cancelled',
      'duplicate_client_order_id',
      'duplicate_client_order_id',
      'duplicate_client_order_id',
      'duplicate_client_order_id',
    ]);
    const more = Array.from({ length: 4 }, (_, i) =>
      envelope(10 + i, 'BTC-USD', 'alice', {
        kind: C.CMD_PLACE,
        side: C.SIDE_BUY,
        type: C.TYPE_LIMIT,
        tif: C.TIF_IOC,
        flags: 0,
        stp: 0,
        price: 5n,
        quantity: 1n,
        clientOrderId: '',
      }),
    );
    s.apply(more);
    expect(s.orders.size).toBe(3);
    expect(s.orders.get(orderIdOf(places[0].id))).toBeUndefined();
    const again = s.apply([
      envelope(20, 'BTC-USD', 'alice', { ...(places[0].body as PlaceBody), clientOrderId: 'k0' }),
    ]);
    expect(again[0].ok).toBe(true);
  });
});
