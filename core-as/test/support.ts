// Scenario helpers shared by the core's unit tests: every scenario runs on the WASM core
// (debug and release builds) and on the reference matcher, and all three must agree.
import { expect } from 'vitest';
import * as C from '../codes.ts';
import { command, type Book, type Command, type EngineEvent } from '../types.ts';
import { doneName, EVENT_NAMES, rejectName } from '../names.ts';
import { Engine } from '../src/engine.ts';
import { readWasm } from '../src/wasm.ts';
import { ReferenceBook } from '../reference/book.ts';

export const I64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
export const builds = { debug: readWasm('debug'), release: readWasm('release') };

export function books(options = { markets: 2, maxOrders: 1 << 24 }): [string, Book][] {
  return [
    ['wasm debug', Engine.create(builds.debug, options)],
    ['wasm release', Engine.create(builds.release, options)],
    ['reference', new ReferenceBook(options)],
  ];
}

/** One line per event, e.g. "trade 3x1 @100 q6 left 0". */
export function line(e: EngineEvent): string {
  switch (e.kind) {
    case C.EV_ACCEPTED:
      return `accepted ${e.id} by ${e.other} @${e.price} q${e.qty}`;
    case C.EV_REJECTED:
      return `rejected ${e.id} ${rejectName(e.reason)}`;
    case C.EV_TRADE:
      return `trade ${e.id}x${e.other} @${e.price} q${e.qty} left ${e.remaining}`;
    case C.EV_DONE:
      return `done ${e.id} ${doneName(e.reason)} q${e.qty}`;
    case C.EV_REDUCED:
      return `reduced ${e.id} by ${e.qty} left ${e.remaining}`;
    case C.EV_TRIGGERED:
      return `triggered ${e.id} at ${e.price} q${e.qty}`;
    case C.EV_AMENDED:
      return `amended ${e.id} @${e.price} q${e.qty}`;
    case C.EV_REFILLED:
      return `refilled ${e.id} @${e.price} q${e.qty} left ${e.remaining}`;
    default:
      return `${EVENT_NAMES[e.kind] ?? e.kind} ${e.id}`;
  }
}

export type Opts = Partial<Command>;
export const buy = (id: number, owner: number, price: bigint | number, qty: bigint | number, o: Opts = {}) =>
  command({
    kind: C.CMD_PLACE,
    id: BigInt(id),
    owner: BigInt(owner),
    side: C.SIDE_BUY,
    price: BigInt(price),
    qty: BigInt(qty),
    ...o,
  });
export const sell = (id: number, owner: number, price: bigint | number, qty: bigint | number, o: Opts = {}) =>
  command({
    kind: C.CMD_PLACE,
    id: BigInt(id),
    owner: BigInt(owner),
    side: C.SIDE_SELL,
    price: BigInt(price),
    qty: BigInt(qty),
    ...o,
  });
export const cancel = (id: number, owner: number, o: Opts = {}) =>
  command({ kind: C.CMD_CANCEL, id: BigInt(id), owner: BigInt(owner), ...o });
export const amend = (id: number, owner: number, price: bigint | number, qty: bigint | number, o: Opts = {}) =>
  command({ kind: C.CMD_AMEND, id: BigInt(id), owner: BigInt(owner), price: BigInt(price), qty: BigInt(qty), ...o });
export const reduce = (id: number, owner: number, qty: bigint | number, o: Opts = {}) =>
  command({ kind: C.CMD_REDUCE, id: BigInt(id), owner: BigInt(owner), qty: BigInt(qty), ...o });
export const MARKET = { type: C.TYPE_MARKET, tif: C.TIF_IOC, price: 0n };
export const IOC = { tif: C.TIF_IOC };
export const FOK = { tif: C.TIF_FOK };
export const POST = { flags: C.FLAG_POST_ONLY };

/** Runs setup then cmds on every book; returns the event lines of cmds, the same on all. */
export function run(
  setup: Command[],
  cmds: Command[],
  options?: { markets: number; maxOrders: number },
): { lines: string[]; book: Book } {
  let first: string[] | undefined;
  let last: Book | undefined;
  for (const [name, book] of books(options)) {
    book.execute(setup);
    const lines = book.execute(cmds).map(line);
    if (book instanceof Engine) expect(book.validate(), name).toBeNull();
    if (first === undefined) first = lines;
    else expect(lines, name).toEqual(first);
    last = book;
  }
  return { lines: first!, book: last! };
}

export const events = (setup: Command[], cmds: Command[]) => run(setup, cmds).lines;
