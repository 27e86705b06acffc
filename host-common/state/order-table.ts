// The host's memory of orders. The core only holds live orders (resting, or stops waiting
// for their trigger); finished ones (filled, cancelled, expired) leave it, but users still
// ask for them (GET /v1/orders/:id, a 409 when cancelling twice). The table is built only
// from applied envelopes and the core's events, so a replay rebuilds it exactly. Finished
// orders are kept up to a limit, the oldest-finished going first; live orders are always kept,
// and so are orders finished after the pin (a rollback may still make them live again).

import type { UndoLog } from './undo-log.ts';

import { ExpiryQueue } from './expiry-queue.ts';

/**
 * pending: a stop order waiting for its trigger; open / partially_filled: in the book (or
 * entering it); filled, cancelled, expired (good-till-time), rejected (a triggered stop the
 * book refused): finished.
 */
export type OrderStatus = 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'pending' | 'expired' | 'rejected';

/** An OCO's stop leg: waiting, triggered (the order now works at its price), or cancelled (a fill of the limit leg, or the order ended). */
export type OcoState = 'pending' | 'triggered' | 'cancelled';

export const isLive = (s: OrderStatus): boolean => s === 'open' || s === 'partially_filled' || s === 'pending';

export interface OrderRecord {
  id: bigint;
  hex: string; //            the API's id: 16 hex digits
  market: number; //         market index
  owner: string; //          qualified: name@peerId
  clientOrderId: string | null;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  stp: number; //            STP_*
  price: bigint; //          ticks: the price it works at now (moved by an amend, or an OCO's stop leg); 0 for market orders
  quantity: bigint; //       lots: filled + remaining while live; lowered by reduce, set by amend
  filled: bigint;
  remaining: bigint; //      0 once finished; shown + hidden for an iceberg
  visible: bigint; //        the part in the book's depth while resting (an iceberg's shown slice), else 0
  status: OrderStatus;
  reason: string | null; //  why it was cancelled (a DONE_* name) or rejected (the API's code)
  createdAt: number; //      ms, the origin's clock when it was placed
  updatedAt: number;
  resting: boolean; //       in the book right now
  stopPrice: bigint; //      ticks: a stop order's trigger; 0 for none
  display: bigint; //        lots: an iceberg's display quantity; 0 for none
  expiresAt: number; //      ms: good-till-time; 0 for none
  ocoStopPrice: bigint; //   ticks: an OCO's stop leg; 0 for none
  ocoPrice: bigint; //       ticks: the stop leg's limit price (0: stop-market)
  ocoState: OcoState | null;
  triggeredAt: number; //    ms: when a stop (or an OCO's stop leg) triggered; 0 before
  takerTrades: number; //    trades it made as the taker, for trade ids ("<order id>-<n>")
}

export const copyOrder = (o: OrderRecord): OrderRecord => ({ ...o });

export class OrderTable {
  readonly maxFinished: number;
  private readonly orders = new Map<bigint, OrderRecord>();
  // owner → ids, creation order (oldest first): every order kept, and the live ones. Arrays, not
  // sets (an insert is the hot path's cost): ids that left stay until a sweep, `stale` counts them.
  private readonly byOwner = new Map<string, OwnerIds>();
  private readonly openByOwner = new Map<string, OwnerIds>();
  // owner \0 clientOrderId → id, for every order kept
  private readonly byClientId = new Map<string, bigint>();
  // id → creation rank (increasing with every order added), for every order kept: where a
  // page of list() that continues after an order starts, however the lists changed meanwhile
  private readonly rank = new Map<bigint, number>();
  private nextRank = 0;
  // finished ids, oldest first, from `head` on; `base` ids were dropped from the front of the array
  private finished: bigint[] = [];
  private head = 0;
  private base = 0;
  /** Finished orders from this absolute position on are never forgotten (null: no pin). */
  private pin: number | null = null;
  /** Where additions and finishes are recorded while a rollback may reach them; null when none can. */
  undo: UndoLog | null = null;
  // the live good-till-time orders, earliest expiry first
  private readonly expiries = new ExpiryQueue();

  constructor(maxFinished: number) {
    this.maxFinished = maxFinished;
  }

  get size(): number {
    return this.orders.size;
  }

  get(id: bigint): OrderRecord | undefined {
    return this.orders.get(id);
  }

  static clientKey(owner: string, clientOrderId: string): string {
    return `${owner}\u0000${clientOrderId}`;
  }

  byClientOrderId(owner: string, clientOrderId: string): bigint | undefined {
    return this.byClientId.get(OrderTable.clientKey(owner, clientOrderId));
  }

  hasClientKey(key: string): boolean {
    return this.byClientId.has(key);
  }

  add(o: OrderRecord): void {
    this.undo?.push({ kind: 'added', order: o });
    this.orders.set(o.id, o);
    const rank = this.nextRank++;
    this.rank.set(o.id, rank);
    push(this.byOwner, o.owner, o.id, rank);
    if (isLive(o.status)) push(this.openByOwner, o.owner, o.id, rank);
    if (o.expiresAt > 0 && isLive(o.status)) this.expiries.push(o.expiresAt, o.id);
    if (o.clientOrderId !== null) this.byClientId.set(OrderTable.clientKey(o.owner, o.clientOrderId), o.id);
  }

  /** Marks an order finished (its status already set) and forgets the oldest finished past the limit. */
  finish(o: OrderRecord): void {
    leave(this.openByOwner, o.owner, (id) => {
      const x = this.orders.get(id);
      return x !== undefined && isLive(x.status);
    });
    this.undo?.push({ kind: 'finished', order: o });
    this.finished.push(o.id);
    this.trim();
  }

  /** How many orders have finished since the table began (the absolute end of the finished list). */
  get finishedTotal(): number {
    return this.base + this.finished.length;
  }

  /** Keeps every order finished from `at` (a finishedTotal) on, until pinned later or unpinned (null). */
  pinFinished(at: number | null): void {
    this.pin = at;
    this.trim();
  }

  /** Forgets the oldest finished orders past the limit, never one at or after the pin. */
  private trim(): void {
    const stop = this.pin === null ? Infinity : this.pin - this.base;
    while (this.finished.length - this.head > this.maxFinished && this.head < stop)
      this.forget(this.finished[this.head++]);
    if (this.head > 4096 && this.head * 2 > this.finished.length) {
      this.finished = this.finished.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  /** Takes back add(o): the newest order of its owner. */
  unadd(o: OrderRecord): void {
    this.orders.delete(o.id);
    this.rank.delete(o.id);
    dropId(this.byOwner, o.owner, o.id);
    dropId(this.openByOwner, o.owner, o.id);
    if (o.clientOrderId !== null) {
      const key = OrderTable.clientKey(o.owner, o.clientOrderId);
      if (this.byClientId.get(key) === o.id) this.byClientId.delete(key);
    }
  }

  /**
   * Takes back finish(o) (the newest finished). The order is live again once its fields are
   * restored: call reopen() with it after the whole undo.
   */
  unfinish(o: OrderRecord): void {
    if (this.finished.length === this.head || this.finished[this.finished.length - 1] !== o.id)
      throw new Error(`undo: order ${o.hex} is not the newest finished`);
    this.finished.pop();
  }

  /**
   * Puts orders an undo made live again back in their owners' open lists, each at its place by
   * creation rank (an id that left the list and was not swept yet is still there), and due
   * again if it has an expiry (the queue drops entries that went stale).
   */
  reopen(orders: Iterable<OrderRecord>): void {
    for (const o of orders) {
      if (this.orders.get(o.id) !== o || !isLive(o.status)) continue;
      const rank = this.rank.get(o.id) ?? 0;
      const list = this.openByOwner.get(o.owner);
      if (!list) this.openByOwner.set(o.owner, { ids: [o.id], ranks: [rank], stale: 0 });
      else {
        const at = firstAtLeast(list.ranks, rank);
        if (list.ids[at] === o.id) list.stale = Math.max(0, list.stale - 1);
        else {
          list.ids.splice(at, 0, o.id);
          list.ranks.splice(at, 0, rank);
        }
      }
      if (o.expiresAt > 0) this.expiries.push(o.expiresAt, o.id);
    }
  }

  private forget(id: bigint): void {
    const o = this.orders.get(id);
    if (!o) return;
    this.orders.delete(id);
    this.rank.delete(id);
    leave(this.byOwner, o.owner, (x) => this.orders.has(x));
    if (o.clientOrderId !== null) {
      const key = OrderTable.clientKey(o.owner, o.clientOrderId);
      if (this.byClientId.get(key) === id) this.byClientId.delete(key);
    }
  }

  /**
   * An owner's orders, newest first, filtered; at most `limit`. `openOnly`: the live ones (open,
   * partially filled, pending). `before`: only orders created before that one (an order the
   * table keeps, see get(); none otherwise), so pages that each continue after the last order of the one before list every
   * order once, whatever was added or finished between them.
   */
  list(
    owner: string,
    filter: (o: OrderRecord) => boolean,
    openOnly: boolean,
    limit: number,
    before: bigint | null = null,
  ): OrderRecord[] {
    const list = (openOnly ? this.openByOwner : this.byOwner).get(owner);
    if (!list) return [];
    const all = list.ids;
    let start = all.length - 1;
    if (before !== null) {
      const rank = this.rank.get(before);
      if (rank === undefined) return [];
      start = firstAtLeast(list.ranks, rank) - 1;
    }
    const out: OrderRecord[] = [];
    for (let i = start; i >= 0 && out.length < limit; i--) {
      const o = this.orders.get(all[i]);
      if (o && (!openOnly || isLive(o.status)) && filter(o)) out.push(o); // ids that left are skipped
    }
    return out;
  }

  /** The earliest expiresAt (ms) of a live good-till-time order (a resting order or a pending stop); null if none. */
  nextExpiry(): number | null {
    return this.expiries.next((id, at) => {
      const o = this.orders.get(id);
      return o !== undefined && isLive(o.status) && o.expiresAt === at;
    });
  }

  /** Every order kept, in creation order, and the finished ones in finishing order (for checkpoints). */
  entries(): { orders: OrderRecord[]; finished: bigint[] } {
    return { orders: Array.from(this.orders.values()), finished: this.finished.slice(this.head) };
  }

  /** Rebuilds the table from entries(): `orders` in creation order. */
  static from(maxFinished: number, orders: OrderRecord[], finished: bigint[]): OrderTable {
    const t = new OrderTable(maxFinished);
    for (const o of orders) t.add(o);
    t.finished = finished.slice();
    return t;
  }

  /** Every live order in creation order (for tests: what the core must hold). */
  live(): OrderRecord[] {
    return Array.from(this.orders.values()).filter((o) => isLive(o.status));
  }
}

interface OwnerIds {
  ids: bigint[];
  ranks: number[]; // ids[i]'s creation rank: increasing
  stale: number;
}

function push(map: Map<string, OwnerIds>, owner: string, id: bigint, rank: number): void {
  const list = map.get(owner);
  if (list) {
    list.ids.push(id);
    list.ranks.push(rank);
  } else map.set(owner, { ids: [id], ranks: [rank], stale: 0 });
}

/** The first index whose value is at least `value`, in an increasing array (its length if none). */
function firstAtLeast(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Removes an id that was pushed last (or, after a sweep, anywhere) from an owner's list. */
function dropId(map: Map<string, OwnerIds>, owner: string, id: bigint): void {
  const list = map.get(owner);
  if (!list) return;
  if (list.ids[list.ids.length - 1] === id) {
    list.ids.pop();
    list.ranks.pop();
  } else {
    const at = list.ids.lastIndexOf(id);
    if (at < 0) return;
    list.ids.splice(at, 1);
    list.ranks.splice(at, 1);
  }
  if (list.ids.length === 0) map.delete(owner);
}

/** One of the owner's ids left the list: sweeps it once half are stale (or all may be), drops it when empty. */
function leave(map: Map<string, OwnerIds>, owner: string, stays: (id: bigint) => boolean): void {
  const list = map.get(owner);
  if (!list) return;
  list.stale++;
  if (list.stale * 2 > list.ids.length && (list.stale > 64 || list.stale >= list.ids.length)) {
    const ids: bigint[] = [];
    const ranks: number[] = [];
    for (let i = 0; i < list.ids.length; i++) {
      if (!stays(list.ids[i])) continue;
      ids.push(list.ids[i]);
      ranks.push(list.ranks[i]);
    }
    list.ids = ids;
    list.ranks = ranks;
    list.stale = 0;
    if (list.ids.length === 0) map.delete(owner);
  }
}
