// One node's WebSocket feed, as the network bench watches it: `book` and `trades` of the
// market, each push stamped on arrival with the bench's one clock (performance.now()), and
// carrying the node's own clock when it applied the change (`sentAt`). From it: when this node
// applied each order — a level at the order's unique price appears, or a trade names the
// order — on both clocks, and when each trade turned final (or was reverted) here.

import { preciseMs } from '../../host-common/api/format.ts';
import { MARKET, type Plan } from './orders.ts';

interface TradePush {
  id: string;
  takerOrderId: string;
  makerOrderId: string;
  status: 'tentative' | 'final' | 'reverted';
}

export interface TradeSeen {
  taker: string;
  maker: string;
  firstAt: number;
  finalAt: number; // NaN until final here
  reverted: number; // pushes with status reverted
  last: TradePush['status'];
}

export class Feed {
  /** order index → when a level at its price first appeared here (NaN: never) */
  readonly restedAt: Float64Array;
  /** order id → when a trade first named it (as taker or maker) */
  readonly tradedAt = new Map<string, number>();
  /** the same two on the node's clock (its `sentAt`, epoch ms to the microsecond) */
  readonly restedSent: Float64Array;
  readonly tradedSent = new Map<string, number>();
  readonly trades = new Map<string, TradeSeen>();
  pushes = 0;
  /** why the node closed the socket during the run, if it did */
  closedEarly: string | null = null;
  readonly ready: Promise<void>;
  private readonly ws: WebSocket;
  private readonly plan: Plan;
  private closing = false;

  constructor(apiUrl: string, plan: Plan) {
    this.plan = plan;
    this.restedAt = new Float64Array(plan.orders.length).fill(Number.NaN);
    this.restedSent = new Float64Array(plan.orders.length).fill(Number.NaN);
    this.ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/v1/stream`);
    let pending = 3; // two acks and the book snapshot
    this.ready = new Promise((resolve, reject) => {
      this.ws.onopen = () => {
        for (const channel of ['book', 'trades'])
          this.ws.send(JSON.stringify({ op: 'subscribe', channel, market: MARKET }));
      };
      this.ws.onerror = () => reject(new Error(`WebSocket ${apiUrl}: error`));
      this.ws.onclose = (e) => {
        if (!this.closing) this.closedEarly = `code ${e.code} ${e.reason}`;
        reject(new Error(`WebSocket ${apiUrl} closed: ${e.code} ${e.reason}`));
      };
      this.ws.onmessage = (e) => {
        const at = performance.now();
        const msg = JSON.parse(String(e.data));
        if (msg.op === 'subscribed' || msg.data?.type === 'snapshot') {
          if (--pending === 0) resolve();
          return;
        }
        this.pushes++;
        const sent = preciseMs(msg.sentAt);
        if (msg.channel === 'book') this.book(msg.data, at, sent);
        else if (msg.channel === 'trades') this.trade(msg.data, at, sent);
      };
    });
    this.ready.catch(() => {}); // a late close is kept in closedEarly
  }

  private book(data: { bids: [string, string][]; asks: [string, string][] }, at: number, sent: number): void {
    for (const side of [data.bids, data.asks]) {
      for (const [price, qty] of side) {
        if (!(Number(qty) > 0)) continue;
        const k = this.plan.byPrice.get(price);
        if (k !== undefined && Number.isNaN(this.restedAt[k])) {
          this.restedAt[k] = at;
          this.restedSent[k] = sent;
        }
      }
    }
  }

  private trade(t: TradePush, at: number, sent: number): void {
    for (const id of [t.takerOrderId, t.makerOrderId]) {
      if (this.tradedAt.has(id)) continue;
      this.tradedAt.set(id, at);
      this.tradedSent.set(id, sent);
    }
    let seen = this.trades.get(t.id);
    if (!seen) {
      seen = {
        taker: t.takerOrderId,
        maker: t.makerOrderId,
        firstAt: at,
        finalAt: Number.NaN,
        reverted: 0,
        last: t.status,
      };
      this.trades.set(t.id, seen);
    }
    if (t.status === 'final' && Number.isNaN(seen.finalAt)) seen.finalAt = at;
    if (t.status === 'reverted') seen.reverted++;
    seen.last = t.status;
  }

  /** When the bench saw this node apply order k (id: its order id), or NaN if its feed never showed it. */
  appliedAt(k: number, id: string): number {
    return earlier(this.tradedAt.get(id) ?? Number.NaN, this.restedAt[k]);
  }

  /** When this node applied order k, on its own clock (epoch ms), or NaN. */
  appliedSent(k: number, id: string): number {
    return earlier(this.tradedSent.get(id) ?? Number.NaN, this.restedSent[k]);
  }

  close(): void {
    this.closing = true;
    this.ws.close();
  }
}

const earlier = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));
