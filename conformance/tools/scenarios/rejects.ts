// Scenarios: every reject reason, and the order the checks are made in (the REJ_* numbering:
// the first failing check names the reason). A rejected command changes nothing.
// Owners: 1 alice, 2 bob.
import { book, buy, cancel, I64_MAX, I64_MIN, market, raw, reduce, sell, type Scenario } from '../scenario.ts';

export const rejects: Scenario[] = [
  book({
    name: 'reject-unknown-command',
    about: 'Command kinds other than place, cancel, reduce and amend are rejected, whatever their other fields.',
    covers: ['reject', 'unknown_command'],
    steps: [
      [
        raw({ op: 0, id: '1', owner: '1' }),
        raw({ op: 5, id: '2', owner: '1', side: 'buy', type: 'limit', tif: 'gtc', price: '100', qty: '1' }),
        raw({ op: 255, id: '3' }),
      ],
    ],
    expect: ['rejected:unknown_command id=1', 'rejected:unknown_command id=2', 'rejected:unknown_command id=3'],
  }),
  book({
    name: 'reject-unknown-market',
    about: 'A market index past the configured markets is rejected, for places and cancels alike.',
    covers: ['reject', 'unknown_market', 'markets'],
    markets: 2,
    steps: [[buy(1, 1, 100, 1, { market: 2 }), buy(2, 1, 100, 1, { market: 65535 }), cancel(3, 1, 7)]],
    expect: [
      'rejected:unknown_market market=2 id=1',
      'rejected:unknown_market market=65535 id=2',
      'rejected:unknown_market market=7 id=3',
    ],
  }),
  book({
    name: 'reject-invalid-id',
    about: 'Order id 0 is invalid, for place, cancel and reduce.',
    covers: ['reject', 'invalid_id'],
    steps: [[buy(0, 1, 100, 1), cancel(0, 1), reduce(0, 1, 1)]],
    expect: ['rejected:invalid_id', 'rejected:invalid_id', 'rejected:invalid_id'],
  }),
  book({
    name: 'reject-invalid-side',
    about: 'Sides other than buy (0) and sell (1) are rejected.',
    covers: ['reject', 'invalid_side'],
    steps: [[buy(1, 1, 100, 1, {}), { ...buy(2, 1, 100, 1), side: 2 }, { ...sell(3, 1, 100, 1), side: 255 }]],
    expect: [
      'accepted id=1 owner=1 price=100 qty=1 remaining=1',
      'rejected:invalid_side id=2',
      'rejected:invalid_side id=3',
    ],
  }),
  book({
    name: 'reject-invalid-type',
    about: 'Order types other than limit (0), market (1), stop-limit (2) and stop-market (3) are rejected.',
    covers: ['reject', 'invalid_type'],
    steps: [[buy(1, 1, 100, 1, { type: 4 }), sell(2, 1, 100, 1, { type: 255 })]],
    expect: ['rejected:invalid_type id=1', 'rejected:invalid_type id=2'],
  }),
  book({
    name: 'reject-invalid-tif',
    about: 'Unknown times in force are rejected, and so is a market order with GTC (it could never rest).',
    covers: ['reject', 'invalid_tif', 'market', 'gtc'],
    steps: [[buy(1, 1, 100, 1, { tif: 3 }), sell(2, 1, 100, 1, { tif: 255 }), market('buy', 3, 1, 1, { tif: 'gtc' })]],
    expect: ['rejected:invalid_tif id=1', 'rejected:invalid_tif id=2', 'rejected:invalid_tif id=3'],
  }),
  book({
    name: 'reject-invalid-flags',
    about: 'Flag bits other than post-only and OCO are rejected, alone or beside a known one.',
    covers: ['reject', 'invalid_flags'],
    steps: [[buy(1, 1, 100, 1, { flags: 4 }), buy(2, 1, 100, 1, { flags: 5 }), sell(3, 1, 100, 1, { flags: 128 })]],
    expect: ['rejected:invalid_flags id=1', 'rejected:invalid_flags id=2', 'rejected:invalid_flags id=3'],
  }),
  book({
    name: 'reject-invalid-stp',
    about: 'Self-trade prevention modes other than the four (0-3) are rejected.',
    covers: ['reject', 'invalid_stp'],
    steps: [[buy(1, 1, 100, 1, { stp: 4 }), sell(2, 1, 100, 1, { stp: 255 })]],
    expect: ['rejected:invalid_stp id=1', 'rejected:invalid_stp id=2'],
  }),
  book({
    name: 'reject-invalid-quantity',
    about: 'A place needs a positive quantity: zero, negative and i64 min are rejected, for limit and market orders.',
    covers: ['reject', 'invalid_quantity', 'extreme'],
    steps: [[buy(1, 1, 100, 0), sell(2, 1, 100, -1), buy(3, 1, 100, I64_MIN), market('sell', 4, 1, 0)]],
    expect: [
      'rejected:invalid_quantity id=1',
      'rejected:invalid_quantity id=2',
      'rejected:invalid_quantity id=3',
      'rejected:invalid_quantity id=4',
    ],
  }),
  book({
    name: 'reject-invalid-price',
    about: 'A limit order needs a positive price; a market order must have price 0.',
    covers: ['reject', 'invalid_price', 'market', 'limit', 'extreme'],
    steps: [
      [
        buy(1, 1, 0, 1),
        sell(2, 1, -5, 1),
        buy(3, 1, I64_MIN, 1),
        { ...market('buy', 4, 1, 1), price: '5' },
        { ...market('sell', 5, 1, 1, { tif: 'fok' }), price: '-1' },
      ],
    ],
    expect: [
      'rejected:invalid_price id=1',
      'rejected:invalid_price id=2',
      'rejected:invalid_price id=3',
      'rejected:invalid_price id=4',
      'rejected:invalid_price id=5',
    ],
  }),
  book({
    name: 'reject-overflow-notional',
    about: 'price × qty of a limit order must fit in i64: 3037000499² fits, 3037000500² does not, nor does max × 2.',
    covers: ['reject', 'overflow', 'extreme'],
    steps: [
      [
        buy(1, 1, 3037000499n, 3037000499n),
        buy(2, 1, 3037000500n, 3037000500n),
        sell(3, 1, I64_MAX, 2),
        sell(4, 1, 2, I64_MAX),
      ],
    ],
    expect: [
      'accepted id=1 owner=1 price=3037000499 qty=3037000499 remaining=3037000499',
      'rejected:overflow id=2',
      'rejected:overflow id=3',
      'rejected:overflow id=4',
    ],
  }),
  book({
    name: 'reject-overflow-exact-boundary',
    about:
      'price × qty equal to i64 max exactly is accepted; one lot more overflows (i64 max = 7 × 1317624576693539401).',
    covers: ['overflow', 'extreme'],
    steps: [[sell(1, 1, 7, 1317624576693539401n), sell(2, 1, 7, 1317624576693539402n)]],
    expect: [
      'accepted id=1 owner=1 price=7 qty=1317624576693539401 remaining=1317624576693539401',
      'rejected:overflow id=2',
    ],
  }),
  book({
    name: 'reject-overflow-level-total',
    about:
      'A GTC order whose level total would pass i64 max is rejected; an IOC at that price is not (it never rests).',
    covers: ['reject', 'overflow', 'level_total', 'extreme'],
    steps: [
      [buy(1, 1, 1, 5000000000000000000n), buy(2, 1, 1, 4223372036854775807n), buy(3, 1, 1, 1n)],
      [buy(4, 1, 1, 1, { tif: 'ioc' })],
    ],
    expect: [
      'accepted id=2 owner=1 price=1 qty=4223372036854775807 remaining=4223372036854775807',
      'rejected:overflow id=3',
      'done:expired id=4 price=1 qty=1',
    ],
  }),
  book({
    name: 'reject-duplicate-id',
    about:
      'A place with the id of a resting order is rejected, whatever its market or owner, and the resting order is untouched.',
    covers: ['reject', 'duplicate_id', 'markets'],
    markets: 2,
    steps: [[buy(1, 1, 100, 5)], [sell(1, 2, 200, 1), buy(1, 1, 90, 1, { market: 1 })]],
    expect: ['rejected:duplicate_id id=1', 'rejected:duplicate_id market=1 id=1'],
  }),
  book({
    name: 'reject-capacity',
    about:
      'At maxOrders resting orders a GTC limit is rejected, even one that would fill at once; IOC orders still trade; a cancel frees room.',
    covers: ['reject', 'capacity', 'ioc', 'cancel'],
    maxOrders: 2,
    steps: [
      [buy(1, 1, 100, 5), sell(2, 2, 101, 5)],
      [sell(3, 2, 100, 1), sell(4, 2, 100, 1, { tif: 'ioc' }), market('sell', 5, 2, 1)],
      [cancel(2, 2), sell(6, 2, 100, 1), sell(7, 2, 105, 1)],
    ],
    expect: [
      'rejected:capacity id=3',
      'trade taker=4 maker=1 price=100 qty=1 makerRemaining=4',
      'trade taker=5 maker=1 price=100 qty=1 makerRemaining=3',
      'done:cancelled id=2 price=101 qty=5',
      'trade taker=6 maker=1 price=100 qty=1 makerRemaining=2',
      'accepted id=7 owner=2 price=105 qty=1 remaining=1',
    ],
  }),
  book({
    name: 'reject-order-place',
    about: 'With several faults, the first check in REJ_* order names the reason.',
    covers: ['reject', 'validation_order'],
    markets: 1,
    steps: [
      [sell(1, 1, 100, 5)],
      [
        raw({ op: 9, market: 3, id: '0', side: 7, price: '-1', qty: '0' }), // unknown command before everything
        raw({ op: 'place', market: 3, id: '0', side: 7, type: 9, tif: 9, price: '-1', qty: '0' }), // unknown market before invalid id
        raw({ op: 'place', id: '0', side: 7, type: 9, tif: 9, price: '-1', qty: '0' }), // invalid id before invalid side
        raw({ op: 'place', id: '11', side: 7, type: 9, tif: 9, flags: 4, stp: 4, price: '-1', qty: '0' }), // side before type
        raw({ op: 'place', id: '12', side: 'buy', type: 9, tif: 9, flags: 4, stp: 4, price: '-1', qty: '0' }), // type before tif
        raw({ op: 'place', id: '13', side: 'buy', type: 'limit', tif: 9, flags: 4, stp: 4, price: '-1', qty: '0' }), // tif before flags
        raw({ op: 'place', id: '14', side: 'buy', type: 'limit', tif: 'gtc', flags: 4, stp: 4, price: '-1', qty: '0' }), // flags before stp
        raw({ op: 'place', id: '15', side: 'buy', type: 'limit', tif: 'gtc', stp: 4, price: '-1', qty: '0' }), // stp before quantity
        raw({ op: 'place', id: '16', side: 'buy', type: 'limit', tif: 'gtc', price: '-1', qty: '0' }), // quantity before price
        raw({ op: 'place', id: '1', side: 'buy', type: 'limit', tif: 'gtc', price: '-1', qty: '1' }), // price before duplicate id
        raw({ op: 'place', id: '1', side: 'buy', type: 'limit', tif: 'gtc', price: String(I64_MAX), qty: '2' }), // overflow before duplicate id
        raw({
          op: 'place',
          id: '1',
          owner: '2',
          side: 'buy',
          type: 'limit',
          tif: 'gtc',
          flags: ['post_only'],
          price: '100',
          qty: '1',
        }), // duplicate before post-only cross
      ],
    ],
    expect: [
      'rejected:unknown_command market=3',
      'rejected:unknown_market market=3',
      'rejected:invalid_id',
      'rejected:invalid_side id=11',
      'rejected:invalid_type id=12',
      'rejected:invalid_tif id=13',
      'rejected:invalid_flags id=14',
      'rejected:invalid_stp id=15',
      'rejected:invalid_quantity id=16',
      'rejected:invalid_price id=1',
      'rejected:overflow id=1',
      'rejected:duplicate_id id=1',
    ],
  }),
  book({
    name: 'reject-order-cancel-reduce',
    about: 'Cancel and reduce checks in order: command, market, id, (reduce) quantity, unknown order, owner.',
    covers: ['reject', 'validation_order', 'cancel', 'reduce'],
    markets: 2,
    steps: [
      [buy(1, 1, 100, 5)],
      [
        raw({ op: 'reduce', market: 5, id: '0', owner: '2', qty: '0' }), // unknown market before invalid id
        raw({ op: 'reduce', id: '0', owner: '2', qty: '0' }), // invalid id before quantity
        raw({ op: 'reduce', id: '9', owner: '2', qty: '0' }), // quantity before unknown order
        raw({ op: 'reduce', id: '1', owner: '2', qty: '-3' }), // quantity before owner
        raw({ op: 'cancel', market: 1, id: '1', owner: '2' }), // the order lives in market 0: unknown order before owner
        raw({ op: 'cancel', id: '1', owner: '2' }), // owner
      ],
    ],
    expect: [
      'rejected:unknown_market market=5',
      'rejected:invalid_id',
      'rejected:invalid_quantity id=9',
      'rejected:invalid_quantity id=1',
      'rejected:unknown_order market=1 id=1',
      'rejected:not_owner id=1',
    ],
  }),
];
