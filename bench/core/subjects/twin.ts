// The JS twin (core-as/twin) as a contender: the WASM core's algorithm and memory layout in
// plain TypeScript, fed the same pre-encoded command records through the same raw batch door
// (executeRaw), so its row against the WASM core's says what WebAssembly itself buys.
// Every sample starts from the stream's starting book, built by replaying the prefill records
// (quicker than a restore, which goes through bigints), then primed as the warm WASM runner is:
// its typed arrays are grown to what the pass will need, and the book is unchanged.
// Every pass proves itself by the full depth, the order count and the event count; the first
// also by the state hash (the twin computes the reference's), a bigint walk of the whole book
// that takes seconds on a million orders, too slow to repeat after every pass.
import { CMD_SIZE, EV_SIZE } from '../../../core-as/codes.ts';
import { TwinEngine } from '../../../core-as/twin/engine.ts';
import { batches, type Stream } from '../streams.ts';
import { sameDepth, type Check, type Runner, type Truth } from '../runner.ts';
import { primerFor } from './wasm.ts';

const ALL_LEVELS = Number.MAX_SAFE_INTEGER;

/** A twin holding the stream's starting book. */
export function twinStart(stream: Stream): TwinEngine {
  const twin = new TwinEngine({ markets: stream.mix.markets });
  for (const [start, n] of batches(stream.spec.prefill, 4096))
    twin.executeRaw(stream.prefillRecords.subarray(start * CMD_SIZE, (start + n) * CMD_SIZE), n);
  return twin;
}

export function twinRunner(stream: Stream, batch: number, truthEvents: number): Runner {
  const primer = primerFor(stream);
  const spans = batches(stream.commands.length, batch);
  const views = spans.map(([s, n]) => stream.records.subarray(s * CMD_SIZE, (s + n) * CMD_SIZE));
  const counts = Int32Array.from(spans, ([, n]) => n);
  let twin: TwinEngine | null = null;
  let cursor = 0;
  let events = 0; // of the pass (or the steps) since the last reset
  let hashed = false;
  const live = (): TwinEngine => {
    if (twin === null) twin = twinStart(stream);
    return twin;
  };
  return {
    subject: 'twin',
    batch,
    steps: spans.length,
    reset() {
      twin = null;
      const t = live();
      for (const [s, n] of primer.spans) t.executeRaw(primer.records.subarray(s * CMD_SIZE, (s + n) * CMD_SIZE), n);
      cursor = 0;
      events = 0;
    },
    release() {
      twin = null;
    },
    pass() {
      const t = live();
      let bytes = 0;
      for (let k = 0; k < views.length; k++) bytes += t.executeRaw(views[k], counts[k]).length;
      events = bytes / EV_SIZE;
      return events;
    },
    step() {
      events += live().executeRaw(views[cursor], counts[cursor++]).length / EV_SIZE;
    },
    verify(truth: Truth): Check {
      const t = live();
      const diff =
        t.orderCount() !== truth.orders
          ? `${t.orderCount()} orders, reference ${truth.orders}`
          : events !== truthEvents
            ? `${events} events, reference ${truthEvents}`
            : sameDepth(t.depth(0, ALL_LEVELS), truth.depth);
      if (diff !== null) return { ok: false, how: 'full depth, orders and events', reason: diff };
      if (hashed) return { ok: true, how: 'state hash, then full depth, orders and events' };
      hashed = true;
      const hash = t.stateHash();
      return hash === truth.hash
        ? { ok: true, how: 'state hash, then full depth, orders and events' }
        : { ok: false, how: 'state hash', reason: `hash ${hash.toString(16)}, reference ${truth.hash.toString(16)}` };
    },
  };
}
