// The timing middleware labels each request by its route's path (routePath), 405 answers as
// method_not_allowed and unknown paths as not_found; the direct route counts as its Hono route.
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
