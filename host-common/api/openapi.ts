// The OpenAPI 3.1 document of the node's API, served at GET /v1/openapi.json; docs/api.md is
// its prose. test/openapi.test.ts checks that every route the app serves is here and every
// route here is served, and sends the examples below to a real node: each answer must have a
// status listed for its operation and validate against that status's schema.

import { WEB_ASSETS } from '../web/assets.gen.ts';
import { SCHEMAS } from './openapi-schemas.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => ({ $ref: `#/components/responses/${description}` });

// the error answers, by status; each names its codes
const ERRORS = {
  BadRequest: [
    400,
    'Malformed request: invalid_json, invalid_body, missing_field, unknown_field, invalid_type, invalid_value, invalid_decimal, too_many_decimals, not_a_multiple, not_positive, out_of_range; `field` names the field',
  ],
  Unauthorized: [401, 'unauthorized: no valid `Authorization: Bearer <token>` (with `WWW-Authenticate: Bearer`)'],
  Forbidden: [403, "forbidden: another owner's order"],
  NotFound: [404, 'market_not_found, order_not_found'],
  Conflict: [409, 'order_not_open: the order is filled, cancelled, expired or rejected'],
  TooLarge: [413, 'payload_too_large: the body is over --body-limit bytes'],
  Refused: [
    422,
    'The book refused it: post_only_would_cross, duplicate_client_order_id, invalid_expiry, not_amendable, invalid_stop_price, invalid_display, book_full, level_overflow',
  ],
  RateLimited: [429, 'rate_limited (with `Retry-After`): over --rate-limit requests (or batch orders) per second'],
  NotReady: [
    503,
    'not_ready (replaying the log, or shutting down; with `Retry-After`), unavailable (the log cannot be written)',
  ],
} as const;
type ErrorName = keyof typeof ERRORS;

/** An operation's responses: its successes and the named error answers. */
function answers(ok: Record<string, unknown>, errors: ErrorName[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ok };
  for (const e of errors) out[String(ERRORS[e][0])] = error(e);
  return out;
}

const bearer = [{ bearer: [] }];
const marketParam = { name: 'market', in: 'path', required: true, schema: ref('MarketId') };
const idParam = { name: 'id', in: 'path', required: true, schema: ref('OrderId') };
const limitParam = (fallback: number, max: number) => ({
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: max, default: fallback },
});
const nextLink = {
  Link: {
    description: 'On a full page when more follow: `<path?…&before=<id of the last item>>; rel="next"` — the next page',
    schema: { type: 'string' },
  },
};
const placeExample = {
  market: 'BTC-USD',
  side: 'buy',
  type: 'limit',
  price: '30000.00',
  quantity: '0.25',
  clientOrderId: 'my-1',
};

const webAsset = (path: string) => ({
  get: {
    summary: path === '/' ? 'The web page' : `A file of the web page (${path})`,
    tags: ['web'],
    responses: {
      200: {
        description: 'The file; cached by ETag',
        content: { [WEB_ASSETS[path].type]: { schema: { type: 'string' } } },
      },
      304: { description: 'Not modified (If-None-Match names its ETag)' },
    },
  },
});

const PATHS = {
  '/v1/orders': {
    post: {
      summary: 'Place an order',
      tags: ['orders'],
      security: bearer,
      description: 'Answers after the order is on disk (fsync): a 2xx survives a crash.',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref('PlaceOrder'), examples: { limit: { value: placeExample } } } },
      },
      responses: answers({ 201: json(ref('Placed'), 'The order and the trades it made') }, [
        'BadRequest',
        'Unauthorized',
        'NotFound',
        'TooLarge',
        'Refused',
        'RateLimited',
        'NotReady',
      ]),
    },
    get: {
      summary: "The caller's orders, newest first, one page",
      tags: ['orders'],
      security: bearer,
      parameters: [
        { name: 'market', in: 'query', schema: ref('MarketId') },
        {
          name: 'status',
          in: 'query',
          description: '`open`: every live order (open, partially filled, pending)',
          schema: {
            type: 'string',
            enum: ['open', 'pending', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected', 'all'],
            default: 'all',
          },
        },
        limitParam(100, 1000),
        {
          name: 'before',
          in: 'query',
          description: 'Continue after this order: the last of the page before (see the Link header)',
          schema: ref('OrderId'),
        },
      ],
      responses: answers(
        { 200: { ...json({ type: 'array', items: ref('Order') }, 'One page of orders'), headers: nextLink } },
        ['BadRequest', 'Unauthorized', 'NotFound', 'RateLimited', 'NotReady'],
      ),
    },
  },
  '/v1/orders/batch': {
    post: {
      summary: 'Place up to 100 orders',
      tags: ['orders'],
      security: bearer,
      description:
        'Validated all or nothing (400 names `orders[i].field`); then each order is its own event with its own result, in order.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: ref('PlaceBatch'),
            examples: {
              two: {
                value: {
                  orders: [
                    { market: 'BTC-USD', side: 'buy', type: 'limit', price: '29990', quantity: '0.1' },
                    { market: 'BTC-USD', side: 'sell', type: 'limit', price: '30010', quantity: '0.1', postOnly: true },
                  ],
                },
              },
            },
          },
        },
      },
      responses: answers({ 201: json(ref('BatchResults'), 'One result per order, in order') }, [
        'BadRequest',
        'Unauthorized',
        'NotFound',
        'TooLarge',
        'RateLimited',
        'NotReady',
      ]),
    },
  },
  '/v1/orders/{id}': {
    parameters: [idParam],
    get: {
      summary: 'One own order',
      tags: ['orders'],
      security: bearer,
      responses: answers({ 200: json(ref('Order'), 'The order') }, [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'NotFound',
        'RateLimited',
        'NotReady',
      ]),
    },
    patch: {
      summary: "Change an order's price and/or remaining quantity",
      tags: ['orders'],
      security: bearer,
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: ref('AmendOrder'), examples: { smaller: { value: { quantity: '0.1' } } } },
        },
      },
      responses: answers({ 200: json(ref('Order'), 'The order after the change (equal values: unchanged)') }, [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'NotFound',
        'Conflict',
        'TooLarge',
        'Refused',
        'RateLimited',
        'NotReady',
      ]),
    },
    delete: {
      summary: 'Cancel an order',
      tags: ['orders'],
      security: bearer,
      responses: answers({ 200: json(ref('Order'), 'The order, status cancelled') }, [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'NotFound',
        'Conflict',
        'RateLimited',
        'NotReady',
      ]),
    },
  },
  '/v1/markets': {
    get: {
      summary: 'The markets this node trades',
      tags: ['market data'],
      responses: { 200: json({ type: 'array', items: ref('Market') }, 'Every market') },
    },
  },
  '/v1/markets/{market}/book': {
    parameters: [marketParam],
    get: {
      summary: 'The book, levels aggregated per price',
      tags: ['market data'],
      parameters: [{ ...limitParam(50, 1000), name: 'depth', description: 'Levels per side' }],
      responses: answers({ 200: json(ref('Book'), 'Bids and asks, best first') }, [
        'BadRequest',
        'NotFound',
        'NotReady',
      ]),
    },
  },
  '/v1/markets/{market}/trades': {
    parameters: [marketParam],
    get: {
      summary: "The market's recent trades, newest first, one page (the node keeps the last 1000)",
      tags: ['market data'],
      parameters: [
        limitParam(100, 1000),
        { name: 'before', in: 'query', description: 'Continue after this trade', schema: ref('TradeId') },
      ],
      responses: answers(
        { 200: { ...json({ type: 'array', items: ref('Trade') }, 'One page of trades'), headers: nextLink } },
        ['BadRequest', 'NotFound', 'NotReady'],
      ),
    },
  },
  '/v1/markets/{market}/events': {
    parameters: [marketParam],
    get: {
      summary: 'Server-sent events: `book` and `trades`, as the WebSocket channels push them',
      tags: ['streams'],
      responses: answers(
        { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
        ['BadRequest', 'NotFound', 'NotReady'],
      ),
    },
  },
  '/v1/stream': {
    get: {
      summary: 'WebSocket: subscribe to book, trades and own orders',
      tags: ['streams'],
      description:
        'Send `{"op":"subscribe"|"unsubscribe","channel":"book"|"trades"|"orders","market":"BTC-USD","token"?}`; the node pushes `{channel, market, sentAt, data}` (`sentAt`: the node clock at the push, ISO-8601 to the microsecond). See docs/api.md.',
      responses: answers(
        {
          101: { description: 'Switching to the WebSocket protocol' },
          426: json(ref('Error'), 'upgrade_required: a plain GET, not a WebSocket upgrade'),
        },
        ['BadRequest', 'Unauthorized', 'NotReady'],
      ),
    },
  },
  '/v1/peers': {
    get: {
      summary: 'Every known peer, connected or not',
      tags: ['node'],
      responses: { 200: json({ type: 'array', items: ref('Peer') }, 'Every known peer') },
    },
  },
  '/v1/health': {
    get: {
      summary: "The node's status",
      tags: ['node'],
      responses: answers({ 200: json(ref('Health'), 'Ready, or stopping') }, ['NotReady']),
    },
  },
  '/v1/openapi.json': {
    get: {
      summary: 'This document',
      tags: ['node'],
      responses: { 200: json({ type: 'object' }, 'The OpenAPI 3.1 document') },
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (text format 0.0.4)',
      tags: ['node'],
      responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  ...Object.fromEntries(Object.keys(WEB_ASSETS).map((path) => [path, webAsset(path)])),
};

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'meshbook node API',
      version,
      description:
        'The HTTP API of a meshbook node, the same on Node.js, Deno and Bun. Amounts are decimal strings; times are ISO-8601 UTC. Any other method on a known path answers 405 with `Allow`; an unknown path 404 not_found. Prose: docs/api.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:8080', description: 'a node with the default --api-host and --api-port' }],
    paths: PATHS,
    components: {
      schemas: SCHEMAS,
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([name, [, description]]) => [name, json(ref('Error'), description)]),
      ),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token: --token, --tokens or <data dir>/token' },
      },
    },
  };
}
