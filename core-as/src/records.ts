// Command and event records: the byte layouts of ../codes.ts, read and written with a
// DataView. A field out of its ABI range is a bug in the caller (the node validates user
// input long before this), so it throws rather than being silently wrapped.
import * as C from '../codes.ts';
import type { Command, EngineEvent } from '../types.ts';

const U64_LIMIT = 1n << 64n;
const I64_MIN = -(1n << 63n);
const I64_LIMIT = 1n << 63n;

function u8(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff)
    throw new RangeError(`command.${name} must be an integer 0..255, got ${v}`);
  return v;
}

function u64(v: bigint, name: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v >= U64_LIMIT)
    throw new RangeError(`command.${name} must be a u64 bigint, got ${v}`);
  return v;
}

function i64(v: bigint, name: string): bigint {
  if (typeof v !== 'bigint' || v < I64_MIN || v >= I64_LIMIT)
    throw new RangeError(`command.${name} must be an i64 bigint, got ${v}`);
  return v;
}

export function encodeCommand(view: DataView, at: number, c: Command): void {
  if (!Number.isInteger(c.market) || c.market < 0 || c.market > 0xffff)
    throw new RangeError(`command.market must be 0..65535, got ${c.market}`);
  view.setUint8(at + C.CMD_OFF_KIND, u8(c.kind, 'kind'));
  view.setUint8(at + C.CMD_OFF_SIDE, u8(c.side, 'side'));
  view.setUint8(at + C.CMD_OFF_TYPE, u8(c.type, 'type'));
  view.setUint8(at + C.CMD_OFF_TIF, u8(c.tif, 'tif'));
  view.setUint8(at + C.CMD_OFF_FLAGS, u8(c.flags, 'flags'));
  view.setUint8(at + C.CMD_OFF_STP, u8(c.stp, 'stp'));
  view.setUint16(at + C.CMD_OFF_MARKET, c.market, true);
  view.setBigUint64(at + C.CMD_OFF_ID, u64(c.id, 'id'), true);
  view.setBigUint64(at + C.CMD_OFF_OWNER, u64(c.owner, 'owner'), true);
  view.setBigInt64(at + C.CMD_OFF_PRICE, i64(c.price, 'price'), true);
  view.setBigInt64(at + C.CMD_OFF_QTY, i64(c.qty, 'qty'), true);
  view.setBigInt64(at + C.CMD_OFF_TIME, i64(c.time, 'time'), true);
  view.setBigInt64(at + C.CMD_OFF_STOP, i64(c.stopPrice, 'stopPrice'), true);
  view.setBigInt64(at + C.CMD_OFF_DISPLAY, i64(c.display, 'display'), true);
  view.setBigInt64(at + C.CMD_OFF_EXPIRES, i64(c.expiresAt, 'expiresAt'), true);
  view.setBigInt64(at + C.CMD_OFF_OCO_PRICE, i64(c.ocoPrice, 'ocoPrice'), true);
}

/** Encodes commands into a fresh buffer of n records (for executeRaw). */
export function encodeCommands(commands: Command[]): Uint8Array {
  const bytes = new Uint8Array(commands.length * C.CMD_SIZE);
  const view = new DataView(bytes.buffer);
  for (const [i, c] of commands.entries()) encodeCommand(view, i * C.CMD_SIZE, c);
  return bytes;
}

export function decodeEvent(view: DataView, at: number): EngineEvent {
  return {
    kind: view.getUint8(at + C.EV_OFF_KIND),
    reason: view.getUint8(at + C.EV_OFF_REASON),
    market: view.getUint16(at + C.EV_OFF_MARKET, true),
    cmd: view.getUint32(at + C.EV_OFF_CMD, true),
    id: view.getBigUint64(at + C.EV_OFF_ID, true),
    other: view.getBigUint64(at + C.EV_OFF_OTHER, true),
    price: view.getBigInt64(at + C.EV_OFF_PRICE, true),
    qty: view.getBigInt64(at + C.EV_OFF_QTY, true),
    remaining: view.getBigInt64(at + C.EV_OFF_REMAINING, true),
  };
}

export function decodeEvents(view: DataView, ptr: number, count: number): EngineEvent[] {
  const out: EngineEvent[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = decodeEvent(view, ptr + i * C.EV_SIZE);
  return out;
}
