// The readable JSON form of commands, events, depth and orders used by the vectors
// (schema: ../README.md). Names where a code has one ("place", "buy", "gtc", "invalid_price"),
// the raw number where it has none (an illegal side 7 stays 7), decimal strings for every
// 64-bit value. Both directions are lossless: a field left out is zero.
import * as C from '../../core-as/codes.ts';
import { COMMAND_NAMES, DONE_NAMES, EVENT_NAMES, REJECT_NAMES } from '../../core-as/names.ts';
import type { Command, Depth, EngineEvent, OrderInfo } from '../../core-as/types.ts';

type Named = Record<string, number>;

/** name -> code, from core-as/names.ts (the one place codes get names) or a local table. */
function byName(names: Record<number, string>): Named {
  return Object.fromEntries(Object.entries(names).map(([code, name]) => [name, Number(code)]));
}

export const COMMANDS = byName(COMMAND_NAMES);
export const EVENTS = byName(EVENT_NAMES);
export const REJECTS = byName(REJECT_NAMES);
export const DONES = byName(DONE_NAMES);
// sides, types, times in force and stp modes have no names in core-as/names.ts yet
export const SIDES: Named = { buy: C.SIDE_BUY, sell: C.SIDE_SELL };
export const TYPES: Named = { limit: C.TYPE_LIMIT, market: C.TYPE_MARKET };
export const TIFS: Named = { gtc: C.TIF_GTC, ioc: C.TIF_IOC, fok: C.TIF_FOK };
export const STPS: Named = { cancel_resting: C.STP_CANCEL_RESTING };
export const POST_ONLY = 'post_only';

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
  if (code === undefined) throw new Error(`vector: unknown ${field} "${value}" (one of ${Object.keys(names).join(', ')}, or a number)`);
  return code;
}

function big(value: string | undefined, field: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw new Error(`vector: ${field} must be a decimal string, got ${JSON.stringify(value)}`);
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
  flags?: string[] | number;
  stp?: string | number;
  price?: string;
  qty?: string;
  time?: string;
  aux1?: string;
  aux2?: string;
}

export function decodeCommand(j: CommandJson): Command {
  let flags = 0;
  if (typeof j.flags === 'number') flags = j.flags;
  else for (const f of j.flags ?? []) {
    if (f !== POST_ONLY) throw new Error(`vector: unknown flag "${f}"`);
    flags |= C.FLAG_POST_ONLY;
  }
  return {
    kind: codeOf(COMMANDS, j.op, 'op'), market: j.market ?? 0, id: big(j.id, 'id'), owner: big(j.owner, 'owner'),
    side: codeOf(SIDES, j.side, 'side'), type: codeOf(TYPES, j.type, 'type'), tif: codeOf(TIFS, j.tif, 'tif'), flags,
    stp: codeOf(STPS, j.stp, 'stp'), price: big(j.price, 'price'), qty: big(j.qty, 'qty'),
    time: big(j.time, 'time'), aux1: big(j.aux1, 'aux1'), aux2: big(j.aux2, 'aux2'),
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
  if (c.flags === C.FLAG_POST_ONLY) j.flags = [POST_ONLY];
  else if (c.flags !== 0) j.flags = c.flags;
  if (c.stp !== 0) j.stp = c.stp;
  if (place || c.price !== 0n) j.price = String(c.price);
  if (place || c.qty !== 0n) j.qty = String(c.qty);
  if (c.time !== 0n) j.time = String(c.time);
  if (c.aux1 !== 0n) j.aux1 = String(c.aux1);
  if (c.aux2 !== 0n) j.aux2 = String(c.aux2);
  return j;
}

// ---- events ----

export type EventJson = Record<string, string | number>;

/**
 * cmd and kind always; reason by name; the other fields only when not zero, under the name
 * that says what they hold for this kind: accepted {id, owner, price, qty, remaining},
 * trade {taker, maker, price, qty, makerRemaining}, rejected/done/reduced {id, price, qty, remaining}.
 */
export function encodeEvent(e: EngineEvent): EventJson {
  const j: EventJson = { cmd: e.cmd, kind: nameOf(EVENTS, e.kind) };
  if (e.reason !== 0) j.reason = nameOf(e.kind === C.EV_REJECTED ? REJECTS : e.kind === C.EV_DONE ? DONES : {}, e.reason);
  if (e.market !== 0) j.market = e.market;
  const trade = e.kind === C.EV_TRADE;
  const put = (name: string, v: bigint) => {
    if (v !== 0n) j[name] = String(v);
  };
  put(trade ? 'taker' : 'id', e.id);
  put(trade ? 'maker' : e.kind === C.EV_ACCEPTED ? 'owner' : 'other', e.other);
  put('price', e.price);
  put('qty', e.qty);
  put(trade ? 'makerRemaining' : 'remaining', e.remaining);
  return j;
}

// ---- depth and orders ----

export interface LevelJson { price: string; qty: string; orders: number }
export interface DepthJson { market: number; bids: LevelJson[]; asks: LevelJson[] }
export interface OrderJson { id: string; market: number; side: string | number; owner: string; price: string; remaining: string }

export function encodeDepth(market: number, d: Depth): DepthJson {
  const side = (levels: Depth['bids']) => levels.map((l) => ({ price: String(l.price), qty: String(l.qty), orders: l.orders }));
  return { market, bids: side(d.bids), asks: side(d.asks) };
}

export function encodeOrder(o: OrderInfo): OrderJson {
  return { id: String(o.id), market: o.market, side: nameOf(SIDES, o.side), owner: String(o.owner), price: String(o.price), remaining: String(o.remaining) };
}

// ---- vector clocks ----

export type ClockJson = [node: string, counter: string][];

export function decodeClock(j: ClockJson): [bigint, bigint][] {
  return j.map(([n, c], i) => [big(n, `clock[${i}].node`), big(c, `clock[${i}].counter`)]);
}

export function encodeClock(v: [bigint, bigint][]): ClockJson {
  return v.map(([n, c]) => [String(n), String(c)]);
}
