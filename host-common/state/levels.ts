// The host's mirror of the books' level totals, kept from the core's events, so a batch can
// say which levels it changed and their new totals (book deltas for WebSocket and SSE)
// without asking the core for whole depths. A level's total is what its orders *show*, as the
// core's depth does: an iceberg counts its visible slice only, a pending stop nothing. Which
// event moves which level (trades, refills, amends, triggered stops) is in events.ts. Tests
// check it equals the core's depth after every batch, advanced orders included.

import * as C from '../../core-as/codes.ts';
import type { UndoLog } from './undo-log.ts';

/** Levels touched by a batch, per market: the prices whose totals to push. */
export type TouchedLevels = Map<number, { bids: Set<bigint>; asks: Set<bigint> }>;

export class LevelMirror {
  private readonly books: { bids: Map<bigint, bigint>; asks: Map<bigint, bigint> }[];
  /** Where changes are recorded while a rollback may reach them. */
  undo: UndoLog | null = null;

  constructor(markets: number) {
    this.books = Array.from({ length: markets }, () => ({ bids: new Map(), asks: new Map() }));
  }

  /** Adds `delta` (negative to take off) at a level; notes the level in `touched`. */
  add(market: number, side: number, price: bigint, delta: bigint, touched: TouchedLevels | null): void {
    this.undo?.push({ kind: 'level', market, side, price, delta });
    const book = this.books[market];
    const map = side === C.SIDE_BUY ? book.bids : book.asks;
    const total = (map.get(price) ?? 0n) + delta;
    if (total === 0n) map.delete(price);
    else map.set(price, total);
    if (touched) {
      let l = touched.get(market);
      if (!l) {
        l = { bids: new Set(), asks: new Set() };
        touched.set(market, l);
      }
      (side === C.SIDE_BUY ? l.bids : l.asks).add(price);
    }
  }

  total(market: number, side: number, price: bigint): bigint {
    const book = this.books[market];
    return (side === C.SIDE_BUY ? book.bids : book.asks).get(price) ?? 0n;
  }

  /** The touched levels of a market with their totals now: bids best first, asks best first. */
  delta(
    market: number,
    l: { bids: Set<bigint>; asks: Set<bigint> },
  ): { bids: [bigint, bigint][]; asks: [bigint, bigint][] } {
    const book = this.books[market];
    const bids = [...l.bids]
      .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
      .map((p): [bigint, bigint] => [p, book.bids.get(p) ?? 0n]);
    const asks = [...l.asks]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((p): [bigint, bigint] => [p, book.asks.get(p) ?? 0n]);
    return { bids, asks };
  }
}
