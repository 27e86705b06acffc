// The recent trades of each market, in a fixed-size ring per market (GET .../trades).

/** tentative until its event is final (stable on every member); reverted when a rollback removed it. */
export type TradeStatus = 'tentative' | 'final' | 'reverted';

export interface TradeRecord {
  id: string; //            "<taker order id>-<n>": unique and the same on every node
  market: number;
  price: bigint; //         ticks
  quantity: bigint; //      lots
  takerSide: number;
  takerOrderId: bigint;
  makerOrderId: bigint;
  time: number; //          ms: the taker's envelope time
  status: TradeStatus;
}

export class TradeRing {
  readonly capacity: number;
  private items: TradeRecord[] = [];
  private next = 0; // where the next trade goes once the ring is full

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Adds the newest trade; returns the oldest it pushed out of a full ring. */
  push(t: TradeRecord): TradeRecord | undefined {
    if (this.items.length < this.capacity) {
      this.items.push(t);
      return undefined;
    }
    const out = this.items[this.next];
    this.items[this.next] = t;
    this.next = (this.next + 1) % this.capacity;
    return out;
  }

  /** Takes back the newest push, given what it pushed out. */
  unpush(overwritten: TradeRecord | undefined): void {
    if (overwritten === undefined) {
      this.items.pop();
      return;
    }
    this.next = (this.next - 1 + this.capacity) % this.capacity;
    this.items[this.next] = overwritten;
  }

  /**
   * Newest first, at most `limit`. `before`: only trades older than the trade with that id;
   * none when the ring no longer holds it (everything older has left the ring too).
   */
  newest(limit: number, before: string | null = null): TradeRecord[] {
    const n = this.items.length;
    const out: TradeRecord[] = [];
    // the newest sits just before `next` once the ring has wrapped
    const at = (k: number) => this.items[((((n < this.capacity ? n : this.next) - 1 - k) % n) + n) % n];
    let k = 0;
    if (before !== null) {
      while (k < n && at(k).id !== before) k++;
      k++;
    }
    for (; k < n && out.length < limit; k++) out.push(at(k));
    return out;
  }

  /** Oldest first (for checkpoints). */
  all(): TradeRecord[] {
    return this.items.length < this.capacity
      ? this.items.slice()
      : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}
