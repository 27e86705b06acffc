// Unit tests of the advanced order types: amend, stops, OCO, good-till-time, icebergs and
// the self-trade prevention modes. Each runs on the WASM core (debug, release) and the reference.
import { describe, expect, it } from 'vitest';
import * as C from '../codes.ts';
import { command } from '../types.ts';
import { amend, buy, sell, cancel, reduce, run, events, IOC, FOK, I64_MAX } from './support.ts';

const STOP_LIMIT = (stopPrice: number) => ({ type: C.TYPE_STOP_LIMIT, stopPrice: BigInt(stopPrice) });
const STOP_MARKET = (stopPrice: number) => ({
  type: C.TYPE_STOP_MARKET,
  tif: C.TIF_IOC,
  price: 0n,
  stopPrice: BigInt(stopPrice),
});
const OCO = (stopPrice: number, ocoPrice = 0) => ({
  flags: C.FLAG_OCO,
  stopPrice: BigInt(stopPrice),
  ocoPrice: BigInt(ocoPrice),
});
const ICE = (display: number) => ({ display: BigInt(display) });
const GTT = (expiresAt: number, time = 0) => ({ expiresAt: BigInt(expiresAt), time: BigInt(time) });
const AT = (time: number) => ({ time: BigInt(time) });
const STP = (stp: number) => ({ stp });
/** A trade at price: sets the market's last trade price. */
const printAt = (price: number, a: number, b: number) => [sell(a, 90, price, 1), buy(b, 91, price, 1)];

describe('amend', () => {
  it('a new price sends the order to the back of the new level', () => {
    const setup = [sell(1, 1, 101, 5), sell(2, 2, 100, 5)];
    const { lines, book } = run(setup, [amend(1, 1, 100, 0), buy(3, 3, 100, 6)]);
    expect(lines).toEqual([
      'amended 1 @100 q5',
      'accepted 3 by 3 @100 q6',
      'trade 3x2 @100 q5 left 0',
      'done 2 filled q0',
      'trade 3x1 @100 q1 left 4',
      'done 3 filled q0',
    ]);
    expect(book.depth(0, 5).asks).toEqual([{ price: 100n, qty: 4n, orders: 1 }]);
  });

  it('a smaller quantity keeps priority, a larger one loses it', () => {
    const setup = [sell(1, 1, 100, 5), sell(2, 2, 100, 5)];
    expect(events(setup, [amend(1, 1, 0, 3), buy(3, 3, 100, 3)])).toEqual([
      'amended 1 @100 q3',
      'accepted 3 by 3 @100 q3',
      'trade 3x1 @100 q3 left 0',
      'done 1 filled q0',
      'done 3 filled q0',
    ]);
    expect(events(setup, [amend(1, 1, 0, 8), buy(3, 3, 100, 3)])).toEqual([
      'amended 1 @100 q8',
      'accepted 3 by 3 @100 q3',
      'trade 3x2 @100 q3 left 2',
      'done 3 filled q0',
    ]);
  });

  it('a move across the spread trades as a taker', () => {
    expect(events([sell(1, 1, 105, 5), buy(2, 2, 100, 8)], [amend(2, 2, 106, 0)])).toEqual([
      'amended 2 @106 q8',
      'trade 2x1 @105 q5 left 0',
      'done 1 filled q0',
    ]);
  });

  it('refuses a post-only move into the spread, a pending stop, bad values and foreign orders', () => {
    const setup = [
      sell(1, 1, 105, 5),
      buy(2, 2, 100, 8, { flags: C.FLAG_POST_ONLY }),
      buy(3, 2, 0, 4, STOP_MARKET(110)),
    ];
    expect(
      events(setup, [
        amend(2, 2, 105, 0),
        amend(3, 2, 0, 2),
        amend(2, 2, -1, 0),
        amend(2, 2, 0, -1),
        amend(2, 2, 0, 0),
        amend(2, 9, 101, 0),
        amend(2, 2, I64_MAX, 2),
      ]),
    ).toEqual([
      'rejected 2 post_only_would_cross',
      'rejected 3 not_amendable',
      'rejected 2 invalid_price',
      'rejected 2 invalid_quantity',
      'rejected 2 invalid_quantity',
      'rejected 2 not_owner',
      'rejected 2 overflow',
    ]);
  });
});

describe('stop orders', () => {
  it('a buy stop-limit triggers when the last trade reaches its stop', () => {
    const setup = [buy(1, 1, 0, 5, { ...STOP_LIMIT(105), price: 106n }), sell(2, 2, 104, 1), sell(3, 2, 105, 10)];
    const { lines, book } = run(setup, [buy(4, 3, 104, 1), buy(5, 3, 105, 1)]);
    expect(lines).toEqual([
      'accepted 4 by 3 @104 q1',
      'trade 4x2 @104 q1 left 0',
      'done 2 filled q0',
      'done 4 filled q0',
      'accepted 5 by 3 @105 q1',
      'trade 5x3 @105 q1 left 9',
      'done 5 filled q0',
      'triggered 1 at 105 q5',
      'trade 1x3 @105 q5 left 4',
      'done 1 filled q0',
    ]);
    expect(book.order(1n)).toBeNull();
  });

  it('a sell stop-market triggers on a fall and expires what it cannot fill', () => {
    const setup = [sell(1, 1, 0, 5, STOP_MARKET(99)), buy(2, 2, 99, 2)];
    expect(events(setup, [sell(3, 3, 99, 1)])).toEqual([
      'accepted 3 by 3 @99 q1',
      'trade 3x2 @99 q1 left 1',
      'done 3 filled q0',
      'triggered 1 at 99 q5',
      'trade 1x2 @99 q1 left 0',
      'done 2 filled q0',
      'done 1 expired q4',
    ]);
  });

  it('waits as a pending order that can be reduced and cancelled, not amended', () => {
    const { lines, book } = run([buy(1, 1, 0, 5, STOP_MARKET(200))], [reduce(1, 1, 2)]);
    expect(lines).toEqual(['reduced 1 by 2 left 3']);
    expect(book.order(1n)).toMatchObject({ remaining: 3n, visible: 0n, pending: true });
    expect(book.depth(0, 5)).toEqual({ bids: [], asks: [] });
    expect(events([buy(1, 1, 0, 5, STOP_MARKET(200))], [cancel(1, 1)])).toEqual(['done 1 cancelled q5']);
  });

  it('triggers at once when the last trade has already reached it', () => {
    const setup = [...printAt(100, 1, 2), sell(3, 3, 101, 5)];
    expect(events(setup, [buy(4, 4, 0, 2, STOP_MARKET(100))])).toEqual([
      'accepted 4 by 4 @0 q2',
      'triggered 4 at 100 q2',
      'trade 4x3 @101 q2 left 3',
      'done 4 filled q0',
    ]);
  });

  it('a cascade triggers buy stops lowest first, then by arrival, each after the last finished', () => {
    const setup = [
      sell(1, 9, 100, 1),
      sell(2, 9, 101, 1),
      sell(3, 9, 102, 1),
      sell(4, 9, 103, 1),
      buy(10, 1, 0, 1, STOP_MARKET(102)),
      buy(11, 2, 0, 1, STOP_MARKET(101)),
      buy(12, 3, 0, 1, STOP_MARKET(101)),
    ];
    expect(events(setup, [buy(5, 5, 100, 1)])).toEqual([
      'accepted 5 by 5 @100 q1',
      'trade 5x1 @100 q1 left 0',
      'done 1 filled q0',
      'done 5 filled q0',
      // last 100: nothing yet
    ]);
    expect(events(setup, [buy(5, 5, 101, 2)])).toEqual([
      'accepted 5 by 5 @101 q2',
      'trade 5x1 @100 q1 left 0',
      'done 1 filled q0',
      'trade 5x2 @101 q1 left 0',
      'done 2 filled q0',
      'done 5 filled q0',
      // stops at 101 first (11 before 12: arrival), then 102, each once the one before is done
      'triggered 11 at 101 q1',
      'trade 11x3 @102 q1 left 0',
      'done 3 filled q0',
      'done 11 filled q0',
      'triggered 12 at 101 q1',
      'trade 12x4 @103 q1 left 0',
      'done 4 filled q0',
      'done 12 filled q0',
      'triggered 10 at 102 q1',
      'done 10 expired q1',
    ]);
  });

  it('refuses bad stop prices and shapes', () => {
    expect(
      events(
        [],
        [
          buy(1, 1, 0, 5, { type: C.TYPE_STOP_MARKET, tif: C.TIF_IOC, stopPrice: 0n }),
          buy(2, 1, 10, 5, { stopPrice: 7n }),
          buy(3, 1, 0, 5, { type: C.TYPE_STOP_MARKET, tif: C.TIF_GTC, stopPrice: 5n }),
          buy(4, 1, 0, 5, { ...STOP_MARKET(5), flags: C.FLAG_POST_ONLY }),
          buy(5, 1, 0, 5, { ...STOP_MARKET(5), display: 2n }),
        ],
      ),
    ).toEqual([
      'rejected 1 invalid_stop_price',
      'rejected 2 invalid_stop_price',
      'rejected 3 invalid_tif',
      'rejected 4 invalid_flags',
      'rejected 5 invalid_display',
    ]);
  });
});

describe('OCO', () => {
  it('a fill of the limit leg cancels the stop leg', () => {
    const setup = [sell(1, 1, 100, 5, OCO(90)), buy(2, 2, 100, 2)];
    // the stop at 90 would now trigger on a print at 90, but it is gone
    const { lines, book } = run(setup, [...printAt(90, 3, 4)]);
    expect(lines).toEqual([
      'accepted 3 by 90 @90 q1',
      'accepted 4 by 91 @90 q1',
      'trade 4x3 @90 q1 left 0',
      'done 3 filled q0',
      'done 4 filled q0',
    ]);
    expect(book.order(1n)).toMatchObject({ remaining: 3n, pending: false });
  });

  it('a trigger of the stop leg cancels the limit leg', () => {
    const setup = [sell(1, 1, 110, 5, OCO(95, 94)), buy(5, 6, 94, 2)];
    const { lines, book } = run(setup, [...printAt(95, 3, 4)]);
    expect(lines).toEqual([
      'accepted 3 by 90 @95 q1',
      'accepted 4 by 91 @95 q1',
      'trade 4x3 @95 q1 left 0',
      'done 3 filled q0',
      'done 4 filled q0',
      'triggered 1 at 95 q5',
      'trade 1x5 @94 q2 left 0',
      'done 5 filled q0',
    ]);
    expect(book.depth(0, 5).asks).toEqual([{ price: 94n, qty: 3n, orders: 1 }]);
  });

  it('refuses a stop on the wrong side of the limit, and OCO outside GTC limits', () => {
    expect(
      events(
        [],
        [
          sell(1, 1, 100, 5, OCO(100)),
          buy(2, 1, 100, 5, OCO(99)),
          buy(3, 1, 100, 5, { ...OCO(101), tif: C.TIF_IOC }),
          buy(4, 1, 100, 5, { ...OCO(101), display: 1n }),
          buy(5, 1, 100, 5, OCO(101, -1)),
        ],
      ),
    ).toEqual([
      'rejected 1 invalid_stop_price',
      'rejected 2 invalid_stop_price',
      'rejected 3 invalid_flags',
      'rejected 4 invalid_flags',
      'rejected 5 invalid_stop_price',
    ]);
  });
});

describe('good-till-time', () => {
  it('expires at the first command whose time reaches it, whatever that command is', () => {
    const setup = [buy(1, 1, 100, 5, GTT(50, 10)), buy(2, 1, 99, 5, GTT(40, 10)), buy(3, 1, 98, 5)];
    const { lines, book } = run(setup, [command({ kind: 9, id: 7n, ...AT(45) }), cancel(9, 9, AT(60))]);
    expect(lines).toEqual([
      'done 2 time_expired q5',
      'rejected 7 unknown_command',
      'done 1 time_expired q5',
      'rejected 9 unknown_order',
    ]);
    expect(book.orderCount()).toBe(1);
  });

  it('expires several at once by time, then id, across markets', () => {
    const setup = [
      buy(3, 1, 100, 5, GTT(50, 1)),
      buy(2, 1, 99, 5, { ...GTT(50, 1), market: 1 }),
      buy(1, 1, 98, 5, GTT(60, 1)),
    ];
    expect(events(setup, [buy(9, 2, 1, 1, AT(100))])).toEqual([
      'done 2 time_expired q5',
      'done 3 time_expired q5',
      'done 1 time_expired q5',
      'accepted 9 by 2 @1 q1',
    ]);
  });

  it('refuses an expiry already past, a negative one, and one on an IOC', () => {
    expect(
      events(
        [],
        [buy(1, 1, 100, 5, GTT(10, 10)), buy(2, 1, 100, 5, GTT(-1)), buy(3, 1, 100, 5, { ...GTT(10), ...IOC })],
      ),
    ).toEqual(['rejected 1 invalid_expiry', 'rejected 2 invalid_expiry', 'rejected 3 invalid_expiry']);
  });
});

describe('iceberg', () => {
  it('shows only its display and refills at the back of the level', () => {
    const setup = [sell(1, 1, 100, 10, ICE(3)), sell(2, 2, 100, 4)];
    const { lines, book } = run(setup, [buy(3, 3, 100, 5)]);
    expect(lines).toEqual([
      'accepted 3 by 3 @100 q5',
      'trade 3x1 @100 q3 left 7',
      'refilled 1 @100 q3 left 7',
      'trade 3x2 @100 q2 left 2',
      'done 3 filled q0',
    ]);
    expect(book.depth(0, 1).asks).toEqual([{ price: 100n, qty: 5n, orders: 2 }]);
    expect(book.order(1n)).toMatchObject({ remaining: 7n, visible: 3n });
  });

  it('reduce takes the hidden part first; FOK counts hidden quantity', () => {
    const { lines, book } = run([sell(1, 1, 100, 10, ICE(3))], [reduce(1, 1, 6), buy(2, 2, 100, 4, FOK)]);
    expect(lines).toEqual([
      'reduced 1 by 6 left 4',
      'accepted 2 by 2 @100 q4',
      'trade 2x1 @100 q3 left 1',
      'refilled 1 @100 q1 left 1',
      'trade 2x1 @100 q1 left 0',
      'done 1 filled q0',
      'done 2 filled q0',
    ]);
    expect(book.orderCount()).toBe(0);
  });

  it('refuses a display above the quantity, more than 100 parts, and on non-GTC', () => {
    expect(
      events(
        [],
        [
          sell(1, 1, 100, 10, ICE(11)),
          sell(2, 1, 100, 1001, ICE(10)),
          sell(3, 1, 100, 1000, ICE(10)),
          sell(4, 1, 100, 10, { ...ICE(3), ...IOC }),
        ],
      ),
    ).toEqual([
      'rejected 1 invalid_display',
      'rejected 2 invalid_display',
      'accepted 3 by 1 @100 q1000',
      'rejected 4 invalid_display',
    ]);
  });
});

describe('self-trade prevention modes', () => {
  const setup = [sell(1, 7, 100, 5), sell(2, 8, 100, 5)];
  it('cancel incoming: the taker ends, the resting order stays', () => {
    expect(events(setup, [buy(3, 7, 100, 4, STP(C.STP_CANCEL_INCOMING))])).toEqual([
      'accepted 3 by 7 @100 q4',
      'done 3 self_trade q4',
    ]);
  });
  it('cancel both', () => {
    expect(events(setup, [buy(3, 7, 100, 4, STP(C.STP_CANCEL_BOTH))])).toEqual([
      'accepted 3 by 7 @100 q4',
      'done 1 self_trade q5',
      'done 3 self_trade q4',
    ]);
  });
  it('decrement: the larger resting order shrinks, the taker ends', () => {
    expect(events(setup, [buy(3, 7, 100, 4, STP(C.STP_DECREMENT))])).toEqual([
      'accepted 3 by 7 @100 q4',
      'reduced 1 by 4 left 1',
      'done 3 self_trade q4',
    ]);
  });
  it('decrement: the smaller resting order ends, the taker shrinks and goes on', () => {
    expect(events(setup, [buy(3, 7, 100, 7, STP(C.STP_DECREMENT))])).toEqual([
      'accepted 3 by 7 @100 q7',
      'done 1 self_trade q5',
      'reduced 3 by 5 left 2',
      'trade 3x2 @100 q2 left 3',
      'done 3 filled q0',
    ]);
  });
  it('FOK takes only cancel resting; unknown modes are refused', () => {
    expect(events([], [buy(1, 1, 100, 1, { ...FOK, stp: C.STP_DECREMENT }), buy(2, 1, 100, 1, STP(4))])).toEqual([
      'rejected 1 invalid_stp',
      'rejected 2 invalid_stp',
    ]);
  });
});
