// The node wired in-process (node-harness.ts: startNode with a host whose HTTP port only hands
// the app back, so requests go through app.request()): readiness (503 while starting), refusing writes
// while stopping, a failing disk (503, nothing acknowledged), the WAL holding signed
// envelopes in order, restart from snapshot + log, and the markets check of the data dir.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { nodeFileSystem } from '../fs-node.ts';
import type { FileSystem } from '../ports.ts';
import { CMD_PLACE } from '../../core-as/codes.ts';
import { decodeEnvelope, KIND_JOIN, KIND_LEAVE, verifyEnvelope } from '../wire/envelope.ts';
import { Wal } from '../store/wal.ts';
import { collect, instrumentedFs, removeDir, tempDir } from './helpers.ts';
import { type Harness, startInProcess } from './node-harness.ts';
import type { App } from '../api/app.ts';
import { directFetch } from '../api/direct-fetch.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-node-');
});
afterEach(async () => {
  await removeDir(dir);
});

async function start(
  args: string[] = [],
  fs: FileSystem = nodeFileSystem,
  onServe?: (app: Hono) => Promise<void>,
): Promise<Harness> {
  return startInProcess(dir, { args, fs, onServe });
}

const order = (price: string, side = 'buy', quantity = '0.1') => ({
  market: 'BTC-USD',
  side,
  type: 'limit',
  price,
  quantity,
});

describe('direct routes', () => {
  it('POST /v1/orders answers the same through app.direct as through the Hono route', async () => {
    const h = await start(['--body-limit', '2048']);
    const direct = (h.app as unknown as App).direct['POST /v1/orders'];
    expect(direct).toBeTypeOf('function');
    const viaDirect = async (body: string, authorization?: string) => {
      const a = await direct({
        header: (name) => (name === 'authorization' ? authorization : undefined),
        body: async (limit) => (body.length > limit ? 'too-large' : new TextEncoder().encode(body)),
      });
      return { status: a.status, headers: a.headers ?? {}, json: JSON.parse(a.body) };
    };
    const viaHono = async (body: string, authorization?: string) => {
      const res = await h.app.request('/v1/orders', {
        method: 'POST',
        headers: authorization ? { Authorization: authorization } : {},
        body,
      });
      return { status: res.status, headers: Object.fromEntries(res.headers), json: await res.json() };
    };
    const cases: [string, string | undefined][] = [
      [JSON.stringify(order('100.00')), 'Bearer token-a-0123456789'], //                       201
      [JSON.stringify(order('100.00', 'sell', '0.05')), 'Bearer token-b-0123456789'], //       201 with a trade
      [JSON.stringify(order('100.00')), undefined], //                           401
      [JSON.stringify(order('100.00')), 'Bearer nope'], //                       401
      ['{"market":', 'Bearer token-a-0123456789'], //                                         400 invalid_json
      [JSON.stringify({ ...order('100.001') }), 'Bearer token-a-0123456789'], //               400 too_many_decimals
      [JSON.stringify({ ...order('1'), market: 'ETH-EUR' }), 'Bearer token-a-0123456789'], //  404 market_not_found
      [JSON.stringify({ ...order('1'), junk: 'x'.repeat(3000) }), 'Bearer token-a-0123456789'], // 413
    ];
    const normalize = (r: { status: number; headers: Record<string, string>; json: any }) => {
      const o = r.json.order;
      // ids and times differ between two placements of the same order; everything else must not
      const json = o
        ? {
            ...r.json,
            order: { ...o, id: 'x', createdAt: 't', updatedAt: 't' },
            trades: r.json.trades.map((t: any) => ({ ...t, id: 'x', takerOrderId: 'x', makerOrderId: 'x', time: 't' })),
          }
        : r.json;
      const headers = Object.fromEntries(
        Object.entries(r.headers)
          .map(([k, v]) => [k.toLowerCase(), v])
          .filter(([k]) => k === 'www-authenticate' || k === 'retry-after'),
      );
      return { status: r.status, headers, json };
    };
    const statuses: number[] = [];
    const trades: number[] = [];
    for (const [body, auth] of cases) {
      const a = normalize(await viaDirect(body, auth));
      const b = normalize(await viaHono(body, auth));
      expect(a, body.slice(0, 60)).toEqual(b);
      statuses.push(a.status);
      trades.push(a.json.trades?.length ?? -1);
    }
    expect(statuses).toEqual([201, 201, 401, 401, 400, 400, 404, 413]);
    expect(trades.slice(0, 2)).toEqual([0, 1]);
    await h.node.stop('test');
  });
});

describe('direct routes over web Requests (Deno, Bun)', () => {
  it('directFetch answers POST /v1/orders like the app, and passes everything else to it', async () => {
    const h = await start(['--body-limit', '2048']);
    let passed = 0;
    const app = h.app as unknown as App;
    const fetch = directFetch(
      {
        ...app,
        fetch: (req: Request) => {
          passed++;
          return app.fetch(req);
        },
        request: app.request,
        direct: app.direct,
      },
      () => '127.0.0.9',
    );
    // as a server hands them over: with the Content-Length of the body
    const post = (
      body: string,
      headers: Record<string, string> = { Authorization: 'Bearer token-a-0123456789' },
      path = '/v1/orders',
    ) =>
      fetch(
        new Request(`http://127.0.0.1:1${path}`, {
          method: 'POST',
          headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
          body,
        }),
      );
    const placed = await post(JSON.stringify(order('100.00')));
    expect(placed.status).toBe(201);
    expect(placed.headers.get('content-type')).toBe('application/json');
    expect((await placed.json()).order.status).toBe('open');
    const noToken = await post(JSON.stringify(order('100.00')), {});
    expect([noToken.status, noToken.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const big = await post(JSON.stringify({ ...order('1'), junk: 'x'.repeat(3000) }));
    expect([big.status, (await big.json()).error.code]).toEqual([413, 'payload_too_large']);
    expect(passed).toBe(0);
    // a query string, another method or route, a chunked body: the app answers
    expect((await post(JSON.stringify(order('100.00')), undefined, '/v1/orders?x=1')).status).toBe(201);
    expect(
      (
        await fetch(
          new Request('http://127.0.0.1:1/v1/orders', { headers: { Authorization: 'Bearer token-a-0123456789' } }),
        )
      ).status,
    ).toBe(200);
    const stream = new ReadableStream({
      start: (c) => {
        c.enqueue(new TextEncoder().encode(JSON.stringify(order('100.00'))));
        c.close();
      },
    });
    const chunked = await fetch(
      new Request('http://127.0.0.1:1/v1/orders', {
        method: 'POST',
        headers: { Authorization: 'Bearer token-a-0123456789' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(chunked.status).toBe(201);
    expect(passed).toBe(3);
    await h.node.stop('test');
  });
});

describe('node lifecycle', () => {
  it('answers 503 while replaying its log, then serves; stopping refuses writes but not reads', async () => {
    let during: { status: number; retry: string | null; health: number } | null = null;
    const h = await start([], nodeFileSystem, async (app) => {
      // the API is up before recovery: it must say "not ready"
      const res = await app.request('/v1/orders', {
        method: 'POST',
        headers: { Authorization: 'Bearer token-a-0123456789' },
        body: JSON.stringify(order('1')),
      });
      const health = await app.request('/v1/health');
      during = { status: res.status, retry: res.headers.get('retry-after'), health: health.status };
    });
    expect(during).toEqual({ status: 503, retry: '1', health: 503 });
    expect((await h.req('POST', '/v1/orders', order('1'))).status).toBe(201);
    const listening = h.stdout.map((l) => JSON.parse(l)).filter((m) => m.event === 'listening');
    expect(listening).toHaveLength(1);
    const stopping = h.node.stop('test');
    const write = await h.req('POST', '/v1/orders', order('2'));
    expect(write.status).toBe(503);
    expect(write.json.error.code).toBe('not_ready');
    expect((await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).status).toBe(200);
    await stopping;
  });

  it('logs signed envelopes in order; a restart (snapshot + log) gives back the same state', async () => {
    const h = await start(['--snapshot-every', '25']);
    // the node's join of its market is its first event (kind 6, logged before `listening`)
    const start0 = (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json.eventCount;
    expect(start0).toBe(1);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        h.req(
          'POST',
          '/v1/orders',
          order(`${100 + (i % 7)}.00`, i % 2 ? 'buy' : 'sell'),
          i % 3 ? 'token-a-0123456789' : 'token-b-0123456789',
        ),
      ),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const book = (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json;
    expect(book.eventCount).toBe(start0 + 60);
    const orders = (await h.req('GET', '/v1/orders?limit=1000')).json;
    await h.node.stop('test');

    const wal = await Wal.open({ fs: nodeFileSystem, dir: `${dir}/wal` });
    const records = await collect(wal.replay(0));
    await wal.close();
    const envs = records.map((r) => decodeEnvelope(r.payload));
    // the join on start, the 60 orders, the leave of the graceful stop
    expect(envs.map((e) => e.body.kind)).toEqual([KIND_JOIN, ...Array(60).fill(CMD_PLACE), KIND_LEAVE]);
    expect(envs.map((e) => e.seq)).toEqual(envs.map((_, i) => BigInt(i + 1))); // origin seq = log order
    expect(envs.every((e, i) => i === 0 || e.lamport > envs[i - 1].lamport)).toBe(true);
    // one signature per group commit: every envelope verifies on its own, and concurrent
    // requests shared batches
    for (const e of envs) expect(await verifyEnvelope(e)).toBe(true);
    expect(Math.max(...envs.map((e) => e.proof!.count))).toBeGreaterThan(1);
    expect(new Set(envs.map((e) => Buffer.from(e.signature).toString('hex'))).size).toBeLessThan(envs.length);
    const ids = new Set(replies.map((r) => r.json.order.id));
    expect(envs.filter((e) => ids.has(Buffer.from(e.id.subarray(0, 8)).toString('hex'))).length).toBe(60);

    const again = await start(['--snapshot-every', '25']);
    const book2 = (await again.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json;
    // the same book and hash; two events more: the leave of the stop and the join of this start
    expect(book2).toEqual({ ...book, eventCount: book.eventCount + 2 });
    expect((await again.req('GET', '/v1/orders?limit=1000')).json).toEqual(orders);
    // and it goes on with the next seq
    expect((await again.req('POST', '/v1/orders', order('1.00'))).status).toBe(201);
    await again.node.stop('test');
  });

  it('a disk that fails to sync: 503, nothing acknowledged, reads still served', async () => {
    const fs = instrumentedFs();
    const h = await start([], fs);
    const start0 = (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json.eventCount;
    expect((await h.req('POST', '/v1/orders', order('1'))).status).toBe(201);
    fs.onSync = async () => {
      throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    };
    const failed = await h.req('POST', '/v1/orders', order('2'));
    expect(failed.status).toBe(503);
    expect(failed.json.error.code).toBe('unavailable');
    expect((await h.req('POST', '/v1/orders', order('3'))).status).toBe(503);
    const book = (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json;
    expect(book.eventCount).toBe(start0 + 1); // the first order only
    await h.node.stop('test');
  });

  it('refuses a data dir made for other markets', async () => {
    const h = await start();
    await h.node.stop('test');
    await expect(start(['--markets', 'ETH-USD:0.01:0.001'])).rejects.toThrow(/markets BTC-USD.*ETH-USD/);
  });

  it('a chunked body over the limit is 413 without reading it all', async () => {
    const h = await start(['--body-limit', '1024']);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += 4096;
        if (sent > 1 << 20) c.close();
        else c.enqueue(new Uint8Array(4096).fill(0x20));
      },
    });
    const res = await h.app.request('/v1/orders', {
      method: 'POST',
      headers: { Authorization: 'Bearer token-a-0123456789' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(1 << 20);
    await h.node.stop('test');
  });
});
