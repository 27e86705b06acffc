// depthColumns: the book → uPlot columns step of the depth chart (pure; no browser needed).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain browser ES module, without type declarations
import { depthColumns } from '../web/depth-chart.js';

describe('depthColumns', () => {
  it('lays both sides out by ascending price with cumulative quantities, null on the other side', () => {
    const bids = [
      [100, 1],
      [99, 2],
      [97, 0.5],
    ]; //  best first
    const asks = [
      [101, 0.25],
      [103, 3],
    ];
    const [xs, bid, ask] = depthColumns(bids, asks);
    // each side runs on one pad (4% of the 97..103 span) past its last level
    expect(xs.map((x: number) => +x.toFixed(2))).toEqual([96.76, 97, 99, 100, 101, 103, 103.24]);
    expect(bid).toEqual([3.5, 3.5, 3, 1, null, null, null]);
    expect(ask).toEqual([null, null, null, null, 0.25, 3.25, 3.25]);
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1]);
  });

  it('handles an empty and a one-sided book', () => {
    expect(depthColumns([], [])).toEqual([[], [], []]);
    const [xs, bid, ask] = depthColumns([[50, 2]], []);
    expect(xs.length).toBe(2);
    expect(bid).toEqual([2, 2]);
    expect(ask).toEqual([null, null]);
  });
});
