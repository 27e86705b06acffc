// API cases: every error status of docs/api.md — 400 (with the field at fault), 401, 403, 404,
// 405, 409 (in api-orders), 413, 422 — in the one error shape, and ownership between owners.
import type { Case } from '../case.ts';
import {
  type Api,
  type ApiContext,
  call,
  clean,
  connect,
  expectError,
  expectStatus,
  needsNode,
  orderBody,
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

/** [what, body (a value is sent as JSON, a string as is), status, field] */
function badBodies(a: Api): [string, unknown, number, string | undefined][] {
  const ok = orderBody(a, { side: 'buy', ticks: 100, lots: 100 });
  const tick = a.market.tickSize;
  const finer = (size: string) => `${size.includes('.') ? size : `${size}.`}1`; // one more decimal than the step allows
  return [
    ['not JSON', '{"market":', 400, undefined],
    ['empty body', '', 400, undefined],
    ['an array', [ok], 400, undefined],
    ['a string', 'hello', 400, undefined],
    ['null', 'null', 400, undefined],
    ['missing market', { ...ok, market: undefined }, 400, 'market'],
    ['market a number', { ...ok, market: 7 }, 400, 'market'],
    ['missing side', { ...ok, side: undefined }, 400, 'side'],
    ['side "BUY"', { ...ok, side: 'BUY' }, 400, 'side'],
    ['type "stop"', { ...ok, type: 'stop' }, 400, 'type'],
    ['timeInForce "GTD"', { ...ok, timeInForce: 'GTD' }, 400, 'timeInForce'],
    ['postOnly "yes"', { ...ok, postOnly: 'yes' }, 400, 'postOnly'],
    ['unknown field', { ...ok, leverage: '10' }, 400, 'leverage'],
    ['price a number', { ...ok, price: 12.5 }, 400, 'price'],
    ['quantity a number', { ...ok, quantity: 1 }, 400, 'quantity'],
    ['limit without price', { ...ok, price: undefined }, 400, 'price'],
    ['price 1e400', { ...ok, price: '1e400' }, 400, 'price'],
    ['price "0x10"', { ...ok, price: '0x10' }, 400, 'price'],
    ['price "-0"', { ...ok, price: '-0' }, 400, 'price'],
    ['price "0"', { ...ok, price: '0' }, 400, 'price'],
    ['price negative', { ...ok, price: '-5' }, 400, 'price'],
    ['price " 1"', { ...ok, price: ' 1' }, 400, 'price'],
    ['price "1."', { ...ok, price: '1.' }, 400, 'price'],
    ['price with unicode digits', { ...ok, price: '１２' }, 400, 'price'],
    ['price NaN', { ...ok, price: 'NaN' }, 400, 'price'],
    ['price finer than the tick', { ...ok, price: finer(tick) }, 400, 'price'],
    ['price huge', { ...ok, price: '9'.repeat(60) }, 400, 'price'],
    ['price 70 digits', { ...ok, price: '1'.repeat(70) }, 400, 'price'],
    ['quantity zero', { ...ok, quantity: '0' }, 400, 'quantity'],
    ['quantity "0.000"', { ...ok, quantity: '0.000' }, 400, 'quantity'],
    ['quantity finer than the lot', { ...ok, quantity: finer(a.market.lotSize) }, 400, 'quantity'],
    [
      'notional overflows',
      { ...ok, price: steps(tick, 2n ** 40n), quantity: steps(a.market.lotSize, 2n ** 40n) },
      400,
      'quantity',
    ],
    ['clientOrderId a number', { ...ok, clientOrderId: 5 }, 400, 'clientOrderId'],
    ['clientOrderId too long', { ...ok, clientOrderId: 'x'.repeat(65) }, 400, 'clientOrderId'],
  ];
}

export const apiErrorCases: Case[] = [
  api('malformed orders get 400 naming the field, and change nothing', async (ctx) => {
    const a = await connect(ctx);
    const before = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
    for (const [what, body, status, field] of badBodies(a)) {
      const r = await call(a, 'POST', '/v1/orders', {
        token: a.tokens.alice,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expectError(r, status, `POST /v1/orders with ${what}`, undefined, field);
    }
    const after = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
    checkEqual(after.json.stateHash, before.json.stateHash, 'state hash after the bad orders');
    checkEqual(after.json.eventCount, before.json.eventCount, 'event count after the bad orders');
  }),

  api('an unknown market is 404 (body, path and query)', async (ctx) => {
    const a = await connect(ctx);
    const body = { ...orderBody(a, { side: 'buy', ticks: 100, lots: 100 }), market: 'NOPE-USD' };
    expectError(
      await call(a, 'POST', '/v1/orders', { token: a.tokens.alice, body }),
      404,
      'POST with an unknown market',
      undefined,
      'market',
    );
    expectError(await call(a, 'GET', '/v1/markets/NOPE-USD/book'), 404, 'book of an unknown market');
    expectError(await call(a, 'GET', '/v1/markets/NOPE-USD/trades'), 404, 'trades of an unknown market');
    expectError(
      await call(a, 'GET', '/v1/orders?market=NOPE-USD', { token: a.tokens.alice }),
      404,
      'own orders of an unknown market',
    );
  }),

  api('writes and own reads need a valid bearer token (401 with WWW-Authenticate)', async (ctx) => {
    const a = await connect(ctx);
    const body = orderBody(a, { side: 'buy', ticks: 100, lots: 100 });
    const cases: [string, string, Record<string, string>, unknown][] = [
      ['POST', '/v1/orders', {}, body],
      ['POST', '/v1/orders', { Authorization: 'Bearer wrong-token' }, body],
      ['POST', '/v1/orders', { Authorization: `Basic ${a.tokens.alice}` }, body],
      ['POST', '/v1/orders', { Authorization: 'Bearer' }, body],
      ['GET', '/v1/orders', {}, undefined],
      ['GET', '/v1/orders/0123456789abcdef', {}, undefined],
      ['DELETE', '/v1/orders/0123456789abcdef', {}, undefined],
      ['PATCH', '/v1/orders/0123456789abcdef', {}, { quantity: '1' }],
    ];
    for (const [method, path, headers, b] of cases) {
      const r = await call(a, method, path, { headers, body: b });
      expectError(r, 401, `${method} ${path} with ${JSON.stringify(headers)}`, 'unauthorized');
      check(/bearer/i.test(r.headers.get('www-authenticate') ?? ''), `${method} ${path}: WWW-Authenticate: Bearer`);
    }
  }),

  api("an owner cannot see, reduce or cancel another owner's orders (403)", (ctx) =>
    clean(ctx, async (a) => {
      const o = (await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 1_000_000, lots: 100 })).order;
      expectError(
        await call(a, 'GET', `/v1/orders/${o.id}`, { token: a.tokens.bob }),
        403,
        "bob reads alice's order",
        'forbidden',
      );
      expectError(
        await call(a, 'DELETE', `/v1/orders/${o.id}`, { token: a.tokens.bob }),
        403,
        "bob cancels alice's order",
        'forbidden',
      );
      expectError(
        await call(a, 'PATCH', `/v1/orders/${o.id}`, {
          token: a.tokens.bob,
          body: { quantity: steps(a.market.lotSize, 1) },
        }),
        403,
        "bob reduces alice's order",
        'forbidden',
      );
      const bobs = await call(a, 'GET', '/v1/orders', { token: a.tokens.bob });
      expectStatus(bobs, 200, "bob's list");
      check(!bobs.json.some((x: any) => x.id === o.id), "bob's list does not show alice's order");
      const still = await call(a, 'GET', `/v1/orders/${o.id}`, { token: a.tokens.alice });
      checkEqual(still.json.status, 'open', "alice's order is untouched");
    }),
  ),

  api('a body over the limit is 413; unknown routes 404; wrong methods 405', async (ctx) => {
    const a = await connect(ctx);
    const big = JSON.stringify({
      ...orderBody(a, { side: 'buy', ticks: 100, lots: 100 }),
      clientOrderId: 'x'.repeat(17 * 1024),
    });
    expectError(
      await call(a, 'POST', '/v1/orders', { token: a.tokens.alice, body: big }),
      413,
      'a 17 KiB body',
      'payload_too_large',
    );
    expectError(await call(a, 'GET', '/v1/nothing-here'), 404, 'unknown route');
    expectError(await call(a, 'GET', '/v2/orders'), 404, 'unknown version');
    const put = await call(a, 'PUT', '/v1/orders', { token: a.tokens.alice, body: {} });
    expectError(put, 405, 'PUT /v1/orders', 'method_not_allowed');
    check((put.headers.get('allow') ?? '').includes('POST'), 'Allow lists POST');
    expectError(await call(a, 'POST', '/v1/markets'), 405, 'POST /v1/markets');
  }),

  api('query parameters are checked: depth, limit, status', async (ctx) => {
    const a = await connect(ctx);
    for (const q of ['depth=0', 'depth=-1', 'depth=abc', 'depth=1e3', 'depth=100000']) {
      expectError(await call(a, 'GET', `/v1/markets/${a.market.id}/book?${q}`), 400, `book ?${q}`, undefined, 'depth');
    }
    for (const q of ['limit=0', 'limit=x', 'limit=5000']) {
      expectError(
        await call(a, 'GET', `/v1/markets/${a.market.id}/trades?${q}`),
        400,
        `trades ?${q}`,
        undefined,
        'limit',
      );
    }
    expectError(
      await call(a, 'GET', '/v1/orders?status=bogus', { token: a.tokens.alice }),
      400,
      'orders ?status=bogus',
      undefined,
      'status',
    );
    const depth1 = await call(a, 'GET', `/v1/markets/${a.market.id}/book?depth=1`);
    expectStatus(depth1, 200, 'book ?depth=1');
    check(depth1.json.bids.length <= 1 && depth1.json.asks.length <= 1, 'depth=1 gives at most one level a side');
  }),
];
