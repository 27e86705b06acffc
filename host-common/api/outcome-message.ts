// The sentence a command's answer carries when the order (or another order of the caller)
// was cancelled by a rule rather than by its owner: FOK that could not fill in full, the
// unfilled rest of an IOC or market order, self-trade prevention. `cancelReason` gives the
// code; this says the same in words, for people reading the answer or the web page.

import * as C from '../../core-as/codes.ts';
import { STP_NAMES } from '../../core-as/names.ts';
import type { Markets } from '../markets.ts';
import type { Outcome } from '../state/node-state.ts';

type Applied = Extract<Outcome, { ok: true }>;

/** The answer's `message`, or undefined when nothing was cancelled by a rule. */
export function outcomeMessage(markets: Markets, outcome: Applied): string | undefined {
  const o = outcome.order;
  const parts: string[] = [];
  if (o.status === 'cancelled') {
    const unfilled = markets.quantity(markets.at(o.market), o.quantity - o.filled);
    if (o.reason === 'fok_unfilled')
      parts.push('FOK order could not fill in full: nothing traded, the order is cancelled');
    else if (o.reason === 'self_trade') {
      parts.push(
        `self-trade prevention (${STP_NAMES[o.stp]}) cancelled this order: it would have traded with your own order`,
      );
    } else if (o.reason === 'expired') {
      const kind = o.type === C.TYPE_MARKET || o.type === C.TYPE_STOP_MARKET ? 'a market order' : 'an IOC order';
      parts.push(`the ${unfilled} that could not fill at once was cancelled: ${kind} does not rest in the book`);
    }
  }
  const others = outcome.selfTradeCancelled ?? [];
  if (others.length > 0) {
    const ids = others.map((id) => id.toString(16).padStart(16, '0')).join(', ');
    parts.push(
      others.length === 1
        ? `self-trade prevention cancelled your resting order ${ids}: this order would have traded with it`
        : `self-trade prevention cancelled your resting orders ${ids}: this order would have traded with them`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}
