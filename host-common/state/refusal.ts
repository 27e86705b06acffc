// Why applying an envelope changed nothing: the state's own outcome reasons, in domain terms.
// The API maps each to its HTTP status and JSON error (api/errors.ts, refusalError); nothing
// below the API knows about HTTP.

import * as C from '../../core-as/codes.ts';
import { rejectName } from '../../core-as/names.ts';
import type { OrderStatus } from './order-table.ts';

export type Refusal =
  /** The envelope's market is not one this node trades. */
  | { reason: 'unknown_market'; market: string }
  /** No such order in that market (never existed, or forgotten since it finished). */
  | { reason: 'unknown_order'; order: bigint }
  /** The order belongs to another owner. */
  | { reason: 'not_owner'; order: bigint }
  /** The order has finished. */
  | { reason: 'not_open'; order: bigint; status: OrderStatus }
  /** The owner's client order id is taken by another order it still has. */
  | { reason: 'client_order_id_taken'; clientOrderId: string; order: bigint }
  /** A reduce (the older change command) that would add quantity. */
  | { reason: 'reduce_above_remaining' }
  /** The core refused the command: REJ_* `code`, for a place or a change (cancel, reduce, amend). */
  | { reason: 'book'; code: number; command: 'place' | 'change' };

// What a core reject reason is called where a name is shown (an order's rejectReason, the API's
// error code): the core's own name, except where a plainer one reads better.
const REJECT_NAMES: Record<number, string> = {
  [C.REJ_POST_ONLY_WOULD_CROSS]: 'post_only_would_cross',
  [C.REJ_DUPLICATE_ID]: 'duplicate_order_id',
  [C.REJ_CAPACITY]: 'book_full',
  [C.REJ_OVERFLOW]: 'level_overflow',
};

/** The shown name of a core reject reason. */
export function rejectCode(reason: number): string {
  return REJECT_NAMES[reason] ?? rejectName(reason);
}
