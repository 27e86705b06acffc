// Advanced orders through the API of a node wired in-process (real engine, real files, the
// test's own clock): stops that trigger after a trade, OCO one-cancels-other, good-till-time
// expiry by a later command's time (expiry.test.ts covers the node's own time events), icebergs showing only their slice, every self-trade
// prevention mode, PATCH moving the price (to the back of the level, or trading) and raising
// the quantity (losing priority) — then a restart from snapshot + log and one from the log
// alone give back the same orders, book and trades.

import * as fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { norm } from '../../conformance/cases/api-client.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { Wal } from '../store/wal.ts';
import { decodeEnvelope, KIND_JOIN, KIND_LEAVE } from '../wire/envelope.ts';
import { collect, removeDir, tempDir } from './helpers.ts';
import { type Harness, manualClock, startInProcess } from './node-harness.ts';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const ALICE = 'token-a-0123456789'; // the owner "local"
const BOB = 'token-b-0123456789';
const CAROL = 'token-c-0123456789';

let dir: string;
let clock: ReturnType<typeof manualClock>;
let h: Harness;

beforeEach(async () => {
  dir = await tempDir('meshbook-advanced-');
  clock = manualClock(T0);
  h = await startInProcess(dir, { parts: { clock } });
});
afterEach(async () => {
  await h.node.stop('test');
  await removeDir(dir);
});

type Body = Record<string, unknown>;
const limit = (side: 'buy' | 'sell', price: string, quantity: string, more: Body = {}): Body => ({
  market: 'BTC-USD',
  side,
  type: 'limit',
  price,
  quantity,
  ...more,
});

async function place(token: string, body: Body): Promise<{ order: any; trades: any[] }> {
  clock.advance(10); // each command a little later, as on a real clock
  const r = await h.req('POST', '/v1/orders', body, token);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

async function get(id: string, token = ALICE): Promise<any> {
  const r = await h.req('GET', `/v1/orders/${id}`, undefined, token);
  expect(r.status).toBe(200);
  return r.json;
}

async function patch(id: string, body: Body, token = ALICE) {
  clock.advance(10);
  return h.req('PATCH', `/v1/orders/${id}`, body, token);
}

/** The book as [price, quantity] rows with plain numbers ("100", "0.25"). */
async function book(): Promise<{ bids: string[][]; asks: string[][] }> {
  const r = await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null);
  const rows = (l: string[][]) => l.map(([p, q]) => [norm(p), norm(q)]);
  return { bids: rows(r.json.bids), asks: rows(r.json.asks) };
}

const amount = (x: string | undefined) => (x === undefined ? undefined : norm(x));

/** The kinds of the envelopes in the node's log, in order (read while the node is stopped). */
async function loggedKinds(): Promise<number[]> {
  const wal = await Wal.open({ fs: nodeFileSystem, dir: `${dir}/wal` });
  try {
    return (await collect(wal.replay())).map((r) => decodeEnvelope(r.payload).body.kind);
  } finally {
    await wal.close();
  }
}

describe('stop orders', () => {
  it('a stop-limit waits (pending, off the book) and enters as a limit once a trade reaches its stop', async () => {
    const stop = (await place(ALICE, { ...limit('buy', '102', '1'), type: 'stop_limit', stopPrice: '101' })).order;
    expect(stop).toMatchObject({
      type: 'stop_limit',
      status: 'pending',
      timeInForce: 'GTC',
      selfTradePrevention: 'cancel_resting',
    });
    expect(amount(stop.stopPrice)).toBe('101');
    expect(amount(stop.price)).toBe('102');
    expect(stop.triggeredAt).toBeUndefined();
    expect(await book()).toEqual({ bids: [], asks: [] });
    const open = await h.req('GET', '/v1/orders?status=open', undefined, ALICE);
    expect(open.json.map((o: any) => o.id)).toEqual([stop.id]); // live orders include pending stops
    expect((await h.req('GET', '/v1/orders?status=pending', undefined, ALICE)).json).toHaveLength(1);

    await place(BOB, limit('sell', '101', '2'));
    expect((await get(stop.id)).status).toBe('pending'); // no trade yet
    const taker = await place(CAROL, limit('buy', '101', '1'));
    expect(taker.trades).toHaveLength(1); // the last trade price is now 101: the stop triggers
    const triggered = await get(stop.id);
    expect(triggered).toMatchObject({ status: 'filled', type: 'stop_limit' });
    expect(triggered.triggeredAt).toBe(new Date(clock.now()).toISOString());
    expect(amount(triggered.filledQuantity)).toBe('1');
    const trades = (await h.req('GET', '/v1/markets/BTC-USD/trades', undefined, null)).json;
    expect(trades[0]).toMatchObject({ takerOrderId: stop.id, id: `${stop.id}-1`, takerSide: 'buy' });
    expect(amount(trades[0].price)).toBe('101');
    expect(await book()).toEqual({ bids: [], asks: [] });
  });

  it('a stop-market sell triggers on a fall and sweeps as a market order; a triggered stop-limit that cannot fill rests', async () => {
    const sm = (
      await place(ALICE, { market: 'BTC-USD', side: 'sell', type: 'stop_market', stopPrice: '99', quantity: '2' })
    ).order;
    expect(sm).toMatchObject({ status: 'pending', timeInForce: 'IOC' });
    expect(sm.price).toBeUndefined();
    const sl = (await place(ALICE, { ...limit('sell', '98', '1'), type: 'stop_limit', stopPrice: '98.5' })).order;
    await place(BOB, limit('buy', '99', '0.5'));
    await place(BOB, limit('buy', '98.5', '1'));
    await place(CAROL, limit('sell', '99', '0.5')); // trades at 99: the stop-market triggers
    const m = await get(sm.id);
    expect(m).toMatchObject({ status: 'cancelled', cancelReason: 'expired' }); // its unfilled rest expires, as a market order's
    expect(amount(m.filledQuantity)).toBe('1'); // took the bid at 98.5 — which triggered the stop-limit at 98.5
    const l = await get(sl.id);
    expect(l.status).toBe('open');
    expect(l.triggeredAt).toBeDefined();
    expect(await book()).toEqual({ bids: [], asks: [['98', '1']] });
  });

  it('a pending stop can be cancelled and reduced, not moved (422 not_amendable)', async () => {
    const stop = (await place(ALICE, { ...limit('buy', '102', '1'), type: 'stop_limit', stopPrice: '101' })).order;
    const moved = await patch(stop.id, { price: '103' });
    expect(moved.status).toBe(422);
    expect(moved.json.error.code).toBe('not_amendable');
    const reduced = await patch(stop.id, { quantity: '0.4' });
    expect(reduced.status).toBe(200);
    expect(reduced.json).toMatchObject({ status: 'pending' });
    expect(amount(reduced.json.remainingQuantity)).toBe('0.4');
    const del = await h.req('DELETE', `/v1/orders/${stop.id}`);
    expect(del.json.status).toBe('cancelled');
  });
});

describe('OCO', () => {
  it('a fill of the limit leg cancels the stop leg', async () => {
    const oco = (await place(ALICE, { ...limit('sell', '105', '1'), oco: { stopPrice: '95' } })).order;
    expect(oco).toMatchObject({ type: 'limit', status: 'open', oco: { status: 'pending' } });
    expect(amount(oco.oco.stopPrice)).toBe('95');
    expect(oco.oco.price).toBeUndefined(); // a stop-market leg
    await place(BOB, limit('buy', '105', '0.4'));
    const after = await get(oco.id);
    expect(after).toMatchObject({ status: 'partially_filled', oco: { status: 'cancelled' } });
    // a trade at the stop no longer matters
    await place(BOB, limit('buy', '95', '1'));
    await place(CAROL, limit('sell', '95', '1'));
    expect(await get(oco.id)).toMatchObject({ status: 'partially_filled', oco: { status: 'cancelled' } });
    expect(await book()).toEqual({ bids: [], asks: [['105', '0.6']] });
  });

  it("a trigger of the stop leg takes the limit leg out of the book; the order works at the leg's price", async () => {
    const oco = (await place(ALICE, { ...limit('sell', '105', '1'), oco: { stopPrice: '95', price: '94' } })).order;
    expect(await book()).toEqual({ bids: [], asks: [['105', '1']] });
    await place(BOB, limit('buy', '95', '0.5'));
    await place(CAROL, limit('sell', '95', '0.5')); // last trade 95: the stop leg triggers
    const after = await get(oco.id);
    expect(after).toMatchObject({ status: 'open', oco: { status: 'triggered' } });
    expect(amount(after.price)).toBe('94');
    expect(after.triggeredAt).toBeDefined();
    expect(await book()).toEqual({ bids: [], asks: [['94', '1']] }); // gone from 105, resting at 94
    const cancel = await h.req('DELETE', `/v1/orders/${oco.id}`);
    expect(cancel.json.status).toBe('cancelled');
    expect(await book()).toEqual({ bids: [], asks: [] });
  });

  it('a cancel takes both legs', async () => {
    const oco = (await place(ALICE, { ...limit('buy', '100', '1'), oco: { stopPrice: '110' } })).order;
    expect((await h.req('DELETE', `/v1/orders/${oco.id}`)).json).toMatchObject({
      status: 'cancelled',
      oco: { status: 'cancelled' },
    });
    await place(BOB, limit('buy', '110', '1'));
    await place(CAROL, limit('sell', '110', '1'));
    expect((await h.req('GET', '/v1/orders?status=open', undefined, ALICE)).json).toEqual([]);
  });
});

describe('good-till-time', () => {
  it('expires at the first command whose time is past it, on every kind of live order', async () => {
    const gtt = (await place(ALICE, limit('buy', '100', '1', { expiresAt: new Date(T0 + 1000).toISOString() }))).order;
    expect(gtt.expiresAt).toBe(new Date(T0 + 1000).toISOString());
    const stop = (
      await place(ALICE, {
        ...limit('buy', '120', '1'),
        type: 'stop_limit',
        stopPrice: '119',
        expiresAt: new Date(T0 + 1500).toISOString(),
      })
    ).order;
    const later = (await place(ALICE, limit('buy', '99', '1', { expiresAt: new Date(T0 + 60_000).toISOString() })))
      .order;
    clock.set(T0 + 2000);
    await place(BOB, limit('sell', '200', '1')); // a command whose time is past it (before the node's own time event)
    expect(await get(gtt.id)).toMatchObject({ status: 'expired', remainingQuantity: '0.00000000' });
    expect((await get(gtt.id)).cancelReason).toBeUndefined();
    expect((await get(stop.id)).status).toBe('expired');
    expect((await get(later.id)).status).toBe('open');
    expect((await book()).bids).toEqual([['99', '1']]);
    expect((await h.req('DELETE', `/v1/orders/${gtt.id}`)).status).toBe(409);
    expect(
      (await h.req('GET', '/v1/orders?status=expired', undefined, ALICE)).json.map((o: any) => o.id).sort(),
    ).toEqual([gtt.id, stop.id].sort());
  });

  it('an expiresAt that is not in the future is refused (422 invalid_expiry) and logs nothing', async () => {
    const before = (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json.eventCount;
    for (const at of [T0 - 1, T0]) {
      const r = await h.req('POST', '/v1/orders', limit('buy', '100', '1', { expiresAt: new Date(at).toISOString() }));
      expect(r.status).toBe(422);
      expect(r.json.error).toMatchObject({ code: 'invalid_expiry', field: 'expiresAt' });
    }
    const malformed = await h.req('POST', '/v1/orders', limit('buy', '100', '1', { expiresAt: 'tomorrow' }));
    expect(malformed.status).toBe(400);
    expect((await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json.eventCount).toBe(before);
  });
});

describe('icebergs', () => {
  it('the book shows the display only; a filled slice refills at the back of its level', async () => {
    const ice = (await place(ALICE, limit('sell', '100', '1', { displayQuantity: '0.1' }))).order;
    expect(amount(ice.displayQuantity)).toBe('0.1');
    expect(amount(ice.remainingQuantity)).toBe('1');
    expect(await book()).toEqual({ bids: [], asks: [['100', '0.1']] });
    const carol = (await place(CAROL, limit('sell', '100', '0.2'))).order;
    expect((await book()).asks).toEqual([['100', '0.3']]);
    const taker = await place(BOB, limit('buy', '100', '0.15'));
    // alice's slice first; her next slice goes behind carol, who fills the rest
    expect(taker.trades.map((t: any) => [t.makerOrderId, amount(t.quantity)])).toEqual([
      [ice.id, '0.1'],
      [carol.id, '0.05'],
    ]);
    expect((await book()).asks).toEqual([['100', '0.25']]);
    const after = await get(ice.id);
    expect(amount(after.remainingQuantity)).toBe('0.9');
    expect(after.status).toBe('partially_filled');
    // a reduce takes the hidden part first: the book does not move
    expect((await patch(ice.id, { quantity: '0.5' })).status).toBe(200);
    expect((await book()).asks).toEqual([['100', '0.25']]);
    expect((await patch(ice.id, { quantity: '0.05' })).status).toBe(200);
    expect((await book()).asks).toEqual([['100', '0.2']]);
  });
});

describe('self-trade prevention', () => {
  const modes: [
    string,
    { resting: string; incoming: string; restingLeft: string; asks: string[][]; bids: string[][] },
  ][] = [
    ['cancel_resting', { resting: 'cancelled', incoming: 'open', restingLeft: '0', asks: [], bids: [['100', '0.4']] }],
    ['cancel_incoming', { resting: 'open', incoming: 'cancelled', restingLeft: '1', asks: [['100', '1']], bids: [] }],
    ['cancel_both', { resting: 'cancelled', incoming: 'cancelled', restingLeft: '0', asks: [], bids: [] }],
    ['decrement', { resting: 'open', incoming: 'cancelled', restingLeft: '0.6', asks: [['100', '0.6']], bids: [] }],
  ];
  for (const [mode, want] of modes) {
    it(`${mode}: an owner's incoming order meets its own resting one`, async () => {
      const resting = (await place(ALICE, limit('sell', '100', '1'))).order;
      const incoming = await place(ALICE, limit('buy', '100', '0.4', { selfTradePrevention: mode }));
      expect(incoming.order.selfTradePrevention).toBe(mode);
      expect(incoming.trades).toEqual([]);
      expect(incoming.order.status).toBe(want.incoming);
      if (want.incoming === 'cancelled') expect(incoming.order.cancelReason).toBe('self_trade');
      const r = await get(resting.id);
      expect(r.status).toBe(want.resting);
      if (want.resting === 'cancelled') expect(r.cancelReason).toBe('self_trade');
      expect(amount(r.remainingQuantity)).toBe(want.restingLeft);
      expect(await book()).toEqual({ bids: want.bids, asks: want.asks });
    });
  }

  it("another owner's orders trade whatever the mode", async () => {
    await place(BOB, limit('sell', '100', '1'));
    const t = await place(ALICE, limit('buy', '100', '0.4', { selfTradePrevention: 'cancel_both' }));
    expect(t.order.status).toBe('filled');
  });
});

describe('PATCH price and increases', () => {
  it('a new price moves the order to the back of that level', async () => {
    const a = (await place(ALICE, limit('buy', '100', '1'))).order;
    const b = (await place(BOB, limit('buy', '99', '1'))).order;
    const moved = await patch(a.id, { price: '99' });
    expect(moved.status).toBe(200);
    expect(amount(moved.json.price)).toBe('99');
    expect(moved.json.status).toBe('open');
    expect(await book()).toEqual({ bids: [['99', '2']], asks: [] });
    const taker = await place(CAROL, limit('sell', '99', '1'));
    expect(taker.trades[0].makerOrderId).toBe(b.id); // bob was there first
  });

  it('a new price that crosses trades at once, as a taker', async () => {
    const ask = (await place(BOB, limit('sell', '101', '0.3'))).order;
    const a = (await place(ALICE, limit('buy', '99', '1'))).order;
    const moved = await patch(a.id, { price: '101' });
    expect(moved.status).toBe(200);
    expect(moved.json.status).toBe('partially_filled');
    expect(amount(moved.json.filledQuantity)).toBe('0.3');
    expect(amount(moved.json.remainingQuantity)).toBe('0.7');
    const trades = (await h.req('GET', '/v1/markets/BTC-USD/trades', undefined, null)).json;
    expect(trades[0]).toMatchObject({ takerOrderId: a.id, makerOrderId: ask.id, id: `${a.id}-1` });
    expect(await book()).toEqual({ bids: [['101', '0.7']], asks: [] });
  });

  it('a larger quantity loses priority; a smaller one keeps it; both at once are one amend', async () => {
    const start0 = (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json.eventCount; // the join
    const a = (await place(ALICE, limit('sell', '100', '1'))).order;
    const b = (await place(BOB, limit('sell', '100', '1'))).order;
    const up = await patch(a.id, { quantity: '2' });
    expect(up.status).toBe(200);
    expect(amount(up.json.remainingQuantity)).toBe('2');
    expect(amount(up.json.quantity)).toBe('2');
    expect((await book()).asks).toEqual([['100', '3']]);
    const t1 = await place(CAROL, limit('buy', '100', '0.5'));
    expect(t1.trades[0].makerOrderId).toBe(b.id); // alice went to the back
    const down = await patch(b.id, { quantity: '0.2' }, BOB);
    expect(amount(down.json.remainingQuantity)).toBe('0.2');
    const t2 = await place(CAROL, limit('buy', '100', '0.2'));
    expect(t2.trades[0].makerOrderId).toBe(b.id); // bob kept his place
    const both = await patch(a.id, { price: '100.5', quantity: '1.5' });
    expect(both.json).toMatchObject({ status: 'open' });
    expect(amount(both.json.price)).toBe('100.5');
    expect((await book()).asks).toEqual([['100.5', '1.5']]);
    const same = await patch(a.id, { price: '100.50', quantity: '1.5' });
    expect(same.status).toBe(200); // a no-op
    expect((await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json.eventCount).toBe(start0 + 7);
  });

  it('an OCO moved past its stop is refused (422 invalid_stop_price)', async () => {
    const oco = (await place(ALICE, { ...limit('buy', '100', '1'), oco: { stopPrice: '110' } })).order;
    const r = await patch(oco.id, { price: '111' });
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: 'invalid_stop_price', field: 'price' });
    const ok = await patch(oco.id, { price: '105' });
    expect(ok.json).toMatchObject({ oco: { status: 'pending' } });
  });
});

describe('restart', () => {
  it('snapshot + log, and the log alone, rebuild the same orders, book and trades (times from the envelopes, not the clock)', async () => {
    await place(ALICE, { ...limit('buy', '102', '1'), type: 'stop_limit', stopPrice: '101' });
    await place(ALICE, limit('sell', '105', '1', { oco: { stopPrice: '95', price: '94' } }));
    await place(BOB, limit('sell', '100', '2', { displayQuantity: '0.3' }));
    const gtt = (await place(CAROL, limit('buy', '90', '1', { expiresAt: new Date(T0 + 60_000).toISOString() }))).order;
    const soon = (await place(CAROL, limit('buy', '91', '1', { expiresAt: new Date(T0 + 200).toISOString() }))).order;
    clock.set(T0 + 300); // soon expires at the next command
    await place(CAROL, limit('buy', '101', '0.5', { selfTradePrevention: 'decrement' })); // trades at 100: the stop triggers
    const moved = (await place(BOB, limit('buy', '80', '1'))).order;
    expect((await patch(moved.id, { price: '100' }, BOB)).status).toBe(200); // crosses his own iceberg: cancel_resting
    expect((await get(soon.id, CAROL)).status).toBe('expired');
    const snapshot = async () => ({
      book: (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json,
      trades: (await h.req('GET', '/v1/markets/BTC-USD/trades', undefined, null)).json,
      orders: await Promise.all(
        [ALICE, BOB, CAROL].map(async (t) => (await h.req('GET', '/v1/orders?limit=1000', undefined, t)).json),
      ),
    });
    const before = await snapshot();
    expect(before.trades.length).toBeGreaterThan(1);
    await h.node.stop('test');
    const logged = await loggedKinds(); // the join of the start first, the leave of the stop last
    expect([logged[0], logged.at(-1)]).toEqual([KIND_JOIN, KIND_LEAVE]);
    expect(logged.slice(1, -1).filter((k) => k === KIND_JOIN || k === KIND_LEAVE)).toEqual([]);
    // every graceful stop logs a leave (kind 7) and every start a join (kind 6): time events
    // that expire nothing here, so the same book, hash, orders and trades, two events more
    const plus = (events: number) => ({
      ...before,
      book: { ...before.book, eventCount: before.book.eventCount + events },
    });

    // a restart before the GTT order is due: replay must not expire it, no event reached its time
    clock.set(T0 + 400);
    h = await startInProcess(dir, { parts: { clock } });
    expect(await snapshot()).toEqual(plus(2));
    await h.node.stop('test');
    expect(await loggedKinds()).toEqual([...logged, KIND_JOIN, KIND_LEAVE]); // nothing but membership more
    await fs.rm(`${dir}/snapshots`, { recursive: true, force: true }); // the log alone
    h = await startInProcess(dir, { parts: { clock } });
    expect(await snapshot()).toEqual(plus(4));
    expect((await get(gtt.id, CAROL)).status).toBe('open');
    clock.set(T0 + 86_400_000);
    await place(BOB, limit('sell', '200', '1'));
    expect((await get(gtt.id, CAROL)).status).toBe('expired');
  });
});
