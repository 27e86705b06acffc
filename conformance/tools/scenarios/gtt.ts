// Scenarios: good-till-time (expiresAt). The core has no clock: every command with time > 0
// first expires every order with expiresAt <= time, by (expiresAt, id), each with
// done/time_expired — whatever the command is, whatever its market, even if it is rejected.
// GTC limits (OCOs too) and stops may carry an expiry; it must be later than the command's time.
// Owners: 1 alice, 2 bob, 3 carol, 4 dave.
import { book, buy, cancel, market, oco, raw, type Scenario, sell, stopLimit, stopMarket } from '../scenario.ts';

export const gttScenarios: Scenario[] = [
  book({
    name: 'gtt-expires-by-later-command-time',
    about:
      'An order expires when a command arrives with a time at or past its expiry: not before (999), then even on a rejected command (an unknown command at 1000), and on a command for another market (2000).',
    covers: ['gtt', 'time_expired', 'markets', 'reject'],
    markets: 2,
    steps: [
      [buy(1, 1, 100, 5, { expiresAt: 1000, time: 10 }), sell(2, 2, 105, 3, { market: 1, expiresAt: 2000, time: 10 })],
      [raw({ ...buy(3, 3, 90, 1, { time: 999 }), side: 7 }), buy(4, 3, 90, 1)],
      [raw({ op: 9, id: '77', time: '1000' })],
      [buy(5, 3, 91, 1, { time: 2000 })],
    ],
    expect: [
      'accepted id=1 owner=1 price=100 qty=5 remaining=5',
      'accepted market=1 id=2 owner=2 price=105 qty=3 remaining=3',
      'rejected:invalid_side id=3',
      'accepted id=4 owner=3 price=90 qty=1 remaining=1',
      'done:time_expired id=1 price=100 qty=5',
      'rejected:unknown_command id=77',
      'done:time_expired market=1 id=2 price=105 qty=3',
      'accepted id=5 owner=3 price=91 qty=1 remaining=1',
    ],
  }),
  book({
    name: 'gtt-several-expire-in-order',
    about:
      'Orders due at once expire by (expiresAt, id), whatever their side or arrival — an OCO with both its legs among them — and before the command that brought the time does anything.',
    covers: ['gtt', 'time_expired', 'oco', 'cancel'],
    steps: [
      [
        buy(7, 1, 100, 1, { expiresAt: 200, time: 1 }),
        sell(3, 1, 110, 1, { expiresAt: 300, time: 1 }),
        buy(5, 2, 99, 1, { expiresAt: 200, time: 1 }),
        sell(9, 2, 111, 1, { expiresAt: 250, time: 1 }),
        buy(2, 3, 98, 1, { expiresAt: 900, time: 1 }),
        oco('sell', 4, 3, 120, 2, 90, 0, { expiresAt: 250, time: 1 }),
      ],
      [cancel(2, 3, 0, 300)],
      [buy(10, 4, 90, 1), sell(11, 1, 90, 1)],
    ],
    expect: [
      'done:time_expired id=5 price=99 qty=1',
      'done:time_expired id=7 price=100 qty=1',
      'done:time_expired id=4 price=120 qty=2',
      'done:time_expired id=9 price=111 qty=1',
      'done:time_expired id=3 price=110 qty=1',
      'done:cancelled id=2 price=98 qty=1',
      'trade taker=11 maker=10 price=90 qty=1',
      'done:filled id=11 price=90',
    ],
  }),
  book({
    name: 'gtt-expiry-rejects',
    about:
      "An expiry must be later than the command's time (when it has one), not negative, and only on GTC limits and stops: IOC, FOK and market orders never rest.",
    covers: ['gtt', 'reject', 'invalid_expiry', 'stop_market'],
    steps: [
      [
        buy(1, 1, 100, 1, { expiresAt: 100, time: 100 }), // at the command's time
        buy(2, 1, 100, 1, { expiresAt: 99, time: 100 }), // before it
        buy(3, 1, 100, 1, { expiresAt: -1 }), // negative
        buy(4, 1, 100, 1, { tif: 'ioc', expiresAt: 200, time: 100 }),
        buy(5, 1, 100, 1, { tif: 'fok', expiresAt: 200, time: 100 }),
        market('buy', 6, 1, 1, { expiresAt: 200, time: 100 }),
        buy(7, 1, 100, 1, { expiresAt: 101, time: 100 }), // valid
        stopMarket('buy', 8, 1, 200, 1, { expiresAt: 150, time: 100 }), // a stop may expire, whatever its time in force
        buy(9, 1, 99, 1, { expiresAt: 50 }), // no time on the command: nothing to compare with, accepted
      ],
      [cancel(7, 1, 0, 101)],
    ],
    expect: [
      'rejected:invalid_expiry id=1',
      'rejected:invalid_expiry id=2',
      'rejected:invalid_expiry id=3',
      'rejected:invalid_expiry id=4',
      'rejected:invalid_expiry id=5',
      'rejected:invalid_expiry id=6',
      'accepted id=7 owner=1 price=100 qty=1 remaining=1',
      'accepted id=8 owner=1 qty=1 remaining=1',
      'accepted id=9 owner=1 price=99 qty=1 remaining=1',
      'done:time_expired id=9 price=99 qty=1',
      'done:time_expired id=7 price=100 qty=1',
      'rejected:unknown_order id=7',
    ],
  }),
  book({
    name: 'gtt-stop-expires',
    about:
      'Pending stops expire like resting orders (a stop-limit at 50, a stop-market at 60); a stop triggered before its expiry rests with it and expires as a resting order (100).',
    covers: ['gtt', 'time_expired', 'stop_limit', 'stop_market', 'triggered', 'pending'],
    steps: [
      [
        stopLimit('buy', 1, 1, 110, 111, 2, { expiresAt: 50, time: 10 }),
        stopMarket('sell', 2, 1, 90, 3, { expiresAt: 60, time: 10 }),
        stopLimit('buy', 3, 2, 100, 100, 4, { expiresAt: 100, time: 10 }),
        sell(4, 3, 100, 1, { time: 10 }),
      ],
      [buy(5, 4, 100, 1, { time: 20 })],
      [cancel(99, 1, 0, 50), cancel(99, 1, 0, 60), cancel(99, 1, 0, 100)],
    ],
    expect: [
      'trade taker=5 maker=4 price=100 qty=1',
      'triggered id=3 owner=2 price=100 qty=4 remaining=4',
      'done:time_expired id=1 price=111 qty=2',
      'rejected:unknown_order id=99',
      'done:time_expired id=2 qty=3',
      'rejected:unknown_order id=99',
      'done:time_expired id=3 price=100 qty=4',
      'rejected:unknown_order id=99',
    ],
  }),
];
