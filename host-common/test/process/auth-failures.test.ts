// Failed authentications per client address, with real processes on each runtime and on
// both request paths: the direct POST /v1/orders (node:http on Node, directFetch on Deno and
// Bun) and a Hono route (GET /v1/orders). Wrong tokens from one address are answered 401
// until the limit, then 429 with Retry-After — even with the right token — on either path;
// each failure is logged with the address and without the token.

import * as fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { missing, type NodeProcess, RUNTIMES, startNodeProcess, tempDataDir } from './node-process.ts';

const GOOD = 'good-token-0123456789';
const WRONG = 'wrong-token-0123456789';
const LIMIT = 3;
const ORDER = JSON.stringify({ market: 'BTC-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '1' });

function send(node: NodeProcess, route: 'POST' | 'GET', token: string | null) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return fetch(`${node.url}/v1/orders`, route === 'POST' ? { method: 'POST', headers, body: ORDER } : { headers });
}

for (const runtime of RUNTIMES) {
  const why = missing(runtime);
  describe.skipIf(why !== undefined)(`failed authentications on ${runtime}`, () => {
    for (const [failOn, thenOn] of [
      ['POST', 'GET'],
      ['GET', 'POST'],
    ] as const) {
      it(`${LIMIT} wrong tokens on ${failOn} /v1/orders, then 429 with Retry-After on ${thenOn} and ${failOn}, even with the right token`, async () => {
        const dataDir = await tempDataDir(`authfail-${runtime}`);
        const node = await startNodeProcess(runtime, {
          dataDir,
          args: ['--token', GOOD, '--auth-failures', String(LIMIT), '--rate-limit', '0'],
        });
        try {
          expect((await send(node, thenOn, GOOD)).status).toBe(thenOn === 'POST' ? 201 : 200);
          // no credentials at all: 401, but not a guess, so not counted
          for (let i = 0; i < LIMIT + 2; i++) expect((await send(node, failOn, null)).status).toBe(401);
          for (let i = 0; i < LIMIT; i++) expect((await send(node, failOn, WRONG)).status).toBe(401);
          for (const route of [thenOn, failOn]) {
            const r = await send(node, route, GOOD);
            expect(r.status, route).toBe(429);
            const retry = Number(r.headers.get('retry-after'));
            expect(retry).toBeGreaterThanOrEqual(1);
            expect(retry).toBeLessThanOrEqual(60);
            expect((await r.json()).error.code).toBe('rate_limited');
          }
          // public data is not behind authentication
          expect((await fetch(`${node.url}/v1/markets`)).status).toBe(200);
        } finally {
          await node.stop();
        }
        const log = node
          .stderr()
          .split('\n')
          .filter((l) => l.includes('authentication failed'));
        expect(log.length).toBe(LIMIT);
        for (const line of log) {
          const entry = JSON.parse(line);
          expect(entry).toMatchObject({ level: 'warn', address: expect.stringMatching(/127\.0\.0\.1$/) });
          expect(line).not.toContain(WRONG);
        }
        expect(node.stderr()).toContain('too many failed authentications');
        await fs.rm(dataDir, { recursive: true, force: true });
      });
    }

    it(`wrong tokens in WebSocket subscribe messages count too: then rate_limited, and 429 on POST`, async () => {
      const dataDir = await tempDataDir(`authfail-ws-${runtime}`);
      const node = await startNodeProcess(runtime, {
        dataDir,
        args: ['--token', GOOD, '--auth-failures', String(LIMIT), '--rate-limit', '0'],
      });
      try {
        const ws = new WebSocket(`${node.url.replace('http', 'ws')}/v1/stream`);
        const inbox: { op?: string; error?: { code: string } }[] = [];
        ws.onmessage = (e) => inbox.push(JSON.parse(String(e.data)));
        await new Promise((resolve, reject) => {
          ws.onopen = resolve;
          ws.onerror = reject;
        });
        const answer = async (token: string) => {
          const before = inbox.length;
          ws.send(JSON.stringify({ op: 'subscribe', channel: 'orders', market: 'BTC-USD', token }));
          const t0 = Date.now();
          while (inbox.length === before && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
          return inbox[before];
        };
        for (let i = 0; i < LIMIT; i++) expect((await answer(WRONG)).error?.code).toBe('unauthorized');
        expect((await answer(GOOD)).error?.code).toBe('rate_limited');
        ws.close();
        expect((await send(node, 'POST', GOOD)).status).toBe(429);
      } finally {
        await node.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      }
      expect(
        node
          .stderr()
          .split('\n')
          .filter((l) => l.includes('authentication failed')).length,
      ).toBe(LIMIT);
    });
  });
}
