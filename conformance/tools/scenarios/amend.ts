// Scenarios: amend (CMD_AMEND) — a new price and/or a new total quantity, 0 = keep. A new
// price moves the order to the back of its new level and may trade; a larger quantity loses
// time priority; a smaller one keeps it. Pending stops cannot be amended.
// Owners: 1 alice, 2 bob, 3 carol, 4 dave.
import { amend, book, buy, I64_MAX, oco, type Scenario, sell, stopLimit, reduce } from '../scenario.ts';

export const amendScenarios: Scenario[] = [
  book({
    name: 'amend-price-moves-to-back',
    about: 'An order amended to a new price joins the back of that level: the orders already there trade before it.',
    covers: ['amend', 'amended', 'fifo'],
    steps: [[sell(1, 1, 101, 5), sell(2, 2, 100, 5), sell(3, 3, 101, 5)], [amend(2, 2, 101, 0)], [buy(4, 4, 101, 12)]],
    expect: [
      'amended id=2 price=101 qty=5 remaining=5',
      'trade taker=4 maker=1 price=101 qty=5',
      'done:filled id=1 price=101',
      'trade taker=4 maker=3 price=101 qty=5',
      'done:filled id=3 price=101',
      'trade taker=4 maker=2 price=101 qty=2 makerRemaining=3',
      'done:filled id=4 price=101',
    ],
  }),
  book({
    name: 'amend-price-crosses-and-trades',
    about:
      "A buy amended up through the best ask trades like a new order at the maker's price; the rest keeps resting at the new price.",
    covers: ['amend', 'amended', 'trade', 'partial_fill', 'rest'],
    steps: [[buy(1, 1, 99, 5), sell(2, 2, 101, 3), sell(3, 2, 102, 4)], [amend(1, 1, 101, 0)]],
    expect: [
      'amended id=1 price=101 qty=5 remaining=5',
      'trade taker=1 maker=2 price=101 qty=3',
      'done:filled id=2 price=101',
    ],
  }),
  book({
    name: 'amend-qty-down-keeps-priority',
    about: "Amending to a smaller quantity at the same price keeps the order's place at the front of its level.",
    covers: ['amend', 'amended', 'fifo'],
    steps: [[buy(1, 1, 100, 10), buy(2, 2, 100, 5)], [amend(1, 1, 0, 4)], [sell(3, 3, 100, 6)]],
    expect: [
      'amended id=1 price=100 qty=4 remaining=4',
      'trade taker=3 maker=1 price=100 qty=4',
      'done:filled id=1 price=100',
      'trade taker=3 maker=2 price=100 qty=2 makerRemaining=3',
      'done:filled id=3 price=100',
    ],
  }),
  book({
    name: 'amend-qty-up-loses-priority',
    about: 'Amending to a larger quantity at the same price sends the order to the back of its level.',
    covers: ['amend', 'amended', 'fifo'],
    steps: [[buy(1, 1, 100, 5), buy(2, 2, 100, 5)], [amend(1, 1, 100, 8)], [sell(3, 3, 100, 6)]],
    expect: [
      'amended id=1 price=100 qty=8 remaining=8',
      'trade taker=3 maker=2 price=100 qty=5',
      'done:filled id=2 price=100',
      'trade taker=3 maker=1 price=100 qty=1 makerRemaining=7',
      'done:filled id=3 price=100',
    ],
  }),
  book({
    name: 'amend-qty-sets-remaining',
    about:
      'The amended quantity is the new remaining quantity (not the original size): a partly filled order amended to 8 has 8 left.',
    covers: ['amend', 'amended', 'partial_fill'],
    steps: [
      [sell(1, 1, 100, 10), buy(2, 2, 100, 4)],
      [amend(1, 1, 0, 8), amend(1, 1, 0, 8)],
    ],
    expect: [
      'trade taker=2 maker=1 price=100 qty=4 makerRemaining=6',
      'amended id=1 price=100 qty=8 remaining=8',
      'amended id=1 price=100 qty=8 remaining=8',
    ],
  }),
  book({
    name: 'amend-post-only-would-cross',
    about:
      'A post-only order may not be amended to a price that crosses the book (refused, unchanged); to a price that does not, it may.',
    covers: ['amend', 'post_only', 'post_only_would_cross', 'reject'],
    steps: [
      [sell(1, 1, 105, 5), buy(2, 2, 100, 5, { postOnly: true })],
      [amend(2, 2, 105, 0), amend(2, 2, 104, 0)],
    ],
    expect: ['rejected:post_only_would_cross id=2', 'amended id=2 price=104 qty=5 remaining=5'],
  }),
  book({
    name: 'amend-pending-stop-not-amendable',
    about: 'A stop waiting for its trigger cannot be amended (not_amendable); it can still be reduced and cancelled.',
    covers: ['amend', 'not_amendable', 'reject', 'stop_limit', 'pending', 'reduce'],
    steps: [[stopLimit('buy', 1, 1, 110, 112, 5)], [amend(1, 1, 113, 0), amend(1, 1, 0, 3), reduce(1, 1, 2)]],
    expect: [
      'accepted id=1 owner=1 price=112 qty=5 remaining=5',
      'rejected:not_amendable id=1',
      'rejected:not_amendable id=1',
      'reduced id=1 price=112 qty=2 remaining=3',
    ],
  }),
  book({
    name: 'amend-checks-in-order',
    about:
      "Amend checks in order: id, price (negative), quantity (negative, or nothing to change), unknown order (also in another market), owner, overflow, iceberg parts, an OCO's stop.",
    covers: [
      'amend',
      'reject',
      'validation_order',
      'invalid_id',
      'invalid_price',
      'invalid_quantity',
      'unknown_order',
      'not_owner',
      'overflow',
      'invalid_display',
      'invalid_stop_price',
    ],
    markets: 2,
    steps: [
      [buy(1, 1, 100, 10), buy(2, 1, 100, 300, { display: 3 }), oco('buy', 3, 1, 100, 5, 110, 0)],
      [
        amend(0, 1, 100, 1), // invalid id
        amend(1, 1, -1, 0), // negative price
        amend(1, 1, 0, 0), // nothing to change
        amend(1, 1, 0, -5), // negative quantity
        amend(9, 1, 101, 0), // no such order
        amend(1, 1, 101, 0, { market: 1 }), // the order lives in market 0
        amend(1, 2, 101, 0), // someone else's
        amend(1, 1, I64_MAX, 0), // price x qty overflows
        amend(2, 1, 0, 301), // 301 / 3 needs 101 slices
        amend(3, 1, 110, 0), // a buy OCO's limit must stay below its stop
      ],
      [amend(2, 1, 0, 299), amend(3, 1, 109, 0)],
    ],
    expect: [
      'rejected:invalid_id',
      'rejected:invalid_price id=1',
      'rejected:invalid_quantity id=1',
      'rejected:invalid_quantity id=1',
      'rejected:unknown_order id=9',
      'rejected:unknown_order market=1 id=1',
      'rejected:not_owner id=1',
      'rejected:overflow id=1',
      'rejected:invalid_display id=2',
      'rejected:invalid_stop_price id=3',
      'amended id=2 price=100 qty=299 remaining=299',
      'amended id=3 price=109 qty=5 remaining=5',
    ],
  }),
];
