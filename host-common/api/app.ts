// The Hono app: every route of API.md, the same on every runtime. Handlers are thin: they
// authenticate, rate-limit, pass the request through validate.ts, hand commands to the
// pipeline and format what comes back. Testable without a server through app.request().

import { Hono, type Context } from 'hono';
import * as C from '../../core-as/codes.ts';
import type { Markets } from '../markets.ts';
import type { DirectRoutes, HttpPort, Logger } from '../ports.ts';
import type { Body, PlaceBody } from '../wire/envelope.ts';
import { type Pipeline, PipelineFailedError } from '../pipeline/pipeline.ts';
import type { NodeState } from '../state/node-state.ts';
import { OrderTable } from '../state/order-table.ts';
import type { Tokens } from './auth.ts';
import { type Answered, type ApiError, answerOf, E, errorBody, type Result, refusalError } from './errors.ts';
import { formatLevels, formatMarket, formatOrder, formatTrade } from './format.ts';
import { type Answer, bodyText, errorAnswer, errorResponse, readBody, send } from './http.ts';
import type { Hub } from './hub.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';
import { streamRoutes } from './stream.ts';
import {
  parseIntParam,
  parseJson,
  parseMarketId,
  parseOrderId,
  parseOrdersQuery,
  type PlaceIntent,
  validateAmend,
  validateBatch,
  validatePlace,
} from './validate.ts';
import { webRoutes } from '../web/routes.ts';

export type Phase = 'starting' | 'ready' | 'stopping';

export interface HealthInfo {
  peerId: string;
  runtime: string;
  version: string;
  apiPort: number;
  p2pAddrs: string[];
  uptimeSeconds: number;
}

export interface AppDeps {
  markets: Markets;
  state: () => NodeState;
  pipeline: () => Pipeline | null;
  tokens: Tokens;
  limiter: RateLimiter;
  metrics: Metrics;
  hub: Hub;
  health: () => HealthInfo;
  phase: () => Phase;
  peerId: string;
  upgradeWebSocket: HttpPort['upgradeWebSocket'];
  readBody?: HttpPort['readBody'];
  /** Largest request body in bytes (API.md: 16 KiB). */
  bodyLimit: number;
  logger: Logger;
  now?: () => number;
}

export interface Caller {
  owner: string; //     the name, e.g. "alice"
  qualified: string; // alice@<peer id>
  token: string;
}

type Handler = (c: Context) => Response | Promise<Response>;

/** The app, and the routes a host may serve without web Requests (ports.ts, DirectRoutes). */
export type App = Hono & { direct: DirectRoutes };

const KIND_NAMES: Record<number, string> = {
  [C.CMD_PLACE]: 'place',
  [C.CMD_CANCEL]: 'cancel',
  [C.CMD_REDUCE]: 'reduce',
  [C.CMD_AMEND]: 'amend',
};

export function createApp(deps: AppDeps): App {
  const { markets, metrics, logger } = deps;
  const now = deps.now ?? (() => Date.now());
  const app = new Hono();
  // clientOrderIds of place requests between validation and outcome, per owner
  const inFlightClientIds = new Set<string>();

  /** Wraps a handler with timing and request counting under a fixed route label. */
  const timed =
    (route: string, handler: Handler): Handler =>
    async (c) => {
      const start = performance.now();
      let res: Response;
      try {
        res = await handler(c);
      } catch (err) {
        logger.error('api: handler failed', { route, error: (err as Error).message, stack: (err as Error).stack });
        res = errorResponse(c, E.internal());
      }
      metrics.request(route, c.req.method, res.status, (performance.now() - start) / 1000);
      return res;
    };

  const notReadyAnswer = (write: boolean): Answer | null => {
    const phase = deps.phase();
    if (phase === 'ready' || (phase === 'stopping' && !write)) return null;
    const why = phase === 'starting' ? 'the node is still replaying its log' : 'the node is shutting down';
    return errorAnswer(E.notReady(why), { 'Retry-After': '1' });
  };
  const notReady = (c: Context, write: boolean): Response | null => {
    const a = notReadyAnswer(write);
    return a && send(c, a);
  };

  /** The caller of a request that needs a token: 401 without one, 429 over the limit. */
  const callerOf = (authorization: string | undefined): Caller | Answer => {
    const who = deps.tokens.ownerOf(authorization);
    if (!who) return errorAnswer(E.unauthorized());
    const wait = deps.limiter.take(who.token, now());
    if (wait > 0) return errorAnswer(E.rateLimited(wait), { 'Retry-After': String(wait) });
    return { owner: who.owner, qualified: `${who.owner}@${deps.peerId}`, token: who.token };
  };
  const callerOrResponse = (c: Context, who: Caller | Answer): Caller | Response =>
    'status' in who ? send(c, who) : who;
  const authenticate = (c: Context): Caller | Response => callerOrResponse(c, callerOf(c.req.header('authorization')));

  /** The caller of a write: 503 while the node is not ready, then callerOf()'s answers. */
  const writerOf = (authorization: string | undefined): Caller | Answer =>
    notReadyAnswer(true) ?? callerOf(authorization);
  const writer = (c: Context): Caller | Response => callerOrResponse(c, writerOf(c.req.header('authorization')));

  /** A request's JSON body: 413 past the limit, 400 when it is not JSON. */
  const jsonBody = async (c: Context): Promise<{ value: unknown } | Response> => {
    const text = await readBody(c, deps.bodyLimit, deps.readBody);
    if (!text.ok) return errorResponse(c, text.error);
    const json = parseJson(text.value);
    if (!json.ok) return errorResponse(c, json.error);
    return { value: json.value };
  };

  /** Hands a command to the pipeline; the outcome, or the 503 when the node cannot take it. */
  const submit = async (market: string, caller: Caller, body: Body): Promise<Answered> => {
    const seq = deps.pipeline();
    if (!seq) return { ok: false, error: E.notReady('the node is still replaying its log') };
    try {
      const outcome = answerOf(await seq.submit(market, caller.owner, body));
      metrics.command(KIND_NAMES[body.kind], outcome.ok ? 'accepted' : outcome.error.code);
      return outcome;
    } catch (err) {
      metrics.command(KIND_NAMES[body.kind], 'unavailable');
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
        const by = taken !== undefined ? `order ${taken.toString(16).padStart(16, '0')}` : 'a request still in flight';
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
  const ownOrder = (c: Context, caller: Caller) => {
    const id = parseOrderId(c.req.param('id') ?? '');
    if (!id.ok) return errorResponse(c, id.error);
    const rec = deps.state().orders.get(id.value.id);
    if (!rec) return errorResponse(c, E.orderNotFound(id.value.hex));
    if (rec.owner !== caller.qualified) return errorResponse(c, E.forbidden());
    return rec;
  };

  const outcomeAnswer = (outcome: Answered, status: 200 | 201): Answer => {
    if (!outcome.ok)
      return errorAnswer(outcome.error, outcome.error.status === 503 ? { 'Retry-After': '1' } : undefined);
    const order = formatOrder(markets, outcome.order);
    if (status === 201) return { status, json: { order, trades: outcome.trades.map((t) => formatTrade(markets, t)) } };
    return { status, json: order };
  };
  const orderAnswer = (c: Context, outcome: Answered, status: 200 | 201): Response =>
    send(c, outcomeAnswer(outcome, status));

  // ---- orders ----

  /** POST /v1/orders, given the Authorization header and a reader of the body. */
  const placeOrder = async (
    authorization: string | undefined,
    text: () => Promise<Result<string>>,
  ): Promise<Answer> => {
    const caller = writerOf(authorization);
    if ('status' in caller) return caller;
    const body = await text();
    if (!body.ok) return errorAnswer(body.error);
    const json = parseJson(body.value);
    if (!json.ok) return errorAnswer(json.error);
    const v = validatePlace(json.value, markets, now());
    if (!v.ok) return errorAnswer(v.error);
    return outcomeAnswer(await placeIntent(caller, v.value), 201);
  };

  app.post(
    '/v1/orders',
    timed('/v1/orders', async (c) =>
      send(c, await placeOrder(c.req.header('authorization'), () => readBody(c, deps.bodyLimit, deps.readBody))),
    ),
  );

  // The hottest route, for hosts that can answer without web Requests and Responses: the
  // same function and the same accounting as the Hono route above.
  const direct: DirectRoutes = {
    'POST /v1/orders': async (req) => {
      const start = performance.now();
      let a: Answer;
      try {
        a = await placeOrder(req.header('authorization'), async () =>
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

  // Several orders in one request: validated all or nothing (400 names `orders[i].field`),
  // then each is its own envelope and gets its own result, in order; they share fsyncs.
  app.post(
    '/v1/orders/batch',
    timed('/v1/orders/batch', async (c) => {
      const caller = writer(c);
      if (caller instanceof Response) return caller;
      const json = await jsonBody(c);
      if (json instanceof Response) return json;
      const v = validateBatch(json.value, markets, now());
      if (!v.ok) return errorResponse(c, v.error);
      // the rate limit counts orders: the request itself took one
      const wait = deps.limiter.take(caller.token, now(), v.value.length - 1);
      if (wait > 0) return errorResponse(c, E.rateLimited(wait), { 'Retry-After': String(wait) });
      const outcomes = await Promise.all(v.value.map((p) => placeIntent(caller, p)));
      const unavailable = outcomes.find((o): o is Extract<Answered, { ok: false }> => !o.ok && o.error.status === 503);
      if (unavailable) return errorResponse(c, unavailable.error);
      return c.json(
        {
          results: outcomes.map((o) =>
            o.ok
              ? { order: formatOrder(markets, o.order), trades: o.trades.map((t) => formatTrade(markets, t)) }
              : errorBody(o.error),
          ),
        },
        201,
      );
    }),
  );

  app.get(
    '/v1/orders',
    timed('/v1/orders', (c) => {
      const down = notReady(c, false);
      if (down) return down;
      const caller = authenticate(c);
      if (caller instanceof Response) return caller;
      const q = parseOrdersQuery(c.req.query(), markets);
      if (!q.ok) return errorResponse(c, q.error);
      const { market, status, limit } = q.value;
      const openOnly = status === 'open'; // every live order: open, partially filled, pending
      const list = deps
        .state()
        .orders.list(
          caller.qualified,
          (o) =>
            (market === null || o.market === market.index) && (status === 'all' || openOnly || o.status === status),
          openOnly,
          limit,
        );
      return c.json(list.map((o) => formatOrder(markets, o)));
    }),
  );

  app.get(
    '/v1/orders/:id',
    timed('/v1/orders/:id', (c) => {
      const down = notReady(c, false);
      if (down) return down;
      const caller = authenticate(c);
      if (caller instanceof Response) return caller;
      const rec = ownOrder(c, caller);
      return rec instanceof Response ? rec : c.json(formatOrder(markets, rec));
    }),
  );

  app.delete(
    '/v1/orders/:id',
    timed('/v1/orders/:id', async (c) => {
      const caller = writer(c);
      if (caller instanceof Response) return caller;
      const rec = ownOrder(c, caller);
      if (rec instanceof Response) return rec;
      const refused = deps.state().refuseChange(rec, rec.id, caller.qualified, rec.market);
      if (refused) return errorResponse(c, refusalError(refused));
      return orderAnswer(
        c,
        await submit(markets.at(rec.market).id, caller, { kind: C.CMD_CANCEL, orderId: rec.id }),
        200,
      );
    }),
  );

  app.patch(
    '/v1/orders/:id',
    timed('/v1/orders/:id', async (c) => {
      const caller = writer(c);
      if (caller instanceof Response) return caller;
      const rec = ownOrder(c, caller);
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
    }),
  );

  // ---- public market data ----

  app.get(
    '/v1/markets',
    timed('/v1/markets', (c) => c.json(markets.list.map((m) => formatMarket(markets, m.index)))),
  );

  app.get(
    '/v1/markets/:market/book',
    timed('/v1/markets/:market/book', (c) => {
      const down = notReady(c, false);
      if (down) return down;
      const m = parseMarketId(c.req.param('market'), markets, 'market');
      if (!m.ok) return errorResponse(c, m.error);
      const depth = parseIntParam(c.req.query('depth'), 'depth', 50, 1, 1000);
      if (!depth.ok) return errorResponse(c, depth.error);
      const s = deps.state();
      const d = s.depth(m.value.index, depth.value);
      return c.json({
        market: m.value.id,
        bids: formatLevels(markets, m.value.index, d.bids),
        asks: formatLevels(markets, m.value.index, d.asks),
        stateHash: s.stateHash().toString(16).padStart(16, '0'),
        eventCount: s.eventCount,
      });
    }),
  );

  app.get(
    '/v1/markets/:market/trades',
    timed('/v1/markets/:market/trades', (c) => {
      const down = notReady(c, false);
      if (down) return down;
      const m = parseMarketId(c.req.param('market'), markets, 'market');
      if (!m.ok) return errorResponse(c, m.error);
      const limit = parseIntParam(c.req.query('limit'), 'limit', 100, 1, 1000);
      if (!limit.ok) return errorResponse(c, limit.error);
      return c.json(
        deps
          .state()
          .recentTrades(m.value.index, limit.value)
          .map((t) => formatTrade(markets, t)),
      );
    }),
  );

  // The network arrives with the p2p issue; until then a node knows no peers.
  app.get(
    '/v1/peers',
    timed('/v1/peers', (c) => c.json([])),
  );

  app.get(
    '/v1/health',
    timed('/v1/health', (c) => {
      const phase = deps.phase();
      if (phase === 'starting')
        return errorResponse(c, E.notReady('the node is still replaying its log'), { 'Retry-After': '1' });
      return c.json({
        status: phase === 'ready' ? 'ok' : 'stopping',
        ...deps.health(),
        eventCount: deps.state().eventCount,
      });
    }),
  );

  app.get(
    '/metrics',
    timed('/metrics', (c) =>
      c.text(metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }),
    ),
  );

  app.route('/', webRoutes()); // the web page and its assets (host-common/web/)

  streamRoutes(app, deps, timed);

  // ---- everything else: 405 on known paths, 404 elsewhere, one error shape ----

  const allowed: Record<string, string> = {
    '/v1/orders': 'GET, POST',
    '/v1/orders/batch': 'POST',
    '/v1/orders/:id': 'GET, PATCH, DELETE',
    '/v1/markets': 'GET',
    '/v1/markets/:market/book': 'GET',
    '/v1/markets/:market/trades': 'GET',
    '/v1/markets/:market/events': 'GET',
    '/v1/stream': 'GET',
    '/v1/peers': 'GET',
    '/v1/health': 'GET',
    '/metrics': 'GET',
    '/': 'GET',
  };
  for (const [path, allow] of Object.entries(allowed)) {
    app.all(
      path,
      timed('method_not_allowed', (c) =>
        errorResponse(c, E.methodNotAllowed(c.req.method, c.req.path.slice(0, 200)), { Allow: allow }),
      ),
    );
  }
  app.notFound((c) => {
    metrics.request('not_found', c.req.method, 404, 0);
    return errorResponse(c, E.notFound('route'));
  });
  app.onError((err, c) => {
    logger.error('api: unhandled error', { error: err.message, stack: err.stack });
    return errorResponse(c, E.internal());
  });
  return Object.assign(app, { direct });
}

export type { ApiError };
