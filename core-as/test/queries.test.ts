// The binding's queries take JS numbers and bigints that the core reads as i32 and u64: every
// value, however odd, must get the reference's answer, never a wrapped one (2^32 levels read
// as 0, market 2^32 read as market 0, id -1 read as 2^64 - 1).
import { describe, expect, it } from 'vitest';
import { ReferenceBook } from '../reference/book.ts';
import { Engine } from '../src/engine.ts';
import type { Book, Command } from '../types.ts';
import { builds, buy, sell, U64_MAX } from './support.ts';

const LEVEL_COUNTS = [
  0,
  -0,
  1,
  2,
  4,
  5,
  6,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  Infinity,
  -1,
  -2,
  -5,
  -6,
  -(2 ** 31),
  -(2 ** 32) + 1,
  -Infinity,
  NaN,
  0.5,
  1.5,
  2.999,
  -0.5,
  -1.5,
  Number.MIN_VALUE,
];
const MARKETS = [0, 1, -0, 2, -1, 0.5, 1.5, 2 ** 32, 2 ** 32 + 1, 2 ** 31, NaN, Infinity, -Infinity];

/** Five bid and five ask levels in market 0, two levels in market 1, one order 2^64 - 1. */
function setup(): Command[] {
  const cmds: Command[] = [];
  for (let i = 0; i < 5; i++) {
    cmds.push(buy(10 + i, 1, 100 - i, 1 + i));
    cmds.push(sell(20 + i, 2, 110 + i, 2 + i));
  }
  cmds.push(buy(30, 1, 50, 1, { market: 1 }), sell(31, 1, 60, 1, { market: 1 }));
  cmds.push(buy(0, 1, 90, 1, { id: U64_MAX }));
  return cmds;
}

function books(): [string, Book][] {
  const options = { markets: 2 };
  const list: [string, Book][] = [
    ['wasm debug', Engine.create(builds.debug, options)],
    ['wasm release', Engine.create(builds.release, options)],
    ['reference', new ReferenceBook(options)],
  ];
  for (const [, b] of list) b.execute(setup());
  return list;
}

describe('queries with any number', () => {
  const all = books();
  const reference = all[2][1];

  it('depth(market, levels) answers as the reference for every count', () => {
    expect(reference.depth(0, Number.MAX_SAFE_INTEGER).bids).toHaveLength(6);
    for (const [name, book] of all) {
      for (const n of LEVEL_COUNTS) {
        expect(book.depth(0, n), `${name} depth(0, ${n})`).toEqual(reference.depth(0, n));
        expect(book.depth(1, n), `${name} depth(1, ${n})`).toEqual(reference.depth(1, n));
      }
    }
    // the counts the issue names: every level, not 0 or 1
    for (const n of [2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, Infinity]) {
      expect(all[1][1].depth(0, n).asks, `depth(0, ${n})`).toHaveLength(5);
    }
  });

  it('depth, bestBid and bestAsk answer as the reference for every market number', () => {
    for (const [name, book] of all) {
      for (const m of MARKETS) {
        expect(book.depth(m, 10), `${name} depth(${m}, 10)`).toEqual(reference.depth(m, 10));
        expect(book.bestBid(m), `${name} bestBid(${m})`).toBe(reference.bestBid(m));
        expect(book.bestAsk(m), `${name} bestAsk(${m})`).toBe(reference.bestAsk(m));
      }
    }
  });

  it('order(id) answers as the reference for ids outside u64', () => {
    for (const [name, book] of all) {
      for (const id of [U64_MAX, -1n, 1n << 64n, (1n << 64n) + 10n, -(1n << 64n) + 10n, 0n, 10n, 99n]) {
        expect(book.order(id), `${name} order(${id})`).toEqual(reference.order(id));
      }
    }
    expect(all[1][1].order(U64_MAX)?.price).toBe(90n);
    expect(all[1][1].order(-1n)).toBeNull();
  });
});
