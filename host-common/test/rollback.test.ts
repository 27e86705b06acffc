// Rollback: an envelope that sorts `depth` envelopes back makes the applier go back to its
// newest mark before it (core snapshot + undo records of the host tables) and replay. From 1
// to 10,000 envelopes back, the result must equal a fresh state that applied the same set in
// the total order: same core hash, and the same host tables byte for byte (the checkpoint
// encoding: orders, finished orders, trades, counters), owner lists included.

import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { Markets } from '../markets.ts';
import { Applier, RollbackTooDeepError } from '../pipeline/applier.ts';
import { encodeCheckpointSliced } from '../state/checkpoint.ts';
import { NodeState, type StateObserver } from '../state/node-state.ts';
import { type OrderRecord, OrderTable } from '../state/order-table.ts';
import { UndoLog } from '../state/undo-log.ts';
import type { TradeRecord } from '../state/trades.ts';
import type { Envelope } from '../wire/envelope.ts';
import { MARKETS, multiOriginHistory } from './workload.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', MARKETS.map((m) => `${m}:0.01:0.001`).join(',')], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const origins = [1, 2, 3].map((k) => new Uint8Array(32).fill(k * 17));
const OWNERS = ['alice', 'bob', 'carol', 'mallory'];

const engines = new WeakMap<NodeState, Engine>();
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

function fresh(): NodeState {
  const engine = Engine.create(wasm, { markets: markets.size });
  const s = new NodeState({ engine, markets, maxFinishedOrders: 1_000_000 });
  engines.set(s, engine);
  return s;
}

/** A fresh state that applied `envs` in the total order, with rollback on (trades tentative) like the one compared. */
function reference(envs: Envelope[]): NodeState {
  const s = fresh();
  s.enableRollback();
  for (let i = 0; i < envs.length; i += 500) s.apply(envs.slice(i, i + 500));
  return s;
}

function openLists(s: NodeState): string[][] {
  return OWNERS.flatMap((name) =>
    origins.map((o) => {
      const owner = `${name}@${s.peerIdOf(o)}`;
      return s.orders.list(owner, () => true, true, 1e9).map((r) => r.hex);
    }),
  );
}

/** The host's level totals (what book deltas are computed from), every market, side and price the workload uses. */
function levelTotals(s: NodeState): string[] {
  const out: string[] = [];
  for (let m = 0; m < markets.size; m++)
    for (const side of [C.SIDE_BUY, C.SIDE_SELL])
      for (let p = 980n; p <= 1040n; p++) {
        const total = s.levelTotal(m, side, p);
        if (total !== 0n) out.push(`${m}/${side}/${p}=${total}`);
      }
  return out;
}

function expectSame(got: NodeState, want: NodeState): void {
  expect(got.stateHash()).toBe(want.stateHash());
  expect(levelTotals(got)).toEqual(levelTotals(want));
  expect(got.eventCount).toBe(want.eventCount);
  expect(Buffer.from(got.checkpoint()).equals(Buffer.from(want.checkpoint()))).toBe(true);
  expect(openLists(got)).toEqual(openLists(want));
}

describe('rollback', () => {
  const all = multiOriginHistory(7, origins, 12_000);

  it.each([1, 2, 10, 100, 255, 256, 257, 1000, 10_000])('%i envelopes back equals a fresh replay', (depth) => {
    const late = all[all.length - 1 - depth];
    const rest = all.filter((e) => e !== late);
    const applier = new Applier({ state: fresh(), markEvery: 256, keepMarks: 64 });
    for (let i = 0; i < rest.length; i += 100) applier.apply(rest.slice(i, i + 100));
    expect(applier.stats.rollbacks).toBe(0);
    const [outcome] = applier.apply([late]);
    expect(outcome).toBeDefined();
    expect(applier.stats).toMatchObject({ rollbacks: 1, deepest: depth });
    expectSame(applier.state, reference(all));
  });

  it('dense recent marks and sparse older ones: a shallow rollback replays a few dozen, a deep one still reaches', () => {
    const some = all.slice(0, 3000);
    const make = () => new Applier({ state: fresh(), markEvery: 16, recentMarks: 4, sparseEvery: 256, keepMarks: 4 });
    const want = reference(some);
    // 5 back: from a recent mark (16 apart); 700 back: from a sparse one (256 apart)
    for (const [depth, spacing] of [
      [5, 16],
      [700, 256],
    ]) {
      const applier = make();
      const late = some[some.length - 1 - depth];
      applier.apply(some.filter((e) => e !== late));
      applier.apply([late]);
      expect(applier.stats).toMatchObject({ rollbacks: 1, deepest: depth });
      expect(applier.stats.replayed).toBeLessThanOrEqual(depth + spacing);
      expectSame(applier.state, want);
    }

    // beyond the oldest of 4 sparse + 4 recent marks: refused, the state untouched
    const tooDeep = make();
    const early = some[100];
    tooDeep.apply(some.filter((e) => e !== early));
    const hash = tooDeep.state.stateHash();
    expect(() => tooDeep.apply([early])).toThrow(RollbackTooDeepError);
    expect(tooDeep.state.stateHash()).toBe(hash);
  });

  it('balanced marks: a mark waits until applying since the last one took as long as it did; rollbacks still land right', () => {
    const some = all.slice(0, 2000);
    // a clock the state drives: 1 ms per envelope applied, 10 ms per mark (a dear mark: a big book)
    const timed = () => {
      const state = fresh();
      const clock = { t: 0 };
      const apply = state.apply.bind(state);
      state.apply = (envs, observer) => {
        clock.t += envs.length;
        return apply(envs, observer);
      };
      const mark = state.mark.bind(state);
      state.mark = () => {
        clock.t += 10;
        return mark();
      };
      return { state, clock: () => clock.t };
    };
    const late = some[some.length - 1 - 35];
    const rest = some.filter((e) => e !== late);
    const run = (balanceMarks: boolean) => {
      const applier = new Applier({ ...timed(), markEvery: 4, keepMarks: 1000, balanceMarks });
      for (const e of rest.slice(0, 1000)) applier.apply([e]);
      const marks = applier.stats.marks;
      applier.apply(rest.slice(1000));
      applier.apply([late]);
      return { applier, marks };
    };
    const fixed = run(false);
    const balanced = run(true);
    // the first mark (constructor) and then one per markEvery envelopes, or one per 10 (its cost)
    expect(fixed.marks).toBe(1 + 1000 / 4);
    expect(balanced.marks).toBe(1 + 1000 / 10);
    // a replay from the newest mark: at most a mark's cost of envelopes more than the depth
    expect(balanced.applier.stats).toMatchObject({ rollbacks: 1, deepest: 35 });
    expect(balanced.applier.stats.replayed).toBeLessThanOrEqual(35 + 10);
    const want = reference(some);
    expectSame(fixed.applier.state, want);
    expectSame(balanced.applier.state, want);
  });

  it('a delivery in random order, batch by batch, ends where the total order does', () => {
    const some = all.slice(0, 3000);
    const shuffled = some.slice();
    let x = 12345;
    for (let i = shuffled.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) >>> 0;
      const j = x % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const applier = new Applier({ state: fresh(), markEvery: 64, keepMarks: 1000 });
    for (let i = 0; i < shuffled.length; i += 37) applier.apply(shuffled.slice(i, i + 37));
    expect(applier.stats.rollbacks).toBeGreaterThan(10);
    const want = reference(some);
    expectSame(applier.state, want);
    // marks are memory images: memory grown after a mark goes back to the core's allocator on a rollback
    const engine = engines.get(applier.state)!;
    expect(engine.imageable).toBe(true);
    expect(engine.memory().linear).toBeLessThan(2 * engines.get(want)!.memory().linear);
  });

  it('observers hear the removed trades as reverted, and the orders as they are after the replay', () => {
    const some = all.slice(0, 2000);
    const applier = new Applier({ state: fresh(), markEvery: 128, keepMarks: 100 });
    const trades: TradeRecord[] = [];
    const orders = new Map<bigint, OrderRecord>();
    const observer: StateObserver = {
      wantsBook: () => false,
      order: (o) => orders.set(o.id, o),
      trade: (t) => trades.push({ ...t }),
      book: () => {},
    };
    const late = some[1000];
    applier.apply(
      some.filter((e) => e !== late),
      observer,
    );
    const before = trades.length;
    applier.apply([late], observer);
    const corrections = trades.slice(before);
    const reverted = corrections.filter((t) => t.status === 'reverted');
    expect(reverted.length).toBeGreaterThan(0);
    expect(corrections.filter((t) => t.status === 'tentative').length).toBeGreaterThan(0);
    // only changes are pushed: the last push of each trade id is the trade as the state holds
    // it now (or reverted: the state no longer has it), and a trade made again the same is not
    // pushed at all
    const now = new Map(
      markets.list.flatMap((_, m) => applier.state.recentTrades(m, 1e6)).map((t) => [t.id, t] as const),
    );
    const last = new Map(corrections.map((t) => [t.id, t] as const));
    for (const [id, t] of last) {
      if (t.status === 'reverted') expect(now.has(id)).toBe(false);
      else expect(t).toEqual(now.get(id));
    }
    const before1 = new Map(trades.slice(0, before).map((t) => [t.id, t] as const));
    const unchanged = [...now.values()].filter((t) => {
      const was = before1.get(t.id);
      return (
        was !== undefined && JSON.stringify({ ...was, status: '' }, big) === JSON.stringify({ ...t, status: '' }, big)
      );
    });
    expect(unchanged.length).toBeGreaterThan(0);
    for (const t of unchanged) expect(last.has(t.id)).toBe(false);
    // every order pushed last is the order as the state now holds it
    for (const [id, o] of orders) {
      const now = applier.state.orders.get(id);
      if (now) expect(o).toEqual(now);
    }
    expectSame(applier.state, reference(some));
  });

  it('a rollback to a mark inside the final prefix keeps its trades final: none is reverted or tentative again', () => {
    const some = all.slice(0, 2000);
    const late = some[1100];
    const applier = new Applier({ state: fresh(), markEvery: 128, keepMarks: 100 });
    const heard = new Map<string, TradeRecord['status'][]>();
    const observer: StateObserver = {
      wantsBook: () => false,
      order: () => {},
      trade: (t) => heard.set(t.id, [...(heard.get(t.id) ?? []), t.status]),
      book: () => {},
    };
    applier.apply(
      some.filter((e) => e !== late),
      observer,
    );
    // final up to 1090 applied envelopes: the newest mark at or before the late one (1024) lies inside that prefix
    applier.settle(1090, observer);
    const final = [...heard].filter(([, s]) => s.at(-1) === 'final').map(([id]) => id);
    expect(final.length).toBeGreaterThan(0);
    heard.clear();
    applier.apply([late], observer);
    expect(applier.stats).toMatchObject({ rollbacks: 1 });
    expect(applier.stats.replayed).toBe(1999 - 1024); // the replay started at the mark at 1024, inside the final prefix
    for (const id of final) expect(heard.get(id)).toBeUndefined();
    const now = new Map(
      markets.list.flatMap((_, m) => applier.state.recentTrades(m, 1e6)).map((t) => [t.id, t.status] as const),
    );
    for (const id of final) expect(now.get(id)).toBe('final');
    expect(applier.finalCount).toBe(1090);
    // a later settle goes on from there
    applier.settle(1500, observer);
    expect([...heard.values()].some((s) => s.at(-1) === 'final')).toBe(true);
  });

  it('a checkpoint encoded in slices while a rollback happens holds the state it was taken of', async () => {
    const some = all.slice(0, 3000);
    const late = some[2000];
    const applier = new Applier({ state: fresh(), markEvery: 128, keepMarks: 100 });
    applier.apply(some.filter((e) => e !== late));
    const want = applier.state.checkpoint();
    const data = applier.state.beginCheckpoint();
    let rolledBack = false;
    const bytes = await encodeCheckpointSliced(
      data,
      async () => {
        if (rolledBack) return;
        applier.apply([late]); // between two slices of the encoding
        rolledBack = true;
      },
      64,
    );
    applier.state.endCheckpoint();
    expect(rolledBack).toBe(true);
    expect(applier.stats.rollbacks).toBe(1);
    expect(Buffer.from(bytes).equals(Buffer.from(want))).toBe(true);
    expectSame(applier.state, reference(some));
  });

  it('a node alone neither marks nor records: its trades are final at once', () => {
    const own = all.filter((e) => e.origin === origins[0]).slice(0, 500);
    const applier = new Applier({ state: fresh() });
    applier.apply(own);
    expect(applier.state.rollbackEnabled).toBe(false);
    expect(applier.state.recentTrades(0, 1000).every((t) => t.status === 'final')).toBe(true);
  });
});

describe('order table undo', () => {
  it('orders finished after a mark come back live, in their place in the open list, even after a sweep', () => {
    const t = new OrderTable(10);
    const rec = (i: number): OrderRecord =>
      ({ id: BigInt(i + 1), hex: String(i), owner: 'o', clientOrderId: null, status: 'open' }) as OrderRecord;
    const undo = new UndoLog();
    const orders = Array.from({ length: 300 }, (_, i) => rec(i));
    for (const o of orders.slice(0, 100)) t.add(o);
    const mark = undo.mark();
    t.undo = undo;
    t.pinFinished(t.finishedTotal);
    for (const o of orders.slice(100)) t.add(o);
    for (const o of orders.filter((_, i) => i % 3 !== 0)) {
      undo.fields(o);
      o.status = 'filled';
      t.finish(o); // sweeps the open list more than once; nothing after the pin is forgotten
    }
    expect(t.size).toBe(300);
    t.undo = null;
    const reopened: OrderRecord[] = [];
    for (const e of undo.takeBack(mark)) {
      if (e.kind === 'fields') Object.assign(e.order, e.was);
      if (e.kind === 'added') t.unadd(e.order);
      if (e.kind === 'finished') {
        t.unfinish(e.order);
        reopened.push(e.order);
      }
    }
    t.reopen(reopened);
    expect(t.list('o', () => true, true, 1e9).map((o) => o.id)).toEqual(
      orders
        .slice(0, 100)
        .map((o) => o.id)
        .reverse(),
    );
    expect(t.size).toBe(100);
  });
});
