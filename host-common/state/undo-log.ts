// How the host's tables go back: while a rollback may still reach them, every change the
// core's events make to the order table, the level mirror and the trade rings is written
// here first, so NodeState can undo back to a mark in time proportional to what changed
// since, not to the size of the state. The core goes back by its own snapshot; these
// records are the host's half.
//
// Marks are absolute positions (entries ever written), so entries before the oldest mark
// still needed can be dropped without renumbering the marks.

import type { OrderRecord } from './order-table.ts';
import type { TradeRecord } from './trades.ts';

export type UndoEntry =
  /** An order's fields before the first change after the last mark. */
  | { kind: 'fields'; order: OrderRecord; was: OrderRecord }
  /** An order entered the table. */
  | { kind: 'added'; order: OrderRecord }
  /** An order finished (its id is the newest in the finished list). */
  | { kind: 'finished'; order: OrderRecord }
  /** A shown level total moved by `delta`. */
  | { kind: 'level'; market: number; side: number; price: bigint; delta: bigint }
  /** A trade entered its market's ring, pushing out `overwritten` when the ring was full. */
  | { kind: 'trade'; trade: TradeRecord; overwritten: TradeRecord | undefined };

export class UndoLog {
  private entries: UndoEntry[] = [];
  /** Entries dropped from the front: the absolute position of entries[0]. */
  private base = 0;
  /** Orders whose fields are already saved since the last mark. */
  private saved = new Set<OrderRecord>();

  /** The position to undo back to later; changes after it are recorded in full. */
  mark(): number {
    this.saved = new Set();
    return this.base + this.entries.length;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Before an order's fields change: keeps what they were, once per mark. */
  fields(order: OrderRecord): void {
    if (this.saved.has(order)) return;
    this.saved.add(order);
    this.entries.push({ kind: 'fields', order, was: { ...order } });
  }

  push(entry: UndoEntry): void {
    this.entries.push(entry);
  }

  /** Removes and hands back the entries after `mark`, newest first. */
  *takeBack(mark: number): Generator<UndoEntry> {
    if (mark < this.base) throw new RangeError(`undo mark ${mark} was already dropped (oldest ${this.base})`);
    while (this.base + this.entries.length > mark) yield this.entries.pop()!;
    this.saved = new Set();
  }

  /** Forgets the entries before `mark`: nothing will go back that far. */
  dropBefore(mark: number): void {
    const n = mark - this.base;
    if (n <= 0) return;
    this.entries = this.entries.slice(n);
    this.base = mark;
  }
}
