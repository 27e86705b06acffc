// The one validation module: everything a client sends (bodies, path and query
// parameters, WebSocket messages) is checked here and turned into typed values, or into
// an ApiError naming the field and the rule. Amounts are decimal strings on the wire and
// integer ticks/lots inside; the conversion is exact decimal arithmetic on the string's
// digits and bigint, never a float. Nothing that fails here reaches the pipeline or the core.

import * as C from '../../core-as/codes.ts';
import { codesOf, SIDE_NAMES, STP_NAMES, TYPE_NAMES } from '../../core-as/names.ts';
import { CLIENT_ORDER_ID, MARKET_ID, ORDER_ID } from '../identifiers.ts';
import type { Market, Markets } from '../markets.ts';
import { MAX_TIME_MS } from '../wire/envelope.ts';
import { type ApiError, fail, ok, type Result } from './errors.ts';
import { TIME_IN_FORCE_NAMES } from './format.ts';

export const I64_MAX = (1n << 63n) - 1n;
/** Longer amount strings are refused before any bigint work (a 10k-digit string costs time). */
const MAX_AMOUNT_CHARS = 64;
const DECIMAL_RE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export interface PlaceIntent {
  market: Market;
  side: number; //      SIDE_*
  type: number; //      TYPE_*
  tif: number; //       TIF_*
  postOnly: boolean;
  price: bigint; //     ticks; 0 for market and stop-market orders
  quantity: bigint; //  lots
  clientOrderId: string | null;
  stp: number; //       STP_*
  stopPrice: bigint; // ticks: stop orders (an OCO's stop is in `oco`); 0 for none
  oco: { stopPrice: bigint; price: bigint } | null; // price 0: the stop leg is a stop-market
  expiresAt: bigint; // ms since 1970; 0 for none
  display: bigint; //   lots: iceberg display quantity; 0 for none
}

export type OrderStatusFilter =
  | 'open'
  | 'pending'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected'
  | 'all';

export interface OrdersQuery {
  market: Market | null;
  status: OrderStatusFilter;
  limit: number;
  /** The page continues after this order (the last of the page before), or starts at the newest. */
  before: { id: bigint; hex: string } | null;
}

export interface TradesQuery {
  limit: number;
  /** The page continues after this trade id, or starts at the newest. */
  before: string | null;
}

/** Most items on one page of a list (GET /v1/orders, GET /v1/markets/:market/trades). */
export const MAX_PAGE = 1000;

export interface StreamRequest {
  op: 'subscribe' | 'unsubscribe';
  channel: 'book' | 'trades' | 'orders';
  market: Market | null; // null: every market (orders channel only)
  token: string | null;
}

// the API's names of the core's codes (core-as/names.ts); time in force is upper case here
const SIDES = codesOf(SIDE_NAMES);
const TYPES = codesOf(TYPE_NAMES);
const TIFS = codesOf(TIME_IN_FORCE_NAMES);
const STPS = codesOf(STP_NAMES);

const PLACE_FIELDS = new Set([
  'market',
  'side',
  'type',
  'price',
  'quantity',
  'timeInForce',
  'postOnly',
  'clientOrderId',
  'stopPrice',
  'oco',
  'expiresAt',
  'displayQuantity',
  'selfTradePrevention',
]);
const OCO_FIELDS = new Set(['stopPrice', 'price']);
const AMEND_FIELDS = new Set(['price', 'quantity']);
// 2026-11-25T10:39:49.066Z, or with an offset (+01:00); seconds required, fractions to the nanosecond
const ISO_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

const bad = (code: string, message: string, field?: string) => fail(400, code, message, field);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** JSON text → value; a body that is not JSON is a 400 naming no field. */
export function parseJson(text: string): Result<unknown> {
  if (text.length === 0) return bad('invalid_json', 'the body is empty; expected a JSON object');
  try {
    return ok(JSON.parse(text));
  } catch {
    return bad('invalid_json', 'the body is not valid JSON');
  }
}

function asObject(body: unknown): Result<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return bad('invalid_body', `the body must be a JSON object, got ${describe(body)}`);
  }
  return ok(body as Record<string, unknown>);
}

/** Checks the keys of a body (`prefix` names a nested object, "oco."): an unknown one is a 400. */
function checkKeys(obj: Record<string, unknown>, allowed: Set<string>, prefix = ''): ApiError | null {
  for (const key of Object.keys(obj)) {
    if (allowed.has(key)) continue;
    const name = `${prefix}${key.slice(0, 64)}`;
    return { status: 400, code: 'unknown_field', message: `unknown field ${JSON.stringify(name)}`, field: name };
  }
  return null;
}

function optional(obj: Record<string, unknown>, key: string): unknown {
  const v = obj[key];
  return v === null ? undefined : v;
}

function enumField(
  obj: Record<string, unknown>,
  key: string,
  values: Record<string, number>,
  fallback?: number,
): Result<number> {
  const v = optional(obj, key);
  if (typeof v === 'string' && Object.hasOwn(values, v)) return ok(values[v]);
  const names = Object.keys(values)
    .map((n) => `"${n}"`)
    .join(', ');
  if (v === undefined)
    return fallback === undefined ? bad('missing_field', `${key} is required (one of ${names})`, key) : ok(fallback);
  if (typeof v !== 'string')
    return bad('invalid_type', `${key} must be a string, one of ${names}; got ${describe(v)}`, key);
  return bad('invalid_value', `${key} must be one of ${names}`, key);
}

/**
 * A positive decimal string → a whole number of `unitsText` steps (ticks or lots).
 * `units` is the step in 10^-decimals units ("0.05" with 2 decimals → 5n).
 */
export function parseAmount(
  value: unknown,
  field: string,
  step: { units: bigint; decimals: number; text: string },
  what: string,
): Result<bigint> {
  if (value === undefined || value === null) return bad('missing_field', `${field} is required`, field);
  if (typeof value !== 'string') {
    return bad(
      'invalid_type',
      `${field} must be a decimal string such as "${step.text}", got ${describe(value)}`,
      field,
    );
  }
  if (value.length > MAX_AMOUNT_CHARS) return bad('out_of_range', `${field} is too long to be a ${what}`, field);
  const m = DECIMAL_RE.exec(value);
  if (!m) {
    if (/^-/.test(value)) return bad('not_positive', `${field} must be greater than zero`, field);
    return bad(
      'invalid_decimal',
      `${field} must be a plain decimal string (digits, an optional "." and more digits), such as "${step.text}"`,
      field,
    );
  }
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > step.decimals) {
    return bad(
      'too_many_decimals',
      `${field} has more decimals than the ${what} step ${step.text} allows (${step.decimals})`,
      field,
    );
  }
  // Bound the integer part before BigInt: 2^63 steps of at least 10^-18 fit in 38 digits.
  if (m[1].length > 40) return bad('out_of_range', `${field} is out of range`, field);
  const scaled = BigInt(m[1] + frac.padEnd(step.decimals, '0'));
  if (scaled === 0n) return bad('not_positive', `${field} must be greater than zero`, field);
  if (scaled % step.units !== 0n)
    return bad('not_a_multiple', `${field} must be a multiple of the ${what} step ${step.text}`, field);
  const n = scaled / step.units;
  if (n > I64_MAX) return bad('out_of_range', `${field} is out of range`, field);
  return ok(n);
}

const priceStep = (m: Market) => ({ units: m.tickUnits, decimals: m.tickDecimals, text: m.tickSize });
const quantityStep = (m: Market) => ({ units: m.lotUnits, decimals: m.lotDecimals, text: m.lotSize });

/** A market id from a body field or a path: a malformed id is a 400, an unknown one a 404. */
export function parseMarketId(value: unknown, markets: Markets, field?: string): Result<Market> {
  const name = field ?? 'market';
  if (value === undefined || value === null) return bad('missing_field', `${name} is required`, field);
  if (typeof value !== 'string')
    return bad('invalid_type', `${name} must be a string such as "BTC-USD", got ${describe(value)}`, field);
  if (!MARKET_ID.test(value)) return bad('invalid_value', `${name} must be a market id such as "BTC-USD"`, field);
  const m = markets.get(value);
  return m ? ok(m) : fail(404, 'market_not_found', `unknown market ${JSON.stringify(value)}`, field);
}

/**
 * An ISO-8601 time with a zone ("2026-11-25T10:39:49.066Z", "…+01:00") → ms since 1970.
 * Fractions finer than a millisecond round up, so a time is never taken as earlier than written.
 */
export function parseTime(value: unknown, field: string): Result<bigint> {
  if (typeof value !== 'string')
    return bad(
      'invalid_type',
      `${field} must be an ISO-8601 time string such as "2026-11-25T10:39:49Z", got ${describe(value)}`,
      field,
    );
  const m = value.length <= 40 ? ISO_TIME_RE.exec(value) : null;
  if (!m)
    return bad(
      'invalid_value',
      `${field} must be an ISO-8601 time with seconds and a zone, such as "2026-11-25T10:39:49Z" or "2026-11-25T11:39:49.5+01:00"`,
      field,
    );
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const days = new Date(Date.UTC(2000, mo, 0)).getUTCDate(); // days in month mo (of a leap year)
  const leapDay = mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  const offH = m[9] === undefined ? 0 : Number(m[10]);
  const offM = m[9] === undefined ? 0 : Number(m[11]);
  if (mo < 1 || mo > 12 || d < 1 || d > days || leapDay || h > 23 || mi > 59 || sec > 59 || offH > 23 || offM > 59) {
    return bad('invalid_value', `${field} is not a valid date and time`, field);
  }
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0..99 to 1900..1999
  at.setUTCHours(h, mi, sec, 0);
  const ns = Number((m[7] ?? '').padEnd(9, '0'));
  const offset = (m[9] === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  return ok(BigInt(at.getTime() - offset + Math.ceil(ns / 1e6)));
}

/** POST /v1/orders. `now` (ms) is the node's clock: an expiresAt not after it is refused. */
export function validatePlace(body: unknown, markets: Markets, now: number = Date.now()): Result<PlaceIntent> {
  const o = asObject(body);
  if (!o.ok) return o;
  const obj = o.value;
  const keys = checkKeys(obj, PLACE_FIELDS);
  if (keys) return { ok: false, error: keys };

  const market = parseMarketId(obj.market, markets, 'market');
  if (!market.ok) return market;
  const m = market.value;
  const side = enumField(obj, 'side', SIDES);
  if (!side.ok) return side;
  const type = enumField(obj, 'type', TYPES);
  if (!type.ok) return type;
  const isStop = type.value === C.TYPE_STOP_LIMIT || type.value === C.TYPE_STOP_MARKET;
  const noPrice = type.value === C.TYPE_MARKET || type.value === C.TYPE_STOP_MARKET; // enters as a market order
  const typeName = rawTypeName(type.value);
  const tif = enumField(obj, 'timeInForce', TIFS, noPrice ? C.TIF_IOC : C.TIF_GTC);
  if (!tif.ok) return tif;
  if (noPrice && tif.value === C.TIF_GTC)
    return bad('invalid_value', `a ${typeName} order needs timeInForce "IOC" or "FOK"`, 'timeInForce');
  const gtcLimit = type.value === C.TYPE_LIMIT && tif.value === C.TIF_GTC;

  const rawPostOnly = optional(obj, 'postOnly');
  if (rawPostOnly !== undefined && typeof rawPostOnly !== 'boolean') {
    return bad('invalid_type', `postOnly must be true or false, got ${describe(rawPostOnly)}`, 'postOnly');
  }
  const postOnly = rawPostOnly === true;
  if (postOnly && !gtcLimit)
    return bad('invalid_value', 'postOnly needs a limit order with timeInForce "GTC"', 'postOnly');

  let price = 0n;
  const rawPrice = optional(obj, 'price');
  if (noPrice) {
    if (rawPrice !== undefined) return bad('invalid_value', `a ${typeName} order carries no price`, 'price');
  } else {
    const p = parseAmount(rawPrice, 'price', priceStep(m), 'price');
    if (!p.ok) return p;
    price = p.value;
  }
  let stopPrice = 0n;
  const rawStop = optional(obj, 'stopPrice');
  if (isStop) {
    const sp = parseAmount(rawStop, 'stopPrice', priceStep(m), 'price');
    if (!sp.ok) return sp;
    stopPrice = sp.value;
  } else if (rawStop !== undefined) {
    return bad(
      'invalid_value',
      'stopPrice needs type "stop_limit" or "stop_market" (an OCO\'s stop goes in oco.stopPrice)',
      'stopPrice',
    );
  }
  const q = parseAmount(obj.quantity, 'quantity', quantityStep(m), 'quantity');
  if (!q.ok) return q;
  // The core refuses a notional (ticks × lots) beyond i64; say so here, naming the field.
  if (price * q.value > I64_MAX)
    return bad('out_of_range', 'price × quantity is out of range for this market', 'quantity');

  const rest = validateAdvanced(obj, m, {
    side: side.value,
    tif: tif.value,
    isStop,
    gtcLimit,
    price,
    quantity: q.value,
    now,
  });
  if (!rest.ok) return rest;

  let clientOrderId: string | null = null;
  const rawCid = optional(obj, 'clientOrderId');
  if (rawCid !== undefined) {
    if (typeof rawCid !== 'string')
      return bad('invalid_type', `clientOrderId must be a string, got ${describe(rawCid)}`, 'clientOrderId');
    if (!CLIENT_ORDER_ID.test(rawCid)) {
      return bad(
        'invalid_value',
        'clientOrderId must be 1..64 characters of letters, digits and . _ : / -',
        'clientOrderId',
      );
    }
    clientOrderId = rawCid;
  }
  return ok({
    market: m,
    side: side.value,
    type: type.value,
    tif: tif.value,
    postOnly,
    price,
    quantity: q.value,
    clientOrderId,
    stopPrice,
    ...rest.value,
  });
}

const rawTypeName = (type: number): string =>
  type === C.TYPE_STOP_MARKET
    ? 'stop-market'
    : type === C.TYPE_STOP_LIMIT
      ? 'stop-limit'
      : type === C.TYPE_MARKET
        ? 'market'
        : 'limit';

interface PlaceShape {
  side: number;
  tif: number;
  isStop: boolean;
  gtcLimit: boolean;
  price: bigint;
  quantity: bigint;
  now: number;
}

/** The advanced fields of a place body: oco, displayQuantity, selfTradePrevention, expiresAt. */
function validateAdvanced(
  obj: Record<string, unknown>,
  m: Market,
  o: PlaceShape,
): Result<Pick<PlaceIntent, 'oco' | 'display' | 'stp' | 'expiresAt'>> {
  let oco: PlaceIntent['oco'] = null;
  const rawOco = optional(obj, 'oco');
  if (rawOco !== undefined) {
    if (typeof rawOco !== 'object' || rawOco === null || Array.isArray(rawOco)) {
      return bad('invalid_type', `oco must be an object {stopPrice, price?}, got ${describe(rawOco)}`, 'oco');
    }
    const legs = rawOco as Record<string, unknown>;
    const keys = checkKeys(legs, OCO_FIELDS, 'oco.');
    if (keys) return { ok: false, error: keys };
    if (!o.gtcLimit) return bad('invalid_value', 'oco needs a limit order with timeInForce "GTC"', 'oco');
    const stop = parseAmount(legs.stopPrice, 'oco.stopPrice', priceStep(m), 'price');
    if (!stop.ok) return stop;
    if (o.side === C.SIDE_BUY ? stop.value <= o.price : stop.value >= o.price) {
      return bad(
        'invalid_value',
        `a ${o.side === C.SIDE_BUY ? "buy OCO's stop must be above" : "sell OCO's stop must be below"} its limit price`,
        'oco.stopPrice',
      );
    }
    let legPrice = 0n;
    if (optional(legs, 'price') !== undefined) {
      const p = parseAmount(legs.price, 'oco.price', priceStep(m), 'price');
      if (!p.ok) return p;
      if (p.value * o.quantity > I64_MAX)
        return bad('out_of_range', 'oco.price × quantity is out of range for this market', 'oco.price');
      legPrice = p.value;
    }
    oco = { stopPrice: stop.value, price: legPrice };
  }

  let display = 0n;
  const rawDisplay = optional(obj, 'displayQuantity');
  if (rawDisplay !== undefined) {
    const d = parseAmount(rawDisplay, 'displayQuantity', quantityStep(m), 'quantity');
    if (!d.ok) return d;
    if (!o.gtcLimit)
      return bad(
        'invalid_value',
        'displayQuantity (an iceberg) needs a limit order with timeInForce "GTC"',
        'displayQuantity',
      );
    if (oco) return bad('invalid_value', 'an OCO cannot be an iceberg', 'displayQuantity');
    if (d.value > o.quantity)
      return bad('out_of_range', 'displayQuantity must not be above quantity', 'displayQuantity');
    if ((o.quantity + d.value - 1n) / d.value > BigInt(C.MAX_ICEBERG_PARTS)) {
      return bad(
        'out_of_range',
        `displayQuantity must be at least 1/${C.MAX_ICEBERG_PARTS} of quantity (an iceberg shows at most ${C.MAX_ICEBERG_PARTS} slices)`,
        'displayQuantity',
      );
    }
    display = d.value;
  }

  const stp = enumField(obj, 'selfTradePrevention', STPS, C.STP_CANCEL_RESTING);
  if (!stp.ok) return stp;
  if (o.tif === C.TIF_FOK && stp.value !== C.STP_CANCEL_RESTING) {
    return bad(
      'invalid_value',
      'a FOK order takes only selfTradePrevention "cancel_resting" (it fills in full or does nothing)',
      'selfTradePrevention',
    );
  }

  let expiresAt = 0n;
  const rawExpires = optional(obj, 'expiresAt');
  if (rawExpires !== undefined) {
    const t = parseTime(rawExpires, 'expiresAt');
    if (!t.ok) return t;
    if (!o.gtcLimit && !o.isStop)
      return bad(
        'invalid_value',
        'expiresAt (good-till-time) needs a limit order with timeInForce "GTC" or a stop order',
        'expiresAt',
      );
    if (t.value <= BigInt(Math.floor(o.now)))
      return fail(422, 'invalid_expiry', 'expiresAt is not in the future', 'expiresAt');
    if (t.value > MAX_TIME_MS) return bad('out_of_range', 'expiresAt is out of range', 'expiresAt');
    expiresAt = t.value;
  }
  return ok({ oco, display, stp: stp.value, expiresAt });
}

/** Most orders one POST /v1/orders/batch may carry. */
export const MAX_BATCH = 100;

/**
 * POST /v1/orders/batch: {orders: [order, ...]}, 1..MAX_BATCH orders of the POST /v1/orders
 * shape. All or nothing: one bad order refuses the batch, naming it (`orders[3].price`).
 */
export function validateBatch(body: unknown, markets: Markets, now: number = Date.now()): Result<PlaceIntent[]> {
  const o = asObject(body);
  if (!o.ok) return o;
  for (const key of Object.keys(o.value)) {
    if (key !== 'orders')
      return bad('unknown_field', `unknown field ${JSON.stringify(key.slice(0, 64))}`, key.slice(0, 64));
  }
  const list = o.value.orders;
  if (list === undefined || list === null)
    return bad('missing_field', 'orders is required: a list of orders', 'orders');
  if (!Array.isArray(list)) return bad('invalid_type', `orders must be a list, got ${describe(list)}`, 'orders');
  if (list.length === 0 || list.length > MAX_BATCH)
    return bad('out_of_range', `orders must hold 1 to ${MAX_BATCH} orders`, 'orders');
  const out: PlaceIntent[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = validatePlace(list[i], markets, now);
    if (!v.ok) {
      const e = v.error;
      return {
        ok: false,
        error: {
          ...e,
          message: `orders[${i}]: ${e.message}`,
          field: e.field === undefined ? `orders[${i}]` : `orders[${i}].${e.field}`,
        },
      };
    }
    out.push(v.value);
  }
  return ok(out);
}

/** What PATCH asks for; 0 keeps the price or the quantity. */
export interface AmendIntent {
  price: bigint; //    ticks
  quantity: bigint; // lots: the new remaining quantity
}

/**
 * PATCH /v1/orders/:id: {price?, quantity?}, at least one. `quantity` is the order's new
 * remaining quantity (not a difference). `current` is the order as it stands, for the
 * notional check.
 */
export function validateAmend(
  body: unknown,
  market: Market,
  current: { price: bigint; remaining: bigint },
): Result<AmendIntent> {
  const o = asObject(body);
  if (!o.ok) return o;
  const obj = o.value;
  const keys = checkKeys(obj, AMEND_FIELDS);
  if (keys) return { ok: false, error: keys };
  const rawPrice = optional(obj, 'price');
  const rawQty = optional(obj, 'quantity');
  if (rawPrice === undefined && rawQty === undefined) {
    return bad('missing_field', 'quantity (the new remaining quantity) or price is required', 'quantity');
  }
  let price = 0n;
  if (rawPrice !== undefined) {
    const p = parseAmount(rawPrice, 'price', priceStep(market), 'price');
    if (!p.ok) return p;
    price = p.value;
  }
  let quantity = 0n;
  if (rawQty !== undefined) {
    const q = parseAmount(rawQty, 'quantity', quantityStep(market), 'quantity');
    if (!q.ok) return q;
    quantity = q.value;
  }
  if ((price || current.price) * (quantity || current.remaining) > I64_MAX) {
    return bad(
      'out_of_range',
      'price × quantity is out of range for this market',
      rawQty !== undefined ? 'quantity' : 'price',
    );
  }
  return ok({ price, quantity });
}

/** An order id as the API shows it: 16 hex digits (the first 8 bytes of its envelope id). */
export function parseOrderId(raw: string): Result<{ id: bigint; hex: string }> {
  if (!ORDER_ID.test(raw)) return bad('invalid_value', 'an order id is 16 hexadecimal digits', 'id');
  const hex = raw.toLowerCase();
  return ok({ id: BigInt(`0x${hex}`), hex });
}

/** A whole-number query parameter in [min, max], or its default when absent. */
export function parseIntParam(
  raw: string | undefined,
  field: string,
  fallback: number,
  min: number,
  max: number,
): Result<number> {
  if (raw === undefined || raw === '') return ok(fallback);
  if (!/^[0-9]{1,7}$/.test(raw))
    return bad('invalid_value', `${field} must be a whole number from ${min} to ${max}`, field);
  const n = Number(raw);
  if (n < min || n > max) return bad('out_of_range', `${field} must be from ${min} to ${max}`, field);
  return ok(n);
}

const STATUS_FILTERS = new Set<string>([
  'open',
  'pending',
  'partially_filled',
  'filled',
  'cancelled',
  'expired',
  'rejected',
  'all',
]);

/** GET /v1/orders?market=&status=&limit= */
export function parseOrdersQuery(q: Record<string, string | undefined>, markets: Markets): Result<OrdersQuery> {
  let market: Market | null = null;
  if (q.market !== undefined && q.market !== '') {
    const m = parseMarketId(q.market, markets, 'market');
    if (!m.ok) return m;
    market = m.value;
  }
  const status = q.status === undefined || q.status === '' ? 'all' : q.status;
  if (!STATUS_FILTERS.has(status)) {
    return bad('invalid_value', `status must be one of ${[...STATUS_FILTERS].join(', ')}`, 'status');
  }
  const limit = parseIntParam(q.limit, 'limit', 100, 1, MAX_PAGE);
  if (!limit.ok) return limit;
  let before: OrdersQuery['before'] = null;
  if (q.before !== undefined && q.before !== '') {
    const id = parseOrderId(q.before);
    if (!id.ok) return bad('invalid_value', 'before is the id of an order: 16 hexadecimal digits', 'before');
    before = id.value;
  }
  return ok({ market, status: status as OrderStatusFilter, limit: limit.value, before });
}

const TRADE_ID_RE = /^[0-9a-fA-F]{16}-[0-9]{1,10}$/;

/** GET /v1/markets/:market/trades?limit=&before= */
export function parseTradesQuery(q: Record<string, string | undefined>): Result<TradesQuery> {
  const limit = parseIntParam(q.limit, 'limit', 100, 1, MAX_PAGE);
  if (!limit.ok) return limit;
  if (q.before === undefined || q.before === '') return ok({ limit: limit.value, before: null });
  if (!TRADE_ID_RE.test(q.before))
    return bad('invalid_value', 'before is the id of a trade: <16 hexadecimal digits>-<number>', 'before');
  return ok({ limit: limit.value, before: q.before.toLowerCase() });
}

const STREAM_FIELDS = new Set(['op', 'channel', 'market', 'token']);

/** One WebSocket message from a client: {op: "subscribe"|"unsubscribe", channel, market, token?}. */
export function parseStreamMessage(text: unknown, markets: Markets): Result<StreamRequest> {
  if (typeof text !== 'string') return bad('invalid_json', 'messages must be JSON text');
  if (text.length > 4096) return fail(413, 'payload_too_large', 'a message may hold at most 4096 characters');
  const j = parseJson(text);
  if (!j.ok) return j;
  const o = asObject(j.value);
  if (!o.ok) return o;
  const obj = o.value;
  for (const key of Object.keys(obj)) {
    if (!STREAM_FIELDS.has(key))
      return bad('unknown_field', `unknown field ${JSON.stringify(key.slice(0, 64))}`, key.slice(0, 64));
  }
  if (obj.op !== 'subscribe' && obj.op !== 'unsubscribe')
    return bad('invalid_value', 'op must be "subscribe" or "unsubscribe"', 'op');
  if (obj.channel !== 'book' && obj.channel !== 'trades' && obj.channel !== 'orders') {
    return bad('invalid_value', 'channel must be "book", "trades" or "orders"', 'channel');
  }
  let market: Market | null = null;
  if (obj.market !== undefined && obj.market !== null) {
    const m = parseMarketId(obj.market, markets, 'market');
    if (!m.ok) return m;
    market = m.value;
  } else if (obj.channel !== 'orders') {
    return bad('missing_field', `market is required for the ${obj.channel} channel`, 'market');
  }
  let token: string | null = null;
  if (obj.token !== undefined && obj.token !== null) {
    if (typeof obj.token !== 'string') return bad('invalid_type', 'token must be a string', 'token');
    token = obj.token;
  }
  return ok({ op: obj.op, channel: obj.channel, market, token });
}
