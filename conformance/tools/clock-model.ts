// A plain model of the clock operations, written from their definitions, that the generator
// checks every hand-written clock result against before writing a vector (the core has no
// reference for clocks). Maps and bigints; nothing clever.
import type { ClockJson } from '../lib/vector-codec.ts';
import type { ClockOp, ClockResult } from '../lib/vector.ts';

const I64_MAX = (1n << 63n) - 1n;
const U64_LIMIT = 1n << 64n;

class Refused extends Error {}

function toMap(v: ClockJson): Map<bigint, bigint> {
  const m = new Map<bigint, bigint>();
  let prev = -1n;
  for (const [n, c] of v.map(([n, c]) => [BigInt(n), BigInt(c)])) {
    if (n < 0n || n >= U64_LIMIT || c <= 0n || c > I64_MAX || n <= prev) throw new Refused();
    m.set(n, c);
    prev = n;
  }
  return m;
}

function fromMap(m: Map<bigint, bigint>): ClockJson {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, c]) => [String(n), String(c)]);
}

function lamport(t: bigint): bigint {
  if (t < 0n || t >= I64_MAX) throw new Refused();
  return t + 1n;
}

export function modelClock(op: ClockOp): ClockResult {
  try {
    switch (op.op) {
      case 'lamportTick':
        return { result: String(lamport(BigInt(op.t))) };
      case 'lamportMerge': {
        const [l, r] = [BigInt(op.local), BigInt(op.remote)];
        if (l < 0n || r < 0n) throw new Refused();
        return { result: String(lamport(l > r ? l : r)) };
      }
      case 'vcTick': {
        const m = toMap(op.clock);
        const n = BigInt(op.node);
        const c = (m.get(n) ?? 0n) + 1n;
        if (c > I64_MAX) throw new Refused();
        m.set(n, c);
        return { result: fromMap(m) };
      }
      case 'vcMerge': {
        const [a, b] = [toMap(op.a), toMap(op.b)];
        for (const [n, c] of b) if (c > (a.get(n) ?? 0n)) a.set(n, c);
        return { result: fromMap(a) };
      }
      case 'vcCompare': {
        const [a, b] = [toMap(op.a), toMap(op.b)];
        let less = false;
        let more = false;
        for (const n of new Set([...a.keys(), ...b.keys()])) {
          const [x, y] = [a.get(n) ?? 0n, b.get(n) ?? 0n];
          if (x < y) less = true;
          if (x > y) more = true;
        }
        return { result: less && more ? 'concurrent' : less ? 'before' : more ? 'after' : 'equal' };
      }
    }
  } catch (e) {
    if (e instanceof Refused) return { error: 'ClockError' };
    throw e;
  }
}
