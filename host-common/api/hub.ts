// The fan-out of live changes to WebSocket and SSE subscribers: book deltas and trades per
// market, order updates per owner. The state calls it (as its StateObserver) after each
// applied batch; each message is serialised once, whoever many subscribers get it.
//
// Push shape (docs/api.md, Streams): {channel, market, sentAt, data}. Book: a "snapshot" on
// subscribe, then "delta"s listing only the changed levels, a level whose quantity is "0" is gone.
// `sentAt` is the node's clock when it made the push, to the microsecond: for a change, the
// moment it was applied here (pushes are made while the batch is applied).
//
// Pushes are written after the work of the event loop's turn (setImmediate), in the order they
// were made: an applied batch first goes out to the peers and answers its callers, then tells
// the subscribers. Writing a frame is a system call per push; made during the apply, those
// calls delayed the gossip of every batch.

import type { Markets } from '../markets.ts';
import type { NodeState, StateObserver } from '../state/node-state.ts';
import type { OrderRecord } from '../state/order-table.ts';
import type { TradeRecord } from '../state/trades.ts';
import { formatLevels, formatOrder, formatTrade, preciseNow, stateHashHex } from './format.ts';

export interface Subscriber {
  /** Sends one message; must not throw (a closed connection drops it). */
  send(text: string): void;
  /** Ends the connection (node shutdown). */
  close(): void;
}

export type Channel = 'book' | 'trades' | 'orders';

/** How deep the book snapshot sent on subscribe is. */
export const SNAPSHOT_LEVELS = 1000;

export class Hub implements StateObserver {
  private readonly markets: Markets;
  private readonly state: () => NodeState;
  private readonly bookSubs = new Map<number, Set<Subscriber>>();
  private readonly tradeSubs = new Map<number, Set<Subscriber>>();
  // owner → subscriber → markets (null: all)
  private readonly orderSubs = new Map<string, Map<Subscriber, Set<number | null>>>();
  private readonly all = new Set<Subscriber>();
  /** Pushes made and not yet written: subscriber, text, in order. */
  private pending: (Subscriber | string)[] = [];
  pushes = 0;

  constructor(markets: Markets, state: () => NodeState) {
    this.markets = markets;
    this.state = state;
  }

  get subscribers(): number {
    return this.all.size;
  }

  /** The book message a subscriber starts from. */
  bookSnapshot(market: number): string {
    const s = this.state();
    const d = s.depth(market, SNAPSHOT_LEVELS);
    return JSON.stringify({
      channel: 'book',
      market: this.markets.at(market).id,
      sentAt: preciseNow(),
      data: {
        type: 'snapshot',
        bids: formatLevels(this.markets, market, d.bids),
        asks: formatLevels(this.markets, market, d.asks),
        stateHash: stateHashHex(s.stateHash()),
        eventCount: s.eventCount,
      },
    });
  }

  subscribe(sub: Subscriber, channel: Channel, market: number | null, owner: string | null): void {
    this.all.add(sub);
    if (channel === 'orders') {
      let subs = this.orderSubs.get(owner!);
      if (!subs) {
        subs = new Map();
        this.orderSubs.set(owner!, subs);
      }
      let ms = subs.get(sub);
      if (!ms) {
        ms = new Set();
        subs.set(sub, ms);
      }
      ms.add(market);
      return;
    }
    const map = channel === 'book' ? this.bookSubs : this.tradeSubs;
    let set = map.get(market!);
    if (!set) {
      set = new Set();
      map.set(market!, set);
    }
    // queued too: pushes made before it reach the subscriber first, deltas made after it follow it
    if (channel === 'book' && !set.has(sub)) this.enqueue(sub, this.bookSnapshot(market!));
    set.add(sub);
  }

  unsubscribe(sub: Subscriber, channel: Channel, market: number | null, owner: string | null): void {
    if (channel === 'orders') {
      const subs = this.orderSubs.get(owner!);
      subs?.get(sub)?.delete(market);
      if (subs?.get(sub)?.size === 0) subs.delete(sub);
      if (subs?.size === 0) this.orderSubs.delete(owner!);
      return;
    }
    const map = channel === 'book' ? this.bookSubs : this.tradeSubs;
    map.get(market!)?.delete(sub);
    if (map.get(market!)?.size === 0) map.delete(market!);
  }

  /** Forgets a subscriber everywhere (its connection closed). */
  remove(sub: Subscriber): void {
    this.all.delete(sub);
    for (const map of [this.bookSubs, this.tradeSubs]) {
      for (const [k, set] of map) {
        set.delete(sub);
        if (set.size === 0) map.delete(k);
      }
    }
    for (const [owner, subs] of this.orderSubs) {
      subs.delete(sub);
      if (subs.size === 0) this.orderSubs.delete(owner);
    }
  }

  closeAll(): void {
    this.flush();
    for (const sub of [...this.all]) {
      this.remove(sub);
      sub.close();
    }
  }

  // ---- StateObserver ----

  wantsBook(market: number): boolean {
    return this.bookSubs.has(market);
  }

  order(o: OrderRecord): void {
    const subs = this.orderSubs.get(o.owner);
    if (!subs) return;
    let text: string | null = null;
    for (const [sub, markets] of subs) {
      if (!markets.has(null) && !markets.has(o.market)) continue;
      text ??= JSON.stringify({
        channel: 'orders',
        market: this.markets.at(o.market).id,
        sentAt: preciseNow(),
        data: formatOrder(this.markets, o),
      });
      this.push(sub, text);
    }
  }

  trade(t: TradeRecord): void {
    const subs = this.tradeSubs.get(t.market);
    if (!subs) return;
    const text = JSON.stringify({
      channel: 'trades',
      market: this.markets.at(t.market).id,
      sentAt: preciseNow(),
      data: formatTrade(this.markets, t),
    });
    for (const sub of subs) this.push(sub, text);
  }

  book(market: number, bids: [bigint, bigint][], asks: [bigint, bigint][]): void {
    const subs = this.bookSubs.get(market);
    if (!subs) return;
    const rows = (l: [bigint, bigint][]) =>
      formatLevels(
        this.markets,
        market,
        l.map(([price, qty]) => ({ price, qty })),
      );
    const text = JSON.stringify({
      channel: 'book',
      market: this.markets.at(market).id,
      sentAt: preciseNow(),
      data: { type: 'delta', bids: rows(bids), asks: rows(asks), eventCount: this.state().eventCount },
    });
    for (const sub of subs) this.push(sub, text);
  }

  private push(sub: Subscriber, text: string): void {
    this.pushes++;
    this.enqueue(sub, text);
  }

  private enqueue(sub: Subscriber, text: string): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(sub, text);
  }

  /** Writes the pushes made so far, to subscribers still here. */
  private flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (let i = 0; i < pending.length; i += 2) {
      const sub = pending[i] as Subscriber;
      if (this.all.has(sub)) sub.send(pending[i + 1] as string);
    }
  }
}
