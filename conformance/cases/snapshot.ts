// Snapshot cases: a snapshot restores to the same state (hash, depth, orders) and the
// restored book goes on exactly like the original; the builds and the reference read one
// another's snapshots; a bad snapshot is refused with SnapshotError and changes nothing.
import { Engine } from '../../core-as/src/engine.ts';
import { ReferenceBook } from '../../core-as/reference/book.ts';
import { generateCommands, MIXES } from '../../core-as/gen/commands.ts';
import {
  hashWords,
  type LogicalState,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  stateWords,
} from '../../core-as/reference/state.ts';
import * as C from '../../core-as/codes.ts';
import type { Book } from '../../core-as/types.ts';
import type { Case, CaseContext } from '../case.ts';
import { check, checkEqual, show } from './check.ts';

type Target = 'reference' | 'wasm-debug' | 'wasm-release';
const TARGETS: Target[] = ['reference', 'wasm-debug', 'wasm-release'];
const I64_MAX = (1n << 63n) - 1n;

function make(ctx: CaseContext, target: Target, options = { markets: 2 }): Book {
  if (target === 'reference') return new ReferenceBook(options);
  return Engine.create(target === 'wasm-debug' ? ctx.wasm.debug : ctx.wasm.release, options);
}

/** A book after a seeded stream, and the stream that follows it. */
function seeded(ctx: CaseContext, target: Target) {
  const count = Math.max(1000, Math.round(6000 * ctx.scale));
  const stream = generateCommands(ctx.seed + 7, count + 2000, MIXES.resting);
  const book = make(ctx, target);
  book.execute(stream.slice(0, count));
  return { book, further: stream.slice(count) };
}

function sameState(a: Book, b: Book, where: string): void {
  checkEqual(b.stateHash(), a.stateHash(), `${where}: state hash`);
  checkEqual(b.orderCount(), a.orderCount(), `${where}: order count`);
  checkEqual(b.marketCount(), a.marketCount(), `${where}: market count`);
  for (let m = 0; m < a.marketCount(); m++)
    checkEqual(b.depth(m, 1 << 20), a.depth(m, 1 << 20), `${where}: depth of market ${m}`);
  if (b instanceof Engine) check(b.validate() === null, `${where}: invariant broken: ${b.validate()}`);
}

function roundTrip(ctx: CaseContext, target: Target): void {
  const { book, further } = seeded(ctx, target);
  const bytes = book.snapshot();
  check(book.orderCount() > 100, `the seeded book should hold orders, holds ${book.orderCount()}`);
  // restore into a book of another shape: the snapshot's shape wins
  const restored = make(ctx, target, { markets: 1 });
  restored.restore(bytes);
  sameState(book, restored, `${target}: restored`);
  checkEqual(show(restored.snapshot()), show(bytes), `${target}: snapshot of the restored book`);
  for (let i = 0; i < further.length; i += 250) {
    const batch = further.slice(i, i + 250);
    checkEqual(
      show(restored.execute(batch)),
      show(book.execute(batch)),
      `${target}: events after restore, batch at ${i}`,
    );
  }
  sameState(book, restored, `${target}: after the further stream`);
}

function acrossImplementations(ctx: CaseContext): void {
  const reference = seeded(ctx, 'reference');
  const want = { bytes: show(reference.book.snapshot()), hash: reference.book.stateHash() };
  const further = reference.further;
  const wantEvents = show(reference.book.execute(further));
  const wantAfter = reference.book.stateHash();
  for (const from of TARGETS) {
    const bytes = seeded(ctx, from).book.snapshot();
    checkEqual(show(bytes), want.bytes, `snapshot bytes of ${from} against the reference's`);
    for (const into of TARGETS) {
      const restored = make(ctx, into, { markets: 1 });
      restored.restore(bytes);
      checkEqual(restored.stateHash(), want.hash, `${from} snapshot restored on ${into}: state hash`);
      checkEqual(
        show(restored.execute(further)),
        wantEvents,
        `${from} snapshot restored on ${into}: events of the further stream`,
      );
      checkEqual(
        restored.stateHash(),
        wantAfter,
        `${from} snapshot restored on ${into}: state hash after the further stream`,
      );
    }
  }
}

// ---- refusals ----

function toBytes(words: bigint[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 8);
  const view = new DataView(bytes.buffer);
  for (const [i, w] of words.entries()) view.setBigUint64(i * 8, BigInt.asUintN(64, w), true);
  return bytes;
}

/** A snapshot of any words, with a correct checksum: only its structure can be wrong. */
function sealed(words: bigint[]): Uint8Array {
  return toBytes([...words, hashWords(words)]);
}

function stateSnapshot(state: LogicalState, maxOrders = BigInt(state.maxOrders)): Uint8Array {
  return sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, maxOrders, ...stateWords(state)]);
}

type Market = LogicalState['markets'][number];
type Order = Market['bids'][number]['orders'][number];
type Stop = Market['buyStops'][number];

/** A plain resting order; `more` adds the advanced fields (iceberg, expiry, OCO). */
const o = (id: bigint, remaining: bigint, owner = 1n, more: Partial<Order> = {}): Order => ({
  id,
  owner,
  visible: remaining,
  hidden: 0n,
  display: 0n,
  expiresAt: 0n,
  postOnly: false,
  stp: 0,
  oco: false,
  stopPrice: 0n,
  ocoPrice: 0n,
  ...more,
});
/** A pending stop-limit buy or sell at limit 100 (stop-market: price 0). */
const stop = (id: bigint, stopPrice: bigint, more: Partial<Stop> = {}): Stop => ({
  id,
  oco: false,
  owner: 1n,
  qty: 1n,
  type: C.TYPE_STOP_LIMIT,
  tif: C.TIF_GTC,
  stp: 0,
  price: 100n,
  stopPrice,
  expiresAt: 0n,
  ...more,
});
const one = (bids: Market['bids'], asks: Market['asks'] = [], more: Partial<Market> = {}): LogicalState => ({
  maxOrders: 100,
  markets: [{ lastPrice: 0n, bids, asks, buyStops: [], sellStops: [], ...more }],
});

/** Snapshots every implementation must refuse, by what is wrong with them. */
export function badSnapshots(good: Uint8Array): [string, Uint8Array][] {
  const flipped = (at: number) => {
    const b = good.slice();
    b[at] ^= 0x01;
    return b;
  };
  return [
    ['empty', new Uint8Array(0)],
    ['length not a multiple of 8', good.slice(0, good.length - 3)],
    ['truncated by one word', good.slice(0, good.length - 8)],
    ['bad magic', flipped(0)],
    ['version 1 (before advanced orders)', sealed([SNAPSHOT_MAGIC, 1n, 100n, 1n, 0n, 0n])],
    ['unsupported version', sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION + 1n, 100n, 1n, 0n, 0n, 0n, 0n, 0n])],
    ['checksum flipped', flipped(good.length - 1)],
    ['body word flipped', flipped(8 * 6)],
    ['maxOrders 0', stateSnapshot(one([]), 0n)],
    ['maxOrders past the core limit', stateSnapshot(one([]), (1n << 24n) + 1n)],
    ['no markets', sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 100n, 0n])],
    [
      'crossed book',
      stateSnapshot(one([{ price: 101n, orders: [o(1n, 1n)] }], [{ price: 100n, orders: [o(2n, 1n)] }])),
    ],
    [
      'bids not sorted best first',
      stateSnapshot(
        one([
          { price: 99n, orders: [o(1n, 1n)] },
          { price: 100n, orders: [o(2n, 1n)] },
        ]),
      ),
    ],
    [
      'asks not sorted best first',
      stateSnapshot(
        one(
          [],
          [
            { price: 101n, orders: [o(1n, 1n)] },
            { price: 100n, orders: [o(2n, 1n)] },
          ],
        ),
      ),
    ],
    [
      'two levels at one price',
      stateSnapshot(
        one([
          { price: 100n, orders: [o(1n, 1n)] },
          { price: 100n, orders: [o(2n, 1n)] },
        ]),
      ),
    ],
    [
      'duplicate order id',
      stateSnapshot(one([{ price: 100n, orders: [o(1n, 1n)] }], [{ price: 101n, orders: [o(1n, 1n)] }])),
    ],
    ['order id 0', stateSnapshot(one([{ price: 100n, orders: [o(0n, 1n)] }]))],
    ['zero remaining', stateSnapshot(one([{ price: 100n, orders: [o(1n, 0n)] }]))],
    ['negative remaining', stateSnapshot(one([{ price: 100n, orders: [o(1n, -5n)] }]))],
    ['price 0', stateSnapshot(one([{ price: 0n, orders: [o(1n, 1n)] }]))],
    ['negative price', stateSnapshot(one([], [{ price: -3n, orders: [o(1n, 1n)] }]))],
    ['empty level', stateSnapshot(one([{ price: 100n, orders: [] }]))],
    ['notional overflows', stateSnapshot(one([{ price: 3n, orders: [o(1n, I64_MAX / 2n)] }]))],
    ['level total overflows', stateSnapshot(one([{ price: 1n, orders: [o(1n, I64_MAX), o(2n, 1n)] }]))],
    [
      'more orders than maxOrders',
      stateSnapshot({ ...one([{ price: 100n, orders: [o(1n, 1n), o(2n, 1n)] }]), maxOrders: 1 }),
    ],
    [
      'more orders than maxOrders, counting pending stops',
      stateSnapshot({
        ...one([{ price: 100n, orders: [o(1n, 1n)] }], [], { buyStops: [stop(2n, 120n)] }),
        maxOrders: 1,
      }),
    ],
    ['negative last price', stateSnapshot(one([], [], { lastPrice: -1n }))],
    [
      'iceberg shows more than its display',
      stateSnapshot(one([{ price: 100n, orders: [o(1n, 5n, 1n, { hidden: 5n, display: 4n })] }])),
    ],
    [
      'iceberg in too many parts',
      stateSnapshot(one([{ price: 100n, orders: [o(1n, 1n, 1n, { hidden: 200n, display: 1n })] }])),
    ],
    [
      'expiry 0 with the expiry bit',
      sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 100n, 1n, 0n, 1n, 100n, 1n, 1n, 1n, 1n, 2n, 0n, 0n, 0n, 0n]),
    ],
    [
      'unknown order flag bit',
      sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 100n, 1n, 0n, 1n, 100n, 1n, 1n, 1n, 1n, 128n, 0n, 0n, 0n]),
    ],
    [
      'OCO buy with its stop at the limit price',
      stateSnapshot(
        one([{ price: 100n, orders: [o(1n, 1n, 1n, { oco: true, stopPrice: 100n })] }], [], {
          buyStops: [{ ...stop(1n, 100n), oco: true }],
        }),
      ),
    ],
    [
      'OCO without its stop',
      stateSnapshot(one([{ price: 100n, orders: [o(1n, 1n, 1n, { oco: true, stopPrice: 110n })] }])),
    ],
    [
      'OCO stop on the wrong side',
      stateSnapshot(
        one([{ price: 100n, orders: [o(1n, 1n, 1n, { oco: true, stopPrice: 110n })] }], [], {
          sellStops: [{ ...stop(1n, 110n), oco: true }],
        }),
      ),
    ],
    [
      'stop list names an order that is no OCO',
      stateSnapshot(one([{ price: 100n, orders: [o(1n, 1n)] }], [], { buyStops: [{ ...stop(1n, 110n), oco: true }] })),
    ],
    [
      'stop id also resting',
      stateSnapshot(one([{ price: 100n, orders: [o(1n, 1n)] }], [], { buyStops: [stop(1n, 110n)] })),
    ],
    ['buy stops not in trigger order', stateSnapshot(one([], [], { buyStops: [stop(1n, 120n), stop(2n, 110n)] }))],
    ['sell stops not in trigger order', stateSnapshot(one([], [], { sellStops: [stop(1n, 90n), stop(2n, 95n)] }))],
    ['buy stop already past its trigger', stateSnapshot(one([], [], { lastPrice: 110n, buyStops: [stop(1n, 110n)] }))],
    ['sell stop already past its trigger', stateSnapshot(one([], [], { lastPrice: 90n, sellStops: [stop(1n, 95n)] }))],
    [
      'stop-market with a limit price',
      stateSnapshot(one([], [], { buyStops: [stop(1n, 110n, { type: C.TYPE_STOP_MARKET, tif: C.TIF_IOC })] })),
    ],
    [
      'stop-market GTC',
      stateSnapshot(one([], [], { buyStops: [stop(1n, 110n, { type: C.TYPE_STOP_MARKET, price: 0n })] })),
    ],
    ['stop of a plain limit type', stateSnapshot(one([], [], { buyStops: [stop(1n, 110n, { type: C.TYPE_LIMIT })] }))],
    [
      'stop FOK with an STP mode',
      stateSnapshot(one([], [], { buyStops: [stop(1n, 110n, { tif: C.TIF_FOK, stp: C.STP_DECREMENT })] })),
    ],
    ['stop with zero quantity', stateSnapshot(one([], [], { buyStops: [stop(1n, 110n, { qty: 0n })] }))],
    ['trailing word', sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 100n, ...stateWords(one([])), 0n])],
    ['level count past the end', sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 100n, 1n, 0n, 1000n])],
    ['stop count past the end', sealed([SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 100n, 1n, 0n, 0n, 0n, 1000n])],
  ];
}

function refusals(ctx: CaseContext, target: Target): void {
  const { book } = seeded(ctx, target);
  const good = book.snapshot();
  const before = { hash: book.stateHash(), orders: book.orderCount(), snapshot: show(good) };
  for (const [why, bytes] of badSnapshots(good)) {
    let error: unknown;
    try {
      book.restore(bytes);
    } catch (e) {
      error = e;
    }
    check(
      error instanceof Error && error.name === 'SnapshotError',
      `${target}: a snapshot with ${why} must be refused with SnapshotError, got ${error === undefined ? 'no error' : String(error)}`,
    );
    checkEqual(book.stateHash(), before.hash, `${target}: state hash after refusing a snapshot with ${why}`);
    checkEqual(book.orderCount(), before.orders, `${target}: order count after refusing a snapshot with ${why}`);
  }
  checkEqual(show(book.snapshot()), before.snapshot, `${target}: snapshot after the refusals`);
  if (book instanceof Engine)
    check(book.validate() === null, `${target}: invariant broken after refusals: ${book.validate()}`);
  // the good snapshot still restores
  book.restore(good);
  checkEqual(book.stateHash(), before.hash, `${target}: state hash after restoring the good snapshot`);
}

export const snapshotCases: Case[] = [
  ...TARGETS.map(
    (t): Case => ({ name: `snapshot round trip on ${t}`, group: 'snapshot', run: (ctx) => roundTrip(ctx, t) }),
  ),
  {
    name: 'snapshot bytes identical and interchangeable across the reference and both builds',
    group: 'snapshot',
    run: acrossImplementations,
  },
  ...TARGETS.map(
    (t): Case => ({ name: `snapshot refusals on ${t}`, group: 'snapshot', run: (ctx) => refusals(ctx, t) }),
  ),
];
