// What every engine under test looks like to the suites: a runner replays one stream from
// one starting state, either as a whole pass (throughput) or one call at a time (latency),
// and then proves its final state is the reference's.
import type { Depth } from '../../core-as/types.ts';

/** The reference's final state on a stream: what every other run must reproduce. */
export interface Truth {
  hash: bigint;
  orders: number;
  depth: Depth; // every level of market 0
}

export interface Check {
  ok: boolean | null; // null: not comparable (the reason says why)
  how: string; //        'state hash', 'full depth', ...
  reason?: string;
}

export interface Runner {
  /** Which engine and path, e.g. 'wasm-raw'. */
  readonly subject: string;
  /** Commands per call across the engine's API (1 for per-command paths). */
  readonly batch: number;
  /** Calls per pass. */
  readonly steps: number;
  /** Builds the stream's starting state (again), cursor at the first call. Not timed. */
  reset(): void;
  /** Drops the state, so it does not sit in memory while other runners are timed. */
  release(): void;
  /** The whole stream, as fast as the path allows. Returns a count so no work is dead. */
  pass(): number;
  /** The next call only. */
  step(): void;
  /** Compares the final state (after a pass, or after every step) with the reference's. */
  verify(truth: Truth): Check;
}

export function sameDepth(a: Depth, b: Depth): string | null {
  for (const side of ['bids', 'asks'] as const) {
    const x = a[side];
    const y = b[side];
    if (x.length !== y.length) return `${side}: ${x.length} levels, reference ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      if (x[i].price !== y[i].price || x[i].qty !== y[i].qty || x[i].orders !== y[i].orders) {
        return `${side} level ${i}: ${x[i].price}x${x[i].qty} (${x[i].orders} orders), reference ${y[i].price}x${y[i].qty} (${y[i].orders} orders)`;
      }
    }
  }
  return null;
}
