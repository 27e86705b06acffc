// nodejs-order-book (the most used order book on npm) as a contender. Its API speaks JS
// numbers and string ids, one call per command, so the stream is translated once, outside
// the timed region: ticks -> price, lots -> size (exact below 2^53; our streams stay far
// below), ids and owners -> strings. Self-trade prevention maps to accountId + EXPIRE_MAKER,
// which is our cancel-resting. What it cannot express the same way:
//   - reduce: no reduce-in-place; the nearest is modify({ size }), which re-queues the order
//     at the back of its level (loses time priority) and drops its accountId (so STP);
//   - FOK: its fill check counts the taker's own resting orders, ours does not (they would
//     be cancelled by STP, not traded); a market FOK does not exist (sent as a market order);
//   - market orders carry no id, so a duplicate-id reject cannot happen for them.
// Streams with any of these run for speed but their final depth is not compared.
import pkg from 'nodejs-order-book';
import * as C from '../../../core-as/codes.ts';
import type { Command, Depth, Level } from '../../../core-as/types.ts';
import { prefillChunks, type Stream } from '../streams.ts';
import { sameDepth, type Check, type Runner, type Truth } from '../runner.ts';

const { OrderBook } = pkg;
type Book = InstanceType<typeof OrderBook>;

const STP = 'EXPIRE_MAKER';
const TIF = ['GTC', 'IOC', 'FOK'] as const;

type Op =
  | { k: 0; o: { id: string; side: 'buy' | 'sell'; size: number; price: number; postOnly: boolean; timeInForce: string; accountId: string; stpMode: string } }
  | { k: 1; o: { side: 'buy' | 'sell'; size: number; accountId: string; stpMode: string } }
  | { k: 2; id: string }
  | { k: 3; id: string; qty: number };

export interface Translation {
  ops: Op[];
  /** Commands it runs with different semantics, by kind; empty when the stream is exact. */
  inexact: Record<string, number>;
}

function num(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} ${v} is not exact as a JS number`);
  return Number(v);
}

export function translate(commands: Command[]): Translation {
  const inexact: Record<string, number> = {};
  const note = (k: string) => (inexact[k] = (inexact[k] ?? 0) + 1);
  const ops = commands.map((c): Op => {
    if (c.market !== 0 || c.stp !== C.STP_CANCEL_RESTING || c.flags & ~C.FLAG_POST_ONLY) throw new RangeError('not expressible in nodejs-order-book');
    const id = c.id.toString();
    if (c.kind === C.CMD_CANCEL) return { k: 2, id };
    if (c.kind === C.CMD_REDUCE) {
      note('reduce (modify re-queues)');
      return { k: 3, id, qty: num(c.qty, 'qty') };
    }
    const side = c.side === C.SIDE_BUY ? 'buy' : 'sell';
    const accountId = c.owner.toString();
    if (c.type === C.TYPE_MARKET) {
      if (c.tif === C.TIF_FOK) note('market FOK (sent as market)');
      return { k: 1, o: { side, size: num(c.qty, 'qty'), accountId, stpMode: STP } };
    }
    if (c.tif === C.TIF_FOK) note('FOK (counts own orders)');
    return {
      k: 0,
      o: { id, side, size: num(c.qty, 'qty'), price: num(c.price, 'price'), postOnly: (c.flags & C.FLAG_POST_ONLY) !== 0, timeInForce: TIF[c.tif], accountId, stpMode: STP },
    };
  });
  return { ops, inexact };
}

export function nobApply(book: Book, op: Op): number {
  switch (op.k) {
    case 0: return book.limit(op.o).done.length;
    case 1: return book.market(op.o).done.length;
    case 2: return book.cancel(op.id) === undefined ? 0 : 1;
    case 3: {
      const o = book.order(op.id);
      if (o === undefined) return 0;
      if (op.qty >= o.size) return book.cancel(op.id) === undefined ? 0 : 1;
      return book.modify(op.id, { size: o.size - op.qty }).done.length + 1;
    }
  }
}

/** Every level, best first, as the core reports depth. */
export function nobDepth(book: Book): Depth {
  const side = (s: Book['bids']): Level[] => {
    const out: Level[] = [];
    s.priceTree().forEach((price: number, queue: { volume(): number; len(): number }) => {
      out.push({ price: BigInt(price), qty: BigInt(queue.volume()), orders: queue.len() });
    });
    return out;
  };
  return { bids: side(book.bids), asks: side(book.asks) };
}

export function nobBook(): Book {
  return new OrderBook();
}

/** A nodejs-order-book holding the stream's starting book. */
export function nobStart(stream: Stream): Book {
  const book = new OrderBook();
  for (const chunk of prefillChunks(stream)) for (const op of translate(chunk).ops) nobApply(book, op);
  return book;
}

export function nobRunner(stream: Stream): Runner {
  const { ops, inexact: differs } = translate(stream.commands);
  const inexact = Object.entries(differs).map(([k, n]) => `${n} ${k}`).join(', ');
  let book: Book | null = null;
  let cursor = 0;
  const live = (): Book => book ?? (book = nobStart(stream));
  return {
    subject: 'nodejs-order-book',
    batch: 1,
    steps: ops.length,
    reset() {
      book = null;
      book = nobStart(stream);
      cursor = 0;
    },
    release() {
      book = null;
    },
    pass() {
      const b = live();
      let n = 0;
      for (let i = 0; i < ops.length; i++) n += nobApply(b, ops[i]);
      return n;
    },
    step() {
      nobApply(live(), ops[cursor++]);
    },
    verify(truth: Truth): Check {
      if (inexact !== '') return { ok: null, how: 'full depth', reason: `not compared: semantics differ on ${inexact}` };
      const diff = sameDepth(nobDepth(live()), truth.depth);
      return { ok: diff === null, how: 'full depth', ...(diff === null ? {} : { reason: diff }) };
    },
  };
}
