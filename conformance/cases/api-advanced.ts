// API cases: advanced orders (docs/api.md, Place an order) — stop-limit and stop-market, OCO,
// good-till-time, icebergs, the four self-trade prevention modes, and PATCH moving an order's
// price or raising its quantity. Stops trigger on the market's last trade price, which earlier
// cases leave anywhere: each case first trades at a price of its own to set it.
import type { Case } from '../case.ts';
import {
  type Api,
  type ApiContext,
  call,
  checkAmount,
  clean,
  connect,
  expectError,
  expectStatus,
  levelAt,
  needsNode,
  orderBody,
  type Place,
  placeOk,
  steps,
} from './api-client.ts';
import { check, checkEqual } from './check.ts';

const api = (name: string, run: (ctx: ApiContext) => Promise<void>): Case => ({
  name: `api: ${name}`,
  group: 'api',
  skip: needsNode,
  run,
});
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Places an order with advanced fields (prices in ticks: `stopPrice`, `oco.stopPrice`, `oco.price`); must be accepted. */
async function placeAdv(
  a: Api,
  token: string,
  p: Place,
  extra: Record<string, unknown> = {},
): Promise<{ order: any; trades: any[] }> {
  const body = { ...orderBody(a, p), ...extra };
  const r = await call(a, 'POST', '/v1/orders', { token, body });
  expectStatus(r, 201, `POST /v1/orders ${JSON.stringify(body)}`);
  return r.json;
}

async function getOrder(a: Api, token: string, id: string): Promise<any> {
  const r = await call(a, 'GET', `/v1/orders/${id}`, { token });
  expectStatus(r, 200, `GET /v1/orders/${id}`);
  return r.json;
}

/** One trade between the two owners at `ticks`: the market's last trade price is then `ticks`. */
async function lastPriceAt(a: Api, ticks: number): Promise<void> {
  await placeOk(a, a.tokens.bob, { side: 'sell', ticks, lots: 1 });
  const t = await placeOk(a, a.tokens.alice, { side: 'buy', ticks, lots: 1 });
  checkEqual(t.trades.length, 1, `the trade that sets the last price at ${ticks} ticks`);
}

export const apiAdvancedCases: Case[] = [
  api('stop-limit: pending off the book until a trade reaches its stop, then enters as a limit order', (ctx) =>
    clean(ctx, async (a) => {
      const px = (t: number) => steps(a.market.tickSize, t);
      await lastPriceAt(a, 2_000_000);
      const stop = (
        await placeAdv(
          a,
          a.tokens.alice,
          { side: 'buy', type: 'stop_limit', ticks: 2_000_020, lots: 100 },
          { stopPrice: px(2_000_010) },
        )
      ).order;
      checkEqual(stop.type, 'stop_limit', 'type');
      checkEqual(stop.status, 'pending', 'a stop waits');
      checkAmount(stop.stopPrice, px(2_000_010), 'stopPrice');
      checkAmount(stop.price, px(2_000_020), 'price');
      checkAmount(await levelAt(a, 'bids', 2_000_020), '0', 'a pending stop is not in the book');
      const live = await call(a, 'GET', '/v1/orders?status=open', { token: a.tokens.alice });
      check(
        live.json.some((o: any) => o.id === stop.id),
        'status=open lists pending stops (every live order)',
      );

      await placeOk(a, a.tokens.bob, { side: 'sell', ticks: 2_000_010, lots: 200 });
      checkEqual((await getOrder(a, a.tokens.alice, stop.id)).status, 'pending', 'no trade at the stop yet');
      await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 2_000_010, lots: 100 }); // the last price reaches the stop
      const after = await getOrder(a, a.tokens.alice, stop.id);
      checkEqual(after.status, 'filled', 'the triggered stop took the rest of the ask');
      check(ISO.test(after.triggeredAt ?? ''), `triggeredAt ${after.triggeredAt}`);
      const trades = await call(a, 'GET', `/v1/markets/${a.market.id}/trades?limit=1`);
      checkEqual(trades.json[0]?.takerOrderId, stop.id, 'the triggered stop is the taker of the newest trade');
    }),
  ),

  api('stop-market: triggers on a fall and trades as a market order; no price, GTC refused', (ctx) =>
    clean(ctx, async (a) => {
      const px = (t: number) => steps(a.market.tickSize, t);
      await lastPriceAt(a, 2_100_000);
      const stop = (
        await placeAdv(
          a,
          a.tokens.alice,
          { side: 'sell', type: 'stop_market', lots: 300 },
          { stopPrice: px(2_099_990) },
        )
      ).order;
      checkEqual(stop.status, 'pending', 'pending');
      checkEqual(stop.timeInForce, 'IOC', 'a stop-market is IOC by default');
      check(stop.price === undefined, 'a stop-market shows no price');
      const gtc = await call(a, 'POST', '/v1/orders', {
        token: a.tokens.alice,
        body: { ...orderBody(a, { side: 'sell', lots: 1 }), type: 'stop_market', stopPrice: px(1), timeInForce: 'GTC' },
      });
      expectError(gtc, 400, 'stop-market with GTC', undefined, 'timeInForce');
      await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 2_099_990, lots: 200 });
      await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 2_099_990, lots: 100 }); // trades at the stop
      const after = await getOrder(a, a.tokens.alice, stop.id);
      checkEqual(after.status, 'cancelled', 'its unfilled rest expired');
      checkEqual(after.cancelReason, 'expired', 'cancelReason');
      checkAmount(after.filledQuantity, steps(a.market.lotSize, 100), 'it swept what was there');
    }),
  ),

  api('OCO: a fill of the limit leg cancels the stop leg; a trigger of the stop leg takes the limit leg out', (ctx) =>
    clean(ctx, async (a) => {
      const px = (t: number) => steps(a.market.tickSize, t);
      await lastPriceAt(a, 2_200_000);
      // 1. the limit leg fills (in part): the stop leg is gone
      const first = (
        await placeAdv(
          a,
          a.tokens.alice,
          { side: 'sell', ticks: 2_200_050, lots: 100 },
          { oco: { stopPrice: px(2_199_950) } },
        )
      ).order;
      checkEqual(first.oco?.status, 'pending', 'the stop leg waits');
      checkAmount(first.oco?.stopPrice, px(2_199_950), 'oco.stopPrice');
      await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 2_200_050, lots: 40 });
      checkEqual(
        (await getOrder(a, a.tokens.alice, first.id)).oco?.status,
        'cancelled',
        'a fill of the limit leg cancels the stop leg',
      );
      await call(a, 'DELETE', `/v1/orders/${first.id}`, { token: a.tokens.alice });

      // 2. the stop leg triggers: the limit leg leaves the book, the order rests at the leg's price
      const second = (
        await placeAdv(
          a,
          a.tokens.alice,
          { side: 'sell', ticks: 2_200_050, lots: 100 },
          { oco: { stopPrice: px(2_199_950), price: px(2_199_940) } },
        )
      ).order;
      checkAmount(await levelAt(a, 'asks', 2_200_050), steps(a.market.lotSize, 100), 'the limit leg rests');
      await lastPriceAt(a, 2_199_950);
      const after = await getOrder(a, a.tokens.alice, second.id);
      checkEqual(after.oco?.status, 'triggered', 'the stop leg triggered');
      checkAmount(after.price, px(2_199_940), "the order works at the stop leg's price");
      checkAmount(await levelAt(a, 'asks', 2_200_050), '0', 'the limit leg is gone');
      checkAmount(await levelAt(a, 'asks', 2_199_940), steps(a.market.lotSize, 100), "resting at the stop leg's price");

      const wrongSide = await call(a, 'POST', '/v1/orders', {
        token: a.tokens.alice,
        body: { ...orderBody(a, { side: 'sell', ticks: 2_200_050, lots: 1 }), oco: { stopPrice: px(2_200_060) } },
      });
      expectError(wrongSide, 400, 'a sell OCO with its stop above the limit', undefined, 'oco.stopPrice');
    }),
  ),

  api(
    'good-till-time: expires on time on a quiet node (its own time event); a time not in the future is 422 invalid_expiry',
    (ctx) =>
      clean(ctx, async (a) => {
        const expiresAt = new Date(Date.now() + 700).toISOString();
        const gtt = (await placeAdv(a, a.tokens.alice, { side: 'buy', ticks: 2_300_000, lots: 100 }, { expiresAt }))
          .order;
        check(
          ISO.test(gtt.expiresAt) && Math.abs(Date.parse(gtt.expiresAt) - Date.parse(expiresAt)) < 1,
          `expiresAt ${gtt.expiresAt} echoed`,
        );
        checkEqual(gtt.status, 'open', 'open until then');
        // no other command: the node logs a time event when the order is due
        let after = await getOrder(a, a.tokens.alice, gtt.id);
        while (after.status === 'open' && Date.now() < Date.parse(expiresAt) + 1000) {
          await new Promise((r) => setTimeout(r, 25));
          after = await getOrder(a, a.tokens.alice, gtt.id);
        }
        checkEqual(after.status, 'expired', 'expired within a second of expiresAt');
        checkAmount(after.remainingQuantity, '0', 'nothing remains');
        checkAmount(await levelAt(a, 'bids', 2_300_000), '0', 'gone from the book');
        expectError(
          await call(a, 'DELETE', `/v1/orders/${gtt.id}`, { token: a.tokens.alice }),
          409,
          'cancel an expired order',
          'order_not_open',
        );
        const past = await call(a, 'POST', '/v1/orders', {
          token: a.tokens.alice,
          body: {
            ...orderBody(a, { side: 'buy', ticks: 2_300_000, lots: 1 }),
            expiresAt: new Date(Date.now() - 1000).toISOString(),
          },
        });
        expectError(past, 422, 'expiresAt in the past', 'invalid_expiry', 'expiresAt');
        const ioc = await call(a, 'POST', '/v1/orders', {
          token: a.tokens.alice,
          body: {
            ...orderBody(a, { side: 'buy', ticks: 1, lots: 1, timeInForce: 'IOC' }),
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          },
        });
        expectError(ioc, 400, 'expiresAt on an IOC order', undefined, 'expiresAt');
      }),
  ),

  api('iceberg: the book shows displayQuantity only; a filled slice refills at the back of the level', (ctx) =>
    clean(ctx, async (a) => {
      const q = (n: number) => steps(a.market.lotSize, n);
      const ice = (
        await placeAdv(a, a.tokens.alice, { side: 'sell', ticks: 2_400_000, lots: 1000 }, { displayQuantity: q(100) })
      ).order;
      checkAmount(ice.displayQuantity, q(100), 'displayQuantity echoed');
      checkAmount(ice.remainingQuantity, q(1000), 'remainingQuantity counts the hidden part');
      checkAmount(await levelAt(a, 'asks', 2_400_000), q(100), 'the level shows the display only');
      const other = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 2_400_000, lots: 200 })).order;
      const taker = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 2_400_000, lots: 150 });
      checkEqual(
        taker.trades.map((t: any) => t.makerOrderId),
        [ice.id, other.id],
        'the slice first, then the order that was behind it',
      );
      checkAmount(await levelAt(a, 'asks', 2_400_000), q(250), 'the next slice shows');
      const tooSmall = await call(a, 'POST', '/v1/orders', {
        token: a.tokens.alice,
        body: { ...orderBody(a, { side: 'sell', ticks: 2_400_000, lots: 1000 }), displayQuantity: q(9) },
      });
      expectError(tooSmall, 400, 'an iceberg of more than 100 slices', undefined, 'displayQuantity');
    }),
  ),

  api('self-trade prevention: cancel_resting, cancel_incoming, cancel_both and decrement', (ctx) =>
    clean(ctx, async (a) => {
      const q = (n: number) => steps(a.market.lotSize, n);
      const cases: [string, string, string, string, number][] = [
        // mode, resting status, incoming status, resting remaining, ask level after
        ['cancel_resting', 'cancelled', 'open', q(0), 0],
        ['cancel_incoming', 'open', 'cancelled', q(100), 100],
        ['cancel_both', 'cancelled', 'cancelled', q(0), 0],
        ['decrement', 'open', 'cancelled', q(60), 60],
      ];
      let ticks = 2_500_100;
      for (const [mode, resting, incoming, left, level] of cases) {
        ticks -= 10; // below what earlier rounds left, so the buy meets only this round's sell
        const r = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks, lots: 100 })).order;
        const i = await placeAdv(a, a.tokens.alice, { side: 'buy', ticks, lots: 40 }, { selfTradePrevention: mode });
        checkEqual(i.order.selfTradePrevention, mode, `${mode}: echoed`);
        checkEqual(i.trades.length, 0, `${mode}: no trade with oneself`);
        checkEqual(i.order.status, incoming, `${mode}: the incoming order`);
        const after = await getOrder(a, a.tokens.alice, r.id);
        checkEqual(after.status, resting, `${mode}: the resting order`);
        checkAmount(after.remainingQuantity, left, `${mode}: the resting order's remaining quantity`);
        checkAmount(await levelAt(a, 'asks', ticks), q(level), `${mode}: the ask level`);
        await call(a, 'DELETE', `/v1/orders/${i.order.id}`, { token: a.tokens.alice });
      }
      const fok = await call(a, 'POST', '/v1/orders', {
        token: a.tokens.alice,
        body: {
          ...orderBody(a, { side: 'buy', ticks, lots: 1, timeInForce: 'FOK' }),
          selfTradePrevention: 'decrement',
        },
      });
      expectError(fok, 400, 'FOK with decrement', undefined, 'selfTradePrevention');
    }),
  ),

  api(
    'PATCH: a new price goes to the back of that level or trades; a larger quantity loses priority; a pending stop cannot move',
    (ctx) =>
      clean(ctx, async (a) => {
        const px = (t: number) => steps(a.market.tickSize, t);
        const q = (n: number) => steps(a.market.lotSize, n);
        const patch = (token: string, id: string, body: unknown) =>
          call(a, 'PATCH', `/v1/orders/${id}`, { token, body });
        // a move to the back of the new level
        const there = (await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 2_600_000, lots: 100 })).order;
        const mine = (await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 2_600_010, lots: 100 })).order;
        const moved = await patch(a.tokens.alice, mine.id, { price: px(2_600_000) });
        expectStatus(moved, 200, 'PATCH price');
        checkAmount(moved.json.price, px(2_600_000), 'the new price');
        checkAmount(await levelAt(a, 'bids', 2_600_010), '0', 'the old level is gone');
        checkAmount(await levelAt(a, 'bids', 2_600_000), q(200), 'both at the level');
        const t1 = await placeOk(a, a.tokens.bob, { side: 'sell', ticks: 2_600_000, lots: 100 });
        checkEqual(t1.trades[0]?.makerOrderId, there.id, 'the moved order is behind the one that was there');
        checkEqual((await getOrder(a, a.tokens.alice, mine.id)).status, 'open', 'the moved order waits');

        // a move across the spread trades at once
        const ask = (await placeOk(a, a.tokens.bob, { side: 'sell', ticks: 2_600_100, lots: 30 })).order;
        const low = (await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 2_600_050, lots: 100 })).order;
        const crossed = await patch(a.tokens.alice, low.id, { price: px(2_600_100) });
        expectStatus(crossed, 200, 'PATCH across the spread');
        checkAmount(crossed.json.filledQuantity, q(30), 'traded as it moved');
        checkEqual((await getOrder(a, a.tokens.bob, ask.id)).status, 'filled', 'the ask it met');

        // a larger quantity loses priority, a smaller keeps it
        const first = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 2_600_500, lots: 100 })).order;
        const second = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 2_600_500, lots: 100 })).order;
        const up = await patch(a.tokens.alice, first.id, { quantity: q(150) });
        expectStatus(up, 200, 'PATCH larger');
        checkAmount(up.json.remainingQuantity, q(150), 'the new remaining quantity');
        checkAmount(await levelAt(a, 'asks', 2_600_500), q(250), 'the level grew');
        const t2 = await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 2_600_500, lots: 50 });
        checkEqual(t2.trades[0]?.makerOrderId, second.id, 'the increased order went to the back');

        // a pending stop can be reduced, not moved
        await lastPriceAt(a, 2_600_500);
        const stop = (
          await placeAdv(
            a,
            a.tokens.alice,
            { side: 'buy', type: 'stop_limit', ticks: 2_700_000, lots: 100 },
            { stopPrice: px(2_699_000) },
          )
        ).order;
        expectError(
          await patch(a.tokens.alice, stop.id, { price: px(2_700_001) }),
          422,
          'PATCH the price of a pending stop',
          'not_amendable',
        );
        const cut = await patch(a.tokens.alice, stop.id, { quantity: q(10) });
        expectStatus(cut, 200, 'PATCH a pending stop smaller');
        checkEqual(cut.json.status, 'pending', 'still pending');
        expectError(await patch(a.tokens.alice, stop.id, { price: '0' }), 400, 'PATCH price 0', undefined, 'price');
        expectError(
          await patch(a.tokens.alice, stop.id, { price: 1 }),
          400,
          'PATCH price a number',
          undefined,
          'price',
        );
      }),
  ),

  api('advanced fields that can never be valid get 400 naming the field, and change nothing', async (ctx) => {
    const a = await connect(ctx);
    const px = (t: number) => steps(a.market.tickSize, t);
    const ok = orderBody(a, { side: 'buy', ticks: 100, lots: 100 });
    const bodies: [string, unknown, string][] = [
      ['stopPrice on a limit order', { ...ok, stopPrice: px(1) }, 'stopPrice'],
      ['stop-limit without stopPrice', { ...ok, type: 'stop_limit' }, 'stopPrice'],
      ['stopPrice a number', { ...ok, type: 'stop_limit', stopPrice: 1 }, 'stopPrice'],
      ['stopPrice zero', { ...ok, type: 'stop_limit', stopPrice: '0' }, 'stopPrice'],
      ['oco a string', { ...ok, oco: '1' }, 'oco'],
      ['oco without stopPrice', { ...ok, oco: {} }, 'oco.stopPrice'],
      ['oco with an unknown field', { ...ok, oco: { stopPrice: px(200), limit: '1' } }, 'oco.limit'],
      ['oco on an IOC order', { ...ok, timeInForce: 'IOC', oco: { stopPrice: px(200) } }, 'oco'],
      ['oco.price finer than the tick', { ...ok, oco: { stopPrice: px(200), price: `${px(1)}1` } }, 'oco.price'],
      ['displayQuantity above quantity', { ...ok, displayQuantity: steps(a.market.lotSize, 101) }, 'displayQuantity'],
      ['displayQuantity a number', { ...ok, displayQuantity: 1 }, 'displayQuantity'],
      [
        'displayQuantity on a market order',
        { ...orderBody(a, { side: 'buy', type: 'market', lots: 100 }), displayQuantity: steps(a.market.lotSize, 10) },
        'displayQuantity',
      ],
      ['selfTradePrevention unknown', { ...ok, selfTradePrevention: 'cancel_all' }, 'selfTradePrevention'],
      ['expiresAt a number', { ...ok, expiresAt: 1767225600000 }, 'expiresAt'],
      ['expiresAt without a zone', { ...ok, expiresAt: '2099-01-01T00:00:00' }, 'expiresAt'],
      ['expiresAt on February 30th', { ...ok, expiresAt: '2099-02-30T00:00:00Z' }, 'expiresAt'],
    ];
    const before = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
    for (const [what, body, field] of bodies) {
      expectError(
        await call(a, 'POST', '/v1/orders', { token: a.tokens.alice, body }),
        400,
        `POST /v1/orders with ${what}`,
        undefined,
        field,
      );
    }
    const after = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
    checkEqual(after.json.eventCount, before.json.eventCount, 'nothing was logged');
  }),
];
