// Scenarios: cancelling and reducing resting orders. A reduce takes qty off the order; a
// reduce of at least what remains ends it (done reduced_to_zero, qty = what was removed).
// Owners: 1 alice, 2 bob, 3 carol.
import { book, buy, cancel, reduce, sell, type Scenario } from '../scenario.ts';

export const cancelAndReduce: Scenario[] = [
  book({
    name: 'cancel_resting',
    about: 'Cancelling a resting order removes it; the done event reports the quantity it still had.',
    covers: ['cancel', 'cancelled'],
    steps: [[buy(1, 1, 100, 10), buy(2, 1, 99, 3)], [cancel(1, 1)]],
    expect: ['done:cancelled id=1 price=100 qty=10'],
  }),
  book({
    name: 'cancel-partially-filled',
    about: 'Cancelling a partly filled order reports only what was left of it.',
    covers: ['cancel', 'cancelled', 'partial_fill'],
    steps: [[sell(1, 1, 100, 10), buy(2, 2, 100, 4)], [cancel(1, 1)]],
    expect: ['trade taker=2 maker=1 price=100 qty=4 makerRemaining=6', 'done:cancelled id=1 price=100 qty=6'],
  }),
  book({
    name: 'cancel-middle-keeps-fifo',
    about: 'Cancelling the middle order of a level keeps the others in time order.',
    covers: ['cancel', 'fifo', 'level_total'],
    steps: [[sell(1, 1, 100, 2), sell(2, 3, 100, 2), sell(3, 1, 100, 2)], [cancel(2, 3)], [buy(4, 2, 100, 3)]],
    expect: [
      'done:cancelled id=2 price=100 qty=2',
      'trade taker=4 maker=1 price=100 qty=2',
      'trade taker=4 maker=3 price=100 qty=1 makerRemaining=1',
    ],
  }),
  book({
    name: 'cancel-unknown-order',
    about: 'Cancelling an id that never rested is rejected as unknown order.',
    covers: ['cancel', 'reject', 'unknown_order'],
    steps: [[buy(1, 1, 100, 1)], [cancel(7, 1)]],
    expect: ['rejected:unknown_order id=7'],
  }),
  book({
    name: 'cancel-not-owner',
    about: 'Only the owner may cancel: anyone else is rejected and the order stays.',
    covers: ['cancel', 'reject', 'not_owner'],
    steps: [[buy(1, 1, 100, 1)], [cancel(1, 2), cancel(1, 0)]],
    expect: ['rejected:not_owner id=1', 'rejected:not_owner id=1'],
  }),
  book({
    name: 'cancel-twice',
    about: 'A second cancel of the same order finds nothing: unknown order.',
    covers: ['cancel', 'reject', 'unknown_order'],
    steps: [[buy(1, 1, 100, 1)], [cancel(1, 1), cancel(1, 1)]],
    expect: ['done:cancelled id=1 price=100 qty=1', 'rejected:unknown_order id=1'],
  }),
  book({
    name: 'cancel-after-fill',
    about: 'A filled order is gone: cancelling it is rejected as unknown order.',
    covers: ['cancel', 'reject', 'unknown_order', 'filled'],
    steps: [
      [sell(1, 1, 100, 1), buy(2, 2, 100, 1)],
      [cancel(1, 1), cancel(2, 2)],
    ],
    expect: ['rejected:unknown_order id=1', 'rejected:unknown_order id=2'],
  }),
  book({
    name: 'reduce-partial',
    about: 'A reduce smaller than the remaining quantity takes that much off and keeps the order.',
    covers: ['reduce', 'reduced'],
    steps: [[buy(1, 1, 100, 10), buy(2, 2, 100, 5)], [reduce(1, 1, 3)]],
    expect: ['reduced id=1 price=100 qty=3 remaining=7'],
  }),
  book({
    name: 'reduce-exact-to-zero',
    about: 'A reduce equal to the remaining quantity ends the order: done reduced_to_zero.',
    covers: ['reduce', 'reduced_to_zero'],
    steps: [[sell(1, 1, 100, 10)], [reduce(1, 1, 10)]],
    expect: ['done:reduced_to_zero id=1 price=100 qty=10'],
  }),
  book({
    name: 'reduce-more-than-remaining',
    about: 'A reduce larger than what remains ends the order and reports the quantity actually removed.',
    covers: ['reduce', 'reduced_to_zero', 'partial_fill'],
    steps: [[sell(1, 1, 100, 10), buy(2, 2, 100, 4)], [reduce(1, 1, 50)]],
    expect: ['done:reduced_to_zero id=1 price=100 qty=6'],
  }),
  book({
    name: 'reduce-keeps-priority',
    about: 'A reduced order keeps its place in the queue: it still fills first.',
    covers: ['reduce', 'reduced', 'fifo'],
    steps: [[buy(1, 1, 100, 10), buy(2, 3, 100, 10)], [reduce(1, 1, 8)], [sell(3, 2, 100, 3)]],
    expect: [
      'reduced id=1 price=100 qty=8 remaining=2',
      'trade taker=3 maker=1 price=100 qty=2',
      'done:filled id=1 price=100',
      'trade taker=3 maker=2 price=100 qty=1 makerRemaining=9',
    ],
  }),
  book({
    name: 'reduce-invalid-quantity',
    about:
      'A reduce must take off a positive quantity: zero, negative and i64 min are rejected before the order is looked up.',
    covers: ['reduce', 'reject', 'invalid_quantity'],
    steps: [[buy(1, 1, 100, 10)], [reduce(1, 1, 0), reduce(1, 1, -1), reduce(1, 1, -(1n << 63n)), reduce(99, 1, 0)]],
    expect: [
      'rejected:invalid_quantity id=1',
      'rejected:invalid_quantity id=1',
      'rejected:invalid_quantity id=1',
      'rejected:invalid_quantity id=99',
    ],
  }),
  book({
    name: 'reduce-unknown-order',
    about: 'Reducing an id that is not resting (never placed, or already gone) is rejected as unknown order.',
    covers: ['reduce', 'reject', 'unknown_order'],
    steps: [[buy(1, 1, 100, 2)], [reduce(5, 1, 1), reduce(1, 1, 2), reduce(1, 1, 1)]],
    expect: ['rejected:unknown_order id=5', 'done:reduced_to_zero id=1 price=100 qty=2', 'rejected:unknown_order id=1'],
  }),
  book({
    name: 'reduce-not-owner',
    about: 'Only the owner may reduce: anyone else is rejected and the order keeps its quantity.',
    covers: ['reduce', 'reject', 'not_owner'],
    steps: [[sell(1, 1, 100, 5)], [reduce(1, 2, 1)]],
    expect: ['rejected:not_owner id=1'],
  }),
  book({
    name: 'reduce-then-cancel',
    about: 'Reduces add up; a cancel afterwards reports what is left.',
    covers: ['reduce', 'reduced', 'cancel', 'cancelled', 'level_total'],
    steps: [[buy(1, 1, 100, 10), buy(2, 2, 100, 1)], [reduce(1, 1, 2), reduce(1, 1, 3)], [cancel(1, 1)]],
    expect: [
      'reduced id=1 price=100 qty=2 remaining=8',
      'reduced id=1 price=100 qty=3 remaining=5',
      'done:cancelled id=1 price=100 qty=5',
    ],
  }),
];
