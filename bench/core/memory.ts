// Memory per resting order, with N resting orders (1M in the full run):
//   WASM:  engine.memory(): the whole linear memory, and the part the book's structures
//          hold (order and level chunks, id index), divided by N. Built in batches of 4096
//          so the command and event buffers stay small.
//   reference, nodejs-order-book: JS heap in use after a forced full GC, minus the same
//          before the book was built. The book is built from commands generated chunk by chunk,
//          so the commands themselves are garbage by the second measurement and every
//          bigint, string and object the book keeps is counted.
// Every book built here is checked like a benchmark run: the WASM state hash and
// nodejs-order-book's full depth must match the reference's.
import { ReferenceBook } from '../../core-as/reference/book.ts';
import { CMD_SIZE } from '../../core-as/codes.ts';
import { prefillChunks, type Stream } from './streams.ts';
import { twinStart } from './subjects/twin.ts';
import { wasmStart } from './subjects/wasm.ts';
import { nobApply, nobBook, nobDepth, translate } from './subjects/nodejs-order-book.ts';
import { sameDepth } from './runner.ts';
import { collect, heapUsed } from './runtime.ts';

export interface MemoryReport {
  orders: number;
  wasm: { linearBytes: number; bookBytes: number; linearPerOrder: number; bookPerOrder: number; hashMatches: boolean };
  twin: { bytes: number; perOrder: number; hashMatches: boolean };
  reference: { heapBytes: number; perOrder: number } | null; // null: the runtime cannot force a GC
  nodejsOrderBook: { heapBytes: number; perOrder: number; depthMatches: boolean } | null;
  method: string;
}

function heapDelta<T>(build: () => T): { bytes: number; value: T } {
  collect();
  collect();
  const before = heapUsed();
  const value = build();
  collect();
  collect();
  return { bytes: heapUsed() - before, value };
}

export function measureMemory(module: WebAssembly.Module, stream: Stream, canCollect: boolean): MemoryReport {
  const n = stream.spec.prefill;

  const engine = wasmStart(module, stream);
  const mem = engine.memory();
  if (engine.orderCount() !== n) throw new Error(`wasm holds ${engine.orderCount()} of ${n} prefill orders`);

  const ref = heapDelta(() => {
    const book = new ReferenceBook({ markets: 1 });
    for (const chunk of prefillChunks(stream)) book.execute(chunk);
    return book;
  });
  const refHash = ref.value.stateHash();
  const hashMatches = engine.stateHash() === refHash;
  const twin = twinStart(stream); // its typed arrays: what it allocates, not a heap delta
  const twinBytes = twin.memory().book;
  const twinMatches = twin.stateHash() === refHash;

  const nob = heapDelta(() => {
    const book = nobBook();
    const diff = { inPlace: 0 };
    for (const chunk of prefillChunks(stream)) for (const op of translate(chunk).ops) nobApply(book, op, diff);
    return book;
  });
  const depthMatches = sameDepth(nobDepth(nob.value), ref.value.depth(0, Number.MAX_SAFE_INTEGER)) === null;

  return {
    orders: n,
    wasm: {
      linearBytes: mem.linear,
      bookBytes: mem.book,
      linearPerOrder: mem.linear / n,
      bookPerOrder: mem.book / n,
      hashMatches,
    },
    twin: { bytes: twinBytes, perOrder: twinBytes / n, hashMatches: twinMatches },
    reference: canCollect ? { heapBytes: ref.bytes, perOrder: ref.bytes / n } : null,
    nodejsOrderBook: canCollect ? { heapBytes: nob.bytes, perOrder: nob.bytes / n, depthMatches } : null,
    method:
      `${n} passive GTC limits (records ${CMD_SIZE} B each, built in batches of 4096). WASM: engine.memory() = linear memory / ` +
      'book structures. JS twin: the byte length of its typed arrays. JS books: heap used after forced full GC, minus before the build (commands generated chunk by chunk, so not counted).',
  };
}
