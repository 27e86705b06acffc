// The JSON shapes of the API as JSON Schema (2020-12, the dialect of OpenAPI 3.1): the
// components of the document served at GET /v1/openapi.json (openapi.ts). They follow what
// format.ts writes and validate.ts accepts; test/openapi.test.ts holds them to real answers.

import { SIDE_NAMES, STP_NAMES, TYPE_NAMES } from '../../core-as/names.ts';
import { CLIENT_ORDER_ID, MARKET_ID } from '../identifiers.ts';
import { TIME_IN_FORCE_NAMES } from './format.ts';

const decimal = {
  type: 'string',
  pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$',
  description: 'A decimal string ("12.50"), never a JSON number',
} as const;
const time = {
  type: 'string',
  format: 'date-time',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$',
  description: 'ISO-8601, UTC, in milliseconds',
} as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const closed = (required: string[], properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  ...(description ? { description } : {}),
  required,
  properties,
  additionalProperties: false,
});

export const SCHEMAS = {
  Decimal: decimal,
  OrderId: { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'An order id: 16 hex digits' },
  TradeId: { type: 'string', pattern: '^[0-9a-f]{16}-[0-9]+$', description: '<taker order id>-<n>' },
  MarketId: { type: 'string', pattern: MARKET_ID.source, examples: ['BTC-USD'] },
  ClientOrderId: { type: 'string', pattern: CLIENT_ORDER_ID.source },
  Side: { type: 'string', enum: Object.values(SIDE_NAMES) },
  OrderType: { type: 'string', enum: Object.values(TYPE_NAMES) },
  TimeInForce: { type: 'string', enum: Object.values(TIME_IN_FORCE_NAMES) },
  SelfTradePrevention: { type: 'string', enum: Object.values(STP_NAMES) },
  OrderStatus: {
    type: 'string',
    enum: ['pending', 'open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'],
  },
  Error: closed(
    ['error'],
    {
      error: closed(['code', 'message'], {
        code: { type: 'string', pattern: '^[a-z0-9_]+$' },
        message: { type: 'string' },
        field: {
          type: 'string',
          description: 'The JSON path of the field at fault, e.g. oco.stopPrice, orders[2].price',
        },
      }),
    },
    'Every error of the API has this shape',
  ),
  PlaceOrder: closed(['market', 'side', 'type', 'quantity'], {
    market: ref('MarketId'),
    side: ref('Side'),
    type: ref('OrderType'),
    price: { ...decimal, description: 'limit and stop_limit orders; at most the decimals of the tick' },
    quantity: { ...decimal, description: 'at most the decimals of the lot' },
    timeInForce: {
      ...ref('TimeInForce'),
      description: 'GTC by default; market and stop_market orders: IOC (default) or FOK',
    },
    postOnly: { type: 'boolean', description: 'a GTC limit only: refused (422) if it would trade' },
    clientOrderId: { ...ref('ClientOrderId'), description: 'unique per owner among the orders the node keeps' },
    stopPrice: { ...decimal, description: 'stop_limit and stop_market: the trigger' },
    oco: closed(['stopPrice'], { stopPrice: decimal, price: decimal }, 'a GTC limit with a linked stop leg'),
    expiresAt: {
      type: 'string',
      format: 'date-time',
      description: 'good-till-time: an ISO-8601 time with a zone, in the future',
    },
    displayQuantity: { ...decimal, description: 'iceberg: the part the book shows' },
    selfTradePrevention: ref('SelfTradePrevention'),
  }),
  PlaceBatch: closed(['orders'], { orders: { type: 'array', minItems: 1, maxItems: 100, items: ref('PlaceOrder') } }),
  AmendOrder: {
    ...closed([], { price: decimal, quantity: { ...decimal, description: 'the new remaining quantity' } }),
    minProperties: 1,
  },
  Order: closed(
    [
      'id',
      'market',
      'owner',
      'side',
      'type',
      'quantity',
      'filledQuantity',
      'remainingQuantity',
      'status',
      'timeInForce',
      'postOnly',
      'selfTradePrevention',
      'createdAt',
      'updatedAt',
    ],
    {
      id: ref('OrderId'),
      clientOrderId: ref('ClientOrderId'),
      market: ref('MarketId'),
      owner: { type: 'string', description: 'the owner name qualified by the node: alice@<peer id>' },
      side: ref('Side'),
      type: ref('OrderType'),
      price: { ...decimal, description: 'the price it works at now; absent for market orders' },
      stopPrice: decimal,
      oco: closed(['stopPrice', 'status'], {
        stopPrice: decimal,
        price: decimal,
        status: { type: 'string', enum: ['pending', 'triggered', 'cancelled'] },
      }),
      quantity: decimal,
      filledQuantity: decimal,
      remainingQuantity: decimal,
      displayQuantity: decimal,
      status: ref('OrderStatus'),
      cancelReason: {
        type: 'string',
        enum: ['cancelled', 'expired', 'fok_unfilled', 'self_trade', 'reduced_to_zero'],
      },
      rejectReason: { type: 'string' },
      timeInForce: ref('TimeInForce'),
      postOnly: { type: 'boolean' },
      selfTradePrevention: ref('SelfTradePrevention'),
      expiresAt: time,
      triggeredAt: time,
      createdAt: time,
      updatedAt: time,
    },
  ),
  Trade: closed(['id', 'market', 'price', 'quantity', 'takerSide', 'takerOrderId', 'makerOrderId', 'status', 'time'], {
    id: ref('TradeId'),
    market: ref('MarketId'),
    price: decimal,
    quantity: decimal,
    takerSide: ref('Side'),
    takerOrderId: ref('OrderId'),
    makerOrderId: ref('OrderId'),
    status: { type: 'string', enum: ['tentative', 'final', 'reverted'] },
    time,
  }),
  Placed: closed(['order', 'trades'], { order: ref('Order'), trades: { type: 'array', items: ref('Trade') } }),
  BatchResults: closed(['results'], {
    results: { type: 'array', items: { oneOf: [ref('Placed'), ref('Error')] } },
  }),
  Market: closed(['id', 'base', 'quote', 'tickSize', 'lotSize'], {
    id: ref('MarketId'),
    base: { type: 'string' },
    quote: { type: 'string' },
    tickSize: decimal,
    lotSize: decimal,
  }),
  Level: { type: 'array', prefixItems: [decimal, decimal], minItems: 2, maxItems: 2, description: '[price, quantity]' },
  Book: closed(['market', 'bids', 'asks', 'stateHash', 'eventCount'], {
    market: ref('MarketId'),
    bids: { type: 'array', items: ref('Level'), description: 'best (highest) first' },
    asks: { type: 'array', items: ref('Level'), description: 'best (lowest) first' },
    stateHash: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    eventCount: { type: 'integer', minimum: 0 },
  }),
  Health: closed(['status', 'peerId', 'runtime', 'version', 'apiPort', 'p2pAddrs', 'uptimeSeconds', 'eventCount'], {
    status: { type: 'string', enum: ['ok', 'stopping'] },
    peerId: { type: 'string' },
    runtime: { type: 'string', enum: ['node', 'deno', 'bun'] },
    version: { type: 'string' },
    apiPort: { type: 'integer' },
    p2pAddrs: { type: 'array', items: { type: 'string' } },
    uptimeSeconds: { type: 'number', minimum: 0 },
    eventCount: { type: 'integer', minimum: 0 },
    network: closed(
      ['peers', 'members', 'finalityLagMs', 'inMajority'],
      {
        peers: { type: 'integer', minimum: 0, description: 'peers connected now' },
        members: { type: 'integer', minimum: 1 },
        finalityLagMs: { type: 'number', minimum: 0 },
        inMajority: { type: 'boolean' },
      },
      'the network, as this node sees it',
    ),
  }),
  Peer: closed(['peerId', 'addrs', 'connected', 'markets', 'lastHeard', 'member', 'breaker'], {
    peerId: { type: 'string' },
    addrs: { type: 'array', items: { type: 'string' } },
    connected: { type: 'boolean' },
    markets: { type: 'array', items: ref('MarketId') },
    lastHeard: { type: ['string', 'null'], format: 'date-time', description: 'when the peer was last heard from' },
    member: { type: 'boolean', description: 'a member of one of the markets (false until membership is built)' },
    breaker: { type: 'string', enum: ['closed', 'open', 'half-open'], description: 'the dial circuit breaker' },
  }),
} as const;
