// Scenarios: the self-trade prevention modes of the incoming order, when matching reaches a
// resting order of the same owner: cancel_resting (the default: cancel it, go on), cancel_incoming
// (end the incoming order), cancel_both, decrement (both lose the smaller quantity, the smaller
// one ends, nothing trades). A FOK allows only cancel_resting.
// Owners: 1 alice (self-trades), 2 bob, 3 carol.
import { book, buy, market, type Scenario, sell, stopLimit } from '../scenario.ts';

export const stpModeScenarios: Scenario[] = [
  book({
    name: 'stp-cancel-incoming',
    about:
      "cancel_incoming: the order trades with others until it meets its owner's resting order, then ends (done self_trade with what it had left); the resting order stays.",
    covers: ['stp', 'cancel_incoming', 'self_trade'],
    steps: [
      [sell(1, 2, 100, 2), sell(2, 1, 100, 5), sell(3, 2, 101, 5)],
      [buy(4, 1, 101, 8, { stp: 'cancel_incoming' })],
    ],
    expect: [
      'trade taker=4 maker=1 price=100 qty=2',
      'done:filled id=1 price=100',
      'done:self_trade id=4 price=101 qty=6',
    ],
  }),
  book({
    name: 'stp-cancel-both',
    about: "cancel_both: meeting its owner's resting order ends both, the resting one first.",
    covers: ['stp', 'cancel_both', 'self_trade'],
    steps: [[sell(1, 2, 100, 2), sell(2, 1, 100, 5), sell(3, 2, 101, 5)], [buy(4, 1, 101, 8, { stp: 'cancel_both' })]],
    expect: [
      'trade taker=4 maker=1 price=100 qty=2',
      'done:filled id=1 price=100',
      'done:self_trade id=2 price=100 qty=5',
      'done:self_trade id=4 price=101 qty=6',
    ],
  }),
  book({
    name: 'stp-decrement-resting-larger',
    about:
      'decrement, resting order larger: it is reduced by the incoming quantity and the incoming order ends; with equal quantities both end. Nothing trades.',
    covers: ['stp', 'decrement', 'self_trade', 'reduced'],
    steps: [
      [sell(1, 1, 100, 10)],
      [buy(2, 1, 100, 4, { stp: 'decrement' })],
      [buy(3, 1, 100, 6, { stp: 'decrement' })],
    ],
    expect: [
      'reduced id=1 price=100 qty=4 remaining=6',
      'done:self_trade id=2 price=100 qty=4',
      'done:self_trade id=1 price=100 qty=6',
      'done:self_trade id=3 price=100 qty=6',
    ],
  }),
  book({
    name: 'stp-decrement-incoming-larger',
    about:
      'decrement, incoming order larger: the resting order ends, the incoming one is reduced and goes on — trading with others, or resting.',
    covers: ['stp', 'decrement', 'self_trade', 'reduced', 'rest'],
    steps: [
      [sell(1, 1, 100, 3), sell(2, 2, 100, 5)],
      [buy(3, 1, 100, 6, { stp: 'decrement' })],
      [buy(4, 2, 100, 4, { stp: 'decrement' })],
    ],
    expect: [
      'done:self_trade id=1 price=100 qty=3',
      'reduced id=3 price=100 qty=3 remaining=3',
      'trade taker=3 maker=2 price=100 qty=3 makerRemaining=2',
      'done:filled id=3 price=100',
      'done:self_trade id=2 price=100 qty=2',
      'reduced id=4 price=100 qty=2 remaining=2',
    ],
  }),
  book({
    name: 'stp-decrement-iceberg-hidden-first',
    about: 'decrement of a resting iceberg takes its hidden part first: its shown slice and place are unchanged.',
    covers: ['stp', 'decrement', 'iceberg', 'reduced'],
    steps: [[sell(1, 1, 100, 10, { display: 2 })], [buy(2, 1, 100, 5, { stp: 'decrement' })]],
    expect: ['reduced id=1 price=100 qty=5 remaining=5', 'done:self_trade id=2 price=100 qty=5'],
  }),
  book({
    name: 'stp-incoming-mode-decides',
    about:
      "The incoming order's mode applies, not the resting order's: a default (cancel_resting) buy cancels a resting sell placed with cancel_incoming.",
    covers: ['stp', 'cancel_resting', 'self_trade'],
    steps: [[sell(1, 1, 100, 5, { stp: 'cancel_incoming' })], [buy(2, 1, 100, 5)]],
    expect: ['accepted id=2 owner=1 price=100 qty=5 remaining=5', 'done:self_trade id=1 price=100 qty=5'],
  }),
  book({
    name: 'stp-mode-of-triggered-stop',
    about: "A stop keeps its mode: triggered into its owner's resting order, a cancel_incoming stop-limit ends.",
    covers: ['stp', 'cancel_incoming', 'stop_limit', 'triggered', 'self_trade'],
    steps: [
      [sell(1, 1, 101, 5), stopLimit('buy', 2, 1, 100, 101, 3, { stp: 'cancel_incoming' }), sell(3, 2, 100, 1)],
      [buy(4, 3, 100, 1)],
    ],
    expect: [
      'trade taker=4 maker=3 price=100 qty=1',
      'triggered id=2 owner=1 price=100 qty=3 remaining=3',
      'done:self_trade id=2 price=101 qty=3',
    ],
  }),
  book({
    name: 'stp-fok-needs-cancel-resting',
    about:
      'A FOK (limit, market or stop) allows only cancel_resting: any other mode is refused as invalid_stp. IOC orders may use any mode.',
    covers: ['stp', 'fok', 'reject', 'invalid_stp', 'ioc', 'expired'],
    steps: [
      [
        buy(1, 1, 100, 1, { tif: 'fok', stp: 'cancel_incoming' }),
        buy(2, 1, 100, 1, { tif: 'fok', stp: 'cancel_both' }),
        market('buy', 3, 1, 1, { tif: 'fok', stp: 'decrement' }),
        stopLimit('buy', 4, 1, 100, 100, 1, { tif: 'fok', stp: 'decrement' }),
        buy(5, 1, 100, 1, { tif: 'fok', stp: 'cancel_resting' }),
        buy(6, 1, 100, 1, { tif: 'ioc', stp: 'decrement' }),
      ],
    ],
    expect: [
      'rejected:invalid_stp id=1',
      'rejected:invalid_stp id=2',
      'rejected:invalid_stp id=3',
      'rejected:invalid_stp id=4',
      'done:fok_unfilled id=5 price=100 qty=1',
      'done:expired id=6 price=100 qty=1',
    ],
  }),
];
