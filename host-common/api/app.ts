// The Hono app: every route of docs/api.md, the same on every runtime. Timing, readiness and
// auth are middleware (middleware.ts); the order routes live in orders.ts, the streams in
// stream.ts, the web page in ../web/routes.ts; this file adds the market data and node routes,
// and the answers for everything else (405 with Allow on a known path, 404 elsewhere).
// Testable without a server through app.request().

import { Hono } from 'hono';
import type { DirectRoutes, HttpPort, Logger } from '../ports.ts';
import type { NodeState } from '../state/node-state.ts';
import { webRoutes } from '../web/routes.ts';
import type { Tokens } from './auth.ts';
import type { AuthFailures } from './auth-failures.ts';
import { E } from './errors.ts';
import { formatLevels, formatMarket, formatTrade, stateHashHex } from './format.ts';
import { errorResponse, pageAnswer } from './http.ts';
import type { Hub } from './hub.ts';
import { Access, type ApiEnv, internalError, type Phase, timing } from './middleware.ts';
import { type OrderDeps, orderRoutes } from './orders.ts';
import { openApiDocument } from './openapi.ts';
import { streamRoutes } from './stream.ts';
import { parseIntParam, parseMarketId, parseTradesQuery } from './validate.ts';

export type { Caller, Phase } from './middleware.ts';

export interface HealthInfo {
  peerId: string;
  runtime: string;
  version: string;
  apiPort: number;
  p2pAddrs: string[];
  uptimeSeconds: number;
  /** docs/api.md, "The network in the API". */
  network?: { peers: number; members: number; finalityLagMs: number; inMajority: boolean };
}

export interface AppDeps extends Omit<OrderDeps, 'now' | 'state'> {
  state: () => NodeState;
  tokens: Tokens;
  hub: Hub;
  health: () => HealthInfo;
  /** GET /v1/peers: every known peer (docs/api.md, "The network in the API"); [] without a network. */
  peers?: () => unknown[];
  /** Failed authentications per client address (auth-failures.ts); none: not limited. */
  authFailures?: AuthFailures;
  /** The client's address behind a Hono context (HttpPort.clientAddress). */
  clientAddress?: HttpPort['clientAddress'];
  phase: () => Phase;
  peerId: string;
  upgradeWebSocket: HttpPort['upgradeWebSocket'];
  logger: Logger;
  now?: () => number;
}

/** The app, and the routes a host may serve without web Requests (ports.ts, DirectRoutes). */
export type App = Hono<ApiEnv> & { direct: DirectRoutes };

/** Every path the app serves, with the methods it takes there (the Allow of its 405). */
const ALLOWED: Record<string, string> = {
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
  '/v1/openapi.json': 'GET',
  '/metrics': 'GET',
  '/': 'GET',
};

export function createApp(deps: AppDeps): App {
  const { markets, metrics, logger } = deps;
  const now = deps.now ?? (() => Date.now());
  const access = new Access({
    phase: deps.phase,
    tokens: deps.tokens,
    limiter: deps.limiter,
    peerId: deps.peerId,
    now,
    authFailures: deps.authFailures,
    clientAddress: deps.clientAddress,
  });
  const app = new Hono<ApiEnv>();
  app.use(timing(metrics));

  const direct = orderRoutes(app, { ...deps, now }, access);

  // ---- public market data and the node ----

  app.get('/v1/markets', (c) => c.json(markets.list.map((m) => formatMarket(markets, m.index))));

  app.get('/v1/markets/:market/book', access.ready(false), (c) => {
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
      stateHash: stateHashHex(s.stateHash()),
      eventCount: s.eventCount,
    });
  });

  app.get('/v1/markets/:market/trades', access.ready(false), (c) => {
    const m = parseMarketId(c.req.param('market'), markets, 'market');
    if (!m.ok) return errorResponse(c, m.error);
    const q = parseTradesQuery(c.req.query());
    if (!q.ok) return errorResponse(c, q.error);
    const { limit, before } = q.value;
    const page = deps.state().recentTrades(m.value.index, limit + 1, before);
    return pageAnswer(
      c,
      page,
      limit,
      (t) => t.id,
      (t) => formatTrade(markets, t),
    );
  });

  app.get('/v1/peers', (c) => c.json(deps.peers?.() ?? []));

  app.get('/v1/health', (c) => {
    const phase = deps.phase();
    if (phase === 'starting')
      return errorResponse(c, E.notReady('the node is still replaying its log'), { 'Retry-After': '1' });
    return c.json({
      status: phase === 'ready' ? 'ok' : 'stopping',
      ...deps.health(),
      eventCount: deps.state().eventCount,
    });
  });

  let openapi: Record<string, unknown> | null = null; // built on first request: it never changes
  app.get('/v1/openapi.json', (c) => {
    openapi ??= openApiDocument(deps.health().version);
    return c.json(openapi);
  });

  app.get('/metrics', (c) =>
    c.text(metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );

  app.route('/', webRoutes()); // the web page and its assets (host-common/web/)

  streamRoutes(app, deps);

  // ---- everything else: 405 on known paths, 404 elsewhere, one error shape ----

  for (const [path, allow] of Object.entries(ALLOWED)) {
    app.all(path, (c) => {
      c.set('route', 'method_not_allowed');
      return errorResponse(c, E.methodNotAllowed(c.req.method, c.req.path.slice(0, 200)), { Allow: allow });
    });
  }
  app.notFound((c) => errorResponse(c, E.notFound('route')));
  app.onError(internalError(logger));
  return Object.assign(app, { direct });
}
