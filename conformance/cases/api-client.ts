// What the API cases share: finding the node under test and its tokens, an HTTP call that
// returns status + parsed JSON, assertions on the error shape of docs/api.md, and exact decimal
// helpers (prices and quantities are strings; nothing here goes through a float).
//
// Tokens: API cases need two owners. They come from ctx.tokens when a runner provides it,
// else from MESHBOOK_TOKENS in the same form the node takes (`alice:tokenA,bob:tokenB`), so a
// runner starts the node with --tokens X and sets MESHBOOK_TOKENS=X for the suite.
import process from 'node:process';
import type { CaseContext } from '../case.ts';
import { check, checkEqual } from './check.ts';

export interface ApiTokens {
  alice: string;
  bob: string;
}

export interface ApiContext extends CaseContext {
  tokens?: ApiTokens;
}

export interface MarketInfo {
  id: string;
  base: string;
  quote: string;
  tickSize: string;
  lotSize: string;
}

export interface Api {
  base: string;
  tokens: ApiTokens;
  market: MarketInfo;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** The two owners' tokens, or undefined. */
export function apiTokens(ctx: ApiContext): ApiTokens | undefined {
  if (ctx.tokens) return ctx.tokens;
  const raw = process.env.MESHBOOK_TOKENS ?? '';
  const map = new Map(
    raw
      .split(',')
      .map((e) => e.trim().split(':') as [string, string])
      .filter((p) => p.length === 2),
  );
  const alice = map.get('alice');
  const bob = map.get('bob');
  return alice && bob ? { alice, bob } : undefined;
}

/** skip rule of every API case: a node to talk to, and two owners' tokens. */
export function needsNode(ctx: ApiContext): string | undefined {
  if (!ctx.baseUrl) return 'no node under test: set MESHBOOK_BASE_URL';
  if (!apiTokens(ctx))
    return 'no tokens for the owners alice and bob: start the node with --tokens alice:A,bob:B and set MESHBOOK_TOKENS to the same';
  return undefined;
}

export async function connect(ctx: ApiContext): Promise<Api> {
  const base = ctx.baseUrl!.replace(/\/+$/, '');
  const markets = await call({ base } as Api, 'GET', '/v1/markets');
  checkEqual(markets.status, 200, 'GET /v1/markets status');
  check(Array.isArray(markets.json) && markets.json.length > 0, 'the node lists at least one market');
  return { base, tokens: apiTokens(ctx)!, market: markets.json[0] };
}

export interface CallOptions {
  token?: string | null;
  /** A value is sent as JSON; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call(
  api: Pick<Api, 'base'>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(`${api.base}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the checks say so
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Asserts the error shape of docs/api.md, with this status and, when given, code and field. */
export function expectError(r: Reply, status: number, what: string, code?: string, field?: string): void {
  check(r.status === status, `${what}: expected status ${status}, got ${r.status} ${r.text.slice(0, 300)}`);
  const e = r.json?.error;
  check(
    e && typeof e.code === 'string' && typeof e.message === 'string',
    `${what}: expected {"error": {code, message}}, got ${r.text.slice(0, 300)}`,
  );
  check(/^[a-z][a-z0-9_]*$/.test(e.code), `${what}: error code ${JSON.stringify(e.code)} is not snake_case`);
  if (code !== undefined) checkEqual(e.code, code, `${what}: error code`);
  if (field !== undefined) checkEqual(e.field, field, `${what}: error field`);
}

export function expectStatus(r: Reply, status: number, what: string): void {
  check(r.status === status, `${what}: expected status ${status}, got ${r.status} ${r.text.slice(0, 300)}`);
}

// ---- exact decimals ----

function scaled(text: string): { n: bigint; d: number } {
  const [int, frac = ''] = text.split('.');
  return { n: BigInt(int + frac), d: frac.length };
}

/** A decimal string without trailing fractional zeros: "1.50000000" → "1.5", "2.00" → "2". */
export function norm(text: string): string {
  if (!text.includes('.')) return text.replace(/^0+(?=\d)/, '');
  const t = text.replace(/0+$/, '').replace(/\.$/, '');
  return t.replace(/^0+(?=\d)/, '');
}

/** n steps of a decimal step size, as a decimal string: steps("0.01", 1250) = "12.5". */
export function steps(size: string, n: number | bigint): string {
  const s = scaled(size);
  const v = s.n * BigInt(n);
  if (s.d === 0) return v.toString();
  const digits = v.toString().padStart(s.d + 1, '0');
  return norm(`${digits.slice(0, -s.d)}.${digits.slice(-s.d)}`);
}

/** How many steps of `size` a decimal string is ("1.5" of "0.01" → 150n); throws if not a whole number. */
export function units(text: string, size: string): bigint {
  const a = scaled(text);
  const b = scaled(size);
  const d = Math.max(a.d, b.d);
  const an = a.n * 10n ** BigInt(d - a.d);
  const bn = b.n * 10n ** BigInt(d - b.d);
  if (an % bn !== 0n) throw new Error(`${text} is not a multiple of ${size}`);
  return an / bn;
}

/** Whether two decimal strings are the same number. */
export function sameAmount(a: string, b: string): boolean {
  return norm(a) === norm(b);
}

export function checkAmount(actual: unknown, expected: string, what: string): void {
  check(typeof actual === 'string', `${what}: expected a decimal string, got ${JSON.stringify(actual)}`);
  check(sameAmount(actual as string, expected), `${what}: expected ${expected}, got ${actual}`);
}

// ---- orders ----

export interface Place {
  side: 'buy' | 'sell';
  type?: 'limit' | 'market' | 'stop_limit' | 'stop_market';
  /** Price in ticks of the market. */
  ticks?: number;
  /** Quantity in lots of the market. */
  lots: number;
  timeInForce?: 'GTC' | 'IOC' | 'FOK';
  postOnly?: boolean;
  clientOrderId?: string;
}

export function orderBody(api: Api, p: Place): Record<string, unknown> {
  const body: Record<string, unknown> = {
    market: api.market.id,
    side: p.side,
    type: p.type ?? 'limit',
    quantity: steps(api.market.lotSize, p.lots),
  };
  if (p.ticks !== undefined) body.price = steps(api.market.tickSize, p.ticks);
  if (p.timeInForce) body.timeInForce = p.timeInForce;
  if (p.postOnly !== undefined) body.postOnly = p.postOnly;
  if (p.clientOrderId !== undefined) body.clientOrderId = p.clientOrderId;
  return body;
}

export async function place(api: Api, token: string, p: Place): Promise<Reply> {
  return call(api, 'POST', '/v1/orders', { token, body: orderBody(api, p) });
}

/** Places an order that must be accepted (201); returns {order, trades}. */
export async function placeOk(api: Api, token: string, p: Place): Promise<{ order: any; trades: any[] }> {
  const r = await place(api, token, p);
  expectStatus(r, 201, `POST /v1/orders ${JSON.stringify(orderBody(api, p))}`);
  return r.json;
}

/** Cancels every open order of both owners, so a case starts and ends on an empty book of its own. */
export async function cancelAll(api: Api): Promise<void> {
  for (const token of [api.tokens.alice, api.tokens.bob]) {
    for (let round = 0; round < 20; round++) {
      const open = await call(api, 'GET', '/v1/orders?status=open&limit=1000', { token });
      expectStatus(open, 200, 'GET /v1/orders?status=open');
      if (open.json.length === 0) break;
      for (const o of open.json) await call(api, 'DELETE', `/v1/orders/${o.id}`, { token });
    }
  }
}

/** Runs a case body between two cancelAll()s. */
export async function clean(ctx: ApiContext, body: (api: Api) => Promise<void>): Promise<void> {
  const api = await connect(ctx);
  await cancelAll(api);
  try {
    await body(api);
  } finally {
    await cancelAll(api);
  }
}

/** The aggregated quantity at a price (ticks) on one side of the book, "0" if none. */
export async function levelAt(api: Api, side: 'bids' | 'asks', ticks: number): Promise<string> {
  const r = await call(api, 'GET', `/v1/markets/${api.market.id}/book?depth=1000`);
  expectStatus(r, 200, 'GET book');
  const want = steps(api.market.tickSize, ticks);
  const row = (r.json[side] as [string, string][]).find(([p]) => sameAmount(p, want));
  return row ? row[1] : '0';
}
