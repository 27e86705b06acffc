// Clock properties, on both builds: vector clock merge is commutative, associative and
// idempotent and an upper bound; compare is consistent with itself; and on simulated
// histories of processes exchanging messages, compare says exactly what the true
// happened-before relation says, and Lamport times respect it.
import { Engine, type VectorClock } from '../../core-as/src/engine.ts';
import { Rng } from '../../core-as/gen/commands.ts';
import type { Case, CaseContext } from '../case.ts';
import { check, checkEqual, show } from './check.ts';

type Build = 'debug' | 'release';
const MIRROR: Record<string, string> = { equal: 'equal', before: 'after', after: 'before', concurrent: 'concurrent' };
// small node ids collide often; the large ones check unsigned ordering
const NODES = [1n, 2n, 3n, 4n, 5n, 6n, 1n << 63n, (1n << 64n) - 1n];

function engine(ctx: CaseContext, build: Build): Engine {
  return Engine.create(ctx.wasm[build], { markets: 1, maxOrders: 1 });
}

function randomClock(rng: Rng): VectorClock {
  const out: VectorClock = [];
  for (const node of NODES) if (rng.chance(0.5)) out.push([node, BigInt(1 + rng.int(rng.chance(0.9) ? 4 : 1_000_000))]);
  return out;
}

function mergeLaws(ctx: CaseContext, build: Build): void {
  const e = engine(ctx, build);
  const rng = new Rng(ctx.seed + 3);
  const rounds = Math.max(500, Math.round(3000 * ctx.scale));
  const seen = new Set<string>();
  for (let i = 0; i < rounds; i++) {
    const a = randomClock(rng);
    const b = rng.chance(0.1) ? a.map(([n, c]): [bigint, bigint] => [n, c]) : randomClock(rng); // equal clocks too
    const c = randomClock(rng);
    const where = `${build} round ${i}: a=${show(a)} b=${show(b)} c=${show(c)}`;
    const ab = e.vcMerge(a, b);
    checkEqual(ab, e.vcMerge(b, a), `${where}: merge is commutative`);
    checkEqual(e.vcMerge(ab, c), e.vcMerge(a, e.vcMerge(b, c)), `${where}: merge is associative`);
    checkEqual(e.vcMerge(a, a), a, `${where}: merge is idempotent`);
    check(['before', 'equal'].includes(e.vcCompare(a, ab)), `${where}: a is at or before merge(a, b)`);
    const rel = e.vcCompare(a, b);
    seen.add(rel);
    checkEqual(e.vcCompare(b, a), MIRROR[rel], `${where}: compare(b, a) mirrors compare(a, b) = ${rel}`);
    checkEqual(rel === 'equal', show(a) === show(b), `${where}: equal exactly when the clocks are the same`);
    const node = rng.pick(NODES);
    checkEqual(e.vcCompare(a, e.vcTick(a, node)), 'before', `${where}: a tick moves a clock forward`);
  }
  for (const r of ['equal', 'before', 'after', 'concurrent'])
    check(seen.has(r), `${build}: the random clocks never compared ${r}`);
}

interface Happening {
  process: number;
  vc: VectorClock;
  lamport: bigint;
  ancestors: bigint;
} // ancestors: bit set of event indexes

/** Processes doing local steps, sending and receiving; each event's true causal past is tracked. */
function simulate(e: Engine, rng: Rng, processes: number, events: number): Happening[] {
  const history: Happening[] = [];
  const last: number[] = new Array(processes).fill(-1);
  const vc: VectorClock[] = new Array(processes).fill(null).map(() => []);
  const lamport: bigint[] = new Array(processes).fill(0n);
  const inFlight: { to: number; sent: number }[] = [];
  for (let i = 0; i < events; i++) {
    const p = rng.int(processes);
    const node = NODES[(p * 3) % NODES.length]; // includes 2^63 and u64 max
    const prev = last[p];
    let ancestors = prev < 0 ? 0n : history[prev].ancestors | (1n << BigInt(prev));
    const delivery = inFlight.findIndex((m) => m.to === p);
    if (delivery >= 0 && rng.chance(0.6)) {
      const [m] = inFlight.splice(delivery, 1);
      const sent = history[m.sent];
      ancestors |= sent.ancestors | (1n << BigInt(m.sent));
      vc[p] = e.vcTick(e.vcMerge(vc[p], sent.vc), node);
      lamport[p] = e.lamportMerge(lamport[p], sent.lamport);
    } else {
      vc[p] = e.vcTick(vc[p], node);
      lamport[p] = e.lamportTick(lamport[p]);
      if (rng.chance(0.5)) inFlight.push({ to: (p + 1 + rng.int(processes - 1)) % processes, sent: i });
    }
    history.push({ process: p, vc: vc[p], lamport: lamport[p], ancestors });
    last[p] = i;
  }
  return history;
}

function happenedBefore(ctx: CaseContext, build: Build): void {
  const e = engine(ctx, build);
  const rng = new Rng(ctx.seed + 4);
  const runs = Math.max(2, Math.round(6 * ctx.scale));
  const counts: Record<string, number> = { equal: 0, before: 0, after: 0, concurrent: 0 };
  for (let run = 0; run < runs; run++) {
    const h = simulate(e, rng, 2 + (run % 5), 250);
    for (let i = 0; i < h.length; i++) {
      for (let j = 0; j < h.length; j++) {
        const iBeforeJ = ((h[j].ancestors >> BigInt(i)) & 1n) === 1n;
        const jBeforeI = ((h[i].ancestors >> BigInt(j)) & 1n) === 1n;
        const want = i === j ? 'equal' : iBeforeJ ? 'before' : jBeforeI ? 'after' : 'concurrent';
        const got = e.vcCompare(h[i].vc, h[j].vc);
        if (got !== want)
          throw new Error(
            `${build} run ${run}: events ${i} (process ${h[i].process}) and ${j} (process ${h[j].process}): compare says ${got}, happened-before says ${want}`,
          );
        counts[want]++;
        if (iBeforeJ)
          check(
            h[i].lamport < h[j].lamport,
            `${build} run ${run}: event ${i} happened before ${j} but its Lamport time ${h[i].lamport} is not below ${h[j].lamport}`,
          );
      }
    }
  }
  check(
    counts.before > 0 && counts.concurrent > 0,
    `${build}: the histories should hold both ordered and concurrent pairs: ${show(counts)}`,
  );
}

export const clockCases: Case[] = (['debug', 'release'] as const).flatMap((build): Case[] => [
  { name: `clock merge and compare laws on wasm-${build}`, group: 'clocks', run: (ctx) => mergeLaws(ctx, build) },
  {
    name: `clock compare agrees with happened-before on wasm-${build}`,
    group: 'clocks',
    run: (ctx) => happenedBefore(ctx, build),
  },
]);
