// The orders of a network bench run, planned before it starts (seeded): which node takes each,
// its owner, side, price and quantity. Every order has a price no other order has, so a node's
// book feed tells when that node applied it: a level at that price appears (the order rests), or
// a trade names it (it traded, as taker or maker). About a third are takers: a buy priced above
// the mid (a sell below it), where the other side's makers rest, so they cross — mostly orders
// of other nodes, as each node takes 1/N of the orders. Makers and takers of each side have
// owners of their own, so no order ever meets one of its owner's (self-trade prevention would
// cancel the resting one, and if both came in one batch, neither feed would show it).

import { rng } from '../../host-common/test/process/fuzz-gen.ts';

export const MARKET = 'BTC-USD';
export const MARKET_FLAG = 'BTC-USD:0.01:0.00000001';
const MID_TICKS = 3_000_000; // 30000.00 at a tick of 0.01
const TAKER_SHARE = 1 / 3;

export interface PlannedOrder {
  node: number;
  owner: number;
  taker: boolean;
  price: string;
  /** the POST /v1/orders body */
  body: string;
}

export interface Plan {
  orders: PlannedOrder[];
  /** price (as the node formats it) → the order's index */
  byPrice: Map<string, number>;
}

const priceOf = (ticks: number) => `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`;

/** Owners a plan uses per node: OWNER_GROUPS groups (maker buy, maker sell, taker buy, taker sell) of `perGroup`. */
export const OWNER_GROUPS = 4;

/** `total` orders over `nodes` nodes (order k on node k mod nodes); in each group its `perGroup` owners in turn. */
export function planOrders(total: number, nodes: number, perGroup: number, seed = 1): Plan {
  const r = rng(seed);
  // each side of the mid has a distinct tick for every order, dealt in a random order
  const width = Math.max(100, total);
  const deal = (from: number) => {
    const ticks = Array.from({ length: width }, (_, i) => from + i);
    for (let i = ticks.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [ticks[i], ticks[j]] = [ticks[j], ticks[i]];
    }
    return ticks;
  };
  const below = deal(MID_TICKS - width);
  const above = deal(MID_TICKS + 1);
  const orders: PlannedOrder[] = [];
  const byPrice = new Map<string, number>();
  for (let k = 0; k < total; k++) {
    const taker = r() < TAKER_SHARE;
    const side = r() < 0.5 ? 'buy' : 'sell';
    // makers rest on their own side of the mid; takers reach into the other side
    const ticks = ((side === 'buy') !== taker ? below : above).pop()!;
    const price = priceOf(ticks);
    const lots = 1_000_000 + Math.floor(r() * 9_000_000); // 0.01 to 0.1
    const quantity = `0.${String(lots).padStart(8, '0')}`;
    orders.push({
      node: k % nodes,
      owner: (taker ? 2 : 0) + (side === 'buy' ? 0 : 1) + OWNER_GROUPS * (Math.floor(k / nodes) % perGroup),
      taker,
      price,
      body: `{"market":"${MARKET}","side":"${side}","type":"limit","price":"${price}","quantity":"${quantity}"}`,
    });
    byPrice.set(price, k);
  }
  return { orders, byPrice };
}
