// Unit tests of the matching semantics. Every scenario runs on the WASM core (debug and
// release builds) and on the reference matcher, and all three must produce the listed events.
import { describe, expect, it } from 'vitest';
import * as C from '../codes.ts';
import { command } from '../types.ts';
import { Engine } from '../src/engine.ts';
import { builds, buy, sell, cancel, reduce, run, events, MARKET, IOC, FOK, POST, I64_MAX, U64_MAX } from './support.ts';

describe('limit orders and price-time priority', () => {
  it('rests a non-crossing order and reports it in depth', () => {
    const { lines, book } = run([], [buy(1, 7, 100, 10), buy(2, 7, 101, 5), sell(3, 8, 105, 4)]);
    expect(lines).toEqual(['accepted 1 by 7 @100 q10', 'accepted 2 by 7 @101 q5', 'accepted 3 by 8 @105 q4']);
    expect(book.depth(0, 5)).toEqual({
      bids: [
        { price: 101n, qty: 5n, orders: 1 },
        { price: 100n, qty: 10n, orders: 1 },
      ],
      asks: [{ price: 105n, qty: 4n, orders: 1 }],
    });
    expect(book.bestBid(0)).toBe(101n);
    expect(book.bestAsk(0)).toBe(105n);
    expect(book.order(1n)).toEqual({
      id: 1n,
      market: 0,
      side: C.SIDE_BUY,
      owner: 7n,
      price: 100n,
      remaining: 10n,
      visible: 10n,
      pending: false,
    });
  });

  it('fills at the maker price, best price first, FIFO within a level', () => {
    const setup = [sell(1, 1, 101, 5), sell(2, 2, 100, 3), sell(3, 3, 100, 4)];
    expect(events(setup, [buy(9, 9, 101, 10)])).toEqual([
      'accepted 9 by 9 @101 q10',
      'trade 9x2 @100 q3 left 0',
      'done 2 filled q0',
      'trade 9x3 @100 q4 left 0',
      'done 3 filled q0',
      'trade 9x1 @101 q3 left 2',
      'done 9 filled q0',
    ]);
  });

  it('rests the remainder of a partially filled GTC order', () => {
    const { lines, book } = run([sell(1, 1, 100, 3)], [buy(2, 2, 102, 10)]);
    expect(lines).toEqual(['accepted 2 by 2 @102 q10', 'trade 2x1 @100 q3 left 0', 'done 1 filled q0']);
    expect(book.depth(0, 5).bids).toEqual([{ price: 102n, qty: 7n, orders: 1 }]);
    expect(book.depth(0, 5).asks).toEqual([]);
  });

  it('a sell crosses bids from the highest down and stops at its limit', () => {
    const setup = [buy(1, 1, 99, 5), buy(2, 2, 100, 5), buy(3, 3, 98, 5)];
    const { lines, book } = run(setup, [sell(4, 4, 99, 12)]);
    expect(lines).toEqual([
      'accepted 4 by 4 @99 q12',
      'trade 4x2 @100 q5 left 0',
      'done 2 filled q0',
      'trade 4x1 @99 q5 left 0',
      'done 1 filled q0',
    ]);
    expect(book.depth(0, 5)).toEqual({
      bids: [{ price: 98n, qty: 5n, orders: 1 }],
      asks: [{ price: 99n, qty: 2n, orders: 1 }],
    });
  });

  it('keeps markets apart', () => {
    const { lines, book } = run([sell(1, 1, 100, 5, { market: 1 })], [buy(2, 2, 100, 5, { market: 0 })]);
    expect(lines).toEqual(['accepted 2 by 2 @100 q5']);
    expect(book.bestAsk(1)).toBe(100n);
    expect(book.bestBid(0)).toBe(100n);
    expect(events([], [buy(3, 2, 100, 5, { market: 2 })])).toEqual(['rejected 3 unknown_market']);
  });
});

describe('market orders and time in force', () => {
  it('a market order sweeps levels and expires its rest', () => {
    expect(events([sell(1, 1, 100, 2), sell(2, 1, 105, 2)], [buy(3, 2, 0, 10, MARKET)])).toEqual([
      'accepted 3 by 2 @0 q10',
      'trade 3x1 @100 q2 left 0',
      'done 1 filled q0',
      'trade 3x2 @105 q2 left 0',
      'done 2 filled q0',
      'done 3 expired q6',
    ]);
  });

  it('a market order on an empty side expires whole', () => {
    expect(events([], [sell(1, 1, 0, 5, MARKET)])).toEqual(['accepted 1 by 1 @0 q5', 'done 1 expired q5']);
  });

  it('IOC fills what it can and never rests', () => {
    const { lines, book } = run([sell(1, 1, 100, 4)], [buy(2, 2, 100, 10, IOC)]);
    expect(lines).toEqual([
      'accepted 2 by 2 @100 q10',
      'trade 2x1 @100 q4 left 0',
      'done 1 filled q0',
      'done 2 expired q6',
    ]);
    expect(book.orderCount()).toBe(0);
  });

  it('FOK at exactly the available quantity fills', () => {
    expect(events([sell(1, 1, 100, 4), sell(2, 1, 101, 6)], [buy(3, 2, 101, 10, FOK)])).toEqual([
      'accepted 3 by 2 @101 q10',
      'trade 3x1 @100 q4 left 0',
      'done 1 filled q0',
      'trade 3x2 @101 q6 left 0',
      'done 2 filled q0',
      'done 3 filled q0',
    ]);
  });

  it('FOK one lot short does nothing', () => {
    const { lines, book } = run([sell(1, 1, 100, 4), sell(2, 1, 101, 6)], [buy(3, 2, 101, 11, FOK)]);
    expect(lines).toEqual(['accepted 3 by 2 @101 q11', 'done 3 fok_unfilled q11']);
    expect(book.orderCount()).toBe(2);
  });

  it('FOK ignores liquidity beyond its limit and its own orders', () => {
    const setup = [sell(1, 2, 100, 5), sell(2, 1, 100, 5), sell(3, 1, 102, 5)];
    expect(events(setup, [buy(4, 2, 101, 10, FOK)])).toEqual(['accepted 4 by 2 @101 q10', 'done 4 fok_unfilled q10']);
  });

  it('market FOK', () => {
    expect(events([sell(1, 1, 100, 4)], [buy(2, 2, 0, 4, { type: C.TYPE_MARKET, tif: C.TIF_FOK })])).toEqual([
      'accepted 2 by 2 @0 q4',
      'trade 2x1 @100 q4 left 0',
      'done 1 filled q0',
      'done 2 filled q0',
    ]);
  });
});

describe('post-only', () => {
  it('rests when it does not cross', () => {
    expect(events([sell(1, 1, 100, 4)], [buy(2, 2, 99, 4, POST)])).toEqual(['accepted 2 by 2 @99 q4']);
  });
  it('is refused when it would cross, even at the same price', () => {
    expect(events([sell(1, 1, 100, 4)], [buy(2, 2, 100, 4, POST)])).toEqual(['rejected 2 post_only_would_cross']);
    expect(events([buy(1, 1, 100, 4)], [sell(2, 2, 90, 4, POST)])).toEqual(['rejected 2 post_only_would_cross']);
  });
  it('is only for GTC limit orders', () => {
    expect(
      events([], [buy(1, 1, 100, 4, { ...POST, tif: C.TIF_IOC }), buy(2, 1, 0, 4, { ...POST, ...MARKET })]),
    ).toEqual(['rejected 1 invalid_flags', 'rejected 2 invalid_flags']);
  });
});

describe('self-trade prevention (cancel resting)', () => {
  it('cancels the resting order of the same owner and keeps matching', () => {
    const setup = [sell(1, 7, 100, 5), sell(2, 8, 100, 5)];
    const { lines, book } = run(setup, [buy(3, 7, 100, 5)]);
    expect(lines).toEqual([
      'accepted 3 by 7 @100 q5',
      'done 1 self_trade q5',
      'trade 3x2 @100 q5 left 0',
      'done 2 filled q0',
      'done 3 filled q0',
    ]);
    expect(book.orderCount()).toBe(0);
  });
  it('an incoming order that only meets its own orders clears them and rests', () => {
    const { lines, book } = run([sell(1, 7, 100, 5)], [buy(2, 7, 100, 5)]);
    expect(lines).toEqual(['accepted 2 by 7 @100 q5', 'done 1 self_trade q5']);
    expect(book.depth(0, 5).bids).toEqual([{ price: 100n, qty: 5n, orders: 1 }]);
  });
});

describe('cancel and reduce', () => {
  it('cancels a live order', () => {
    const { lines, book } = run([buy(1, 7, 100, 10)], [cancel(1, 7)]);
    expect(lines).toEqual(['done 1 cancelled q10']);
    expect(book.orderCount()).toBe(0);
    expect(book.depth(0, 5).bids).toEqual([]);
  });
  it('refuses unknown, filled, already cancelled, foreign and wrong-market ids', () => {
    const setup = [buy(1, 7, 100, 10), sell(2, 8, 100, 10), buy(3, 7, 90, 1), cancel(3, 7), buy(4, 7, 80, 1)];
    expect(
      events(setup, [
        cancel(99, 7),
        cancel(1, 7),
        cancel(3, 7),
        cancel(4, 8),
        cancel(4, 7, { market: 1 }),
        cancel(0, 7),
      ]),
    ).toEqual([
      'rejected 99 unknown_order',
      'rejected 1 unknown_order',
      'rejected 3 unknown_order',
      'rejected 4 not_owner',
      'rejected 4 unknown_order',
      'rejected 0 invalid_id',
    ]);
  });
  it('reduce keeps time priority', () => {
    const setup = [sell(1, 1, 100, 10), sell(2, 2, 100, 10)];
    const { lines } = run(setup, [reduce(1, 1, 4), buy(3, 3, 100, 7)]);
    expect(lines).toEqual([
      'reduced 1 by 4 left 6',
      'accepted 3 by 3 @100 q7',
      'trade 3x1 @100 q6 left 0',
      'done 1 filled q0',
      'trade 3x2 @100 q1 left 9',
      'done 3 filled q0',
    ]);
  });
  it('reduce by the whole remainder or more ends the order', () => {
    expect(events([sell(1, 1, 100, 10)], [reduce(1, 1, 10)])).toEqual(['done 1 reduced_to_zero q10']);
    expect(events([sell(1, 1, 100, 10)], [reduce(1, 1, I64_MAX)])).toEqual(['done 1 reduced_to_zero q10']);
  });
  it('reduce refuses zero, negative, unknown and foreign', () => {
    expect(
      events([sell(1, 1, 100, 10)], [reduce(1, 1, 0), reduce(1, 1, -1), reduce(2, 1, 1), reduce(1, 2, 1)]),
    ).toEqual([
      'rejected 1 invalid_quantity',
      'rejected 1 invalid_quantity',
      'rejected 2 unknown_order',
      'rejected 1 not_owner',
    ]);
  });
  it('reduce updates the level total', () => {
    const { book } = run([sell(1, 1, 100, 10), sell(2, 1, 100, 5)], [reduce(1, 1, 3)]);
    expect(book.depth(0, 1).asks).toEqual([{ price: 100n, qty: 12n, orders: 2 }]);
  });
});

describe('every reject reason, in the documented order', () => {
  it('unknown command, market, id', () => {
    expect(
      events(
        [],
        [
          command({ kind: 0, id: 1n }),
          command({ kind: 9, id: 1n }),
          buy(1, 1, 1, 1, { market: 65535 }),
          buy(0, 1, 1, 1),
        ],
      ),
    ).toEqual([
      'rejected 1 unknown_command',
      'rejected 1 unknown_command',
      'rejected 1 unknown_market',
      'rejected 0 invalid_id',
    ]);
  });
  it('side, type, time in force, flags, stp', () => {
    expect(
      events(
        [],
        [
          buy(1, 1, 1, 1, { side: 2 }),
          buy(2, 1, 1, 1, { type: 4 }),
          buy(3, 1, 1, 1, { tif: 3 }),
          buy(4, 1, 0, 1, { type: C.TYPE_MARKET, tif: C.TIF_GTC }),
          buy(5, 1, 1, 1, { flags: 4 }),
          buy(6, 1, 1, 1, { stp: 4 }),
        ],
      ),
    ).toEqual([
      'rejected 1 invalid_side',
      'rejected 2 invalid_type',
      'rejected 3 invalid_tif',
      'rejected 4 invalid_tif',
      'rejected 5 invalid_flags',
      'rejected 6 invalid_stp',
    ]);
  });
  it('quantity and price: zero, negative, -1, i64 min; market orders carry no price', () => {
    expect(
      events(
        [],
        [
          buy(1, 1, 10, 0),
          buy(2, 1, 10, -1),
          buy(3, 1, 10, -(1n << 63n)),
          buy(4, 1, 0, 1),
          buy(5, 1, -1, 1),
          buy(6, 1, -(1n << 63n), 1),
          buy(7, 1, 5, 1, MARKET),
          buy(8, 1, 5, 1, { ...MARKET, price: 5n }),
          buy(9, 1, 0, 0, MARKET),
        ],
      ),
    ).toEqual([
      'rejected 1 invalid_quantity',
      'rejected 2 invalid_quantity',
      'rejected 3 invalid_quantity',
      'rejected 4 invalid_price',
      'rejected 5 invalid_price',
      'rejected 6 invalid_price',
      'accepted 7 by 1 @0 q1',
      'done 7 expired q1',
      'rejected 8 invalid_price',
      'rejected 9 invalid_quantity',
    ]);
  });
  it('duplicate live id; a finished id may be used again', () => {
    expect(events([buy(1, 1, 10, 1)], [buy(1, 2, 11, 1), sell(1, 2, 20, 1)])).toEqual([
      'rejected 1 duplicate_id',
      'rejected 1 duplicate_id',
    ]);
    expect(events([buy(1, 1, 10, 1), cancel(1, 1)], [buy(1, 2, 11, 1)])).toEqual(['accepted 1 by 2 @11 q1']);
  });
  it('capacity: a full book refuses orders that could rest, not those that cannot', () => {
    const { lines } = run(
      [buy(1, 1, 10, 1), buy(2, 1, 11, 1)],
      [buy(3, 1, 12, 1), buy(4, 1, 12, 1, IOC), sell(5, 2, 11, 1)],
      { markets: 1, maxOrders: 2 },
    );
    expect(lines).toEqual([
      'rejected 3 capacity',
      'accepted 4 by 1 @12 q1',
      'done 4 expired q1',
      'rejected 5 capacity',
    ]);
  });
});

describe('overflow is refused, never wrapped', () => {
  it('price x quantity past i64 max', () => {
    expect(
      events([], [buy(1, 1, I64_MAX, 2), buy(2, 1, 3037000500n, 3037000500n), buy(3, 1, 2, (I64_MAX >> 1n) + 1n)]),
    ).toEqual(['rejected 1 overflow', 'rejected 2 overflow', 'rejected 3 overflow']);
  });
  it('price x quantity exactly i64 max is fine', () => {
    expect(events([], [buy(1, 1, I64_MAX, 1), sell(2, 1, 1, I64_MAX), buy(3, 2, 7, I64_MAX / 7n)])).toEqual([
      'accepted 1 by 1 @9223372036854775807 q1',
      'accepted 2 by 1 @1 q9223372036854775807',
      'done 1 self_trade q1',
      'accepted 3 by 2 @7 q1317624576693539401',
      'trade 3x2 @1 q1317624576693539401 left 7905747460161236406',
      'done 3 filled q0',
    ]);
  });
  it('a level total past i64 max is refused', () => {
    const half = I64_MAX / 2n + 1n;
    const { lines, book } = run(
      [sell(1, 1, 1, half)],
      [sell(2, 2, 1, half), sell(3, 2, 1, half - 1n), sell(4, 3, 1, 1)],
    );
    expect(lines).toEqual(['rejected 2 overflow', 'accepted 3 by 2 @1 q4611686018427387903', 'rejected 4 overflow']);
    expect(book.depth(0, 1).asks).toEqual([{ price: 1n, qty: I64_MAX, orders: 2 }]);
  });
  it('a market order against an i64-max level', () => {
    expect(events([sell(1, 1, 1, I64_MAX)], [buy(2, 2, 0, I64_MAX, MARKET)])).toEqual([
      'accepted 2 by 2 @0 q9223372036854775807',
      'trade 2x1 @1 q9223372036854775807 left 0',
      'done 1 filled q0',
      'done 2 filled q0',
    ]);
  });
  it('ids and owners use all 64 bits', () => {
    const { lines, book } = run([], [buy(1, 1, 1, 1, { id: U64_MAX, owner: U64_MAX })]);
    expect(lines).toEqual([`accepted ${U64_MAX} by ${U64_MAX} @1 q1`]);
    expect(book.order(U64_MAX)?.owner).toBe(U64_MAX);
  });
});

describe('the binding refuses values the ABI cannot carry', () => {
  it('throws RangeError rather than wrapping', () => {
    const engine = Engine.create(builds.debug);
    expect(() => engine.execute([buy(1, 1, 1n << 63n, 1)])).toThrow(RangeError);
    expect(() => engine.execute([buy(1, 1, 1, 1, { id: 1n << 64n })])).toThrow(RangeError);
    expect(() => engine.execute([buy(1, 1, 1, 1, { side: 256 })])).toThrow(RangeError);
    expect(() => engine.execute([buy(1, 1, 1, 1, { market: 70000 })])).toThrow(RangeError);
    expect(() => engine.execute([buy(1, -1, 1, 1)])).toThrow(RangeError);
    expect(engine.orderCount()).toBe(0);
  });
});
