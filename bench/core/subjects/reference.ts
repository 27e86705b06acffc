// core-as/reference, the plain-TypeScript oracle, as a contender: the same Command objects,
// in batches through execute(). It also computes the truth every other run is checked against.
import { ReferenceBook } from '../../../core-as/reference/book.ts';
import type { Command } from '../../../core-as/types.ts';
import { batches, prefillChunks, type Stream } from '../streams.ts';
import { sameDepth, type Check, type Runner, type Truth } from '../runner.ts';

export const ALL_LEVELS = Number.MAX_SAFE_INTEGER;

function chunked(commands: Command[], b: number): Command[][] {
  return batches(commands.length, b).map(([s, n]) => commands.slice(s, s + n));
}

/** A reference book holding the stream's starting book (replaying the prefill is quicker than restore(), which checksums with bigints). */
export function referenceStart(stream: Stream): ReferenceBook {
  const book = new ReferenceBook({ markets: stream.mix.markets });
  for (const chunk of prefillChunks(stream)) book.execute(chunk);
  return book;
}

/** The reference's final state on the stream, from its own untimed pass. */
export function referenceTruth(stream: Stream): { truth: Truth; events: number } {
  const book = referenceStart(stream);
  let events = 0;
  for (const chunk of chunked(stream.commands, 4096)) events += book.execute(chunk).length;
  return { truth: { hash: book.stateHash(), orders: book.orderCount(), depth: book.depth(0, ALL_LEVELS) }, events };
}

export function referenceRunner(stream: Stream, batch: number): Runner {
  const chunks = chunked(stream.commands, batch);
  let book: ReferenceBook | null = null;
  let cursor = 0;
  const live = (): ReferenceBook => (book ??= referenceStart(stream));
  return {
    subject: 'reference',
    batch,
    steps: chunks.length,
    reset() {
      book = null;
      book = referenceStart(stream);
      cursor = 0;
    },
    release() {
      book = null;
    },
    pass() {
      const b = live();
      let events = 0;
      for (let k = 0; k < chunks.length; k++) events += b.execute(chunks[k]).length;
      return events;
    },
    step() {
      live().execute(chunks[cursor++]);
    },
    verify(truth: Truth): Check {
      // the truth came from the same code on the same stream; the full depth is the cheap proof
      const b = live();
      const diff =
        b.orderCount() !== truth.orders
          ? `${b.orderCount()} orders, reference ${truth.orders}`
          : sameDepth(b.depth(0, ALL_LEVELS), truth.depth);
      return { ok: diff === null, how: 'full depth', ...(diff === null ? {} : { reason: diff }) };
    },
  };
}
