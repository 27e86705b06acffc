// The readable JSON form of commands, events, depth and orders used by the vectors
// (schema: ../README.md). Names where a code has one ("place", "buy", "gtc", "invalid_price"),
// the raw number where it has none (an illegal side 7 stays 7), decimal strings for every
// 64-bit value. Both directions are lossless: a field left out is zero.
import * as C from '../../core-as/codes.ts';
import {
  codesOf,
  COMMAND_NAMES,
  DONE_NAMES,
  EVENT_NAMES,
  FLAG_NAMES,
  flagNames,
  REJECT_NAMES,
  SIDE_NAMES,
  STP_NAMES,
  TIF_NAMES,
  TYPE_NAMES,
} from '../../core-as/names.ts';
import type { Command, Depth, EngineEvent, OrderInfo } from '../../core-as/types.ts';

type Named = Record<string, number>;

// name -> code, all from core-as/names.ts: the one place codes get names
export const COMMANDS: Named = codesOf(COMMAND_NAMES);
export const EVENTS: Named = codesOf(EVENT_NAMES);
export const REJECTS: Named = codesOf(REJECT_NAMES);
export const DONES: Named = codesOf(DONE_NAMES);
export const SIDES: Named = codesOf(SIDE_NAMES);
export const TYPES: Named = codesOf(TYPE_NAMES);
export const TIFS: Named = codesOf(TIF_NAMES);
export const STPS: Named = codesOf(STP_NAMES);
export const FLAGS: Named = codesOf(FLAG_NAMES); // bit values

/** A code as its name, or as the bare number when it has none. */
export function nameOf(names: Named, code: number): string | number {
  for (const [name, value] of Object.entries(names)) if (value === code) return name;
  return code;
}

/** A name or a bare number back to its code. */
export function codeOf(names: Named, value: string | number | undefined, field: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const code = names[value];
  if (code === undefined)
    throw new Error(`vector: unknown ${field} "${value}" (one of ${Object.keys(names).join(', ')}, or a number)`);
  return code;
}

function big(value: string | undefined, field: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value))
    throw new Error(`vector: ${field} must be a decimal string, got ${JSON.stringify(value)}`);
  return BigInt(value);
}

// ---- commands ----

export interface CommandJson {
  op: string | number;
  market?: number;
  id?: string;
  owner?: string;
  side?: string | number;
  type?: string | number;
  tif?: string | number;
  flags?: string[] | number; // names of the bits set, or a bare number for unnamed bits
  stp?: string | number;
  price?: string;
  qty?: string;
  time?: string;
  stopPrice?: string;
  display?: string;
  expiresAt?: string;
  ocoPrice?: string;
}

function decodeFlags(flags: CommandJson['flags']): number {
  if (typeof flags === 'number') return flags;
  let bits = 0;
  for (const f of flags ?? []) bits |= codeOf(FLAGS, f, 'flag');
  return bits;
}

export function decodeCommand(j: CommandJson): Command {
  return {
    kind: codeOf(COMMANDS, j.op, 'op'),
    market: j.market ?? 0,
    id: big(j.id, 'id'),
    owner: big(j.owner, 'owner'),
    side: codeOf(SIDES, j.side, 'side'),
    type: codeOf(TYPES, j.type, 'type'),
    tif: codeOf(TIFS, j.tif, 'tif'),
    flags: decodeFlags(j.flags),
    stp: codeOf(STPS, j.stp, 'stp'),
    price: big(j.price, 'price'),
    qty: big(j.qty, 'qty'),
    time: big(j.time, 'time'),
    stopPrice: big(j.stopPrice, 'stopPrice'),
    display: big(j.display, 'display'),
    expiresAt: big(j.expiresAt, 'expiresAt'),
    ocoPrice: big(j.ocoPrice, 'ocoPrice'),
  };
}

/** A place always shows side, type, tif, price and qty; any other field only when not zero. */
export function encodeCommand(c: Command): CommandJson {
  const j: CommandJson = { op: nameOf(COMMANDS, c.kind) };
  const place = c.kind === C.CMD_PLACE;
  if (c.market !== 0) j.market = c.market;
  j.id = String(c.id);
  j.owner = String(c.owner);
  if (place || c.side !== 0) j.side = nameOf(SIDES, c.side);
  if (place || c.type !== 0) j.type = nameOf(TYPES, c.type);
  if (place || c.tif !== 0) j.tif = nameOf(TIFS, c.tif);
  if (c.flags !== 0) j.flags = flagNames(c.flags) ?? c.flags;
  if (c.stp !== 0) j.stp = nameOf(STPS, c.stp);
  if (place || c.price !== 0n) j.price = String(c.price);
  if (place || c.qty !== 0n) j.qty = String(c.qty);
  const put = (name: 'time' | 'stopPrice' | 'display' | 'expiresAt' | 'ocoPrice', v: bigint) => {
    if (v !== 0n) j[name] = String(v);
  };
  put('time', c.time);
  put('stopPrice', c.stopPrice);
  put('display', c.display);
  put('expiresAt', c.expiresAt);
  put('ocoPrice', c.ocoPrice);
  return j;
}

// ---- events ----

export type EventJson = Record<string, string | number>;

/**
 * cmd and kind always; reason by name; the other fields only when not zero, under the name
 * that says what they hold for this kind: accepted and triggered {id, owner, price, qty, remaining}
 * (triggered: price is the stop price), trade {taker, maker, price, qty, makerRemaining},
 * rejected/done/reduced/amended/refilled {id, price, qty, remaining} (refilled: qty is the new
 * shown slice, remaining the order's total).
 */
export function encodeEvent(e: EngineEvent): EventJson {
  const j: EventJson = { cmd: e.cmd, kind: nameOf(EVENTS, e.kind) };
  if (e.reason !== 0)
    j.reason = nameOf(e.kind === C.EV_REJECTED ? REJECTS : e.kind === C.EV_DONE ? DONES : {}, e.reason);
  if (e.market !== 0) j.market = e.market;
  const trade = e.kind === C.EV_TRADE;
  const put = (name: string, v: bigint) => {
    if (v !== 0n) j[name] = String(v);
  };
  put(trade ? 'taker' : 'id', e.id);
  put(trade ? 'maker' : e.kind === C.EV_ACCEPTED || e.kind === C.EV_TRIGGERED ? 'owner' : 'other', e.other);
  put('price', e.price);
  put('qty', e.qty);
  put(trade ? 'makerRemaining' : 'remaining', e.remaining);
  return j;
}

// ---- depth and orders ----

export interface LevelJson {
  price: string;
  qty: string;
  orders: number;
}
export interface DepthJson {
  market: number;
  bids: LevelJson[];
  asks: LevelJson[];
}
/** visible: the part in depth (an iceberg's slice; 0 for a pending stop); pending only when true. */
export interface OrderJson {
  id: string;
  market: number;
  side: string | number;
  owner: string;
  price: string;
  remaining: string;
  visible: string;
  pending?: true;
}

export function encodeDepth(market: number, d: Depth): DepthJson {
  const side = (levels: Depth['bids']) =>
    levels.map((l) => ({ price: String(l.price), qty: String(l.qty), orders: l.orders }));
  return { market, bids: side(d.bids), asks: side(d.asks) };
}

export function encodeOrder(o: OrderInfo): OrderJson {
  const j: OrderJson = {
    id: String(o.id),
    market: o.market,
    side: nameOf(SIDES, o.side),
    owner: String(o.owner),
    price: String(o.price),
    remaining: String(o.remaining),
    visible: String(o.visible),
  };
  if (o.pending) j.pending = true;
  return j;
}

// ---- vector clocks ----

export type ClockJson = [node: string, counter: string][];

export function decodeClock(j: ClockJson): [bigint, bigint][] {
  return j.map(([n, c], i) => [big(n, `clock[${i}].node`), big(c, `clock[${i}].counter`)]);
}

export function encodeClock(v: [bigint, bigint][]): ClockJson {
  return v.map(([n, c]) => [String(n), String(c)]);
}
