// Good-till-time orders expire on time on a quiet node: the node logs a time event of its own
// when the earliest one is due (no other command needed), the order shows `expired` and leaves
// the book, the change is pushed on the streams, the event is in the log, and a restart replays
// it to the same state. No time event is logged while nothing can expire.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../fs-node.ts';
import { decodeEnvelope, KIND_JOIN, KIND_LEAVE, KIND_TIME } from '../wire/envelope.ts';
import { Wal } from '../store/wal.ts';
import { collect, removeDir, tempDir } from './helpers.ts';
import { type Harness, startInProcess } from './node-harness.ts';

let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = await tempDir('meshbook-expiry-');
  h = await startInProcess(dir);
});
afterEach(async () => {
  await h.node.stop('test');
  await removeDir(dir);
});

interface OrderJson {
  id: string;
  status: string;
  remainingQuantity: string;
}
/** A push of the market's events stream (only book pushes are looked at). */
interface BookPush {
  channel: string;
  data: { type: string; bids: [string, string][] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gtt = (price: string, expiresAt: number) => ({
  market: 'BTC-USD',
  side: 'buy',
  type: 'limit',
  price,
  quantity: '1',
  expiresAt: new Date(expiresAt).toISOString(),
});

async function book(): Promise<{ bids: [string, string][]; eventCount: number; stateHash: string }> {
  return (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json;
}

/** Polls until the order has ended (or the deadline passes); returns it and when it ended. */
async function waitForEnd(id: string, deadline: number): Promise<{ order: OrderJson; at: number }> {
  for (;;) {
    const order = (await h.req('GET', `/v1/orders/${id}`)).json;
    const live = ['open', 'pending', 'partially_filled'].includes(order.status);
    if (!live || Date.now() > deadline) return { order, at: Date.now() };
    await sleep(20);
  }
}

/** The kinds of the envelopes in the node's log, in order. */
async function loggedKinds(): Promise<number[]> {
  const wal = await Wal.open({ fs: nodeFileSystem, dir: `${dir}/wal` });
  try {
    return (await collect(wal.replay())).map((r) => decodeEnvelope(r.payload).body.kind);
  } finally {
    await wal.close();
  }
}

/** Reads server-sent events of the market until `until` holds for one of them. */
async function sseUntil(stream: Response, until: (event: string, push: BookPush) => boolean): Promise<void> {
  if (!stream.body) throw new Error('no stream body');
  const reader = stream.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error('the stream ended');
    buf += dec.decode(value, { stream: true });
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const frame = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const event = /^event: ?(.*)$/m.exec(frame)?.[1] ?? '';
      const data = /^data: ?(.*)$/m.exec(frame)?.[1];
      if (data && until(event, JSON.parse(data))) {
        await reader.cancel();
        return;
      }
    }
  }
}

describe('good-till-time expiry on a quiet node', () => {
  it('expires within a second of expiresAt by a logged time event, pushes it, and replays to the same hash', async () => {
    const expiresAt = Date.now() + 400;
    const placed = await h.req('POST', '/v1/orders', gtt('100.00', expiresAt));
    expect(placed.status, JSON.stringify(placed.json)).toBe(201);
    const id = placed.json.order.id;
    const before = await book();
    expect(before.bids).toEqual([['100.00', '1.00000000']]);
    const stream = await h.app.request('/v1/markets/BTC-USD/events');
    expect(stream.status).toBe(200);
    const seen: { delta: BookPush['data'] | null } = { delta: null };
    const pushed = sseUntil(stream, (event, push) => {
      if (event === 'book' && push.data.type === 'delta') seen.delta = push.data;
      return seen.delta !== null;
    });

    const { order, at } = await waitForEnd(id, expiresAt + 3000);
    expect(order).toMatchObject({ status: 'expired', remainingQuantity: '0.00000000' });
    expect(at - expiresAt).toBeLessThan(1000);
    expect(at).toBeGreaterThanOrEqual(expiresAt);
    await pushed;
    expect(seen.delta?.bids).toEqual([['100.00', '0.00000000']]); // the level that left
    const after = await book();
    expect(after.bids).toEqual([]);
    expect(after.eventCount).toBe(before.eventCount + 1); // one time event, nothing else
    expect(await loggedKinds()).toEqual([KIND_JOIN, 1, KIND_TIME]); // the node's join on start, the order, the expiry

    // nothing left to expire: no more time events
    await sleep(1200);
    expect((await book()).eventCount).toBe(after.eventCount);

    await h.node.stop('test');
    h = await startInProcess(dir);
    const replayed = await book();
    // the same book and hash; two events more: the leave of the stop and the join of this start
    // (time events too, but nothing is left for them to expire)
    expect(replayed).toEqual({ ...after, eventCount: after.eventCount + 2 });
    expect(await loggedKinds()).toEqual([KIND_JOIN, 1, KIND_TIME, KIND_LEAVE, KIND_JOIN]);
    expect((await h.req('GET', `/v1/orders/${id}`)).json).toMatchObject({ status: 'expired' });
  });

  it('expires a pending good-till-time stop, and the earliest of several first, each on time', async () => {
    const t = Date.now();
    const stop = await h.req('POST', '/v1/orders', {
      ...gtt('120.00', t + 700),
      type: 'stop_limit',
      stopPrice: '119.00',
    });
    expect(stop.status, JSON.stringify(stop.json)).toBe(201);
    expect(stop.json.order.status).toBe('pending');
    const first = (await h.req('POST', '/v1/orders', gtt('99.00', t + 300))).json.order;
    const later = (await h.req('POST', '/v1/orders', gtt('98.00', t + 60_000))).json.order;

    const a = await waitForEnd(first.id, t + 3000);
    expect(a.order.status).toBe('expired');
    expect(a.at - (t + 300)).toBeLessThan(1000);
    const b = await waitForEnd(stop.json.order.id, t + 3000);
    expect(b.order.status).toBe('expired');
    expect(b.at - (t + 700)).toBeLessThan(1000);
    expect((await h.req('GET', `/v1/orders/${later.id}`)).json.status).toBe('open');
    expect((await book()).bids).toEqual([['98.00', '1.00000000']]);
    expect((await loggedKinds()).filter((k) => k === KIND_TIME).length).toBe(2);
  });

  it('expires on time after a restart (the order came back from the shutdown snapshot)', async () => {
    const expiresAt = Date.now() + 1500;
    const placed = await h.req('POST', '/v1/orders', gtt('100.00', expiresAt));
    expect(placed.status).toBe(201);
    await h.node.stop('test');
    h = await startInProcess(dir);
    expect((await h.req('GET', `/v1/orders/${placed.json.order.id}`)).json.status).toBe('open');
    const { order, at } = await waitForEnd(placed.json.order.id, expiresAt + 3000);
    expect(order.status).toBe('expired');
    expect(at - expiresAt).toBeLessThan(1000);
    expect(await loggedKinds()).toContain(KIND_TIME);
  });

  it('logs no time event while no order can expire', async () => {
    const plain = await h.req('POST', '/v1/orders', { ...gtt('100.00', 0), expiresAt: undefined });
    expect(plain.status).toBe(201);
    const count = (await book()).eventCount;
    await sleep(1200);
    expect((await book()).eventCount).toBe(count);
    expect(await loggedKinds()).toEqual([KIND_JOIN, 1]); // the node's join on start, the order: no time event
  });
});
