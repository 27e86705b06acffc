// The API's JSON shapes (docs/api.md): integers inside become decimal strings with the market's
// decimals, codes become names, milliseconds become ISO-8601 UTC strings.

import * as C from '../../core-as/codes.ts';
import { STP_NAMES, TIF_NAMES, TYPE_NAMES } from '../../core-as/names.ts';
import type { Markets } from '../markets.ts';
import { orderIdHex } from '../wire/envelope.ts';
import type { OrderRecord } from '../state/order-table.ts';
import type { TradeRecord } from '../state/trades.ts';

/** Time in force as the API writes it: the core's names in upper case (GTC, IOC, FOK). */
export const TIME_IN_FORCE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TIF_NAMES).map(([code, name]) => [code, name.toUpperCase()]),
);

export interface OrderJson {
  id: string;
  clientOrderId?: string;
  market: string;
  owner: string;
  side: 'buy' | 'sell';
  type: 'limit' | 'market' | 'stop_limit' | 'stop_market';
  /** The price it works at now: moved by an amend, or the stop leg's once an OCO triggered. */
  price?: string;
  stopPrice?: string;
  oco?: { stopPrice: string; price?: string; status: 'pending' | 'triggered' | 'cancelled' };
  quantity: string;
  filledQuantity: string;
  remainingQuantity: string;
  displayQuantity?: string;
  status: string;
  cancelReason?: string;
  rejectReason?: string;
  timeInForce: string;
  postOnly: boolean;
  selfTradePrevention: string;
  expiresAt?: string;
  triggeredAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface TradeJson {
  id: string;
  market: string;
  price: string;
  quantity: string;
  takerSide: 'buy' | 'sell';
  takerOrderId: string;
  makerOrderId: string;
  status: 'tentative' | 'final' | 'reverted';
  time: string;
}

export const sideName = (side: number): 'buy' | 'sell' => (side === C.SIDE_BUY ? 'buy' : 'sell');
// Orders of one batch share their millisecond: remember the last conversion.
let lastMs = -1;
let lastIso = '';
export const iso = (ms: number): string => {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};

/**
 * The node's clock now, ISO-8601 UTC to the microsecond (`…T12:00:00.123456Z`): a push's
 * `sentAt`. performance's clock, so that two processes on one machine compare to the
 * microsecond, which latency measurements across nodes need (Date has milliseconds).
 */
export function preciseNow(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.floor((ms - whole) * 1000));
  return `${iso(whole).slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

/** A preciseNow() time back in epoch milliseconds, the microseconds kept; NaN for anything else. */
export function preciseMs(text: unknown): number {
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(text)) return Number.NaN;
  return Date.parse(`${text.slice(0, 23)}Z`) + Number(text.slice(23, 26)) / 1000;
}

export function formatOrder(markets: Markets, o: OrderRecord): OrderJson {
  const m = markets.at(o.market);
  const out = {
    id: o.hex,
    ...(o.clientOrderId !== null ? { clientOrderId: o.clientOrderId } : {}),
    market: m.id,
    owner: o.owner,
    side: sideName(o.side),
    type: (TYPE_NAMES[o.type] ?? 'limit') as OrderJson['type'],
    ...(o.price > 0n ? { price: markets.price(m, o.price) } : {}),
    ...(o.stopPrice > 0n ? { stopPrice: markets.price(m, o.stopPrice) } : {}),
    ...(o.ocoState !== null
      ? {
          oco: {
            stopPrice: markets.price(m, o.ocoStopPrice),
            ...(o.ocoPrice > 0n ? { price: markets.price(m, o.ocoPrice) } : {}),
            status: o.ocoState,
          },
        }
      : {}),
    quantity: markets.quantity(m, o.quantity),
    filledQuantity: markets.quantity(m, o.filled),
    remainingQuantity: markets.quantity(m, o.remaining),
    ...(o.display > 0n ? { displayQuantity: markets.quantity(m, o.display) } : {}),
    status: o.status,
    ...(o.reason !== null ? (o.status === 'rejected' ? { rejectReason: o.reason } : { cancelReason: o.reason }) : {}),
    timeInForce: TIME_IN_FORCE_NAMES[o.tif] ?? String(o.tif),
    postOnly: o.postOnly,
    selfTradePrevention: STP_NAMES[o.stp] ?? String(o.stp),
    ...(o.expiresAt > 0 ? { expiresAt: new Date(o.expiresAt).toISOString() } : {}),
    ...(o.triggeredAt > 0 ? { triggeredAt: new Date(o.triggeredAt).toISOString() } : {}),
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
  } as OrderJson;
  return out;
}

/**
 * A single node hears every member of its markets (itself) at once, so its trades are final
 * on arrival; the network will report them tentative until finality (docs/api.md, Shapes).
 */
export function formatTrade(markets: Markets, t: TradeRecord, status: TradeJson['status'] = t.status): TradeJson {
  const m = markets.at(t.market);
  return {
    id: t.id,
    market: m.id,
    price: markets.price(m, t.price),
    quantity: markets.quantity(m, t.quantity),
    takerSide: sideName(t.takerSide),
    takerOrderId: orderIdHex(t.takerOrderId),
    makerOrderId: orderIdHex(t.makerOrderId),
    status,
    time: iso(t.time),
  };
}

/** [[price, quantity]] rows of a book side. */
export function formatLevels(
  markets: Markets,
  market: number,
  levels: readonly { price: bigint; qty: bigint }[],
): [string, string][] {
  const m = markets.at(market);
  return levels.map((l) => [markets.price(m, l.price), markets.quantity(m, l.qty)]);
}

export function formatMarket(markets: Markets, index: number) {
  const m = markets.at(index);
  return { id: m.id, base: m.base, quote: m.quote, tickSize: m.tickSize, lotSize: m.lotSize };
}

/** The state hash as the API shows it: 16 lowercase hex digits, like an order id. */
export const stateHashHex = (hash: bigint): string => orderIdHex(hash);
