// Scenarios: stop-limit and stop-market orders. A stop waits (pending, not in depth) until the
// market's last trade price reaches its stop price — buy stops when last >= stop, sell stops
// when last <= stop — then enters as a limit (stop-limit) or market (stop-market) order with its
// time in force. Several at once: buy stops first by lowest stop then arrival, then sell stops by
// highest stop then arrival, one at a time, re-checked after each.
// Owners: 1 alice (makers), 2 bob, 3 carol.
import { book, buy, I64_MAX, raw, type Scenario, sell, stopLimit, stopMarket } from '../scenario.ts';

export const stopScenarios: Scenario[] = [
  book({
    name: 'stop-limit-buy-triggers',
    about:
      'A buy stop-limit waits outside the book; a trade at its stop price triggers it and it trades at its limit. A stop further away keeps waiting.',
    covers: ['stop_limit', 'triggered', 'pending', 'buy'],
    steps: [
      [
        sell(1, 1, 100, 2),
        sell(2, 1, 105, 10),
        stopLimit('buy', 3, 2, 100, 106, 4),
        stopLimit('buy', 4, 2, 106, 110, 1),
      ],
      [buy(5, 3, 100, 2)],
    ],
    expect: [
      'accepted id=3 owner=2 price=106 qty=4 remaining=4',
      'trade taker=5 maker=1 price=100 qty=2',
      'done:filled id=1 price=100',
      'done:filled id=5 price=100',
      'triggered id=3 owner=2 price=100 qty=4 remaining=4',
      'trade taker=3 maker=2 price=105 qty=4 makerRemaining=6',
      'done:filled id=3 price=106',
    ],
  }),
  book({
    name: 'stop-limit-sell-triggers-and-rests',
    about:
      'A sell stop-limit triggered by a trade at its stop price enters as a GTC limit and, with nothing to take, rests at its limit.',
    covers: ['stop_limit', 'triggered', 'sell', 'rest'],
    steps: [[buy(1, 1, 100, 3), stopLimit('sell', 2, 2, 100, 99, 5)], [sell(3, 3, 100, 3)]],
    expect: [
      'trade taker=3 maker=1 price=100 qty=3',
      'done:filled id=3 price=100',
      'triggered id=2 owner=2 price=100 qty=5 remaining=5',
    ],
  }),
  book({
    name: 'stop-market-buy-triggers',
    about: 'A buy stop-market triggered by a trade at its stop price sweeps the asks as a market order.',
    covers: ['stop_market', 'triggered', 'market', 'buy'],
    steps: [[sell(1, 1, 100, 1), sell(2, 1, 101, 5), stopMarket('buy', 3, 2, 100, 3)], [buy(4, 3, 100, 1)]],
    expect: [
      'trade taker=4 maker=1 price=100 qty=1',
      'triggered id=3 owner=2 price=100 qty=3 remaining=3',
      'trade taker=3 maker=2 price=101 qty=3 makerRemaining=2',
      'done:filled id=3',
    ],
  }),
  book({
    name: 'stop-market-sell-triggers',
    about:
      'A sell stop-market triggered by a trade at its stop price takes what the bids hold and the rest expires (IOC).',
    covers: ['stop_market', 'triggered', 'market', 'sell', 'expired'],
    steps: [[buy(1, 1, 100, 1), buy(2, 1, 98, 2), stopMarket('sell', 3, 2, 100, 5)], [sell(4, 3, 100, 1)]],
    expect: [
      'trade taker=4 maker=1 price=100 qty=1',
      'triggered id=3 owner=2 price=100 qty=5 remaining=5',
      'trade taker=3 maker=2 price=98 qty=2',
      'done:expired id=3 qty=3',
    ],
  }),
  book({
    name: 'stop-triggers-at-placement',
    about:
      'A stop whose stop price the last trade has already reached triggers as soon as it is placed, in the same command: a buy stop below the last price, a sell stop at it.',
    covers: ['stop_limit', 'stop_market', 'triggered', 'last_price'],
    steps: [
      [sell(1, 1, 100, 1), buy(2, 2, 100, 1)],
      [sell(3, 1, 101, 5), stopLimit('buy', 4, 3, 99, 101, 2), stopMarket('sell', 5, 3, 101, 1)],
    ],
    expect: [
      'trade taker=2 maker=1 price=100 qty=1',
      'accepted id=4 owner=3 price=101 qty=2 remaining=2',
      'triggered id=4 owner=3 price=99 qty=2 remaining=2',
      'trade taker=4 maker=3 price=101 qty=2 makerRemaining=3',
      'done:filled id=4 price=101',
      'accepted id=5 owner=3 qty=1 remaining=1',
      'triggered id=5 owner=3 price=101 qty=1 remaining=1',
      'done:expired id=5 qty=1',
    ],
  }),
  book({
    name: 'stop-cascade-order',
    about:
      'One trade triggers a cascade: buy stops first, lowest stop first and by arrival at equal stops (11, 10, 12), one that the cascade itself reaches (13), then sell stops, highest stop first and by arrival (16, 14, 15, 18); the buy stop at 104 is never reached.',
    covers: ['stop_market', 'triggered', 'cascade', 'stop_order'],
    steps: [
      [
        sell(1, 1, 100, 1),
        sell(2, 1, 101, 1),
        sell(3, 1, 102, 1),
        sell(4, 1, 103, 5),
        buy(5, 1, 95, 2),
        buy(6, 1, 94, 5),
        stopMarket('buy', 10, 2, 101, 1),
        stopMarket('buy', 11, 2, 100, 1),
        stopMarket('buy', 12, 2, 101, 1),
        stopMarket('buy', 13, 2, 103, 1),
        stopMarket('sell', 14, 3, 103, 1),
        stopMarket('sell', 15, 3, 103, 1),
        stopMarket('sell', 16, 3, 104, 1),
        stopMarket('buy', 17, 2, 104, 1),
        stopMarket('sell', 18, 3, 96, 1),
      ],
      [buy(20, 3, 100, 1)],
    ],
    expect: [
      'trade taker=20 maker=1 price=100 qty=1',
      'done:filled id=20 price=100',
      'triggered id=11 owner=2 price=100 qty=1 remaining=1',
      'trade taker=11 maker=2 price=101 qty=1',
      'triggered id=10 owner=2 price=101 qty=1 remaining=1',
      'trade taker=10 maker=3 price=102 qty=1',
      'triggered id=12 owner=2 price=101 qty=1 remaining=1',
      'trade taker=12 maker=4 price=103 qty=1 makerRemaining=4',
      'triggered id=13 owner=2 price=103 qty=1 remaining=1',
      'trade taker=13 maker=4 price=103 qty=1 makerRemaining=3',
      'triggered id=16 owner=3 price=104 qty=1 remaining=1',
      'trade taker=16 maker=5 price=95 qty=1 makerRemaining=1',
      'triggered id=14 owner=3 price=103 qty=1 remaining=1',
      'trade taker=14 maker=5 price=95 qty=1',
      'triggered id=15 owner=3 price=103 qty=1 remaining=1',
      'trade taker=15 maker=6 price=94 qty=1 makerRemaining=4',
      'triggered id=18 owner=3 price=96 qty=1 remaining=1',
      'trade taker=18 maker=6 price=94 qty=1 makerRemaining=3',
      'done:filled id=18',
    ],
  }),
  book({
    name: 'stop-fok-ioc-after-trigger',
    about:
      'A triggered stop keeps its time in force: a FOK stop-limit that cannot fill ends fok_unfilled, an IOC one trades and expires the rest, a FOK stop-market that can fill does.',
    covers: ['stop_limit', 'stop_market', 'triggered', 'fok', 'ioc', 'fok_unfilled', 'expired'],
    steps: [
      [
        sell(1, 1, 100, 1),
        sell(2, 1, 102, 3),
        sell(3, 1, 105, 1),
        stopLimit('buy', 4, 2, 100, 102, 5, { tif: 'fok' }),
        stopLimit('buy', 5, 2, 100, 102, 4, { tif: 'ioc' }),
        stopMarket('buy', 6, 2, 102, 1, { tif: 'fok' }),
      ],
      [buy(7, 3, 100, 1)],
    ],
    expect: [
      'trade taker=7 maker=1 price=100 qty=1',
      'done:filled id=7 price=100',
      'triggered id=4 owner=2 price=100 qty=5 remaining=5',
      'done:fok_unfilled id=4 price=102 qty=5',
      'triggered id=5 owner=2 price=100 qty=4 remaining=4',
      'trade taker=5 maker=2 price=102 qty=3',
      'done:filled id=2 price=102',
      'done:expired id=5 price=102 qty=1',
      'triggered id=6 owner=2 price=102 qty=1 remaining=1',
      'trade taker=6 maker=3 price=105 qty=1',
      'done:filled id=3 price=105',
      'done:filled id=6',
    ],
  }),
  book({
    name: 'stop-counts-toward-capacity',
    about:
      'A pending stop is a live order: with maxOrders 2, a resting limit and a stop fill the book and a third GTC order is refused; once triggered and filled, the stop frees its room.',
    covers: ['stop_limit', 'capacity', 'reject', 'triggered'],
    maxOrders: 2,
    steps: [
      [sell(1, 1, 100, 5), stopLimit('buy', 2, 2, 100, 100, 2)],
      [buy(3, 3, 90, 1), stopMarket('sell', 4, 3, 90, 1), buy(5, 3, 100, 1, { tif: 'ioc' })],
      [buy(6, 3, 90, 1)],
    ],
    expect: [
      'rejected:capacity id=3',
      'rejected:capacity id=4',
      'trade taker=5 maker=1 price=100 qty=1 makerRemaining=4',
      'triggered id=2 owner=2 price=100 qty=2 remaining=2',
      'trade taker=2 maker=1 price=100 qty=2 makerRemaining=2',
      'done:filled id=2 price=100',
      'accepted id=6 owner=3 price=90 qty=1 remaining=1',
    ],
  }),
  book({
    name: 'stop-trigger-refused-by-level-total',
    about:
      "A stop-limit is checked against its level's total only when it triggers: if resting there would pass i64 max, the triggered order is rejected (overflow) and is gone.",
    covers: ['stop_limit', 'triggered', 'overflow', 'reject', 'level_total', 'extreme'],
    steps: [
      [buy(1, 1, 1, I64_MAX - 5n), stopLimit('buy', 2, 2, 50, 1, 10)],
      [sell(3, 1, 50, 1), buy(4, 3, 50, 1)],
    ],
    expect: [
      'accepted id=2 owner=2 price=1 qty=10 remaining=10',
      'trade taker=4 maker=3 price=50 qty=1',
      'triggered id=2 owner=2 price=50 qty=10 remaining=10',
      'rejected:overflow id=2',
    ],
  }),
  book({
    name: 'stop-rejects',
    about:
      'A stop needs a positive stop price; other orders may not carry one, nor an OCO price; a stop-market needs IOC or FOK; stops take no post-only, OCO or iceberg display.',
    covers: [
      'stop_limit',
      'stop_market',
      'reject',
      'invalid_stop_price',
      'invalid_tif',
      'invalid_flags',
      'invalid_display',
      'invalid_price',
    ],
    steps: [
      [
        stopLimit('buy', 1, 1, 0, 100, 1), // no stop price
        stopMarket('sell', 2, 1, -5, 1), // negative stop price
        buy(3, 1, 100, 1, { stopPrice: 99 }), // a plain limit with a stop price
        buy(4, 1, 100, 1, { ocoPrice: 99 }), // an OCO price without the OCO flag
        stopMarket('buy', 5, 1, 100, 1, { tif: 'gtc' }), // a stop-market could rest
        stopLimit('buy', 6, 1, 100, 100, 1, { postOnly: true }), // post-only is for GTC limits only
        stopLimit('buy', 7, 1, 100, 100, 1, { flags: ['oco'] }), // so is OCO
        stopLimit('buy', 8, 1, 100, 100, 10, { display: 2 }), // and an iceberg display
        stopLimit('buy', 9, 1, 100, 0, 1), // a stop-limit needs a limit price
        raw({ ...stopMarket('buy', 10, 1, 100, 1), price: '100' }), // a stop-market has none
        stopLimit('buy', 11, 1, 0, I64_MAX, 2), // overflow is checked before the stop price
      ],
    ],
    expect: [
      'rejected:invalid_stop_price id=1',
      'rejected:invalid_stop_price id=2',
      'rejected:invalid_stop_price id=3',
      'rejected:invalid_stop_price id=4',
      'rejected:invalid_tif id=5',
      'rejected:invalid_flags id=6',
      'rejected:invalid_flags id=7',
      'rejected:invalid_display id=8',
      'rejected:invalid_price id=9',
      'rejected:invalid_price id=10',
      'rejected:overflow id=11',
    ],
  }),
];
