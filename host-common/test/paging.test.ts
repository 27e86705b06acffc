// Cursor paging of GET /v1/orders and GET /v1/markets/:market/trades: a full page carries
// `Link: <…before=<last id>…>; rel="next"`, and following the links lists every item once,
// also while orders are placed and cancelled between pages. Real node in-process, real files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers.ts';
import { type Harness, type Reply, startInProcess } from './node-harness.ts';

const ALICE = 'token-a-0123456789';
const BOB = 'token-b-0123456789';

let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = await tempDir('meshbook-paging-');
  h = await startInProcess(dir);
});
afterEach(async () => {
  await h.node.stop('test');
  await removeDir(dir);
});

const buy = (cents: number) => ({
  market: 'BTC-USD',
  side: 'buy',
  type: 'limit',
  price: (cents / 100).toFixed(2),
  quantity: '0.001',
});

/** Places resting buys at the given prices (in cents), 100 per batch; their ids, oldest first. */
async function placeBuys(token: string, cents: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < cents.length; i += 100) {
    const r = await h.req('POST', '/v1/orders/batch', { orders: cents.slice(i, i + 100).map(buy) }, token);
    expect(r.status).toBe(201);
    for (const x of r.json.results) ids.push(x.order.id);
  }
  return ids;
}

/** The next page's path from a Link header, or null on the last page. */
function nextOf(r: Reply): string | null {
  const link = r.headers.get('link');
  if (link === null) return null;
  const m = /^<([^>]+)>; rel="next"$/.exec(link);
  expect(m, link).not.toBeNull();
  return m![1];
}

describe('GET /v1/orders pages', () => {
  it('lists an owner with 5,000 open orders in full, newest first, each once', async () => {
    const ids = await placeBuys(
      ALICE,
      Array.from({ length: 5000 }, (_, i) => 1_000_000 + i),
    );
    await placeBuys(BOB, [900_000, 900_001]); // another owner's orders never show
    const seen: string[] = [];
    let path: string | null = '/v1/orders?status=open&limit=1000';
    let pages = 0;
    while (path !== null) {
      const r = await h.req('GET', path, undefined, ALICE);
      expect(r.status).toBe(200);
      expect(r.json.length).toBeLessThanOrEqual(1000);
      for (const o of r.json) seen.push(o.id);
      path = nextOf(r);
      pages++;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual([...ids].reverse());
  });

  it('misses none and repeats none while orders are placed and cancelled between pages', async () => {
    const ids = await placeBuys(
      ALICE,
      Array.from({ length: 2500 }, (_, i) => 1_000_000 + i),
    );
    const cancelled = new Set<string>();
    const placedLater: string[] = [];
    const seen: string[] = [];
    let path: string | null = '/v1/orders?status=open&limit=300';
    let page = 0;
    while (path !== null) {
      const r = await h.req('GET', path, undefined, ALICE);
      expect(r.status).toBe(200);
      for (const o of r.json) {
        expect(o.status).toBe('open');
        expect(cancelled.has(o.id), `${o.id} was cancelled before its page`).toBe(false);
        seen.push(o.id);
      }
      path = nextOf(r);
      // between pages: cancel an order already listed, the order the next page continues after
      // (the cursor itself), and two not listed yet; place new orders
      const last = r.json.at(-1)?.id as string | undefined;
      const notYet = ids.filter((id) => !seen.includes(id) && !cancelled.has(id));
      const victims = [seen[0], last, notYet[0], notYet[Math.floor(notYet.length / 2)]];
      for (const id of victims) {
        if (id === undefined || cancelled.has(id)) continue;
        const d = await h.req('DELETE', `/v1/orders/${id}`, undefined, ALICE);
        expect(d.status).toBe(200);
        cancelled.add(id);
      }
      placedLater.push(...(await placeBuys(ALICE, [2_000_000 + page * 10, 2_000_001 + page * 10])));
      page++;
    }
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    const cancelledBeforeListed = (id: string) => cancelled.has(id) && !seen.includes(id);
    // every order open at the start and not cancelled before its page came is there, in order
    expect(seen).toEqual([...ids].reverse().filter((id) => !cancelledBeforeListed(id)));
    // orders placed after the first page are newer than every cursor: a new listing shows them
    for (const id of placedLater) expect(seen.includes(id)).toBe(false);
    const fresh = await h.req('GET', '/v1/orders?status=open&limit=10', undefined, ALICE);
    expect(fresh.json.map((o: { id: string }) => o.id)).toEqual([...placedLater].reverse().slice(0, 10));
  });

  it('pages every status filter the same way, and the last page has no Link', async () => {
    const ids = await placeBuys(ALICE, [1_000_001, 1_000_002, 1_000_003, 1_000_004, 1_000_005]);
    await h.req('DELETE', `/v1/orders/${ids[1]}`, undefined, ALICE);
    const all: string[] = [];
    let path: string | null = '/v1/orders?limit=2';
    while (path !== null) {
      const r = await h.req('GET', path, undefined, ALICE);
      all.push(...r.json.map((o: { id: string }) => o.id));
      path = nextOf(r);
    }
    expect(all).toEqual([...ids].reverse());
    const exact = await h.req('GET', '/v1/orders?limit=5', undefined, ALICE);
    expect(exact.json.length).toBe(5);
    expect(exact.headers.get('link')).toBeNull(); // exactly one page: no next
    const r = await h.req('GET', `/v1/orders?status=cancelled&market=BTC-USD&limit=1`, undefined, ALICE);
    expect(r.json.map((o: { id: string }) => o.id)).toEqual([ids[1]]);
    expect(r.headers.get('link')).toBeNull();
    const first = await h.req('GET', '/v1/orders?status=open&market=BTC-USD&limit=1', undefined, ALICE);
    expect(nextOf(first)).toBe(`/v1/orders?status=open&market=BTC-USD&limit=1&before=${ids[4]}`);
  });

  it('refuses a cursor that is not an order id, or not an order of the caller', async () => {
    const [bobs] = await placeBuys(BOB, [1_000_000]);
    const notHex = await h.req('GET', '/v1/orders?before=xyz', undefined, ALICE);
    expect(notHex.status).toBe(400);
    expect(notHex.json.error).toMatchObject({ code: 'invalid_value', field: 'before' });
    const other = await h.req('GET', `/v1/orders?before=${bobs}`, undefined, ALICE);
    expect(other.status).toBe(400);
    expect(other.json.error).toMatchObject({ code: 'invalid_value', field: 'before' });
    const unknown = await h.req('GET', '/v1/orders?before=00000000000000ff', undefined, ALICE);
    expect(unknown.status).toBe(400);
  });
});

describe('GET /v1/markets/:market/trades pages', () => {
  it('follows the Link header through every kept trade, newest first', async () => {
    await placeBuys(
      BOB,
      Array.from({ length: 25 }, () => 1_000_000),
    );
    const sell = { market: 'BTC-USD', side: 'sell', type: 'market', quantity: '0.025' };
    expect((await h.req('POST', '/v1/orders', sell, ALICE)).status).toBe(201);
    const everything = await h.req('GET', '/v1/markets/BTC-USD/trades?limit=1000', undefined, null);
    expect(everything.json.length).toBe(25);
    const ids: string[] = [];
    let path: string | null = '/v1/markets/BTC-USD/trades?limit=7';
    let pages = 0;
    while (path !== null) {
      const r = await h.req('GET', path, undefined, null);
      expect(r.status).toBe(200);
      ids.push(...r.json.map((t: { id: string }) => t.id));
      path = nextOf(r);
      pages++;
    }
    expect(pages).toBe(4);
    expect(ids).toEqual(everything.json.map((t: { id: string }) => t.id));
    const bad = await h.req('GET', '/v1/markets/BTC-USD/trades?before=nope', undefined, null);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_value', field: 'before' });
    const gone = await h.req('GET', `/v1/markets/BTC-USD/trades?before=${'0'.repeat(16)}-1`, undefined, null);
    expect(gone.json).toEqual([]); // a trade the ring no longer holds: nothing older is kept
  });
});
