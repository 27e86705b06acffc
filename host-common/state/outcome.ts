// What applying one envelope gave: the order as it stands and the trades it made as the
// taker, or why nothing changed (a Refusal, in the state's own terms).

import type { OrderRecord } from './order-table.ts';
import type { Refusal } from './refusal.ts';
import type { TradeRecord } from './trades.ts';

export type Outcome = { ok: true; order: OrderRecord; trades: TradeRecord[] } | { ok: false; refusal: Refusal };
