// The hand-written side of a vector: a scenario is its commands, step by step, plus a few
// events written out by hand that the recorded stream must contain (`expect`), so the
// generator refuses to write a vector whose reference run contradicts its author.
// Short builders keep the command lists readable.
import type { CommandJson } from '../lib/vector-codec.ts';
import type { ClockOp } from '../lib/vector.ts';

export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);
export const U64_MAX = (1n << 64n) - 1n;

export interface BookScenario {
  kind: 'book';
  name: string;
  about: string;
  covers: string[];
  markets?: number; //    default 1
  maxOrders?: number;
  /** Start from the snapshot of a seeded generator stream run on the reference. */
  start?: { mix: string; seed: number; count: number };
  steps: CommandJson[][];
  /** Event lines (see line()) that must appear, in this order, among the recorded events. */
  expect: string[];
}

export interface ClockScenario {
  kind: 'clock';
  name: string;
  about: string;
  covers: string[];
  ops: ClockOp[]; // with the expected result or error written by hand
}

export type Scenario = BookScenario | ClockScenario;

export function book(s: Omit<BookScenario, 'kind'>): BookScenario {
  return { kind: 'book', ...s };
}

export function clocks(s: Omit<ClockScenario, 'kind'>): ClockScenario {
  return { kind: 'clock', ...s };
}

type N = number | bigint;
interface PlaceOptions {
  tif?: string | number;
  postOnly?: boolean;
  market?: number;
  flags?: string[] | number;
  stp?: string | number;
  type?: string | number;
  time?: N;
  stopPrice?: N;
  display?: N;
  expiresAt?: N;
  ocoPrice?: N;
}

/** The fields every command kind may carry (market, time), set only when not zero. */
function common(c: CommandJson, market: number | undefined, time: N | undefined): CommandJson {
  if (market !== undefined && market !== 0) c.market = market;
  if (time !== undefined && BigInt(time) !== 0n) c.time = String(time);
  return c;
}

/** A limit order, GTC unless told otherwise. */
export function limit(side: string | number, id: N, owner: N, price: N, qty: N, o: PlaceOptions = {}): CommandJson {
  const c: CommandJson = {
    op: 'place',
    id: String(id),
    owner: String(owner),
    side,
    type: o.type ?? 'limit',
    tif: o.tif ?? 'gtc',
    price: String(price),
    qty: String(qty),
  };
  common(c, o.market, o.time);
  if (o.postOnly) c.flags = ['post_only'];
  if (o.flags !== undefined) c.flags = o.flags;
  if (o.stp !== undefined) c.stp = o.stp;
  for (const f of ['stopPrice', 'display', 'expiresAt', 'ocoPrice'] as const)
    if (o[f] !== undefined) c[f] = String(o[f]);
  return c;
}

export const buy = (id: N, owner: N, price: N, qty: N, o: PlaceOptions = {}) => limit('buy', id, owner, price, qty, o);
export const sell = (id: N, owner: N, price: N, qty: N, o: PlaceOptions = {}) =>
  limit('sell', id, owner, price, qty, o);

/** A market order: price 0, IOC unless told otherwise. */
export function market(side: string, id: N, owner: N, qty: N, o: PlaceOptions = {}): CommandJson {
  return limit(side, id, owner, 0, qty, { tif: 'ioc', ...o, type: 'market' });
}

/** A stop-limit order: GTC at `price` once the last trade reaches `stop`. */
export function stopLimit(side: string, id: N, owner: N, stop: N, price: N, qty: N, o: PlaceOptions = {}): CommandJson {
  return limit(side, id, owner, price, qty, { ...o, type: 'stop_limit', stopPrice: stop });
}

/** A stop-market order: IOC (unless told otherwise) once the last trade reaches `stop`. */
export function stopMarket(side: string, id: N, owner: N, stop: N, qty: N, o: PlaceOptions = {}): CommandJson {
  return limit(side, id, owner, 0, qty, { tif: 'ioc', ...o, type: 'stop_market', stopPrice: stop });
}

/** An OCO: a GTC limit at `price` and a stop leg at `stop` (a limit at ocoPrice, or a market order when it is 0). */
export function oco(
  side: string,
  id: N,
  owner: N,
  price: N,
  qty: N,
  stop: N,
  ocoPrice: N,
  o: PlaceOptions = {},
): CommandJson {
  return limit(side, id, owner, price, qty, {
    ...o,
    flags: ['oco'],
    stopPrice: stop,
    ...(BigInt(ocoPrice) !== 0n ? { ocoPrice } : {}),
  });
}

export function cancel(id: N, owner: N, m = 0, time?: N): CommandJson {
  return common({ op: 'cancel', id: String(id), owner: String(owner) }, m, time);
}

export function reduce(id: N, owner: N, qty: N, m = 0, time?: N): CommandJson {
  return common({ op: 'reduce', id: String(id), owner: String(owner), qty: String(qty) }, m, time);
}

/** An amend: a new price and/or a new total quantity, 0 = keep. */
export function amend(id: N, owner: N, price: N, qty: N, o: { market?: number; time?: N } = {}): CommandJson {
  const c: CommandJson = { op: 'amend', id: String(id), owner: String(owner) };
  if (BigInt(price) !== 0n) c.price = String(price);
  if (BigInt(qty) !== 0n) c.qty = String(qty);
  return common(c, o.market, o.time);
}

/** Any command, field by field (for illegal values). */
export function raw(c: CommandJson): CommandJson {
  return c;
}
