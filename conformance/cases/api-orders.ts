// API cases: the life of orders through HTTP — place, rest, trade, market/IOC/FOK,
// post-only, cancel, reduce, client order ids — checked in the shapes of docs/api.md.
import type { Case } from '../case.ts';
import {
  type ApiContext,
  call,
  checkAmount,
  clean,
  expectError,
  expectStatus,
  levelAt,
  needsNode,
  orderBody,
  placeOk,
  place,
  steps,
  units,
} from './api-client.ts';
import { check, checkEqual } from './check.ts';

const ORDER_FIELDS = [
  'id',
  'market',
  'owner',
  'side',
  'type',
  'quantity',
  'filledQuantity',
  'remainingQuantity',
  'status',
  'timeInForce',
  'postOnly',
  'createdAt',
];
const TRADE_FIELDS = [
  'id',
  'market',
  'price',
  'quantity',
  'takerSide',
  'takerOrderId',
  'makerOrderId',
  'status',
  'time',
];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function checkOrderShape(o: any, what: string): void {
  for (const f of ORDER_FIELDS) check(o && f in o, `${what}: order lacks ${f}: ${JSON.stringify(o)}`);
  check(typeof o.id === 'string' && o.id.length > 0, `${what}: id is a string`);
  check(
    ['pending', 'open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'].includes(o.status),
    `${what}: status ${o.status}`,
  );
  check(ISO.test(o.createdAt), `${what}: createdAt ${o.createdAt} is ISO-8601 UTC`);
  check(/@/.test(o.owner), `${what}: owner ${o.owner} is qualified (name@peerId)`);
}

function checkTradeShape(t: any, what: string): void {
  for (const f of TRADE_FIELDS) check(t && f in t, `${what}: trade lacks ${f}: ${JSON.stringify(t)}`);
  check(['tentative', 'final', 'reverted'].includes(t.status), `${what}: trade status ${t.status}`);
  check(ISO.test(t.time), `${what}: time ${t.time} is ISO-8601 UTC`);
}

const api = (name: string, run: (ctx: ApiContext) => Promise<void>): Case => ({
  name: `api: ${name}`,
  group: 'api',
  skip: needsNode,
  run,
});

export const apiOrderCases: Case[] = [
  api('a limit order rests; GET by id, the own list and the book show it', (ctx) =>
    clean(ctx, async (a) => {
      const { order, trades } = await placeOk(a, a.tokens.alice, {
        side: 'buy',
        ticks: 100_000,
        lots: 1500,
        clientOrderId: 'rest-1',
      });
      checkOrderShape(order, 'placed order');
      checkEqual(order.status, 'open', 'status');
      checkEqual(order.side, 'buy', 'side');
      checkEqual(order.type, 'limit', 'type');
      checkEqual(order.timeInForce, 'GTC', 'default timeInForce of a limit order');
      checkEqual(order.postOnly, false, 'postOnly default');
      checkEqual(order.clientOrderId, 'rest-1', 'clientOrderId echoed');
      checkAmount(order.price, steps(a.market.tickSize, 100_000), 'price');
      checkAmount(order.quantity, steps(a.market.lotSize, 1500), 'quantity');
      checkAmount(order.filledQuantity, '0', 'filledQuantity');
      checkAmount(order.remainingQuantity, steps(a.market.lotSize, 1500), 'remainingQuantity');
      checkEqual(trades.length, 0, 'no trades');

      const got = await call(a, 'GET', `/v1/orders/${order.id}`, { token: a.tokens.alice });
      expectStatus(got, 200, 'GET /v1/orders/:id');
      checkEqual(got.json.id, order.id, 'same order');
      checkEqual(got.json.status, 'open', 'still open');

      const list = await call(a, 'GET', `/v1/orders?market=${a.market.id}&status=open`, { token: a.tokens.alice });
      expectStatus(list, 200, 'GET /v1/orders');
      check(
        list.json.some((o: any) => o.id === order.id),
        'the own list holds the order',
      );
      check(
        list.json.every((o: any) => o.owner === order.owner),
        'the own list holds only own orders',
      );
      checkAmount(await levelAt(a, 'bids', 100_000), steps(a.market.lotSize, 1500), 'book level');
    }),
  ),

  api('crossing orders trade at the maker price; statuses, trades and book follow', (ctx) =>
    clean(ctx, async (a) => {
      const maker = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 200_000, lots: 1000 })).order;
      const taken = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 200_500, lots: 400 });
      checkEqual(taken.order.status, 'filled', 'taker status');
      checkAmount(taken.order.filledQuantity, steps(a.market.lotSize, 400), 'taker filled');
      checkAmount(taken.order.remainingQuantity, '0', 'taker remaining');
      checkEqual(taken.trades.length, 1, 'one trade');
      const t = taken.trades[0];
      checkTradeShape(t, 'trade');
      checkAmount(t.price, steps(a.market.tickSize, 200_000), 'trade at the maker price');
      checkAmount(t.quantity, steps(a.market.lotSize, 400), 'trade quantity');
      checkEqual(t.takerSide, 'buy', 'takerSide');
      checkEqual(t.takerOrderId, taken.order.id, 'takerOrderId');
      checkEqual(t.makerOrderId, maker.id, 'makerOrderId');

      const m = await call(a, 'GET', `/v1/orders/${maker.id}`, { token: a.tokens.alice });
      checkEqual(m.json.status, 'partially_filled', 'maker status');
      checkAmount(m.json.filledQuantity, steps(a.market.lotSize, 400), 'maker filled');
      checkAmount(m.json.remainingQuantity, steps(a.market.lotSize, 600), 'maker remaining');
      checkAmount(await levelAt(a, 'asks', 200_000), steps(a.market.lotSize, 600), 'ask level after the fill');

      const trades = await call(a, 'GET', `/v1/markets/${a.market.id}/trades?limit=5`);
      expectStatus(trades, 200, 'GET trades');
      checkEqual(trades.json[0]?.id, t.id, 'newest trade first');

      // a second taker takes the rest and more: the rest of it rests as a bid
      const second = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 200_000, lots: 1000 });
      checkEqual(second.order.status, 'partially_filled', 'second taker rests partially filled');
      checkAmount(second.order.filledQuantity, steps(a.market.lotSize, 600), 'second taker filled');
      const done = await call(a, 'GET', `/v1/orders/${maker.id}`, { token: a.tokens.alice });
      checkEqual(done.json.status, 'filled', 'maker filled');
      checkAmount(await levelAt(a, 'asks', 200_000), '0', 'ask level gone');
      checkAmount(await levelAt(a, 'bids', 200_000), steps(a.market.lotSize, 400), 'bid level of the rest');
      const newest = await call(a, 'GET', `/v1/markets/${a.market.id}/trades?limit=2`);
      checkEqual(newest.json.length, 2, 'limit=2');
      checkEqual(newest.json[0].takerOrderId, second.order.id, 'newest first');
    }),
  ),

  api('a market order carries no price, needs IOC or FOK, and its unfilled rest is cancelled', (ctx) =>
    clean(ctx, async (a) => {
      await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 300_000, lots: 300 });
      const mkt = await placeOk(a, a.tokens.bob, { side: 'buy', type: 'market', lots: 500 });
      checkEqual(mkt.order.type, 'market', 'type');
      check(!('price' in mkt.order) || mkt.order.price === undefined, 'a market order shows no price');
      checkEqual(mkt.order.timeInForce, 'IOC', 'default timeInForce of a market order');
      checkEqual(mkt.order.status, 'cancelled', 'unfilled rest cancelled');
      checkAmount(mkt.order.filledQuantity, steps(a.market.lotSize, 300), 'filled what was there');
      checkEqual(mkt.trades.length, 1, 'one trade');

      const withPrice = await place(a, a.tokens.bob, { side: 'buy', type: 'market', ticks: 1, lots: 1 });
      expectError(withPrice, 400, 'market order with a price', undefined, 'price');
      const gtc = await place(a, a.tokens.bob, { side: 'buy', type: 'market', lots: 1, timeInForce: 'GTC' });
      expectError(gtc, 400, 'market order with GTC', undefined, 'timeInForce');
      const empty = await placeOk(a, a.tokens.bob, { side: 'buy', type: 'market', lots: 1 });
      checkEqual(empty.order.status, 'cancelled', 'market order on an empty side');
      checkEqual(empty.trades.length, 0, 'no trades on an empty side');
    }),
  ),

  api('IOC trades what it can and cancels the rest; FOK that cannot fill in full does nothing', (ctx) =>
    clean(ctx, async (a) => {
      await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 400_000, lots: 200 });
      const ioc = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 400_000, lots: 500, timeInForce: 'IOC' });
      checkEqual(ioc.order.status, 'cancelled', 'IOC rest cancelled');
      checkAmount(ioc.order.filledQuantity, steps(a.market.lotSize, 200), 'IOC filled');
      checkAmount(await levelAt(a, 'bids', 400_000), '0', 'IOC never rests');

      await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 400_000, lots: 200 });
      const fok = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 400_000, lots: 300, timeInForce: 'FOK' });
      checkEqual(fok.order.status, 'cancelled', 'FOK that cannot fill');
      checkAmount(fok.order.filledQuantity, '0', 'FOK filled nothing');
      checkEqual(fok.trades.length, 0, 'FOK made no trades');
      checkAmount(await levelAt(a, 'asks', 400_000), steps(a.market.lotSize, 200), 'the book is unchanged');

      const fill = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 400_000, lots: 200, timeInForce: 'FOK' });
      checkEqual(fill.order.status, 'filled', 'FOK that can fill');
    }),
  ),

  api('post-only: rests when it does not cross, 422 post_only_would_cross when it would', (ctx) =>
    clean(ctx, async (a) => {
      const rest = await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 500_000, lots: 100, postOnly: true });
      checkEqual(rest.order.postOnly, true, 'postOnly echoed');
      checkEqual(rest.order.status, 'open', 'post-only rests');
      const cross = await place(a, a.tokens.bob, { side: 'buy', ticks: 500_000, lots: 100, postOnly: true });
      expectError(cross, 422, 'post-only that would cross', 'post_only_would_cross');
      const ioc = await place(a, a.tokens.bob, {
        side: 'buy',
        ticks: 400_000,
        lots: 100,
        postOnly: true,
        timeInForce: 'IOC',
      });
      expectError(ioc, 400, 'post-only with IOC', undefined, 'postOnly');
      checkAmount(await levelAt(a, 'asks', 500_000), steps(a.market.lotSize, 100), 'the book is unchanged');
    }),
  ),

  api('an owner trading against itself cancels its resting order (self-trade prevention)', (ctx) =>
    clean(ctx, async (a) => {
      const own = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 550_000, lots: 100 })).order;
      const other = (await placeOk(a, a.tokens.bob, { side: 'sell', ticks: 550_000, lots: 100 })).order;
      const taker = await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 550_000, lots: 100 });
      checkEqual(taker.order.status, 'filled', 'the taker fills against the other owner');
      checkEqual(taker.trades[0]?.makerOrderId, other.id, 'traded with the other owner only');
      const mine = await call(a, 'GET', `/v1/orders/${own.id}`, { token: a.tokens.alice });
      checkEqual(mine.json.status, 'cancelled', 'own resting order cancelled by self-trade prevention');
    }),
  ),

  api('DELETE cancels an open order; again 409; unknown 404; malformed id 400', (ctx) =>
    clean(ctx, async (a) => {
      const o = (await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 600_000, lots: 100 })).order;
      const del = await call(a, 'DELETE', `/v1/orders/${o.id}`, { token: a.tokens.alice });
      expectStatus(del, 200, 'DELETE');
      checkEqual(del.json.id, o.id, 'the cancelled order');
      checkEqual(del.json.status, 'cancelled', 'status cancelled');
      checkAmount(await levelAt(a, 'bids', 600_000), '0', 'gone from the book');
      expectError(
        await call(a, 'DELETE', `/v1/orders/${o.id}`, { token: a.tokens.alice }),
        409,
        'cancel twice',
        'order_not_open',
      );
      const got = await call(a, 'GET', `/v1/orders/${o.id}`, { token: a.tokens.alice });
      checkEqual(got.json.status, 'cancelled', 'a cancelled order can still be read');
      expectError(
        await call(a, 'DELETE', '/v1/orders/0123456789abcdef', { token: a.tokens.alice }),
        404,
        'cancel unknown',
      );
      expectError(
        await call(a, 'DELETE', '/v1/orders/not-an-id', { token: a.tokens.alice }),
        400,
        'cancel malformed id',
        undefined,
        'id',
      );
      // a filled order cannot be cancelled either
      await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 600_000, lots: 50 });
      const filled = (await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 600_000, lots: 50 })).order;
      checkEqual(filled.status, 'filled', 'filled');
      expectError(
        await call(a, 'DELETE', `/v1/orders/${filled.id}`, { token: a.tokens.bob }),
        409,
        'cancel filled',
        'order_not_open',
      );
    }),
  ),

  api('PATCH lowers the remaining quantity and keeps priority; same is a no-op; malformed bodies 400', (ctx) =>
    clean(ctx, async (a) => {
      const first = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 700_000, lots: 1000 })).order;
      await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 700_000, lots: 1000 });
      const cut = await call(a, 'PATCH', `/v1/orders/${first.id}`, {
        token: a.tokens.alice,
        body: { quantity: steps(a.market.lotSize, 300) },
      });
      expectStatus(cut, 200, 'PATCH smaller');
      checkAmount(cut.json.remainingQuantity, steps(a.market.lotSize, 300), 'remaining after reduce');
      checkEqual(cut.json.status, 'open', 'still open');
      checkAmount(await levelAt(a, 'asks', 700_000), steps(a.market.lotSize, 1300), 'level total after reduce');
      const same = await call(a, 'PATCH', `/v1/orders/${first.id}`, {
        token: a.tokens.alice,
        body: { quantity: steps(a.market.lotSize, 300) },
      });
      expectStatus(same, 200, 'PATCH to the same quantity');
      expectError(
        await call(a, 'PATCH', `/v1/orders/${first.id}`, { token: a.tokens.alice, body: { quantity: '0' } }),
        400,
        'PATCH to zero',
        undefined,
        'quantity',
      );
      expectError(
        await call(a, 'PATCH', `/v1/orders/${first.id}`, { token: a.tokens.alice, body: {} }),
        400,
        'PATCH without quantity or price',
        undefined,
        'quantity',
      );
      expectError(
        await call(a, 'PATCH', `/v1/orders/${first.id}`, { token: a.tokens.alice, body: { quantity: '1', extra: 1 } }),
        400,
        'PATCH with an unknown field',
        'unknown_field',
        'extra',
      );
      // priority kept: a taker for 300 lots fills the reduced first order, not the second
      const taker = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 700_000, lots: 300 });
      checkEqual(taker.trades[0]?.makerOrderId, first.id, 'the reduced order kept its place in the queue');
      expectError(
        await call(a, 'PATCH', `/v1/orders/${first.id}`, {
          token: a.tokens.alice,
          body: { quantity: steps(a.market.lotSize, 1) },
        }),
        409,
        'PATCH a filled order',
        'order_not_open',
      );
    }),
  ),

  api('clientOrderId: a second order with the same id is refused 422 duplicate_client_order_id', (ctx) =>
    clean(ctx, async (a) => {
      const cid = `dup-${Date.now().toString(36)}`;
      await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 800_000, lots: 10, clientOrderId: cid });
      expectError(
        await place(a, a.tokens.alice, { side: 'buy', ticks: 800_001, lots: 10, clientOrderId: cid }),
        422,
        'same clientOrderId',
        'duplicate_client_order_id',
        'clientOrderId',
      );
      // another owner may use the same client id
      await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 800_000, lots: 10, clientOrderId: cid });
      expectError(
        await place(a, a.tokens.alice, { side: 'buy', ticks: 1, lots: 1, clientOrderId: 'bad id with spaces' }),
        400,
        'malformed clientOrderId',
        undefined,
        'clientOrderId',
      );
    }),
  ),

  api(
    'POST /v1/orders/batch: each order its own result, in order; one bad order refuses the batch (400 naming it)',
    (ctx) =>
      clean(ctx, async (a) => {
        const body = (orders: unknown[]) => ({ orders });
        const rest = orderBody(a, { side: 'sell', ticks: 1_400_000, lots: 100 });
        const cross = orderBody(a, { side: 'buy', ticks: 1_400_000, lots: 100, postOnly: true });
        const second = orderBody(a, { side: 'sell', ticks: 1_400_001, lots: 50 });
        const r = await call(a, 'POST', '/v1/orders/batch', {
          token: a.tokens.alice,
          body: body([rest, cross, second]),
        });
        expectStatus(r, 201, 'POST /v1/orders/batch');
        checkEqual(r.json.results.length, 3, 'one result per order');
        checkEqual(r.json.results[0].order?.status, 'open', 'first rests');
        checkEqual(r.json.results[1].error?.code, 'post_only_would_cross', 'the post-only one is refused on its own');
        checkEqual(r.json.results[2].order?.status, 'open', 'third rests');
        checkAmount(await levelAt(a, 'asks', 1_400_000), steps(a.market.lotSize, 100), 'first in the book');

        const before = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
        const bad = await call(a, 'POST', '/v1/orders/batch', {
          token: a.tokens.alice,
          body: body([second, { ...second, price: '1e5' }]),
        });
        expectError(bad, 400, 'a batch with a bad order', undefined, 'orders[1].price');
        for (const [what, b] of [
          ['empty', body([])],
          ['not a list', { orders: {} }],
          ['too many', body(Array.from({ length: 101 }, () => second))],
          ['unknown field', { orders: [second], x: 1 }],
        ] as const) {
          const res = await call(a, 'POST', '/v1/orders/batch', { token: a.tokens.alice, body: b });
          check(res.status === 400 || res.status === 413, `batch ${what}: ${res.status}`);
        }
        expectError(await call(a, 'POST', '/v1/orders/batch', { body: body([second]) }), 401, 'batch without a token');
        const after = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
        checkEqual(after.json.eventCount, before.json.eventCount, 'a refused batch places nothing');
      }),
  ),

  api('concurrent orders are all acknowledged and all in the book', (ctx) =>
    clean(ctx, async (a) => {
      const n = 40;
      const replies = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          place(a, i % 2 ? a.tokens.alice : a.tokens.bob, { side: 'buy', ticks: 900_000 + (i % 4), lots: 10 }),
        ),
      );
      for (const r of replies) expectStatus(r, 201, 'concurrent POST');
      check(new Set(replies.map((r) => r.json.order.id)).size === n, 'every order got its own id');
      let total = 0n;
      for (let k = 0; k < 4; k++) total += units(await levelAt(a, 'bids', 900_000 + k), a.market.lotSize);
      checkEqual(total, BigInt(n * 10), 'the levels hold every acknowledged order');
    }),
  ),
];
