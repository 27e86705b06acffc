// What applying one envelope gave: the order as it stands and the trades it made as the
// taker, or why nothing changed (a Refusal, in the state's own terms); for a time event, only
// that its time reached the core (which expired what was due).

import type { OrderRecord } from './order-table.ts';
import type { Refusal } from './refusal.ts';
import type { TradeRecord } from './trades.ts';

export type Outcome =
  | {
      ok: true;
      order: OrderRecord;
      trades: TradeRecord[];
      /** Other orders of the same owner that self-trade prevention cancelled during this command. */
      selfTradeCancelled?: bigint[];
    }
  | { ok: false; refusal: Refusal };

/** A time envelope's outcome: its time reached the core, which expired what was due. */
export interface TimeOutcome {
  ok: true;
  time: true;
}

/** What applying one envelope gives: an order command's outcome, or a time event's. */
export type Applied = Outcome | TimeOutcome;

export const TIME_APPLIED: TimeOutcome = { ok: true, time: true };
