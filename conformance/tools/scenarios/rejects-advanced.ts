// Scenarios: where the advanced orders' checks sit in the order of place checks (the first
// failing check names the reason): ... flags, stp (FOK: cancel_resting only), quantity, price,
// overflow, stop price, display, expiry, duplicate id, post-only cross, capacity.
// Each new reason on its own: amend.ts, stops.ts, oco.ts, iceberg.ts, gtt.ts, stp-modes.ts.
// Owners: 1 alice, 2 bob.
import { book, buy, I64_MAX, type Scenario, sell, stopLimit } from '../scenario.ts';

export const advancedRejects: Scenario[] = [
  book({
    name: 'reject-order-place-advanced',
    about:
      'With several faults, the first check names the reason: flags before stp, FOK stp before quantity, overflow before stop price, stop price before display, display before expiry, expiry before duplicate id and post-only cross.',
    covers: [
      'reject',
      'validation_order',
      'invalid_flags',
      'invalid_stp',
      'overflow',
      'invalid_stop_price',
      'invalid_display',
      'invalid_expiry',
    ],
    steps: [
      [sell(1, 1, 100, 5)],
      [
        buy(11, 2, 100, 0, { tif: 'fok', flags: ['oco'], stp: 'decrement' }), // OCO on a FOK, before stp
        buy(12, 2, 100, 0, { tif: 'fok', stp: 'decrement' }), // FOK with decrement, before quantity
        buy(13, 2, I64_MAX, 2, { stopPrice: 5, display: 3, expiresAt: -1 }), // overflow, before stop price
        stopLimit('buy', 14, 2, 0, 100, 5, { display: 9, expiresAt: -1 }), // stop price, before display
        buy(15, 2, 100, 5, { display: 9, expiresAt: -1 }), // display, before expiry
        buy(1, 2, 100, 5, { postOnly: true, expiresAt: -1 }), // expiry, before duplicate id and post-only cross
        buy(1, 2, 100, 5, { postOnly: true, expiresAt: 10 }), // duplicate id, before post-only cross
        buy(16, 2, 100, 5, { postOnly: true, expiresAt: 10 }), // post-only cross
      ],
    ],
    expect: [
      'rejected:invalid_flags id=11',
      'rejected:invalid_stp id=12',
      'rejected:overflow id=13',
      'rejected:invalid_stop_price id=14',
      'rejected:invalid_display id=15',
      'rejected:invalid_expiry id=1',
      'rejected:duplicate_id id=1',
      'rejected:post_only_would_cross id=16',
    ],
  }),
];
