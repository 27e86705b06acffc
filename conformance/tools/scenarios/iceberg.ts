// Scenarios: icebergs (display). A GTC limit with display > 0 shows at most `display` lots in
// depth; when the shown slice is taken, the next slice is shown at the back of the level
// (event refilled). Reduce takes the hidden part first; FOK counts hidden quantity. An iceberg
// is at most MAX_ICEBERG_PARTS (100) slices.
// Owners: 1 alice (icebergs), 2 bob, 3 carol.
import { amend, book, buy, market, reduce, type Scenario, sell } from '../scenario.ts';

export const icebergScenarios: Scenario[] = [
  book({
    name: 'iceberg-depth-shows-display',
    about:
      "Depth counts only an iceberg's shown slice; order() reports its whole remaining and the visible part. An iceberg that trades as it enters rests with a fresh slice.",
    covers: ['iceberg', 'depth', 'rest'],
    steps: [
      [sell(1, 1, 100, 10, { display: 3 }), sell(2, 2, 100, 2), sell(3, 2, 99, 4), buy(4, 1, 99, 12, { display: 5 })],
    ],
    expect: [
      'accepted id=1 owner=1 price=100 qty=10 remaining=10',
      'trade taker=4 maker=3 price=99 qty=4',
      'done:filled id=3 price=99',
    ],
  }),
  book({
    name: 'iceberg-refill-goes-to-back',
    about:
      "When an iceberg's slice is taken, its next slice joins the back of the level: the order behind it trades before the refill does.",
    covers: ['iceberg', 'refilled', 'fifo'],
    steps: [[sell(1, 1, 100, 10, { display: 3 }), sell(2, 2, 100, 4)], [buy(3, 3, 100, 5)], [buy(4, 3, 100, 4)]],
    expect: [
      'trade taker=3 maker=1 price=100 qty=3 makerRemaining=7',
      'refilled id=1 price=100 qty=3 remaining=7',
      'trade taker=3 maker=2 price=100 qty=2 makerRemaining=2',
      'done:filled id=3 price=100',
      'trade taker=4 maker=2 price=100 qty=2',
      'done:filled id=2 price=100',
      'trade taker=4 maker=1 price=100 qty=2 makerRemaining=5',
      'done:filled id=4 price=100',
    ],
  }),
  book({
    name: 'iceberg-last-slice-smaller',
    about: 'An iceberg of 7 showing 3 refills 3, then the last 1; a market order sweeps it slice by slice.',
    covers: ['iceberg', 'refilled', 'market', 'sweep'],
    steps: [[sell(1, 1, 100, 7, { display: 3 })], [market('buy', 2, 2, 10)]],
    expect: [
      'trade taker=2 maker=1 price=100 qty=3 makerRemaining=4',
      'refilled id=1 price=100 qty=3 remaining=4',
      'trade taker=2 maker=1 price=100 qty=3 makerRemaining=1',
      'refilled id=1 price=100 qty=1 remaining=1',
      'trade taker=2 maker=1 price=100 qty=1',
      'done:filled id=1 price=100',
      'done:expired id=2 qty=3',
    ],
  }),
  book({
    name: 'iceberg-reduce-takes-hidden-first',
    about:
      'Reducing an iceberg takes its hidden part first (the shown slice and its place stay), then the shown slice; it keeps its time priority.',
    covers: ['iceberg', 'reduce', 'reduced', 'fifo'],
    steps: [
      [sell(1, 1, 100, 10, { display: 3 }), sell(2, 2, 100, 2)],
      [reduce(1, 1, 5)],
      [reduce(1, 1, 4)],
      [buy(3, 3, 100, 2)],
    ],
    expect: [
      'reduced id=1 price=100 qty=5 remaining=5',
      'reduced id=1 price=100 qty=4 remaining=1',
      'trade taker=3 maker=1 price=100 qty=1',
      'done:filled id=1 price=100',
      'trade taker=3 maker=2 price=100 qty=1 makerRemaining=1',
    ],
  }),
  book({
    name: 'iceberg-fok-counts-hidden',
    about:
      "A FOK counts an iceberg's hidden quantity: 7 against an iceberg of 6 showing 2 is unfilled, 6 fills through every refill.",
    covers: ['iceberg', 'fok', 'fok_unfilled', 'refilled', 'filled'],
    steps: [
      [sell(1, 1, 100, 6, { display: 2 })],
      [buy(2, 2, 100, 7, { tif: 'fok' }), buy(3, 2, 100, 6, { tif: 'fok' })],
    ],
    expect: [
      'done:fok_unfilled id=2 price=100 qty=7',
      'trade taker=3 maker=1 price=100 qty=2 makerRemaining=4',
      'refilled id=1 price=100 qty=2 remaining=4',
      'trade taker=3 maker=1 price=100 qty=2 makerRemaining=2',
      'refilled id=1 price=100 qty=2 remaining=2',
      'trade taker=3 maker=1 price=100 qty=2',
      'done:filled id=1 price=100',
      'done:filled id=3 price=100',
    ],
  }),
  book({
    name: 'iceberg-invalid-display',
    about:
      'A display must be positive, no larger than the quantity, on a GTC limit only, and leave at most 100 slices: 100 lots showing 1 is accepted, 101 is not; an amend past 100 slices is refused.',
    covers: ['iceberg', 'reject', 'invalid_display', 'amend'],
    steps: [
      [
        sell(1, 1, 100, 101, { display: 1 }), // 101 slices
        sell(2, 1, 100, 100, { display: 1 }), // exactly 100: valid
        sell(3, 1, 100, 5, { display: 6 }), // more than the quantity
        sell(4, 1, 100, 5, { display: -1 }),
        sell(5, 1, 100, 5, { display: 2, tif: 'ioc' }),
        market('sell', 6, 1, 5, { display: 2 }),
        sell(7, 1, 100, 5, { display: 5 }), // display = quantity: valid, shows it all
      ],
      [amend(2, 1, 0, 101), amend(2, 1, 0, 50)],
    ],
    expect: [
      'rejected:invalid_display id=1',
      'accepted id=2 owner=1 price=100 qty=100 remaining=100',
      'rejected:invalid_display id=3',
      'rejected:invalid_display id=4',
      'rejected:invalid_display id=5',
      'rejected:invalid_display id=6',
      'accepted id=7 owner=1 price=100 qty=5 remaining=5',
      'rejected:invalid_display id=2',
      'amended id=2 price=100 qty=50 remaining=50',
    ],
  }),
];
