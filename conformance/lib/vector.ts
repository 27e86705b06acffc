// A vector's shape, and playing one on a Book or on the engine's clocks. The generator
// (tools/make-vectors.ts) plays scenarios on the reference to record what they produce; the
// vector cases play the committed vectors on every implementation and compare.
import { Buffer } from 'node:buffer';
import * as C from '../../core-as/codes.ts';
import type { Engine } from '../../core-as/src/engine.ts';
import type { Book } from '../../core-as/types.ts';
import type { Runtime } from '../case.ts';
import {
  type ClockJson,
  type CommandJson,
  type DepthJson,
  type EventJson,
  type OrderJson,
  decodeClock,
  decodeCommand,
  encodeClock,
  encodeDepth,
  encodeEvent,
  encodeOrder,
} from './vector-codec.ts';

/** Deep enough for any book a vector builds: every level is reported. */
export const ALL_LEVELS = 1 << 20;

interface VectorBase {
  name: string; //       the file name without .json
  about: string; //      what the vector shows, in a sentence or two
  covers: string[]; //   features it exercises (order types, reject reasons, ...)
  skip?: Partial<Record<Runtime, string>>; // runtimes it cannot run on, with the reason
}

export interface BookStep {
  commands: CommandJson[]; // one execute() batch
  events: EventJson[]; //     what the batch must produce
}

export interface BookState {
  hash: string; //           state hash, u64 as a decimal string
  orderCount: number;
  depth: DepthJson[]; //     every level of every market that has one
  orders: OrderJson[]; //    every order placed in the steps that still rests, in placement order
}

export interface BookVector extends VectorBase {
  kind: 'book';
  markets: number;
  maxOrders?: number;
  /** A starting state: a committed snapshot (base64) and the hash it must restore to. */
  start?: { snapshot: string; hash: string };
  steps: BookStep[];
  after: BookState;
}

export type ClockOp =
  | { op: 'lamportTick'; t: string; result?: string; error?: string }
  | { op: 'lamportMerge'; local: string; remote: string; result?: string; error?: string }
  | { op: 'vcTick'; clock: ClockJson; node: string; result?: ClockJson; error?: string }
  | { op: 'vcMerge'; a: ClockJson; b: ClockJson; result?: ClockJson; error?: string }
  | { op: 'vcCompare'; a: ClockJson; b: ClockJson; result?: string; error?: string };

export interface ClockVector extends VectorBase {
  kind: 'clock';
  ops: ClockOp[];
}

export type Vector = BookVector | ClockVector;

// ---- book vectors ----

export interface BookPlay {
  startHash?: string;
  steps: EventJson[][];
  after: BookState;
}

/** Runs a vector's commands on a fresh book (restored from the start snapshot, if any). */
export function playBook(book: Book, v: Pick<BookVector, 'markets' | 'start' | 'steps'>): BookPlay {
  let startHash: string | undefined;
  if (v.start) {
    book.restore(new Uint8Array(Buffer.from(v.start.snapshot, 'base64')));
    startHash = String(book.stateHash());
  }
  const ids: bigint[] = [];
  const steps = v.steps.map((s) => {
    const commands = s.commands.map(decodeCommand);
    for (const c of commands) if (c.kind === C.CMD_PLACE && !ids.includes(c.id)) ids.push(c.id);
    return book.execute(commands).map(encodeEvent);
  });
  const depth: DepthJson[] = [];
  for (let m = 0; m < book.marketCount(); m++) {
    const d = book.depth(m, ALL_LEVELS);
    if (d.bids.length + d.asks.length > 0) depth.push(encodeDepth(m, d));
  }
  const orders: OrderJson[] = [];
  for (const id of ids) {
    const o = book.order(id);
    if (o) orders.push(encodeOrder(o));
  }
  return { startHash, steps, after: { hash: String(book.stateHash()), orderCount: book.orderCount(), depth, orders } };
}

// ---- clock vectors ----

export type ClockResult = { result: string | ClockJson } | { error: string };

/** One clock operation on the engine: its result, or the name of the error it threw. */
export function playClock(engine: Engine, op: ClockOp): ClockResult {
  try {
    switch (op.op) {
      case 'lamportTick':
        return { result: String(engine.lamportTick(BigInt(op.t))) };
      case 'lamportMerge':
        return { result: String(engine.lamportMerge(BigInt(op.local), BigInt(op.remote))) };
      case 'vcTick':
        return { result: encodeClock(engine.vcTick(decodeClock(op.clock), BigInt(op.node))) };
      case 'vcMerge':
        return { result: encodeClock(engine.vcMerge(decodeClock(op.a), decodeClock(op.b))) };
      case 'vcCompare':
        return { result: engine.vcCompare(decodeClock(op.a), decodeClock(op.b)) };
    }
  } catch (e) {
    if (e instanceof Error && e.name === 'ClockError') return { error: e.name };
    throw e;
  }
  throw new Error(`vector: unknown clock op ${JSON.stringify(op)}`);
}

export function expectedClock(op: ClockOp): ClockResult {
  return op.error !== undefined ? { error: op.error } : { result: op.result as string | ClockJson };
}
