// The API's errors as values: status, snake_case code, human message and, when one field
// is at fault, its JSON path. Every error response of the node has this one shape
// (docs/api.md, Errors), and the core's numbered reject reasons map to names in one place here.

import * as C from '../../core-as/codes.ts';
import { rejectName } from '../../core-as/names.ts';
import type { Outcome } from '../state/outcome.ts';
import { type Refusal, rejectCode } from '../state/refusal.ts';
import { orderIdHex } from '../wire/envelope.ts';

export interface ApiError {
  status: number;
  code: string;
  message: string;
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export function fail(status: number, code: string, message: string, field?: string): { ok: false; error: ApiError } {
  return { ok: false, error: field === undefined ? { status, code, message } : { status, code, message, field } };
}

/** The JSON body of an error response. */
export function errorBody(e: ApiError): { error: { code: string; message: string; field?: string } } {
  return {
    error:
      e.field === undefined
        ? { code: e.code, message: e.message }
        : { code: e.code, message: e.message, field: e.field },
  };
}

export const E = {
  unauthorized: (): ApiError => ({
    status: 401,
    code: 'unauthorized',
    message: 'this request needs a valid "Authorization: Bearer <token>" header',
  }),
  forbidden: (): ApiError => ({ status: 403, code: 'forbidden', message: 'the order belongs to another owner' }),
  notFound: (what = 'route'): ApiError => ({ status: 404, code: 'not_found', message: `no such ${what}` }),
  marketNotFound: (id: string, field?: string): ApiError => ({
    status: 404,
    code: 'market_not_found',
    message: `unknown market ${JSON.stringify(id)}`,
    ...(field ? { field } : {}),
  }),
  orderNotFound: (id: string): ApiError => ({ status: 404, code: 'order_not_found', message: `no order ${id}` }),
  methodNotAllowed: (method: string, path: string): ApiError => ({
    status: 405,
    code: 'method_not_allowed',
    message: `${method} is not allowed on ${path}`,
  }),
  notOpen: (id: string, status: string): ApiError => ({
    status: 409,
    code: 'order_not_open',
    message: `order ${id} is already ${status}`,
  }),
  tooLarge: (limit: number): ApiError => ({
    status: 413,
    code: 'payload_too_large',
    message: `the body is larger than ${limit} bytes`,
  }),
  rateLimited: (retryAfter: number): ApiError => ({
    status: 429,
    code: 'rate_limited',
    message: `too many requests for this token; retry after ${retryAfter} s`,
  }),
  notReady: (why: string): ApiError => ({ status: 503, code: 'not_ready', message: why }),
  internal: (): ApiError => ({ status: 500, code: 'internal', message: 'internal error; the node logged the details' }),
};

// What the core's reject reasons mean to an API user. Reasons that validation makes
// impossible (invalid side, type, ...) still get their names: if one ever shows, it is a
// bug in validate.ts, and the name says where to look.
const REJECT_MESSAGES: Record<number, string> = {
  [C.REJ_POST_ONLY_WOULD_CROSS]: 'the post-only order would trade on arrival',
  [C.REJ_DUPLICATE_ID]: 'an order with the same id is already in the book',
  [C.REJ_CAPACITY]: 'the book holds as many orders as it can',
  [C.REJ_OVERFLOW]: 'the total quantity at this price level would overflow',
  [C.REJ_INVALID_STOP_PRICE]: "the stop price is on the wrong side (an OCO's stop must stay beyond its limit price)",
  [C.REJ_INVALID_DISPLAY]: 'the iceberg would show more than 100 slices, or more than its quantity',
  [C.REJ_INVALID_EXPIRY]: "expiresAt is not after the time of the order's event",
  [C.REJ_NOT_AMENDABLE]:
    'a stop order waiting for its trigger can only be cancelled or reduced, not moved or increased',
};

/** The 422 for a core reject reason; `field` names the request field it is about, when one is. */
export function bookRejected(reason: number, field?: string): ApiError {
  const e: ApiError = {
    status: 422,
    code: rejectCode(reason),
    message: REJECT_MESSAGES[reason] ?? `the book refused the command (${rejectName(reason)})`,
  };
  return field === undefined ? e : { ...e, field };
}

// The request field a core reject points at, when there is one.
const PLACE_FIELDS: Record<number, string> = {
  [C.REJ_INVALID_EXPIRY]: 'expiresAt',
  [C.REJ_INVALID_DISPLAY]: 'displayQuantity',
  [C.REJ_INVALID_STOP_PRICE]: 'stopPrice',
};
const CHANGE_FIELDS: Record<number, string> = {
  [C.REJ_INVALID_STOP_PRICE]: 'price',
  [C.REJ_POST_ONLY_WOULD_CROSS]: 'price',
  [C.REJ_INVALID_DISPLAY]: 'quantity',
};

/** The API's answer to a refusal of the state. */
export function refusalError(r: Refusal): ApiError {
  switch (r.reason) {
    case 'unknown_market':
      return E.marketNotFound(r.market);
    case 'unknown_order':
      return E.orderNotFound(orderIdHex(r.order));
    case 'not_owner':
      return E.forbidden();
    case 'not_open':
      return E.notOpen(orderIdHex(r.order), r.status);
    case 'client_order_id_taken':
      return {
        status: 422,
        code: 'duplicate_client_order_id',
        message: `clientOrderId ${JSON.stringify(r.clientOrderId)} is already used by order ${orderIdHex(r.order)}`,
        field: 'clientOrderId',
      };
    case 'reduce_above_remaining':
      return {
        status: 422,
        code: 'not_supported',
        message: 'quantity is above the remaining quantity',
        field: 'quantity',
      };
    case 'book':
      return bookRejected(r.code, (r.command === 'place' ? PLACE_FIELDS : CHANGE_FIELDS)[r.code]);
  }
}

/** A command's answer as the API gives it: the state's outcome, with a refusal as its API error. */
export type Answered = Extract<Outcome, { ok: true }> | { ok: false; error: ApiError };

export function answerOf(o: Outcome): Answered {
  return o.ok ? o : { ok: false, error: refusalError(o.refusal) };
}
