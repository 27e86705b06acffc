// nodejs-order-book (the most used order book on npm) as a contender. Its API speaks JS
// numbers and string ids, one call per command, so the stream is translated once, outside
// the timed region: ticks -> price, lots -> size (exact below 2^53; our streams stay far
// below), ids and owners -> strings. Self-trade prevention maps to accountId + EXPIRE_MAKER,
// which is our cancel-resting. An amend that moves the price or raises the quantity (ours:
// out of the book and in again at the back, matching on the way) is cancel + limit with the
// order's own side, owner and post-only flag; a post-only move that would cross is refused,
// as ours is. What it cannot express the same way:
//   - a reduce, or an amend that lowers the quantity at the same price: ours keeps the
//     order's place; its modify() re-queues the order at the back and drops its accountId;
//   - FOK: its fill check counts the taker's own resting orders, ours does not (they would
//     be cancelled by self-trade prevention, not traded); a market FOK does not exist (sent
//     as a market order).
// A run that met any of these is timed but its final depth is not compared.
import pkg, { type LimitOrderOptions, type MarketOrderOptions } from 'nodejs-order-book';
import * as C from '../../../core-as/codes.ts';
import type { Command, Depth, Level } from '../../../core-as/types.ts';
import { prefillChunks, type Stream } from '../streams.ts';
import { sameDepth, type Check, type Runner, type Truth } from '../runner.ts';

const { OrderBook, SelfTradePreventionMode, Side } = pkg;
type Book = InstanceType<typeof OrderBook>;
type TimeInForce = NonNullable<LimitOrderOptions['timeInForce']>;

/** One side of its book: private in its types, read here for the depth and post-only checks. */
interface BookSide {
  priceTree(): { forEach(f: (price: number, queue: { volume(): number; len(): number }) => void): void };
  minPriceQueue(): { price(): number } | undefined;
  maxPriceQueue(): { price(): number } | undefined;
}
const sides = (book: Book) => book as unknown as { bids: BookSide; asks: BookSide };

const STP = SelfTradePreventionMode.EXPIRE_MAKER;
// its TimeInForce enum is not exported at run time; its values are these strings
const TIF = ['GTC', 'IOC', 'FOK'] as TimeInForce[];

type Op =
  | {
      k: 0;
      o: LimitOrderOptions;
    }
  | { k: 1; o: MarketOrderOptions }
  | { k: 2; id: string }
  | { k: 3; id: string; qty: number }
  | { k: 4; id: string; price: number; qty: number; postOnly: boolean };

export interface Translation {
  ops: Op[];
  /** Commands it runs with different semantics whatever the book, by kind. */
  inexact: Record<string, number>;
}

/** Commands that met a difference only the book's state reveals (counted while running). */
export interface Differences {
  inPlace: number; // reduces and amends that keep the order's place in ours, re-queue in its
}

function num(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`${what} ${v} is not exact as a JS number`);
  return Number(v);
}

export function translate(commands: Command[]): Translation {
  const inexact: Record<string, number> = {};
  const note = (k: string) => (inexact[k] = (inexact[k] ?? 0) + 1);
  const postOnly = new Set<bigint>();
  const ops = commands.map((c): Op => {
    const plain =
      c.market === 0 &&
      c.stp === C.STP_CANCEL_RESTING &&
      (c.flags & ~C.FLAG_POST_ONLY) === 0 &&
      c.display === 0n &&
      c.expiresAt === 0n &&
      (c.type === C.TYPE_LIMIT || c.type === C.TYPE_MARKET) &&
      c.kind >= C.CMD_PLACE &&
      c.kind <= C.CMD_AMEND;
    if (!plain)
      throw new RangeError(
        `not expressible in nodejs-order-book: kind ${c.kind}, type ${c.type}, flags ${c.flags}, stp ${c.stp}`,
      );
    const id = c.id.toString();
    if (c.kind === C.CMD_CANCEL) return { k: 2, id };
    if (c.kind === C.CMD_REDUCE) return { k: 3, id, qty: num(c.qty, 'qty') };
    if (c.kind === C.CMD_AMEND)
      return { k: 4, id, price: num(c.price, 'price'), qty: num(c.qty, 'qty'), postOnly: postOnly.has(c.id) };
    const side = c.side === C.SIDE_BUY ? Side.BUY : Side.SELL;
    const accountId = c.owner.toString();
    if (c.type === C.TYPE_MARKET) {
      if (c.tif === C.TIF_FOK) note('market FOK (sent as market)');
      return { k: 1, o: { side, size: num(c.qty, 'qty'), accountId, stpMode: STP } };
    }
    if (c.tif === C.TIF_FOK) note('FOK (counts own orders)');
    if (c.flags & C.FLAG_POST_ONLY) postOnly.add(c.id);
    return {
      k: 0,
      o: {
        id,
        side,
        size: num(c.qty, 'qty'),
        price: num(c.price, 'price'),
        postOnly: (c.flags & C.FLAG_POST_ONLY) !== 0,
        timeInForce: TIF[c.tif],
        accountId,
        stpMode: STP,
      },
    };
  });
  return { ops, inexact };
}

export function nobApply(book: Book, op: Op, diff: Differences): number {
  switch (op.k) {
    case 0:
      return book.limit(op.o).done.length;
    case 1:
      return book.market(op.o).done.length;
    case 2:
      return book.cancel(op.id) === undefined ? 0 : 1;
    case 3: {
      const o = book.order(op.id);
      if (o === undefined) return 0;
      if (op.qty >= o.size) return book.cancel(op.id) === undefined ? 0 : 1;
      diff.inPlace++;
      return book.modify(op.id, { size: o.size - op.qty }).done.length + 1;
    }
    case 4: {
      const o = book.order(op.id);
      if (o === undefined) return 0;
      const price = op.price === 0 ? o.price : op.price;
      const size = op.qty === 0 ? o.size : op.qty;
      if (price === o.price && size <= o.size) {
        if (size === o.size) return 1;
        diff.inPlace++;
        return book.modify(op.id, { size }).done.length + 1;
      }
      if (op.postOnly && price !== o.price) {
        const best = o.side === 'buy' ? sides(book).asks.minPriceQueue() : sides(book).bids.maxPriceQueue();
        if (best !== undefined && (o.side === 'buy' ? price >= best.price() : price <= best.price())) return 0; // refused, as ours is
      }
      book.cancel(op.id);
      return (
        book.limit({
          id: op.id,
          side: o.side,
          size,
          price,
          postOnly: op.postOnly,
          timeInForce: TIF[C.TIF_GTC],
          accountId: o.accountId,
          stpMode: STP,
        }).done.length + 1
      );
    }
  }
}

/** Every level, best first, as the core reports depth. */
export function nobDepth(book: Book): Depth {
  const side = (s: BookSide): Level[] => {
    const out: Level[] = [];
    s.priceTree().forEach((price, queue) => {
      out.push({ price: BigInt(price), qty: BigInt(queue.volume()), orders: queue.len() });
    });
    return out;
  };
  return { bids: side(sides(book).bids), asks: side(sides(book).asks) };
}

export function nobBook(): Book {
  return new OrderBook();
}

/** A nodejs-order-book holding the stream's starting book. */
export function nobStart(stream: Stream): Book {
  const book = new OrderBook();
  const diff: Differences = { inPlace: 0 };
  for (const chunk of prefillChunks(stream)) for (const op of translate(chunk).ops) nobApply(book, op, diff);
  return book;
}

export function nobRunner(stream: Stream): Runner {
  const { ops, inexact: differs } = translate(stream.commands);
  const inexact = Object.entries(differs)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  let book: Book | null = null;
  let cursor = 0;
  const diff: Differences = { inPlace: 0 };
  const live = (): Book => {
    book ??= nobStart(stream);
    return book;
  };
  return {
    subject: 'nodejs-order-book',
    batch: 1,
    steps: ops.length,
    reset() {
      book = null;
      book = nobStart(stream);
      cursor = 0;
      diff.inPlace = 0;
    },
    release() {
      book = null;
    },
    pass() {
      const b = live();
      let n = 0;
      for (let i = 0; i < ops.length; i++) n += nobApply(b, ops[i], diff);
      return n;
    },
    step() {
      nobApply(live(), ops[cursor++], diff);
    },
    verify(truth: Truth): Check {
      const all = [inexact, diff.inPlace > 0 ? `${diff.inPlace} reduce or amend in place (modify re-queues)` : '']
        .filter((x) => x !== '')
        .join(', ');
      if (all !== '') return { ok: null, how: 'full depth', reason: `not compared: semantics differ on ${all}` };
      const mismatch = sameDepth(nobDepth(live()), truth.depth);
      return { ok: mismatch === null, how: 'full depth', ...(mismatch === null ? {} : { reason: mismatch }) };
    },
  };
}
