// Scenarios: extreme values (i64/u64 limits, notional at the edge), several markets, and
// books that start from a committed snapshot.
// Owners: 1 alice, 2 bob, 3 carol.
import { book, buy, cancel, I64_MAX, market, reduce, sell, U64_MAX, type Scenario } from '../scenario.ts';

export const extremesAndMarkets: Scenario[] = [
  book({
    name: 'extreme-max-price',
    about: 'A limit at price i64 max for one lot rests and trades at that price.',
    covers: ['extreme', 'limit', 'trade'],
    steps: [[buy(1, 1, I64_MAX, 1)], [sell(2, 2, I64_MAX, 1)]],
    expect: [
      'accepted id=1 owner=1 price=9223372036854775807 qty=1 remaining=1',
      'trade taker=2 maker=1 price=9223372036854775807 qty=1',
    ],
  }),
  book({
    name: 'extreme-max-quantity',
    about: 'A quantity of i64 max at price 1 rests; a market order takes part of it; the level total stays exact.',
    covers: ['extreme', 'level_total', 'market', 'partial_fill'],
    steps: [[sell(1, 1, 1, I64_MAX)], [market('buy', 2, 2, I64_MAX - 5n), buy(3, 2, 1, 2)]],
    expect: [
      'trade taker=2 maker=1 price=1 qty=9223372036854775802 makerRemaining=5',
      'trade taker=3 maker=1 price=1 qty=2 makerRemaining=3',
    ],
  }),
  book({
    name: 'extreme-market-order-huge',
    about:
      'A market order for i64 max lots sweeps every level (no notional check: it has no price) and expires the rest.',
    covers: ['extreme', 'market', 'sweep', 'expired'],
    steps: [[sell(1, 1, 100, 3), sell(2, 3, 4611686018427387903n, 2)], [market('buy', 3, 2, I64_MAX)]],
    expect: [
      'trade taker=3 maker=1 price=100 qty=3',
      'trade taker=3 maker=2 price=4611686018427387903 qty=2',
      'done:expired id=3 qty=9223372036854775802',
    ],
  }),
  book({
    name: 'extreme-fok-huge-levels',
    about:
      'A market FOK for i64 max lots counts liquidity across levels whose totals sum past i64 max exactly, never wrapped: it fills; one more FOK finds too little.',
    covers: ['extreme', 'fok', 'market', 'sweep', 'level_total', 'fok_unfilled'],
    steps: [
      [sell(1, 1, 1, I64_MAX - 10n), sell(2, 3, 2, 4611686018427387903n)],
      [market('buy', 3, 2, I64_MAX, { tif: 'fok' })],
      [market('buy', 4, 2, I64_MAX, { tif: 'fok' })],
    ],
    expect: [
      'trade taker=3 maker=1 price=1 qty=9223372036854775797',
      'trade taker=3 maker=2 price=2 qty=10 makerRemaining=4611686018427387893',
      'done:filled id=3',
      'done:fok_unfilled id=4 qty=9223372036854775807',
    ],
  }),
  book({
    name: 'extreme-ids-and-owners',
    about: 'Ids and owners use the whole u64 range: id u64 max, owner u64 max and owner 0 are ordinary.',
    covers: ['extreme', 'id', 'owner', 'cancel', 'reduce'],
    steps: [
      [buy(U64_MAX, U64_MAX, 100, 5), sell(U64_MAX - 1n, 0, 101, 5), buy(1n << 63n, 0, 99, 1)],
      [reduce(U64_MAX, U64_MAX, 2), cancel(U64_MAX - 1n, 0), sell(7, U64_MAX, 99, 4)],
    ],
    expect: [
      'accepted id=18446744073709551615 owner=18446744073709551615 price=100 qty=5 remaining=5',
      'reduced id=18446744073709551615 price=100 qty=2 remaining=3',
      'done:cancelled id=18446744073709551614 price=101 qty=5',
      'done:self_trade id=18446744073709551615 price=100 qty=3',
      'trade taker=7 maker=9223372036854775808 price=99 qty=1',
    ],
  }),
  book({
    name: 'extreme-price-one-sweeps-all',
    about: 'A sell at price 1 crosses every bid; the sweep walks all levels best first.',
    covers: ['extreme', 'sweep', 'price_priority'],
    steps: [[buy(1, 1, 1, 1), buy(2, 1, I64_MAX, 1), buy(3, 1, 1000, 1), buy(4, 1, 2, 1)], [sell(5, 2, 1, 10)]],
    expect: [
      'trade taker=5 maker=2 price=9223372036854775807 qty=1',
      'trade taker=5 maker=3 price=1000 qty=1',
      'trade taker=5 maker=4 price=2 qty=1',
      'trade taker=5 maker=1 price=1 qty=1',
    ],
  }),
  book({
    name: 'many-levels-depth',
    about: 'Forty price levels a side, built out of order, report in best-first order with the right totals.',
    covers: ['depth', 'price_priority', 'level_total'],
    steps: [
      Array.from({ length: 40 }, (_, i) => buy(1 + i, 1 + (i % 3), 1000 - ((i * 17) % 40), 1 + (i % 5))),
      Array.from({ length: 40 }, (_, i) => sell(101 + i, 1 + (i % 3), 1001 + ((i * 23) % 40), 1 + (i % 7))),
    ],
    expect: ['accepted id=140 owner=1 price=1018 qty=5 remaining=5'],
  }),
  book({
    name: 'markets-independent-books',
    about:
      'Each market has its own book: crossing prices in different markets do not trade, nor does self-trade prevention reach across.',
    covers: ['markets', 'rest', 'self_trade'],
    markets: 3,
    steps: [
      [buy(1, 1, 100, 5, { market: 0 }), sell(2, 2, 90, 5, { market: 1 }), sell(3, 1, 90, 5, { market: 2 })],
      [sell(4, 2, 100, 2, { market: 0 })],
    ],
    expect: [
      'accepted market=1 id=2 owner=2 price=90 qty=5 remaining=5',
      'accepted market=2 id=3 owner=1 price=90 qty=5 remaining=5',
      'trade taker=4 maker=1 price=100 qty=2 makerRemaining=3',
    ],
  }),
  book({
    name: 'markets-cancel-wrong-market',
    about: 'Cancel and reduce name the market: naming another market finds no such order there.',
    covers: ['markets', 'cancel', 'reduce', 'unknown_order'],
    markets: 2,
    steps: [
      [sell(1, 1, 100, 5, { market: 1 })],
      [cancel(1, 1, 0), reduce(1, 1, 1, 0), reduce(1, 1, 1, 1), cancel(1, 1, 1)],
    ],
    expect: [
      'rejected:unknown_order id=1',
      'rejected:unknown_order id=1',
      'reduced market=1 id=1 price=100 qty=1 remaining=4',
      'done:cancelled market=1 id=1 price=100 qty=4',
    ],
  }),
  book({
    name: 'markets-interleaved-trading',
    about: "Interleaved commands on four markets produce each market's events in command order.",
    covers: ['markets', 'trade', 'batch'],
    markets: 4,
    steps: [
      [0, 1, 2, 3].flatMap((m) => [
        sell(10 * m + 1, 1, 100 + m, 5, { market: m }),
        buy(10 * m + 2, 2, 99 - m, 5, { market: m }),
      ]),
      [3, 2, 1, 0].map((m) => buy(10 * m + 3, 3, 100 + m, 2 + m, { market: m })),
      [0, 1, 2, 3].map((m) => market('sell', 10 * m + 4, 1, 3, { market: m })),
    ],
    expect: [
      'trade market=3 taker=33 maker=31 price=103 qty=5',
      'trade taker=4 maker=2 price=99 qty=3 makerRemaining=2',
    ],
  }),
  book({
    name: 'markets-max-index',
    about: 'A book with many markets: the last market index works like the first.',
    covers: ['markets', 'extreme'],
    markets: 300,
    steps: [
      [buy(1, 1, 100, 5, { market: 299 }), sell(2, 2, 100, 2, { market: 299 }), buy(3, 1, 100, 5, { market: 300 })],
    ],
    expect: [
      'trade market=299 taker=2 maker=1 price=100 qty=2 makerRemaining=3',
      'rejected:unknown_market market=300 id=3',
    ],
  }),
  book({
    name: 'snapshot-start-resting',
    about:
      'Starting from a committed snapshot (1000 generated commands, resting mix: icebergs and pending stops among its orders), further orders trade against the restored book.',
    covers: ['snapshot', 'restore', 'markets', 'trade', 'iceberg', 'refilled'],
    markets: 2,
    start: { mix: 'resting', seed: 11, count: 1000 },
    steps: [
      [market('buy', 1_000_001, 999, 1500), market('sell', 1_000_002, 999, 1500, { market: 1 })],
      [buy(1_000_003, 999, 10_090, 600), sell(1_000_004, 999, 9_900, 100, { market: 1 })],
    ],
    expect: [
      'accepted id=1000001 owner=999 qty=1500 remaining=1500',
      'trade taker=1000001 maker=614 price=10025 qty=231 makerRemaining=121',
      'refilled id=614 price=10025 qty=121 remaining=121',
      'trade taker=1000001 maker=623 price=10065 qty=458 makerRemaining=509',
      'done:filled id=1000001',
      'trade market=1 taker=1000002 maker=502 price=9982 qty=650',
      'trade market=1 taker=1000002 maker=596 price=9972 qty=784 makerRemaining=11',
      'refilled id=623 price=10065 qty=295 remaining=295',
      'trade taker=1000003 maker=431 price=10073 qty=91 makerRemaining=283',
      'trade market=1 taker=1000004 maker=219 price=9971 qty=89 makerRemaining=178',
    ],
  }),
  book({
    name: 'snapshot-start-crossing',
    about:
      'Starting from a committed snapshot of a crossing-heavy stream; cancels and reduces of restored orders work, a pending stop among them.',
    covers: ['snapshot', 'restore', 'cancel', 'reduce', 'stop_limit'],
    markets: 2,
    start: { mix: 'crossing', seed: 5, count: 3000 },
    steps: [
      [
        reduce(1998, 4, 5),
        cancel(1871, 1),
        reduce(1881, 3, 100, 1),
        cancel(1953, 1),
        cancel(1934, 1, 1),
        sell(1_000_001, 7, 9_980, 40),
      ],
    ],
    expect: [
      'reduced id=1998 price=9986 qty=5 remaining=22',
      'done:cancelled id=1871 price=9988 qty=16',
      'done:reduced_to_zero market=1 id=1881 price=9989 qty=3',
      'rejected:not_owner id=1953',
      'done:cancelled market=1 id=1934 price=10001 qty=33',
      'accepted id=1000001 owner=7 price=9980 qty=40 remaining=40',
      'trade taker=1000001 maker=1953 price=10005 qty=16',
      'trade taker=1000001 maker=1973 price=9986 qty=24',
      'done:filled id=1000001 price=9980',
    ],
  }),
];
