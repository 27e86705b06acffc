// A seeded fuzz of malformed and hostile requests against a real node of each runtime:
// every answer must be a 4xx in the error shape of docs/api.md, the node must stay up, and the
// book's state hash and event count must not move. MESHBOOK_FUZZ_SEED and
// MESHBOOK_FUZZ_REQUESTS (default 10000 per runtime) change the run.

import * as fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RawPool, type RawRequest, type RawResponse } from '../raw-http.ts';
import { hostileRequest, rng } from './fuzz-gen.ts';
import { missing, RUNTIMES, startNodeProcess, tempDataDir } from './node-process.ts';

const SEED = Number(process.env.MESHBOOK_FUZZ_SEED ?? 6_2026);
const REQUESTS = Number(process.env.MESHBOOK_FUZZ_REQUESTS ?? 10_000);
const CONNECTIONS = 16;
const TOKEN = 'fuzz-token-0123456789';

async function send(pool: RawPool, req: RawRequest): Promise<RawResponse> {
  // A server may close a connection after refusing a body it did not read (413): retry the
  // request once on a fresh connection when it died before any answer.
  try {
    return await pool.request(req);
  } catch {
    return pool.request(req);
  }
}

function errorShape(body: string): string | null {
  let j: any;
  try {
    j = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 120)}`;
  }
  const e = j?.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || !/^[a-z][a-z0-9_]*$/.test(e.code))
    return `not the error shape: ${body.slice(0, 120)}`;
  if (e.field !== undefined && typeof e.field !== 'string') return `field is not a string: ${body.slice(0, 120)}`;
  return null;
}

for (const runtime of RUNTIMES) {
  const why = missing(runtime);
  describe.skipIf(why !== undefined)(`fuzz on ${runtime}`, () => {
    it(`${REQUESTS} hostile requests (seed ${SEED}): all 4xx in the error shape, node up, state unchanged`, async () => {
      const dataDir = await tempDataDir(`fuzz-${runtime}`);
      const node = await startNodeProcess(runtime, {
        dataDir,
        args: ['--token', TOKEN, '--rate-limit', '0', '--auth-failures', '0'],
      });
      const pool = new RawPool(node.url, CONNECTIONS);
      try {
        // some state first, so an unchanged hash means something: resting orders, an iceberg, a stop
        const orders: string[] = [];
        for (const body of [
          { side: 'buy', type: 'limit', price: '100.00' },
          { side: 'sell', type: 'limit', price: '101.00', displayQuantity: '0.1' },
          { side: 'buy', type: 'limit', price: '99.50' },
          { side: 'buy', type: 'stop_limit', price: '120.00', stopPrice: '110.00' },
        ]) {
          const r = await send(pool, {
            method: 'POST',
            path: '/v1/orders',
            headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ market: 'BTC-USD', quantity: '0.5', ...body }),
          });
          expect(r.status).toBe(201);
          orders.push(JSON.parse(r.body).order.id);
        }
        const book = async () =>
          JSON.parse((await send(pool, { method: 'GET', path: '/v1/markets/BTC-USD/book' })).body);
        const before = await book();

        const r = rng(SEED);
        const requests = Array.from({ length: REQUESTS }, () => hostileRequest(r, { good: TOKEN, orders }));
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        let next = 0;
        await Promise.all(
          Array.from({ length: CONNECTIONS }, async () => {
            while (next < requests.length) {
              const i = next++;
              const req = requests[i];
              let res: RawResponse;
              try {
                res = await send(pool, req);
              } catch (err) {
                failures.push(`#${i} ${req.method} ${req.path}: no answer (${(err as Error).message})`);
                continue;
              }
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              const bad = res.status < 400 || res.status > 499 ? `status ${res.status}` : errorShape(res.body);
              if (bad && failures.length < 20)
                failures.push(
                  `#${i} ${req.method} ${req.path} ${typeof req.body === 'string' ? req.body.slice(0, 100) : ''}: ${bad}`,
                );
            }
          }),
        );
        expect(failures, `statuses ${JSON.stringify([...statuses])}`).toEqual([]);
        // the node is up and nothing changed
        const health = await send(pool, { method: 'GET', path: '/v1/health' });
        expect(health.status).toBe(200);
        const after = await book();
        expect(after.stateHash).toBe(before.stateHash);
        expect(after.eventCount).toBe(before.eventCount);
        expect(after.bids).toEqual(before.bids);
        expect(after.asks).toEqual(before.asks);
        // the spread of answers shows the fuzz reached every layer
        for (const s of [400, 401, 404, 405, 413, 422])
          expect(statuses.get(s) ?? 0, `status ${s} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
      } finally {
        pool.close();
        const exit = await node.stop();
        expect(exit.code, node.stderr()).toBe(0);
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
