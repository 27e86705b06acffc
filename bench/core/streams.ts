// The command streams every engine is fed: seeded, so Node, Deno and Bun build the same
// commands byte for byte. Each stream is generated once per process, outside any timed
// region, as Command objects (the typed paths) and as encoded records (the raw batch path,
// as a host receives commands off the wire).
import type { Command } from '../../core-as/types.ts';
import { command } from '../../core-as/types.ts';
import * as C from '../../core-as/codes.ts';
import { CommandGenerator, MIXES, Rng, type Mix } from '../../core-as/gen/commands.ts';
import { encodeCommands } from '../../core-as/src/records.ts';

export const MID = 100_000n; // ticks; every stream trades around the same mid

// none of the bench's streams uses stops, OCOs, icebergs, expiries or other STP modes:
// nodejs-order-book has no equivalent for most of them, and the issue asks for these three
const PLAIN = { ...MIXES.basic, markets: 1, illegal: 0, amend: 0, stop: 0, oco: 0, iceberg: 0, gtt: 0, stpModes: 0 };

/** The bench's mixes: single-market (as nodejs-order-book is), no illegal commands. */
export const BENCH_MIXES = {
  // (1) resting-heavy ladder build from an empty book: passive GTC limits over ±400 ticks,
  // a few cancels, almost no crossing.
  ladder: {
    ...PLAIN,
    name: 'ladder',
    owners: 1000,
    place: 20,
    cancel: 2,
    reduce: 0,
    market: 0,
    ioc: 0,
    fok: 0,
    postOnly: 0.1,
    spread: 400,
    cross: 0.01,
    maxQty: 1000,
  },
  // (2) aggressive crossing: 60% of limits priced through the mid, market and IOC takers,
  // quantities 1..100 on both sides, so most fills are partial; 50 owners, so self-trade
  // prevention fires too.
  crossing: {
    ...PLAIN,
    name: 'crossing',
    owners: 50,
    place: 9,
    cancel: 1,
    reduce: 0,
    market: 0.1,
    ioc: 0.15,
    fok: 0,
    postOnly: 0.05,
    spread: 20,
    cross: 0.6,
    maxQty: 100,
  },
  // (3) the core's own 'realistic' mix, exchange-core's benchmark in spirit: per 100 commands
  // about 40 amends (mostly price moves), 27 places near the touch, 20 cancels, 7 reduces,
  // a few market/IOC/FOK orders.
  realistic: MIXES.realistic,
  // (3') the realistic mix without what nodejs-order-book expresses differently (reduce, FOK,
  // amends that change the quantity; see subjects/nodejs-order-book.ts): checks the translation.
  'realistic-nr': { ...MIXES.realistic, name: 'realistic-nr', reduce: 0, fok: 0 },
  // (4) deep book, cancel-heavy: a book ten times deeper in levels (prices over ±500 ticks),
  // per 100 commands about 45 cancels, 36 places (a sixth of them market or IOC orders that
  // never rest, but whose ids are still checked), 9 amends and 9 reduces. Every cancel and
  // every place looks an id up in an index of a few hundred thousand orders.
  'deep-cancel': {
    ...MIXES.realistic,
    name: 'deep-cancel',
    place: 4,
    cancel: 5,
    reduce: 1,
    amend: 1,
    market: 0.04,
    ioc: 0.12,
    fok: 0.01,
    spread: 500,
    cross: 0.1,
  },
} satisfies Record<string, Mix>;

/** Commands a stream leaves out after generation. */
const DROP: Partial<Record<StreamName, (c: Command) => boolean>> = {
  'realistic-nr': (c) => c.kind === C.CMD_AMEND && c.qty !== 0n, // keeps only the amends that move the price alone
};

export type StreamName = keyof typeof BENCH_MIXES;

export interface StreamSpec {
  name: StreamName;
  prefill: number; //  resting orders in the book before the stream starts
  commands: number; // commands in the timed stream
  seed: number;
}

export interface Stream {
  spec: StreamSpec;
  mix: Mix;
  /** The passive GTC limits that build the starting book, as records only: books that need
   *  objects regenerate them chunk by chunk (see prefillChunks), so a million of them never
   *  sit in the JS heap while other engines are timed. */
  prefillRecords: Uint8Array;
  commands: Command[];
  records: Uint8Array;
}

/** Ids of prefill orders start here, far above any id a CommandGenerator hands out. */
export const PREFILL_ID_BASE = 1n << 40n;

/**
 * A book of `count` passive GTC limits around MID: bids at MID-1.., asks at MID+1..,
 * about 100 orders per level on average, denser near the touch (triangular), FIFO in
 * generation order. Levels are laid down far-to-near, the cheap order for every engine's
 * insert (the reference scans levels from the best), so setting the book up stays quick.
 */
export function* prefillCommands(count: number, seed: number, mix: Mix): Generator<Command> {
  if (count === 0) return;
  const rng = new Rng(seed ^ 0x5bd1e995);
  const depth = Math.max(mix.spread, Math.ceil(count / 200)); // levels per side
  const perLevel = [new Uint32Array(depth + 1), new Uint32Array(depth + 1)];
  for (let i = 0; i < count; i++) {
    const offset = 1 + Math.floor((depth * Math.min(rng.next(), rng.next())) / 4294967296);
    perLevel[i & 1][offset]++;
  }
  let id = PREFILL_ID_BASE;
  for (let offset = depth; offset >= 1; offset--) {
    for (const side of [C.SIDE_BUY, C.SIDE_SELL]) {
      const price = side === C.SIDE_BUY ? MID - BigInt(offset) : MID + BigInt(offset);
      for (let k = perLevel[side][offset]; k > 0; k--) {
        yield command({
          kind: C.CMD_PLACE,
          id: id++,
          owner: BigInt(1 + rng.int(mix.owners)),
          side,
          type: C.TYPE_LIMIT,
          tif: C.TIF_GTC,
          price,
          qty: BigInt(1 + rng.int(mix.maxQty)),
        });
      }
    }
  }
}

export function buildStream(spec: StreamSpec): Stream {
  const mix = BENCH_MIXES[spec.name];
  const generator = new CommandGenerator(spec.seed, mix, MID);
  const drop = DROP[spec.name];
  const commands: Command[] = [];
  while (commands.length < spec.commands) {
    const c = generator.next();
    if (!drop?.(c)) commands.push(c);
  }
  return {
    spec,
    mix,
    prefillRecords: encodeCommands([...prefillCommands(spec.prefill, spec.seed, mix)]),
    commands,
    records: encodeCommands(commands),
  };
}

/** The prefill as Command objects, 4096 at a time, generated again (same seed, same commands). */
export function* prefillChunks(stream: Stream): Generator<Command[]> {
  let chunk: Command[] = [];
  for (const c of prefillCommands(stream.spec.prefill, stream.spec.seed, stream.mix)) {
    chunk.push(c);
    if (chunk.length === 4096) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Splits n items into consecutive batches of size b (the last may be shorter): [start, count][]. */
export function batches(n: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += b) out.push([start, Math.min(b, n - start)]);
  return out;
}
