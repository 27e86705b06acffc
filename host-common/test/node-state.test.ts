// The deterministic apply path: outcomes, the order table and the book do not depend on how
// envelopes are batched; the host's level totals mirror the core's depth; a checkpoint taken
// mid-stream restores to the same state and continues identically; finished orders are
// forgotten oldest first and their client order ids freed.

import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { Markets } from '../markets.ts';
import { decodeEnvelope, encodeUnsigned, type Body, type Envelope, orderIdOf, seal } from '../sequencer/envelope.ts';
import { encodeCheckpointSliced } from '../state/checkpoint.ts';
import { NodeState, type Outcome } from '../state/node-state.ts';
import { rng } from './process/fuzz-gen.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.00000001,ETH-USD:0.01:0.001'], {});
if (!cfg.ok || cfg.help) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const origin = new Uint8Array(32).fill(9);

function fresh(maxFinishedOrders = 100_000): NodeState {
  return new NodeState({ engine: Engine.create(wasm, { markets: markets.size }), markets, maxFinishedOrders });
}

function envelope(seq: number, market: string, owner: string, body: Body): Envelope {
  const fields = { market, origin, seq: BigInt(seq), lamport: BigInt(seq), time: BigInt(1_760_000_000_000 + seq), owner, clock: [], body };
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
      const tif = type === C.TYPE_MARKET ? (r() < 0.5 ? C.TIF_IOC : C.TIF_FOK) : [C.TIF_GTC, C.TIF_GTC, C.TIF_GTC, C.TIF_IOC, C.TIF_FOK][Math.floor(r() * 5)];
      const flags = type === C.TYPE_LIMIT && tif === C.TIF_GTC && r() < 0.1 ? C.FLAG_POST_ONLY : 0;
      const cid = r() < 0.2 ? `c${Math.floor(r() * 20)}` : '';
      body = {
        kind: C.CMD_PLACE, side: r() < 0.5 ? C.SIDE_BUY : C.SIDE_SELL, type, tif, flags, stp: 0,
        price: type === C.TYPE_MARKET ? 0n : BigInt(1000 + Math.floor(r() * 20)), quantity: BigInt(1 + Math.floor(r() * 50)), clientOrderId: cid,
      };
    } else {
      const target = placed[Math.floor(r() * placed.length)];
      body = r() < 0.6
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

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

function applyInBatches(state: NodeState, envs: Envelope[], sizes: () => number): Outcome[] {
  const out: Outcome[] = [];
  for (let i = 0; i < envs.length;) {
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
    for (const [side, levels] of [[C.SIDE_BUY, d.bids], [C.SIDE_SELL, d.asks]] as const) {
      for (const l of levels) expect(s.levelTotal(m.index, side, l.price), `market ${m.id} side ${side} price ${l.price}`).toBe(l.qty);
    }
  }
}

describe('NodeState.apply', () => {
  const envs = stream(20261125, 3000);

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
    const codes = new Set(byOne.map((o) => (o.ok ? o.order.status : o.error.code)));
    for (const c of ['open', 'filled', 'cancelled', 'partially_filled', 'duplicate_client_order_id', 'order_not_open', 'forbidden', 'post_only_would_cross']) expect(codes, [...codes].join()).toContain(c);
    expect(byOne.some((o) => o.ok && o.trades.length > 0)).toBe(true);
    checkMirror(one);
    checkMirror(all);
  });

  it('book deltas rebuild the book; order pushes end in each order\'s final state; trades are pushed once', () => {
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
        for (const [side, rows] of [[books[m].bids, bids], [books[m].asks, asks]] as const) {
          for (const [p, q] of rows) (q === 0n ? side.delete(p) : side.set(p, q));
        }
      },
    };
    const r = rng(3);
    applyInBatches({ apply: (e: Envelope[]) => s.apply(e, observer) } as NodeState, envs, () => 1 + Math.floor(r() * 32));
    for (const m of markets.list) {
      const d = s.depth(m.index, 1 << 20);
      expect(show([...books[m.index].bids].sort((a, b) => (a[0] > b[0] ? -1 : 1)))).toBe(show(d.bids.map((l) => [l.price, l.qty])));
      expect(show([...books[m.index].asks].sort((a, b) => (a[0] < b[0] ? -1 : 1)))).toBe(show(d.asks.map((l) => [l.price, l.qty])));
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
    const bytes = await encodeCheckpointSliced(data, async () => {
      live.apply(envs.slice(next, next + 300));
      next += 300;
    }, 100);
    live.endCheckpoint();
    live.apply(envs.slice(next));
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    expect(next).toBeGreaterThan(1500); // it yielded, and the stream moved on meanwhile
    const straight = fresh();
    straight.apply(envs);
    expect(live.stateHash()).toBe(straight.stateHash());
  });

  it('a checkpoint of other markets is refused and changes nothing', () => {
    const s = fresh();
    s.apply(envs.slice(0, 100));
    const other = new NodeState({ engine: Engine.create(wasm, { markets: 1 }), markets: new Markets([markets.list[0]].map((m) => ({ id: m.id, base: m.base, quote: m.quote, tickSize: m.tickSize, tickDecimals: m.tickDecimals, lotSize: m.lotSize, lotDecimals: m.lotDecimals }))) });
    const hash = other.stateHash();
    expect(() => other.restore(s.checkpoint())).toThrow(/markets/);
    expect(other.stateHash()).toBe(hash);
  });

  it('forgets the oldest finished orders past the limit (deterministically) and frees their client ids', () => {
    const s = fresh(3);
    const places = Array.from({ length: 6 }, (_, i) => envelope(i + 1, 'BTC-USD', 'alice', { kind: C.CMD_PLACE, side: C.SIDE_BUY, type: C.TYPE_LIMIT, tif: C.TIF_IOC, flags: 0, stp: 0, price: 5n, quantity: 1n, clientOrderId: `k${i % 2}` }));
    const out = s.apply(places);
    // IOC on an empty book: each is accepted and cancelled at once; ids k0/k1 alternate and
    // stay taken while their orders are remembered
    expect(out.map((o) => (o.ok ? o.order.status : o.error.code))).toEqual(['cancelled', 'cancelled', 'duplicate_client_order_id', 'duplicate_client_order_id', 'duplicate_client_order_id', 'duplicate_client_order_id']);
    const more = Array.from({ length: 4 }, (_, i) => envelope(10 + i, 'BTC-USD', 'alice', { kind: C.CMD_PLACE, side: C.SIDE_BUY, type: C.TYPE_LIMIT, tif: C.TIF_IOC, flags: 0, stp: 0, price: 5n, quantity: 1n, clientOrderId: '' }));
    s.apply(more);
    expect(s.orders.size).toBe(3);
    expect(s.orders.get(orderIdOf(places[0].id))).toBeUndefined();
    const again = s.apply([envelope(20, 'BTC-USD', 'alice', { ...(places[0].body as never), clientOrderId: 'k0' })]);
    expect(again[0].ok).toBe(true);
  });
});
