// The timing middleware labels each request by its route's path (routePath), 405 answers as
// method_not_allowed and unknown paths as not_found; the direct route counts as its Hono route.
// The process's memory, the sync store's and the event loop's lag are gauges of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers.ts';
import { type Harness, startInProcess } from './node-harness.ts';

let dir: string;
let h: Harness;
beforeAll(async () => {
  dir = await tempDir('meshbook-metrics-');
  h = await startInProcess(dir);
});
afterAll(async () => {
  await h.node.stop('test');
  await removeDir(dir);
});

describe('request metrics', () => {
  it('count requests under the route, 405 and 404 labels', async () => {
    expect((await h.req('GET', '/v1/orders/00000000000000ab')).status).toBe(404);
    expect((await h.req('PUT', '/v1/orders')).status).toBe(405);
    expect((await h.req('GET', '/v1/nothing')).status).toBe(404);
    expect((await h.req('GET', '/v1/orders', undefined, null)).status).toBe(401);
    const text = await (await h.app.request('/metrics')).text();
    expect(text).toContain('meshbook_http_requests_total{route="/v1/orders/:id",method="GET",status="404"} 1');
    expect(text).toContain('meshbook_http_requests_total{route="method_not_allowed",method="PUT",status="405"} 1');
    expect(text).toContain('meshbook_http_requests_total{route="not_found",method="GET",status="404"} 1');
    expect(text).toContain('meshbook_http_requests_total{route="/v1/orders",method="GET",status="401"} 1');
    expect(text).not.toContain('route="/*"');
    expect(text).toMatch(/meshbook_http_request_duration_seconds_count\{route="\/v1\/orders\/:id"\} 1/);
  });

  it('show the process memory and what the sync store holds, and they move', async () => {
    const value = (text: string, line: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${line} `))
          ?.split(' ')[1],
      );
    const before = await (await h.app.request('/metrics')).text();
    for (const kind of ['rss', 'heap_used', 'external', 'array_buffers'])
      expect(value(before, `meshbook_memory_bytes{kind="${kind}"}`)).toBeGreaterThan(0);
    const order = { market: 'BTC-USD', side: 'buy', type: 'limit', price: '10', quantity: '0.01' };
    expect((await h.req('POST', '/v1/orders', order)).status).toBe(201);
    const after = await (await h.app.request('/metrics')).text();
    // the order's envelope is in the store, after the join's
    expect(value(after, 'meshbook_sync_store_bytes')).toBeGreaterThan(value(before, 'meshbook_sync_store_bytes'));
  });

  it('sample the event loop lag: a loop blocked for 120 ms shows in the histogram', async () => {
    const count = (text: string, le: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`meshbook_event_loop_lag_seconds_bucket{le="${le}"} `));
      return Number(line?.split(' ')[1]);
    };
    const before = await (await h.app.request('/metrics')).text();
    const blocked = performance.now() + 120;
    while (performance.now() < blocked) {} // busy: the 50 ms sampler fires ~70 ms late
    await new Promise((r) => setTimeout(r, 120));
    const after = await (await h.app.request('/metrics')).text();
    // one sample above 50 ms (and up to 250 ms) more than before; the total count grew
    expect(
      count(after, '0.25') - count(after, '0.05') - (count(before, '0.25') - count(before, '0.05')),
    ).toBeGreaterThanOrEqual(1);
    expect(count(after, '+Inf')).toBeGreaterThan(count(before, '+Inf'));
  });
});
