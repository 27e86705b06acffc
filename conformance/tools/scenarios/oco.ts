// Scenarios: OCO (FLAG_OCO) — one order id, two legs: a resting GTC limit and a stop (stopPrice;
// ocoPrice is the stop leg's limit, 0 for a stop-market leg). Any fill of the limit leg cancels the
// stop leg; the stop triggering cancels the limit leg. A buy OCO's stop is above its limit, a
// sell OCO's below.
// Owners: 1 alice (the OCO), 2 bob, 3 carol.
import { amend, book, buy, cancel, oco, type Scenario, sell } from '../scenario.ts';

export const ocoScenarios: Scenario[] = [
  book({
    name: 'oco-limit-fill-cancels-stop-leg',
    about:
      'A sell OCO (take profit at 110, stop at 95): a partial fill of the limit leg cancels the stop leg, so a later trade at 95 triggers nothing and the limit rests on.',
    covers: ['oco', 'trade', 'partial_fill'],
    steps: [[oco('sell', 1, 1, 110, 5, 95, 94), buy(2, 2, 95, 1)], [buy(3, 3, 110, 2)], [sell(4, 3, 95, 1)]],
    expect: [
      'accepted id=1 owner=1 price=110 qty=5 remaining=5',
      'trade taker=3 maker=1 price=110 qty=2 makerRemaining=3',
      'trade taker=4 maker=2 price=95 qty=1',
      'done:filled id=4 price=95',
    ],
  }),
  book({
    name: 'oco-trigger-cancels-limit-leg',
    about:
      'A trade at the stop price of a sell OCO triggers its stop leg: the limit leg leaves the book and the order enters as a sell limit at the OCO price.',
    covers: ['oco', 'triggered', 'trade'],
    steps: [[oco('sell', 1, 1, 110, 5, 95, 94), buy(2, 2, 95, 1), buy(3, 2, 94, 10)], [sell(4, 3, 95, 1)]],
    expect: [
      'trade taker=4 maker=2 price=95 qty=1',
      'done:filled id=4 price=95',
      'triggered id=1 owner=1 price=95 qty=5 remaining=5',
      'trade taker=1 maker=3 price=94 qty=5 makerRemaining=5',
      'done:filled id=1 price=94',
    ],
  }),
  book({
    name: 'oco-stop-market-leg',
    about:
      'A buy OCO with ocoPrice 0 has a stop-market leg: triggered, the limit leg at 90 leaves the bids and a market buy takes what it can; the rest expires.',
    covers: ['oco', 'triggered', 'market', 'expired'],
    steps: [[oco('buy', 1, 1, 90, 4, 105, 0), sell(2, 2, 105, 1), sell(3, 2, 107, 2)], [buy(4, 3, 105, 1)]],
    expect: [
      'accepted id=1 owner=1 price=90 qty=4 remaining=4',
      'trade taker=4 maker=2 price=105 qty=1',
      'triggered id=1 owner=1 price=105 qty=4 remaining=4',
      'trade taker=1 maker=3 price=107 qty=2',
      'done:filled id=3 price=107',
      'done:expired id=1 qty=2',
    ],
  }),
  book({
    name: 'oco-trades-on-entry-no-stop-leg',
    about:
      'An OCO whose limit leg trades as it enters never arms its stop: the rest of it rests as a plain limit, and a trade at the stop price triggers nothing.',
    covers: ['oco', 'trade', 'rest'],
    steps: [
      [sell(1, 2, 100, 2), oco('buy', 2, 1, 100, 5, 110, 0)],
      [sell(3, 2, 110, 1), buy(4, 3, 110, 1)],
    ],
    expect: [
      'trade taker=2 maker=1 price=100 qty=2',
      'trade taker=4 maker=3 price=110 qty=1',
      'done:filled id=4 price=110',
    ],
  }),
  book({
    name: 'oco-triggers-at-placement',
    about:
      'An OCO placed when the last trade has already passed its stop triggers at once: its limit leg rests for no time at all.',
    covers: ['oco', 'triggered', 'last_price', 'rest'],
    steps: [[sell(1, 2, 100, 1), buy(2, 3, 100, 1)], [oco('sell', 3, 1, 120, 5, 100, 98)]],
    expect: ['accepted id=3 owner=1 price=120 qty=5 remaining=5', 'triggered id=3 owner=1 price=100 qty=5 remaining=5'],
  }),
  book({
    name: 'oco-invalid',
    about:
      'An OCO is a GTC limit without iceberg display; its stop must be positive and beyond its limit (above for a buy, below for a sell), its OCO price not negative, and OCO price × qty within i64.',
    covers: ['oco', 'reject', 'invalid_stop_price', 'invalid_flags', 'overflow'],
    steps: [
      [
        oco('buy', 1, 1, 100, 1, 100, 0), // buy: stop at the limit
        oco('buy', 2, 1, 100, 1, 99, 0), // buy: stop below the limit
        oco('sell', 3, 1, 100, 1, 100, 0), // sell: stop at the limit
        oco('sell', 4, 1, 100, 1, 101, 0), // sell: stop above the limit
        oco('buy', 5, 1, 100, 1, 0, 0), // no stop
        oco('buy', 6, 1, 100, 1, 110, -1), // negative OCO price
        oco('buy', 7, 1, 100, 1, 110, 0, { tif: 'ioc' }), // not GTC
        oco('buy', 8, 1, 100, 10, 110, 0, { display: 2 }), // an iceberg
        oco('buy', 9, 1, 1, 1n << 62n, 2, 3), // 3 x 2^62 passes i64 max
        oco('buy', 10, 1, 100, 1, 101, 0), // valid
      ],
    ],
    expect: [
      'rejected:invalid_stop_price id=1',
      'rejected:invalid_stop_price id=2',
      'rejected:invalid_stop_price id=3',
      'rejected:invalid_stop_price id=4',
      'rejected:invalid_stop_price id=5',
      'rejected:invalid_stop_price id=6',
      'rejected:invalid_flags id=7',
      'rejected:invalid_flags id=8',
      'rejected:overflow id=9',
      'accepted id=10 owner=1 price=100 qty=1 remaining=1',
    ],
  }),
  book({
    name: 'oco-amend-moves-both-legs',
    about: "Amending an OCO's limit keeps its stop leg; cancelling it removes both legs.",
    covers: ['oco', 'amend', 'amended', 'cancel', 'cancelled'],
    steps: [
      [oco('buy', 1, 1, 100, 5, 110, 111), oco('buy', 2, 1, 100, 5, 110, 0)],
      [amend(1, 1, 105, 0), cancel(2, 1)],
      [sell(3, 2, 110, 1), buy(4, 3, 110, 1), sell(5, 2, 111, 10)],
    ],
    expect: [
      'amended id=1 price=105 qty=5 remaining=5',
      'done:cancelled id=2 price=100 qty=5',
      'trade taker=4 maker=3 price=110 qty=1',
      'triggered id=1 owner=1 price=110 qty=5 remaining=5',
      'trade taker=5 maker=1 price=111 qty=5',
      'done:filled id=1 price=111',
    ],
  }),
];
