// Scenarios: post-only orders and self-trade prevention (cancel the resting order).
// Owners: 1 alice, 2 bob, 3 carol.
import { book, buy, market, sell, type Scenario } from '../scenario.ts';

export const postOnlyAndStp: Scenario[] = [
  book({
    name: 'post-only-rests',
    about: 'A post-only GTC limit that crosses nothing rests like any GTC order.',
    covers: ['post_only', 'limit', 'gtc', 'rest'],
    steps: [[sell(1, 1, 101, 5), buy(2, 2, 100, 5, { postOnly: true })]],
    expect: ['accepted id=2 owner=2 price=100 qty=5 remaining=5'],
  }),
  book({
    name: 'post-only-buy-would-cross',
    about: 'A post-only buy at the ask price would take liquidity, so it is rejected and the book is unchanged.',
    covers: ['post_only', 'reject', 'post_only_would_cross'],
    steps: [[sell(1, 1, 100, 5)], [buy(2, 2, 100, 5, { postOnly: true }), buy(3, 2, 120, 5, { postOnly: true })]],
    expect: ['rejected:post_only_would_cross id=2', 'rejected:post_only_would_cross id=3'],
  }),
  book({
    name: 'post-only-sell-would-cross',
    about: 'A post-only sell at or below the bid is rejected; one tick above rests.',
    covers: ['post_only', 'reject', 'post_only_would_cross', 'rest'],
    steps: [[buy(1, 1, 100, 5)], [sell(2, 2, 100, 5, { postOnly: true }), sell(3, 2, 101, 5, { postOnly: true })]],
    expect: ['rejected:post_only_would_cross id=2', 'accepted id=3 owner=2 price=101 qty=5 remaining=5'],
  }),
  book({
    name: 'post-only-own-order-would-cross',
    about:
      'Post-only is checked against the whole opposite side, own orders included: no self-trade prevention happens.',
    covers: ['post_only', 'post_only_would_cross', 'self_trade'],
    steps: [[sell(1, 1, 100, 5)], [buy(2, 1, 100, 5, { postOnly: true })]],
    expect: ['rejected:post_only_would_cross id=2'],
  }),
  book({
    name: 'post-only-needs-gtc-limit',
    about:
      'Post-only is only valid on a GTC limit order: with IOC, FOK or a market order it is refused as invalid flags.',
    covers: ['post_only', 'reject', 'invalid_flags', 'ioc', 'fok', 'market'],
    steps: [
      [
        buy(1, 1, 100, 5, { postOnly: true, tif: 'ioc' }),
        buy(2, 1, 100, 5, { postOnly: true, tif: 'fok' }),
        market('buy', 3, 1, 5, { postOnly: true }),
        market('sell', 4, 1, 5, { postOnly: true, tif: 'fok' }),
      ],
    ],
    expect: [
      'rejected:invalid_flags id=1',
      'rejected:invalid_flags id=2',
      'rejected:invalid_flags id=3',
      'rejected:invalid_flags id=4',
    ],
  }),
  book({
    name: 'stp-cancels-resting',
    about:
      "An order meeting its owner's resting order cancels the resting one (done self_trade) and, with nothing else to take, rests.",
    covers: ['self_trade', 'stp', 'rest'],
    steps: [[sell(1, 1, 100, 5)], [buy(2, 1, 100, 5)]],
    expect: ['accepted id=2 owner=1 price=100 qty=5 remaining=5', 'done:self_trade id=1 price=100 qty=5'],
  }),
  book({
    name: 'stp-then-trades-next',
    about: "After cancelling its owner's resting order, matching goes on with the next order at the level.",
    covers: ['self_trade', 'stp', 'fifo', 'partial_fill'],
    steps: [[sell(1, 1, 100, 5), sell(2, 2, 100, 5)], [buy(3, 1, 100, 8)]],
    expect: [
      'done:self_trade id=1 price=100 qty=5',
      'trade taker=3 maker=2 price=100 qty=5',
      'done:filled id=2 price=100',
    ],
  }),
  book({
    name: 'stp-mid-level',
    about: 'Self-trade prevention in the middle of a level: trade, cancel own, trade, in FIFO order.',
    covers: ['self_trade', 'stp', 'fifo'],
    steps: [[sell(1, 2, 100, 2), sell(2, 1, 100, 2), sell(3, 3, 100, 2), sell(4, 2, 100, 2)], [buy(5, 1, 100, 5)]],
    expect: [
      'trade taker=5 maker=1 price=100 qty=2',
      'done:filled id=1 price=100',
      'done:self_trade id=2 price=100 qty=2',
      'trade taker=5 maker=3 price=100 qty=2',
      'done:filled id=3 price=100',
      'trade taker=5 maker=4 price=100 qty=1 makerRemaining=1',
      'done:filled id=5 price=100',
    ],
  }),
  book({
    name: 'stp-across-levels',
    about: "A sweep cancels its owner's resting orders on every level it passes.",
    covers: ['self_trade', 'stp', 'sweep'],
    steps: [[buy(1, 1, 100, 2), buy(2, 2, 100, 2), buy(3, 1, 99, 2), buy(4, 3, 98, 2)], [sell(5, 1, 98, 4)]],
    expect: [
      'done:self_trade id=1 price=100 qty=2',
      'trade taker=5 maker=2 price=100 qty=2',
      'done:self_trade id=3 price=99 qty=2',
      'trade taker=5 maker=4 price=98 qty=2',
      'done:filled id=5 price=98',
    ],
  }),
  book({
    name: 'stp-market-own-liquidity-only',
    about: "A market order facing only its owner's orders cancels them and expires.",
    covers: ['self_trade', 'stp', 'market', 'ioc', 'expired'],
    steps: [[sell(1, 1, 100, 2), sell(2, 1, 101, 2)], [market('buy', 3, 1, 3)]],
    expect: ['done:self_trade id=1 price=100 qty=2', 'done:self_trade id=2 price=101 qty=2', 'done:expired id=3 qty=3'],
  }),
  book({
    name: 'stp-ioc-cancels-and-expires',
    about: "A limit IOC cancels its owner's resting order within its price, trades the rest it can and expires.",
    covers: ['self_trade', 'stp', 'ioc', 'expired'],
    steps: [[buy(1, 2, 101, 1), buy(2, 1, 100, 3), buy(3, 3, 99, 5)], [sell(4, 1, 100, 4, { tif: 'ioc' })]],
    expect: [
      'trade taker=4 maker=1 price=101 qty=1',
      'done:filled id=1 price=101',
      'done:self_trade id=2 price=100 qty=3',
      'done:expired id=4 price=100 qty=3',
    ],
  }),
  book({
    name: 'stp-fok-ignores-own-liquidity',
    about:
      "A FOK counts only other owners' liquidity: own orders would be cancelled, not traded. Unfilled, it leaves them resting.",
    covers: ['self_trade', 'stp', 'fok', 'fok_unfilled'],
    steps: [[sell(1, 1, 100, 5), sell(2, 2, 101, 5)], [buy(3, 1, 101, 10, { tif: 'fok' })]],
    expect: ['done:fok_unfilled id=3 price=101 qty=10'],
  }),
  book({
    name: 'stp-fok-fills-and-cancels-own',
    about: "A FOK that others can fill cancels its owner's resting orders on the way and fills.",
    covers: ['self_trade', 'stp', 'fok', 'filled'],
    steps: [[sell(1, 1, 100, 5), sell(2, 2, 101, 10)], [buy(3, 1, 101, 10, { tif: 'fok' })]],
    expect: [
      'done:self_trade id=1 price=100 qty=5',
      'trade taker=3 maker=2 price=101 qty=10',
      'done:filled id=2 price=101',
      'done:filled id=3 price=101',
    ],
  }),
  book({
    name: 'stp-beyond-limit-untouched',
    about:
      'Self-trade prevention only meets orders the taker would trade with: an own order beyond the limit price stays.',
    covers: ['self_trade', 'stp', 'limit'],
    steps: [[sell(1, 2, 100, 1), sell(2, 1, 102, 5)], [buy(3, 1, 101, 3)]],
    expect: ['trade taker=3 maker=1 price=100 qty=1', 'done:filled id=1 price=100'],
  }),
];
