// Seeded generator of malformed and hostile API requests for the fuzz test. Every request it
// makes is wrong by construction — a missing or bad token, a body with at least one field
// that can never be valid, a broken body, an oversized body, a bad id, query or route — so
// the node must answer each with a 4xx in the error shape and change nothing.

import type { RawRequest } from '../raw-http.ts';

export type Rng = () => number;

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Values that are never a valid decimal amount (price or quantity). */
const BAD_AMOUNTS: unknown[] = [
  '1e400',
  '1E5',
  '0x10',
  '0X1F',
  '-0',
  '-1',
  '-0.01',
  '0',
  '0.0',
  '0.000000000',
  '+1',
  ' 1',
  '1 ',
  '1.',
  '.5',
  '1..2',
  '1,5',
  '1_000',
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  ' ',
  '٣',
  '１２',
  '1\u00a0',
  '\u200b1',
  '1e-2',
  '0b101',
  '0o17',
  '١٠٠',
  'null',
  'true',
  '9'.repeat(39),
  '1'.repeat(70),
  `1.${'0'.repeat(30)}1`,
  '99999999999999999999999999999999.99',
  '1.000000001',
  1,
  0,
  -0,
  1.5,
  1e308,
  -1,
  Number.MAX_SAFE_INTEGER,
  true,
  false,
  [],
  ['1'],
  {},
  { value: '1' },
  null,
];
/** Values never valid for side/type/timeInForce (strings that are not in the enum, or not strings). */
const BAD_ENUMS: unknown[] = [
  'BUY',
  'Buy',
  'buy ',
  ' buy',
  'sel',
  'sell\u0000',
  'LIMIT',
  'Market',
  'gtc',
  'ioc',
  'GTD',
  'stop',
  '',
  'null',
  '🚀',
  'ｂｕｙ',
  'b\u0301uy',
  0,
  1,
  -1,
  1e300,
  true,
  false,
  [],
  ['buy'],
  { side: 'buy' },
];
const BAD_BOOLS: unknown[] = ['true', 'false', 1, 0, 'yes', '', [], {}, 'on'];
const BAD_CIDS: unknown[] = [
  '',
  ' ',
  'a b',
  'x'.repeat(65),
  'é',
  '🚀',
  'a\u0000',
  'a\nb',
  '<script>',
  1,
  1.5,
  true,
  [],
  {},
  ['x'],
];
const BAD_MARKETS: unknown[] = [
  '',
  'btc',
  'BTC_USD',
  'BTC-USD-X',
  'ＢＴＣ-USD',
  'BTC-USD ',
  '../etc/passwd',
  `${'A'.repeat(40)}-B`,
  1,
  true,
  [],
  {},
  ['BTC-USD'],
];
const UNKNOWN_MARKETS = ['NOPE-USD', 'ETH-EUR', 'BTC-USDT', 'X-Y'];
const UNKNOWN_KEYS = [
  'leverage',
  'Price',
  'qty',
  'amount',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  '',
  ' ',
  '🚀',
  'side ',
  'market\u0000',
  'stop',
  'stop_price',
  'display',
  'expires',
  'stp',
  'ocoPrice',
];
// Advanced fields (docs/api.md, Place an order): values none of which is ever valid.
const NEVER_AMOUNTS = BAD_AMOUNTS.filter((v) => v !== null); // null is "absent", which may be valid
const BAD_STPS: unknown[] = [
  'CANCEL_BOTH',
  'Cancel_Resting',
  'cancel_resting ',
  'none',
  'cancel',
  'decrement\u0000',
  '',
  0,
  1,
  3,
  true,
  [],
  {},
  ['decrement'],
];
const BAD_OCOS: unknown[] = [
  '1',
  1,
  true,
  [],
  ['1'],
  {},
  { price: '1' },
  { stopPrice: null },
  { stopPrice: 1 },
  { stopPrice: '1e3' },
  { stopPrice: '-1' },
  { stopPrice: '0' },
  { stopPrice: '1', price: '0x1' },
  { stopPrice: '1', price: -1 },
  { stopPrice: '1', limit: '1' },
  { stopPrice: '1', stopPrice2: '2' },
  { stopPrice: `1.${'0'.repeat(30)}1` },
  { stopPrice: '9'.repeat(60) },
  { stopPrice: { value: '1' } },
];
const BAD_TIMES: unknown[] = [
  1767225600000,
  0,
  -1,
  1e300,
  true,
  [],
  {},
  '',
  'tomorrow',
  'now',
  '1767225600000',
  '2099-01-01',
  '2099-01-01T00:00',
  '2099-01-01T00:00:00',
  '2099-01-01 00:00:00Z',
  '2099-01-01t00:00:00z',
  '2099-13-01T00:00:00Z',
  '2099-02-30T00:00:00Z',
  '2099-01-01T24:00:00Z',
  '2099-01-01T00:00:61Z',
  '2099-01-01T00:00:00.1234567890Z',
  '2099-01-01T00:00:00+25:00',
  '+002099-01-01T00:00:00Z',
  '２０９９-01-01T00:00:00Z',
  '2099-01-01T00:00:00Z\u0000',
  '1970-01-01T00:00:00Z',
  '2020-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z', // the past: 422
  `2099-01-01T00:00:00.${'0'.repeat(200)}Z`,
];

function deep(r: Rng, depth: number): string {
  const open = r() < 0.5 ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

function baseOrder(r: Rng): Record<string, unknown> {
  const o: Record<string, unknown> = {
    market: 'BTC-USD',
    side: pick(r, ['buy', 'sell']),
    type: 'limit',
    price: `${int(r, 1, 99999)}.${int(r, 0, 99).toString().padStart(2, '0')}`,
    quantity: `0.${int(r, 1, 99999999).toString().padStart(8, '0')}`,
  };
  if (r() < 0.3) o.timeInForce = pick(r, ['GTC', 'IOC', 'FOK']);
  if (r() < 0.2) o.clientOrderId = `c-${int(r, 1, 1e9)}`;
  return o;
}

const LATER_BREAKS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16];
const FIRST_BREAKS = [...LATER_BREAKS, 10, 11, 17];

/** Breaks one field of an order so that no value of the rest can make it valid. */
function breakOrder(r: Rng, o: Record<string, unknown>, first: boolean): void {
  // Only a first break may change the type (10, 11, 17); later ones only add defects, so no
  // combination can repair the first (e.g. "limit without price" then "market").
  switch (pick(r, first ? FIRST_BREAKS : LATER_BREAKS)) {
    case 0:
      o.price = pick(r, [...BAD_AMOUNTS.filter((v) => v !== null), '12.345', '0.001']);
      break; // null would be "no price": valid for a market order
    case 1:
      o.quantity = pick(r, BAD_AMOUNTS);
      break;
    case 2:
      o.side = pick(r, BAD_ENUMS);
      break;
    case 3:
      o.type = pick(r, BAD_ENUMS);
      break;
    case 4:
      o.timeInForce = pick(r, BAD_ENUMS);
      break;
    case 5:
      o.postOnly = pick(r, BAD_BOOLS);
      break;
    case 6:
      o.clientOrderId = pick(r, BAD_CIDS);
      break;
    case 7:
      o.market = r() < 0.5 ? pick(r, BAD_MARKETS) : pick(r, UNKNOWN_MARKETS);
      break;
    case 8:
      o[pick(r, UNKNOWN_KEYS)] = pick(r, [1, 'x', null, {}, []]);
      break;
    case 9:
      delete o[pick(r, ['market', 'side', 'quantity'])];
      break;
    case 10:
      o.type = 'market';
      o.timeInForce = 'IOC';
      break; // a market order that keeps its price
    case 11:
      o.type = 'limit';
      delete o.price;
      break;
    case 12:
      o.stopPrice = pick(r, NEVER_AMOUNTS);
      break;
    case 13:
      o.oco = pick(r, BAD_OCOS);
      break;
    case 14:
      o.displayQuantity = pick(r, NEVER_AMOUNTS);
      break;
    case 15:
      o.selfTradePrevention = pick(r, BAD_STPS);
      break;
    case 16:
      o.expiresAt = pick(r, BAD_TIMES);
      break;
    // a stop without its stop price; a stop-market that keeps its price
    case 17:
      o.type = pick(r, ['stop_limit', 'stop_market']);
      delete o.stopPrice;
      if (o.type === 'stop_market') o.timeInForce = 'IOC';
      break;
  }
}

function orderBody(r: Rng): string {
  const o = baseOrder(r);
  breakOrder(r, o, true);
  if (r() < 0.3) breakOrder(r, o, false);
  let text = JSON.stringify(o);
  if (r() < 0.05) text = text.replace('{', '{"__proto__":{"admin":true},');
  return text;
}

const BROKEN_BODIES: (() => string | Uint8Array)[] = [
  () => '',
  () => '{',
  () => '{"market":"BTC-USD",',
  () => 'null',
  () => 'true',
  () => '12.5',
  () => '"an order"',
  () => '[]',
  () => '[{"market":"BTC-USD","side":"buy","type":"limit","price":"1","quantity":"1"}]',
  () => '{"market":"BTC-USD","side":"buy","type":"limit","price":"1","quantity":"1"',
  () => "{'market':'BTC-USD'}",
  () => '{"market":"BTC-USD" "side":"buy"}',
  () => '\uFEFF{"market":"BTC-USD","side":"buy","type":"limit","price":"1","quantity":"1","x":1}',
  () => `{"price": ${'9'.repeat(400)}}`,
  () => '{"price": 1e400, "quantity": -0}',
  () => new Uint8Array([0x7b, 0xff, 0xfe, 0x22, 0x80, 0x7d]),
  () => new Uint8Array([0xc3, 0x28, 0xa0, 0xa1]),
  () => '\u0000\u0001\u0002',
  () => 'market=BTC-USD&side=buy',
  () => '<order><market>BTC-USD</market></order>',
];

const BAD_IDS = [
  '0',
  'x',
  '123',
  'zzzzzzzzzzzzzzzz',
  '0123456789abcdef0',
  '-123456789abcdef',
  '%00',
  '..%2F..%2Fetc',
  '0x0123456789abcd',
  '%F0%9F%9A%80',
  'null',
  'undefined',
  'a'.repeat(300),
];
const UNKNOWN_IDS = ['0123456789abcdef', 'ffffffffffffffff', '0000000000000000', 'DEADBEEFDEADBEEF'];

export interface Tokens {
  good: string;
  /** Ids of orders that exist and belong to `good`: PATCH bodies are fuzzed against them. */
  orders?: string[];
}

/** PATCH bodies that are never valid (a valid one could change or no-op an order). */
const BAD_AMENDS: (() => string)[] = [
  () => '{}',
  () => '[]',
  () => 'null',
  () => '"1"',
  () => '{"price":null}',
  () => '{"quantity":null,"price":null}',
  () => '{"price":"1","side":"buy"}',
  () => '{"quantity":"1","x":1}',
  () => '{"displayQuantity":"1"}',
  () => '{"expiresAt":"2099-01-01T00:00:00Z"}',
];

/** One hostile request. */
export function hostileRequest(r: Rng, t: Tokens): RawRequest {
  const auth = { Authorization: `Bearer ${t.good}` };
  const json = { 'Content-Type': 'application/json' };
  switch (int(r, 0, t.orders?.length ? 16 : 14)) {
    case 0: {
      // no or bad token, whatever the body
      const bad = pick(r, [
        undefined,
        'Bearer',
        'Bearer ',
        `Bearer ${t.good}x`,
        `bearer  ${t.good.slice(1)}`,
        `Basic ${t.good}`,
        `Bearer ${'a'.repeat(2000)}`,
        'Token abc',
        `${t.good}`,
      ]);
      const headers: Record<string, string> = { ...json };
      if (bad !== undefined) headers.Authorization = bad;
      const method = pick(r, ['POST', 'GET', 'DELETE', 'PATCH']);
      const path = method === 'POST' || method === 'GET' ? '/v1/orders' : `/v1/orders/${pick(r, UNKNOWN_IDS)}`;
      return {
        method,
        path,
        headers,
        body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(baseOrder(r)),
      };
    }
    case 1:
    case 2:
    case 3:
    case 4: // an order with a broken field
      return { method: 'POST', path: '/v1/orders', headers: { ...auth, ...json }, body: orderBody(r) };
    case 5: // a broken body
      return {
        method: 'POST',
        path: '/v1/orders',
        headers: { ...auth, ...json },
        body: pick(r, BROKEN_BODIES)(),
        chunked: r() < 0.2,
      };
    case 6: // deep JSON
      return { method: 'POST', path: '/v1/orders', headers: { ...auth, ...json }, body: deep(r, int(r, 100, 2500)) };
    case 7: {
      // oversized, with or without Content-Length
      const size = pick(r, [16 * 1024 + 1, 20_000, 64 * 1024, 300_000]);
      const body = `{"market":"BTC-USD","clientOrderId":"${'x'.repeat(size)}"}`;
      return {
        method: pick(r, ['POST', 'PATCH']),
        path: r() < 0.7 ? '/v1/orders' : `/v1/orders/${pick(r, UNKNOWN_IDS)}`,
        headers: { ...auth, ...json },
        body,
        chunked: r() < 0.3,
      };
    }
    case 8: {
      // bad or unknown ids
      const method = pick(r, ['GET', 'DELETE', 'PATCH']);
      const id = r() < 0.6 ? pick(r, BAD_IDS) : pick(r, UNKNOWN_IDS);
      return {
        method,
        path: `/v1/orders/${id}`,
        headers: { ...auth, ...json },
        body:
          method === 'PATCH'
            ? pick(r, ['{"quantity":"1"}', '{"quantity":1}', '{}', '[]', '{"price":"1"}', 'nope'])
            : undefined,
      };
    }
    case 9: {
      // bad query parameters
      const q = pick(r, [
        'depth=0',
        'depth=-1',
        'depth=1e3',
        'depth=abc',
        'depth=99999999',
        'depth=1.5',
        'depth=%00',
        'depth=%F0%9F%9A%80',
        `depth=${'9'.repeat(50)}`,
      ]);
      const l = pick(r, ['limit=0', 'limit=-5', 'limit=x', 'limit=100000', 'limit=1e2', 'limit=']);
      return pick(r, [
        { method: 'GET', path: `/v1/markets/BTC-USD/book?${q}` },
        { method: 'GET', path: `/v1/markets/BTC-USD/trades?${l === 'limit=' ? 'limit=0' : l}` },
        {
          method: 'GET',
          path: `/v1/orders?status=${pick(r, ['bogus', 'OPEN', 'open%20', '%F0%9F%9A%80', 'closed', 'Pending'])}`,
          headers: auth,
        },
        { method: 'GET', path: `/v1/orders?market=${pick(r, ['NOPE-USD', 'btc', '%00', 'BTC_USD'])}`, headers: auth },
      ] as RawRequest[]);
    }
    case 10: // unknown markets in paths
      return {
        method: 'GET',
        path: `/v1/markets/${pick(r, ['NOPE-USD', 'btc-usd', 'BTC%2D', '%F0%9F%9A%80', '..', 'BTC-USD%00', 'A'.repeat(200)])}/${pick(r, ['book', 'trades'])}`,
      };
    case 11: // unknown routes
      return {
        method: pick(r, ['GET', 'POST', 'PUT', 'DELETE']),
        path: pick(r, [
          '/v1',
          '/v1/',
          '/v1/order',
          '/v2/orders',
          '/admin',
          '/v1/orders/a/b',
          '/v1/markets/BTC-USD',
          '/%2e%2e/%2e%2e/etc/passwd',
          '/v1/markets/BTC-USD/book/x',
          '/metrics/x',
          '/.env',
        ]),
        headers: auth,
      };
    case 12: // wrong methods on known routes
      return pick(r, [
        { method: 'PUT', path: '/v1/orders', headers: { ...auth, ...json }, body: JSON.stringify(baseOrder(r)) },
        { method: 'DELETE', path: '/v1/orders', headers: auth },
        { method: 'POST', path: '/v1/markets' },
        { method: 'DELETE', path: '/v1/markets/BTC-USD/book' },
        { method: 'POST', path: '/v1/health' },
        { method: 'PUT', path: '/v1/orders/0123456789abcdef', headers: auth },
        { method: 'POST', path: '/metrics' },
      ] as RawRequest[]);
    case 14: {
      // batches: at least one broken order, or a broken list
      const valid = () => JSON.stringify(baseOrder(r));
      const items = Array.from({ length: int(r, 0, 5) }, valid);
      items.splice(int(r, 0, items.length), 0, orderBody(r));
      const body = pick(r, [
        `{"orders":[${items.join(',')}]}`,
        '{"orders":[]}',
        '{"orders":{}}',
        '{"orders":null}',
        `{"orders":[${valid()}],"extra":1}`,
        `[${valid()}]`,
        `{"orders":[${Array.from({ length: 101 }, valid).join(',')}]}`,
      ]);
      return { method: 'POST', path: '/v1/orders/batch', headers: { ...auth, ...json }, body };
    }
    case 15:
    case 16: {
      // PATCH on an own order with a body that is never valid
      const field = pick(r, ['price', 'quantity']);
      const body =
        r() < 0.6
          ? JSON.stringify({
              [field]: pick(r, NEVER_AMOUNTS),
              ...(r() < 0.3 ? { [field === 'price' ? 'quantity' : 'price']: '1' } : {}),
            })
          : pick(r, BAD_AMENDS)();
      return { method: 'PATCH', path: `/v1/orders/${pick(r, t.orders!)}`, headers: { ...auth, ...json }, body };
    }
    default: {
      // hostile headers on an otherwise broken order
      const ct = pick(r, [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        '',
      ]);
      return { method: 'POST', path: '/v1/orders', headers: { ...auth, 'Content-Type': ct }, body: orderBody(r) };
    }
  }
}
