// Lamport and vector clock operations of the core: results, and refusals instead of
// wrapping. (Algebraic properties on generated histories are in conformance/.)
import { describe, expect, it } from 'vitest';
import { ClockError, Engine, type VectorClock } from '../src/engine.ts';
import { readWasm } from '../src/wasm.ts';

const e = Engine.create(readWasm('debug'));
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

describe('Lamport clock', () => {
  it('ticks and merges', () => {
    expect(e.lamportTick(0n)).toBe(1n);
    expect(e.lamportTick(41n)).toBe(42n);
    expect(e.lamportMerge(5n, 9n)).toBe(10n);
    expect(e.lamportMerge(9n, 5n)).toBe(10n);
    expect(e.lamportMerge(7n, 7n)).toBe(8n);
    expect(e.lamportTick(I64_MAX - 1n)).toBe(I64_MAX);
  });
  it('refuses to pass i64 max or to take negative times', () => {
    expect(() => e.lamportTick(I64_MAX)).toThrow(ClockError);
    expect(() => e.lamportMerge(1n, I64_MAX)).toThrow(ClockError);
    expect(() => e.lamportTick(-1n)).toThrow(ClockError);
    expect(() => e.lamportMerge(-5n, 3n)).toThrow(ClockError);
    // values past 64 bits are refused by the binding, never wrapped into range
    expect(() => e.lamportTick((1n << 64n) + 5n)).toThrow(ClockError);
    expect(() => e.lamportMerge(0n, (1n << 64n) + 5n)).toThrow(ClockError);
    expect(() => e.lamportTick(-(1n << 64n) + 3n)).toThrow(ClockError);
  });
});

describe('vector clock', () => {
  const a: VectorClock = [
    [1n, 2n],
    [5n, 1n],
  ];
  const b: VectorClock = [
    [1n, 1n],
    [3n, 4n],
  ];
  it('ticks a present and an absent node, keeping the order', () => {
    expect(e.vcTick(a, 5n)).toEqual([
      [1n, 2n],
      [5n, 2n],
    ]);
    expect(e.vcTick(a, 3n)).toEqual([
      [1n, 2n],
      [3n, 1n],
      [5n, 1n],
    ]);
    expect(e.vcTick(a, 0n)).toEqual([
      [0n, 1n],
      [1n, 2n],
      [5n, 1n],
    ]);
    expect(e.vcTick(a, U64_MAX)).toEqual([
      [1n, 2n],
      [5n, 1n],
      [U64_MAX, 1n],
    ]);
    expect(e.vcTick([], 9n)).toEqual([[9n, 1n]]);
  });
  it('merges pointwise', () => {
    expect(e.vcMerge(a, b)).toEqual([
      [1n, 2n],
      [3n, 4n],
      [5n, 1n],
    ]);
    expect(e.vcMerge(a, [])).toEqual(a);
  });
  it('compares', () => {
    expect(e.vcCompare(a, a)).toBe('equal');
    expect(e.vcCompare([], [])).toBe('equal');
    expect(e.vcCompare(a, e.vcTick(a, 1n))).toBe('before');
    expect(e.vcCompare(e.vcTick(a, 7n), a)).toBe('after');
    expect(e.vcCompare(a, b)).toBe('concurrent');
    expect(e.vcCompare([], a)).toBe('before');
  });
  it('refuses non-canonical clocks and counter overflow', () => {
    expect(() =>
      e.vcCompare(
        [
          [2n, 1n],
          [1n, 1n],
        ],
        a,
      ),
    ).toThrow(ClockError); // unsorted
    expect(() =>
      e.vcMerge(
        [
          [1n, 1n],
          [1n, 2n],
        ],
        a,
      ),
    ).toThrow(ClockError); // duplicate node
    expect(() => e.vcMerge([[1n, 0n]], a)).toThrow(ClockError); // zero counter
    expect(() => e.vcTick([[1n, -3n]], 1n)).toThrow(ClockError); // negative counter
    expect(() => e.vcTick([[1n, I64_MAX]], 1n)).toThrow(ClockError); // would overflow
    expect(() => e.vcTick([[1n << 64n, 1n]], 1n)).toThrow(ClockError); // node out of range
    expect(() => e.vcTick([], -1n)).toThrow(ClockError);
    expect(() => e.vcTick([], 1n << 64n)).toThrow(ClockError);
  });
});
