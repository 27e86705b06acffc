// How the core's events move the host's tables: the order table (statuses, fills, what each
// order shows) and the level mirror (the book's shown totals, for deltas), command by command.
// NodeState (node-state.ts) builds the commands from envelopes and calls applyEvents with the
// events of each engine batch; nothing here asks the core anything, so a replay of the same
// events rebuilds the same tables.

import * as C from '../../core-as/codes.ts';
import { doneName } from '../../core-as/names.ts';
import type { EngineEvent } from '../../core-as/types.ts';
import type { Markets } from '../markets.ts';
import { type Envelope, orderIdHex, type PlaceBody } from '../wire/envelope.ts';
import type { LevelMirror, TouchedLevels } from './levels.ts';
import type { Applied } from './outcome.ts';
import { copyOrder, isLive, type OrderRecord, type OrderTable } from './order-table.ts';
import { type Refusal, rejectCode } from './refusal.ts';
import type { TradeRecord, TradeStatus } from './trades.ts';

/** What the events change, as NodeState holds it now. */
export interface Tables {
  markets: Markets;
  orders: OrderTable;
  levels: LevelMirror;
  /** The status new trades get. */
  tradeStatus: TradeStatus;
  /** Before an order changes (copy-on-write while a checkpoint is encoded). */
  touch(o: OrderRecord): void;
  /** A new trade, made by the batch's envelope `env`: remembered, counted, pushed. */
  trade(t: TradeRecord, env: number): void;
}

/** A command kind the core does not know: it only expires by its time, then is refused. */
export const TIME = 0;

export interface Pending {
  env: number; //      index into the batch
  kind: number; //     CMD_*, or TIME
  id: bigint; //       order id the command is about
  owner: string;
  rec?: OrderRecord; // the record once accepted / found
  trades: TradeRecord[]; // trades this order made as the taker
  selfTradeCancelled?: bigint[]; // the owner's other orders self-trade prevention cancelled during the command
}

/** The order entering the book during a command (placed, triggered, or moved by an amend), until it rests or ends. */
interface Entering {
  rec: OrderRecord;
  rests: boolean; //  a GTC limit: what it does not fill rests
  traded: boolean; // as the taker, this entry (an OCO's stop leg is attached only if not)
  done: boolean;
}

export interface Change {
  orders: Set<OrderRecord>;
  levels: TouchedLevels;
}

/** Why an owner may not cancel or change this order now, or null. */
export function refuseChange(rec: OrderRecord | undefined, id: bigint, owner: string, market: number): Refusal | null {
  if (!rec || rec.market !== market) return { reason: 'unknown_order', order: id };
  if (rec.owner !== owner) return { reason: 'not_owner', order: id };
  if (!isLive(rec.status)) return { reason: 'not_open', order: id, status: rec.status };
  return null;
}

// How each event moves the order table and the level mirror (the book's shown totals):
//   accepted   a new record: pending (a stop) or entering the book
//   trade      taker and maker fill; the maker's level loses what traded; a fill of an OCO's
//              limit leg cancels its stop leg
//   refilled   an iceberg's next slice shows (at the back of its level)
//   done       the order ends; a resting one takes its shown part out of its level
//   reduced    remaining falls (an iceberg's hidden part first): shown = min(shown, remaining)
//   amended    in place (same price, not larger): like reduced; otherwise it leaves its level
//              and enters again at the new price, as a taker
//   triggered  a stop enters the book as a taker (an OCO's limit leg leaves its level first)
//   rejected   the command's own refusal, or — after it started — a triggered stop refused
// An entering order that has not ended when the next one triggers, or when the command's
// events end, rests: it shows min(display, remaining) (all of it for a non-iceberg).
export function applyEvents(
  t: Tables,
  events: EngineEvent[],
  pending: Pending[],
  envs: readonly Envelope[],
  outcomes: Applied[],
  change: Change | null,
): void {
  const touched = change ? change.levels : null;
  let j = 0;
  for (let c = 0; c < pending.length; c++) {
    const p = pending[c];
    const env = envs[p.env];
    const time = Number(env.time);
    let entering: Entering | null = null;
    let started = false; // an event of the command itself (not an expiry) arrived
    const settle = () => {
      if (entering && !entering.done) rest(t, entering, touched);
      entering = null;
    };
    while (j < events.length && events[j].cmd === c) {
      const ev = events[j++];
      switch (ev.kind) {
        case C.EV_ACCEPTED: {
          started = true;
          const rec = newRecord(t, p, env, time);
          t.orders.add(rec);
          p.rec = rec;
          change?.orders.add(rec);
          if (rec.status !== 'pending')
            entering = { rec, rests: rec.type === C.TYPE_LIMIT && rec.tif === C.TIF_GTC, traded: false, done: false };
          break;
        }
        case C.EV_REJECTED: {
          if (p.kind === TIME) break; // expected: a time command only carries its time
          if (!started) {
            outcomes[p.env] = { ok: false, refusal: rejection(t, p, ev.reason) };
            break;
          }
          // a triggered stop the book refused (capacity, level total)
          const rec = t.orders.get(ev.id)!;
          t.touch(rec);
          rec.status = 'rejected';
          rec.reason = rejectCode(ev.reason);
          end(t, rec, time, change);
          if (entering?.rec === rec) entering = null;
          break;
        }
        case C.EV_TRADE: {
          const taker = t.orders.get(ev.id)!;
          const maker = t.orders.get(ev.other)!;
          t.touch(taker);
          t.touch(maker);
          taker.filled += ev.qty;
          taker.remaining -= ev.qty;
          taker.status = 'partially_filled';
          taker.updatedAt = time;
          if (entering?.rec === taker) entering.traded = true;
          maker.filled += ev.qty;
          maker.remaining = ev.remaining;
          maker.visible -= ev.qty;
          maker.status = 'partially_filled';
          maker.updatedAt = time;
          if (maker.ocoState === 'pending') maker.ocoState = 'cancelled';
          t.levels.add(maker.market, maker.side, maker.price, -ev.qty, touched);
          const trade: TradeRecord = {
            id: `${taker.hex}-${++taker.takerTrades}`,
            market: taker.market,
            price: ev.price,
            quantity: ev.qty,
            takerSide: taker.side,
            takerOrderId: taker.id,
            makerOrderId: maker.id,
            time,
            status: t.tradeStatus,
          };
          if (taker.id === p.id) p.trades.push(trade);
          t.trade(trade, p.env);
          change?.orders.add(taker);
          change?.orders.add(maker);
          break;
        }
        case C.EV_REFILLED: {
          const rec = t.orders.get(ev.id)!;
          t.touch(rec);
          rec.visible += ev.qty;
          rec.remaining = ev.remaining;
          t.levels.add(rec.market, rec.side, rec.price, ev.qty, touched);
          change?.orders.add(rec);
          break;
        }
        case C.EV_DONE: {
          if (ev.reason !== C.DONE_TIME_EXPIRED) started = true;
          const rec = t.orders.get(ev.id)!;
          t.touch(rec);
          rec.status =
            ev.reason === C.DONE_FILLED ? 'filled' : ev.reason === C.DONE_TIME_EXPIRED ? 'expired' : 'cancelled';
          rec.reason = rec.status === 'cancelled' ? doneName(ev.reason) : null;
          end(t, rec, time, change);
          if (entering?.rec === rec) entering.done = true;
          if (rec.id === p.id) p.rec = rec;
          else if (ev.reason === C.DONE_SELF_TRADE && rec.owner === p.owner) {
            p.selfTradeCancelled ??= [];
            p.selfTradeCancelled.push(rec.id);
          }
          break;
        }
        case C.EV_REDUCED: {
          started = true;
          const rec = t.orders.get(ev.id)!;
          t.touch(rec);
          rec.remaining = ev.remaining;
          rec.quantity -= ev.qty;
          rec.updatedAt = time;
          showAtMost(t, rec, rec.remaining, touched);
          change?.orders.add(rec);
          break;
        }
        case C.EV_AMENDED: {
          started = true;
          const rec = t.orders.get(ev.id)!;
          t.touch(rec);
          rec.updatedAt = time;
          change?.orders.add(rec);
          if (ev.price === rec.price && ev.qty <= rec.remaining) {
            // in place: it keeps its priority, the hidden part of an iceberg goes first
            rec.quantity = rec.filled + ev.qty;
            rec.remaining = ev.qty;
            showAtMost(t, rec, ev.qty, touched);
            break;
          }
          leaveLevel(t, rec, touched);
          rec.price = ev.price;
          rec.remaining = ev.qty;
          rec.quantity = rec.filled + ev.qty;
          entering = { rec, rests: true, traded: false, done: false };
          break;
        }
        case C.EV_TRIGGERED: {
          settle(); // whatever entered before has rested by now
          const rec = t.orders.get(ev.id)!;
          t.touch(rec);
          rec.triggeredAt = time;
          rec.updatedAt = time;
          change?.orders.add(rec);
          let rests = rec.type === C.TYPE_STOP_LIMIT && rec.tif === C.TIF_GTC;
          if (rec.ocoState === 'pending') {
            // an OCO's stop leg: the limit leg leaves the book, the order works at the leg's price
            leaveLevel(t, rec, touched);
            rec.ocoState = 'triggered';
            rec.price = rec.ocoPrice;
            rests = rec.ocoPrice > 0n;
          }
          if (rec.status === 'pending') rec.status = rec.filled === 0n ? 'open' : 'partially_filled';
          entering = { rec, rests, traded: false, done: false };
          break;
        }
      }
    }
    settle();
    if (outcomes[p.env]) continue; // rejected, or decided by the host
    const rec = p.rec ?? t.orders.get(p.id)!;
    outcomes[p.env] = {
      ok: true,
      order: copyOrder(rec),
      trades: p.kind === C.CMD_PLACE ? p.trades : [],
      ...(p.selfTradeCancelled ? { selfTradeCancelled: p.selfTradeCancelled } : {}),
    };
  }
}

/** The record of an accepted place. */
function newRecord(t: Tables, p: Pending, env: Envelope, time: number): OrderRecord {
  const b = env.body as PlaceBody;
  const m = t.markets.get(env.market)!;
  const oco = (b.flags & C.FLAG_OCO) !== 0;
  return {
    id: p.id,
    hex: orderIdHex(p.id),
    market: m.index,
    owner: p.owner,
    clientOrderId: b.clientOrderId === '' ? null : b.clientOrderId,
    side: b.side,
    type: b.type,
    tif: b.tif,
    postOnly: (b.flags & C.FLAG_POST_ONLY) !== 0,
    stp: b.stp,
    price: b.price,
    quantity: b.quantity,
    filled: 0n,
    remaining: b.quantity,
    visible: 0n,
    status: b.type === C.TYPE_STOP_LIMIT || b.type === C.TYPE_STOP_MARKET ? 'pending' : 'open',
    reason: null,
    createdAt: time,
    updatedAt: time,
    resting: false,
    stopPrice: oco ? 0n : (b.stopPrice ?? 0n),
    display: b.display ?? 0n,
    expiresAt: Number(b.expiresAt ?? 0n),
    ocoStopPrice: oco ? (b.stopPrice ?? 0n) : 0n,
    ocoPrice: oco ? (b.ocoPrice ?? 0n) : 0n,
    ocoState: oco ? 'pending' : null,
    triggeredAt: 0,
    takerTrades: 0,
  };
}

/** An entering order that did not end: the rest of it rests (a GTC limit), and shows its first slice. */
function rest(t: Tables, e: Entering, touched: TouchedLevels | null): void {
  const rec = e.rec;
  t.touch(rec);
  if (rec.ocoState === 'pending' && e.traded) rec.ocoState = 'cancelled'; // the stop leg waits only while the limit leg is untouched
  if (!e.rests) return; // the core always ends what may not rest; nothing to show
  rec.resting = true;
  rec.visible = rec.display > 0n && rec.display < rec.remaining ? rec.display : rec.remaining;
  if (rec.filled === 0n) rec.status = 'open';
  t.levels.add(rec.market, rec.side, rec.price, rec.visible, touched);
}

/** An order ends (filled, cancelled, expired, rejected): out of its level, remembered as finished. */
function end(t: Tables, rec: OrderRecord, time: number, change: Change | null): void {
  leaveLevel(t, rec, change ? change.levels : null);
  rec.remaining = 0n;
  rec.updatedAt = time;
  if (rec.ocoState === 'pending') rec.ocoState = 'cancelled';
  t.orders.finish(rec);
  change?.orders.add(rec);
}

/** Takes a resting order's shown part out of its level. */
function leaveLevel(t: Tables, rec: OrderRecord, touched: TouchedLevels | null): void {
  if (rec.resting) t.levels.add(rec.market, rec.side, rec.price, -rec.visible, touched);
  rec.resting = false;
  rec.visible = 0n;
}

/** A resting order shows no more than `limit` (what is left after a reduce or an amend down). */
function showAtMost(t: Tables, rec: OrderRecord, limit: bigint, touched: TouchedLevels | null): void {
  if (!rec.resting || rec.visible <= limit) return;
  t.levels.add(rec.market, rec.side, rec.price, limit - rec.visible, touched);
  rec.visible = limit;
}

/** Why the core refused a pending command. */
function rejection(t: Tables, p: Pending, reason: number): Refusal {
  if (p.kind !== C.CMD_PLACE && (reason === C.REJ_UNKNOWN_ORDER || reason === C.REJ_NOT_OWNER)) {
    // Not in the core: never existed, finished, or not this owner's. The table knows which.
    const rec = t.orders.get(p.id);
    const m = rec ? rec.market : -1;
    return refuseChange(rec, p.id, p.owner, m) ?? { reason: 'unknown_order', order: p.id };
  }
  return { reason: 'book', code: reason, command: p.kind === C.CMD_PLACE ? 'place' : 'change' };
}
