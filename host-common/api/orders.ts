// The order routes: place (one, or a batch), list, read, change and cancel the caller's
// orders. Handlers validate through validate.ts, hand commands to the pipeline and format
// the outcome; readiness, auth and timing come from middleware.ts. POST /v1/orders is also a
// plain function, the direct route a host may answer without web Requests and Responses.

import type { Context, Hono } from 'hono';
import * as C from '../../core-as/codes.ts';
import { COMMAND_NAMES } from '../../core-as/names.ts';
import type { Markets } from '../markets.ts';
import type { DirectRoutes, HttpPort, Logger } from '../ports.ts';
import { type OrderBody, orderIdHex, type PlaceBody } from '../wire/envelope.ts';
import { type Pipeline, PipelineFailedError } from '../pipeline/pipeline.ts';
import type { NodeState } from '../state/node-state.ts';
import { OrderTable } from '../state/order-table.ts';
import { type Answered, answerOf, E, errorBody, type Result, refusalError } from './errors.ts';
import { formatOrder, formatTrade } from './format.ts';
import { type Answer, bodyText, errorAnswer, errorResponse, pageAnswer, readBody, send } from './http.ts';
import type { Metrics } from './metrics.ts';
import type { Access, ApiEnv, Caller, Client } from './middleware.ts';
import { outcomeMessage } from './outcome-message.ts';
import type { RateLimiter } from './rate-limit.ts';
import {
  parseJson,
  parseOrderId,
  parseOrdersQuery,
  type PlaceIntent,
  validateAmend,
  validateBatch,
  validatePlace,
} from './validate.ts';

export interface OrderDeps {
  markets: Markets;
  state: () => NodeState;
  pipeline: () => Pipeline | null;
  limiter: RateLimiter;
  metrics: Metrics;
  readBody?: HttpPort['readBody'];
  /** Largest request body in bytes (--body-limit, 16 KiB by default). */
  bodyLimit: number;
  logger: Logger;
  now: () => number;
}

/** Adds the order routes to `app`; returns the direct routes (POST /v1/orders). */
export function orderRoutes(app: Hono<ApiEnv>, deps: OrderDeps, access: Access): DirectRoutes {
  const { markets, metrics, logger, now } = deps;
  // clientOrderIds of place requests between validation and outcome, per owner
  const inFlightClientIds = new Set<string>();

  /** A request's JSON body: 413 past the limit, 400 when it is not JSON. */
  const jsonBody = async (c: Context): Promise<{ value: unknown } | Response> => {
    const text = await readBody(c, deps.bodyLimit, deps.readBody);
    if (!text.ok) return errorResponse(c, text.error);
    const json = parseJson(text.value);
    if (!json.ok) return errorResponse(c, json.error);
    return { value: json.value };
  };

  /** Hands a command to the pipeline; the outcome, or the 503 when the node cannot take it. */
  const submit = async (market: string, caller: Caller, body: OrderBody): Promise<Answered> => {
    const seq = deps.pipeline();
    if (!seq) return { ok: false, error: E.notReady('the node is still replaying its log') };
    try {
      const outcome = answerOf(await seq.submit(market, caller.owner, body));
      metrics.command(COMMAND_NAMES[body.kind], outcome.ok ? 'accepted' : outcome.error.code);
      return outcome;
    } catch (err) {
      metrics.command(COMMAND_NAMES[body.kind], 'unavailable');
      if (err instanceof PipelineFailedError) {
        return {
          ok: false,
          error: { status: 503, code: 'unavailable', message: 'the node cannot store events; see its log' },
        };
      }
      throw err;
    }
  };

  /** One validated order: the client order id check, then the pipeline. */
  const placeIntent = async (caller: Caller, p: PlaceIntent): Promise<Answered> => {
    let cidKey: string | null = null;
    if (p.clientOrderId !== null) {
      const taken = deps.state().orders.byClientOrderId(caller.qualified, p.clientOrderId);
      cidKey = OrderTable.clientKey(caller.qualified, p.clientOrderId);
      if (taken !== undefined || inFlightClientIds.has(cidKey)) {
        const by = taken !== undefined ? `order ${orderIdHex(taken)}` : 'a request still in flight';
        return {
          ok: false,
          error: {
            status: 422,
            code: 'duplicate_client_order_id',
            message: `clientOrderId ${JSON.stringify(p.clientOrderId)} is already used by ${by}`,
            field: 'clientOrderId',
          },
        };
      }
      inFlightClientIds.add(cidKey);
    }
    const body: PlaceBody = {
      kind: C.CMD_PLACE,
      side: p.side,
      type: p.type,
      tif: p.tif,
      flags: (p.postOnly ? C.FLAG_POST_ONLY : 0) | (p.oco ? C.FLAG_OCO : 0),
      stp: p.stp,
      price: p.price,
      quantity: p.quantity,
      clientOrderId: p.clientOrderId ?? '',
    };
    // the core's fields: an OCO's stop leg travels as stopPrice + ocoPrice
    const stopPrice = p.oco ? p.oco.stopPrice : p.stopPrice;
    if (stopPrice !== 0n) body.stopPrice = stopPrice;
    if (p.oco && p.oco.price !== 0n) body.ocoPrice = p.oco.price;
    if (p.display !== 0n) body.display = p.display;
    if (p.expiresAt !== 0n) body.expiresAt = p.expiresAt;
    try {
      return await submit(p.market.id, caller, body);
    } finally {
      if (cidKey !== null) inFlightClientIds.delete(cidKey);
    }
  };

  /** The caller's order, or the 400/403/404 that says why not. */
  const ownOrder = (c: Context<ApiEnv>) => {
    const caller = c.get('caller');
    const id = parseOrderId(c.req.param('id') ?? '');
    if (!id.ok) return errorResponse(c, id.error);
    const rec = deps.state().orders.get(id.value.id);
    if (!rec) return errorResponse(c, E.orderNotFound(id.value.hex));
    if (rec.owner !== caller.qualified) return errorResponse(c, E.forbidden());
    return rec;
  };

  /** `{message}` when the command cancelled something by a rule (FOK, IOC, self-trade prevention), else nothing. */
  const said = (outcome: Extract<Answered, { ok: true }>): { message?: string } => {
    const message = outcomeMessage(markets, outcome);
    return message === undefined ? {} : { message };
  };
  /** A placed order's answer: the order, its trades, and the message when there is one. */
  const placedJson = (outcome: Extract<Answered, { ok: true }>) => ({
    order: formatOrder(markets, outcome.order),
    trades: outcome.trades.map((t) => formatTrade(markets, t)),
    ...said(outcome),
  });
  const outcomeAnswer = (outcome: Answered, status: 200 | 201): Answer => {
    if (!outcome.ok)
      return errorAnswer(outcome.error, outcome.error.status === 503 ? { 'Retry-After': '1' } : undefined);
    if (status === 201) return { status, json: placedJson(outcome) };
    return { status, json: { ...formatOrder(markets, outcome.order), ...said(outcome) } };
  };
  const orderAnswer = (c: Context, outcome: Answered, status: 200 | 201): Response =>
    send(c, outcomeAnswer(outcome, status));

  // ---- orders ----

  /** POST /v1/orders, given the Authorization header and a reader of the body. */
  const placeOrder = async (
    authorization: string | undefined,
    client: Client,
    text: () => Promise<Result<string>>,
  ): Promise<Answer> => {
    const caller = access.writerOf(authorization, client);
    if ('status' in caller) return caller;
    const body = await text();
    if (!body.ok) return errorAnswer(body.error);
    const json = parseJson(body.value);
    if (!json.ok) return errorAnswer(json.error);
    const v = validatePlace(json.value, markets, now());
    if (!v.ok) return errorAnswer(v.error);
    return outcomeAnswer(await placeIntent(caller, v.value), 201);
  };

  const read = [access.ready(false), access.caller] as const;
  const write = [access.ready(true), access.caller] as const;

  // readiness and auth inside placeOrder: the direct route below shares it
  app.post('/v1/orders', async (c) =>
    send(
      c,
      await placeOrder(c.req.header('authorization'), access.clientOf(c), () =>
        readBody(c, deps.bodyLimit, deps.readBody),
      ),
    ),
  );

  // Several orders in one request: validated all or nothing (400 names `orders[i].field`),
  // then each is its own envelope and gets its own result, in order; they share fsyncs.
  app.post('/v1/orders/batch', ...write, async (c) => {
    const caller = c.get('caller');
    const json = await jsonBody(c);
    if (json instanceof Response) return json;
    const v = validateBatch(json.value, markets, now());
    if (!v.ok) return errorResponse(c, v.error);
    // the rate limit counts orders: the request itself took one
    const wait = deps.limiter.take(caller.token, now(), v.value.length - 1);
    if (wait > 0) return errorResponse(c, E.rateLimited(wait), { 'Retry-After': String(wait) });
    const outcomes = await Promise.all(v.value.map((p) => placeIntent(caller, p)));
    for (const o of outcomes) if (!o.ok && o.error.status === 503) return errorResponse(c, o.error);
    return c.json({ results: outcomes.map((o) => (o.ok ? placedJson(o) : errorBody(o.error))) }, 201);
  });

  app.get('/v1/orders', ...read, (c) => {
    const caller = c.get('caller');
    const q = parseOrdersQuery(c.req.query(), markets);
    if (!q.ok) return errorResponse(c, q.error);
    const { market, status, limit, before } = q.value;
    const orders = deps.state().orders;
    if (before !== null && orders.get(before.id)?.owner !== caller.qualified) {
      return errorResponse(c, {
        status: 400,
        code: 'invalid_value',
        message: `before: the node keeps no order ${before.hex} of this owner; list again from the first page`,
        field: 'before',
      });
    }
    const openOnly = status === 'open'; // every live order: open, partially filled, pending
    const page = orders.list(
      caller.qualified,
      (o) => (market === null || o.market === market.index) && (status === 'all' || openOnly || o.status === status),
      openOnly,
      limit + 1, // one more than asked says whether a next page exists
      before?.id ?? null,
    );
    return pageAnswer(
      c,
      page,
      limit,
      (o) => o.hex,
      (o) => formatOrder(markets, o),
    );
  });

  app.get('/v1/orders/:id', ...read, (c) => {
    const rec = ownOrder(c);
    return rec instanceof Response ? rec : c.json(formatOrder(markets, rec));
  });

  app.delete('/v1/orders/:id', ...write, async (c) => {
    const caller = c.get('caller');
    const rec = ownOrder(c);
    if (rec instanceof Response) return rec;
    const refused = deps.state().refuseChange(rec, rec.id, caller.qualified, rec.market);
    if (refused) return errorResponse(c, refusalError(refused));
    return orderAnswer(
      c,
      await submit(markets.at(rec.market).id, caller, { kind: C.CMD_CANCEL, orderId: rec.id }),
      200,
    );
  });

  app.patch('/v1/orders/:id', ...write, async (c) => {
    const caller = c.get('caller');
    const rec = ownOrder(c);
    if (rec instanceof Response) return rec;
    const json = await jsonBody(c);
    if (json instanceof Response) return json;
    const v = validateAmend(json.value, markets.at(rec.market), rec);
    if (!v.ok) return errorResponse(c, v.error);
    const refused = deps.state().refuseChange(rec, rec.id, caller.qualified, rec.market);
    if (refused) return errorResponse(c, refusalError(refused));
    const { price, quantity } = v.value;
    if ((price === 0n || price === rec.price) && (quantity === 0n || quantity === rec.remaining)) {
      return c.json(formatOrder(markets, rec)); // nothing to change
    }
    // decided against the order as it is when the amend is applied (NodeState.apply)
    return orderAnswer(
      c,
      await submit(markets.at(rec.market).id, caller, { kind: C.CMD_AMEND, orderId: rec.id, price, quantity }),
      200,
    );
  });

  // The hottest route, for hosts that can answer without web Requests and Responses: the
  // same function as the Hono route above, and the accounting the timing middleware does.
  return {
    'POST /v1/orders': async (req) => {
      const start = performance.now();
      let a: Answer;
      try {
        a = await placeOrder(req.header('authorization'), { address: req.address?.(), route: '/v1/orders' }, async () =>
          bodyText(await req.body(deps.bodyLimit), deps.bodyLimit),
        );
      } catch (err) {
        logger.error('api: handler failed', {
          route: '/v1/orders',
          error: (err as Error).message,
          stack: (err as Error).stack,
        });
        a = errorAnswer(E.internal());
      }
      metrics.request('/v1/orders', 'POST', a.status, (performance.now() - start) / 1000);
      return { status: a.status, headers: a.headers, body: JSON.stringify(a.json) };
    },
  };
}
