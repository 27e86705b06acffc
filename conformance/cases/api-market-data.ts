// API cases: the public routes — health, markets, book, trades, peers, metrics, the page.
import type { Case } from '../case.ts';
import {
  type ApiContext,
  call,
  clean,
  connect,
  expectStatus,
  needsNode,
  placeOk,
  sameAmount,
  steps,
} from './api-client.ts';
import { check, checkEqual } from './check.ts';

const api = (name: string, run: (ctx: ApiContext) => Promise<void>): Case => ({
  name: `api: ${name}`,
  group: 'api',
  skip: needsNode,
  run,
});

export const apiMarketDataCases: Case[] = [
  api('GET /v1/health reports the node', async (ctx) => {
    const a = await connect(ctx);
    const r = await call(a, 'GET', '/v1/health');
    expectStatus(r, 200, 'GET /v1/health');
    const h = r.json;
    checkEqual(h.status, 'ok', 'status');
    check(typeof h.peerId === 'string' && h.peerId.length > 20, `peerId ${h.peerId}`);
    check(['node', 'deno', 'bun'].includes(h.runtime), `runtime ${h.runtime}`);
    check(typeof h.version === 'string', 'version');
    checkEqual(h.apiPort, Number(new URL(a.base).port), 'apiPort is the port it answers on');
    check(Array.isArray(h.p2pAddrs), 'p2pAddrs is a list');
    check(Number.isInteger(h.uptimeSeconds) && h.uptimeSeconds >= 0, 'uptimeSeconds');
  }),

  api('GET /v1/markets lists markets with decimal tick and lot sizes', async (ctx) => {
    const a = await connect(ctx);
    const r = await call(a, 'GET', '/v1/markets');
    for (const m of r.json) {
      check(/^[A-Za-z0-9]+-[A-Za-z0-9]+$/.test(m.id), `market id ${m.id}`);
      checkEqual(`${m.base}-${m.quote}`, m.id, 'base-quote');
      check(
        /^\d+(\.\d+)?$/.test(m.tickSize) && /^\d+(\.\d+)?$/.test(m.lotSize),
        `tick ${m.tickSize} and lot ${m.lotSize} are decimal strings`,
      );
    }
  }),

  api('GET book: bids best first, asks best first, levels aggregated, stateHash and eventCount', (ctx) =>
    clean(ctx, async (a) => {
      for (const [side, ticks, lots] of [
        ['buy', 1_100_000, 100],
        ['buy', 1_100_002, 200],
        ['buy', 1_100_002, 50],
        ['sell', 1_100_010, 300],
        ['sell', 1_100_005, 70],
      ] as const) {
        await placeOk(a, side === 'buy' ? a.tokens.alice : a.tokens.bob, { side, ticks, lots });
      }
      const r = await call(a, 'GET', `/v1/markets/${a.market.id}/book?depth=10`);
      expectStatus(r, 200, 'GET book');
      checkEqual(r.json.market, a.market.id, 'market');
      const px = (t: number) => steps(a.market.tickSize, t);
      const q = (l: number) => steps(a.market.lotSize, l);
      const bids = r.json.bids.filter(([p]: [string, string]) =>
        [px(1_100_000), px(1_100_002)].some((x) => sameAmount(x, p)),
      );
      const asks = r.json.asks.filter(([p]: [string, string]) =>
        [px(1_100_005), px(1_100_010)].some((x) => sameAmount(x, p)),
      );
      check(
        bids.length === 2 &&
          sameAmount(bids[0][0], px(1_100_002)) &&
          sameAmount(bids[0][1], q(250)) &&
          sameAmount(bids[1][1], q(100)),
        `bids ${JSON.stringify(r.json.bids)}`,
      );
      check(
        asks.length === 2 &&
          sameAmount(asks[0][0], px(1_100_005)) &&
          sameAmount(asks[0][1], q(70)) &&
          sameAmount(asks[1][1], q(300)),
        `asks ${JSON.stringify(r.json.asks)}`,
      );
      check(/^[0-9a-f]{16}$/.test(r.json.stateHash), `stateHash ${r.json.stateHash}`);
      check(Number.isInteger(r.json.eventCount) && r.json.eventCount >= 5, 'eventCount counts events');
      const again = await call(a, 'GET', `/v1/markets/${a.market.id}/book`);
      checkEqual(again.json.stateHash, r.json.stateHash, 'reading does not change the state');
    }),
  ),

  api('GET /v1/peers answers a list; GET /metrics is Prometheus text; GET / is the web page', async (ctx) => {
    const a = await connect(ctx);
    const peers = await call(a, 'GET', '/v1/peers');
    expectStatus(peers, 200, 'GET /v1/peers');
    check(Array.isArray(peers.json), 'peers is a list');
    const metrics = await call(a, 'GET', '/metrics');
    expectStatus(metrics, 200, 'GET /metrics');
    check((metrics.headers.get('content-type') ?? '').startsWith('text/plain'), 'metrics content type');
    check(/^# TYPE meshbook_http_requests_total counter$/m.test(metrics.text), 'metrics name the request counter');
    check(/^meshbook_events_applied_total \d+$/m.test(metrics.text), 'metrics count applied events');
    const page = await call(a, 'GET', '/');
    expectStatus(page, 200, 'GET /');
    check(
      (page.headers.get('content-type') ?? '').startsWith('text/html') && page.text.includes('<html'),
      'the page is HTML',
    );
  }),
];
