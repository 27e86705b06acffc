// What a run measures: the suites (a stream, the engines fed it, how many samples), in two
// sizes. 'full' is what bench/results/ holds (< 10 min for Node, Deno and Bun together on
// the 2-core machine of record); 'quick' is the same shape, small (< 1 min for all three).
import type { StreamSpec } from './streams.ts';
import type { Sampling } from './measure.ts';

export type SubjectKind =
  | 'wasm-raw'
  | 'wasm-raw-cold'
  | 'wasm-typed'
  | 'wasm-one'
  | 'twin'
  | 'reference'
  | 'nodejs-order-book';

export interface SubjectSpec {
  kind: SubjectKind;
  batch: number; //          commands per call in the throughput passes
  latencyBatch?: number; //  commands per call in the latency pass, when different
  sampling: Sampling;
}

export interface SuiteSpec {
  id: string;
  title: string;
  stream: StreamSpec;
  subjects: SubjectSpec[];
}

export interface Plan {
  profile: 'full' | 'quick';
  memoryOrders: number;
  suites: SuiteSpec[];
}

export const SWEEP = [1, 16, 256, 4096];
const SEED = 20261125;

function subjects(fast: Sampling, slow: Sampling, sweep: number[], others: SubjectKind[]): SubjectSpec[] {
  const out: SubjectSpec[] = [];
  for (const b of sweep) out.push({ kind: 'wasm-raw', batch: b, sampling: fast });
  for (const b of sweep) out.push({ kind: 'twin', batch: b, sampling: fast });
  if (others.includes('wasm-raw-cold'))
    out.push({ kind: 'wasm-raw-cold', batch: 4096, sampling: { ...fast, latency: false } });
  if (others.includes('wasm-typed')) out.push({ kind: 'wasm-typed', batch: 4096, sampling: fast });
  if (others.includes('wasm-one')) out.push({ kind: 'wasm-one', batch: 1, sampling: fast });
  if (others.includes('reference')) out.push({ kind: 'reference', batch: 4096, latencyBatch: 1, sampling: slow });
  if (others.includes('nodejs-order-book')) out.push({ kind: 'nodejs-order-book', batch: 1, sampling: slow });
  return out;
}

const ALL: SubjectKind[] = ['wasm-raw-cold', 'wasm-typed', 'wasm-one', 'reference', 'nodejs-order-book'];

export function makePlan(profile: 'full' | 'quick'): Plan {
  const full = profile === 'full';
  const fast: Sampling = { samples: full ? 7 : 3, warmup: full ? 2 : 1, latency: true };
  const slow: Sampling = { samples: 3, warmup: 0, latency: true }; // the truth pass has warmed the reference
  const big: Sampling = { samples: full ? 5 : 3, warmup: 1, latency: true }; // each reset restores a 1M-order book
  const n = full ? 100_000 : 10_000;
  const book = full ? 100_000 : 5_000;
  const bigBook = full ? 1_000_000 : 20_000;
  const deepBook = full ? 200_000 : 10_000;
  return {
    profile,
    memoryOrders: full ? 1_000_000 : 20_000,
    suites: [
      {
        id: 'ladder',
        title: `(1) resting-heavy ladder build, ${n} commands from an empty book`,
        stream: { name: 'ladder', prefill: 0, commands: n, seed: SEED },
        subjects: subjects(fast, slow, [4096], ALL),
      },
      {
        id: 'crossing',
        title: `(2) aggressive crossing, many partial fills, ${n} commands from an empty book`,
        stream: { name: 'crossing', prefill: 0, commands: n, seed: SEED + 1 },
        subjects: subjects(fast, slow, [4096], ALL),
      },
      {
        id: 'realistic',
        title: `(3) realistic mix, ${n} commands on a book of ${book} resting orders`,
        stream: { name: 'realistic', prefill: book, commands: n, seed: SEED + 2 },
        subjects: subjects(fast, slow, SWEEP, ALL),
      },
      {
        id: 'realistic-big',
        title: `(3) realistic mix, ${n / 2} commands on a book of ${bigBook} resting orders (WASM and JS twin)`,
        stream: { name: 'realistic', prefill: bigBook, commands: n / 2, seed: SEED + 3 },
        subjects: subjects(big, big, [4096], []),
      },
      {
        id: 'deep-cancel',
        title: `(4) deep book, cancel-heavy, ${n} commands on a book of ${deepBook} resting orders over ±500 ticks (WASM and JS twin)`,
        stream: { name: 'deep-cancel', prefill: deepBook, commands: n, seed: SEED + 5 },
        subjects: subjects(fast, slow, [4096], []),
      },
      {
        id: 'realistic-nr',
        title: `(3') realistic mix without reduces, FOK and quantity amends, ${n / 4} commands on ${book} resting orders: checks the nodejs-order-book translation`,
        stream: { name: 'realistic-nr', prefill: book, commands: n / 4, seed: SEED + 4 },
        subjects: [{ kind: 'nodejs-order-book', batch: 1, sampling: { samples: 1, warmup: 0, latency: false } }],
      },
    ],
  };
}
