// Answers say in words what a rule cancelled: self-trade prevention (the incoming order, or the
// caller's resting orders), FOK that could not fill in full, the unfilled rest of IOC and market
// orders — on POST, on each result of a batch and on PATCH. Ordinary answers carry no message.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers.ts';
import { type Harness, startInProcess } from './node-harness.ts';

let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = await tempDir('meshbook-message-');
  h = await startInProcess(dir);
});
afterEach(async () => {
  await h.node.stop('test');
  await removeDir(dir);
});

const ALICE = 'token-a-0123456789';
const BOB = 'token-b-0123456789';
const order = (side: string, price: string | null, quantity: string, more: Record<string, unknown> = {}) => ({
  market: 'BTC-USD',
  side,
  type: price === null ? 'market' : 'limit',
  ...(price === null ? {} : { price }),
  quantity,
  ...more,
});

async function post(token: string, body: unknown) {
  const r = await h.req('POST', '/v1/orders', body, token);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

describe('answers that say why something was cancelled', () => {
  it('self-trade prevention, cancel_resting (the default): names the resting orders it cancelled', async () => {
    const bid1 = (await post(ALICE, order('buy', '100.00', '1'))).order;
    const bid2 = (await post(ALICE, order('buy', '99.00', '1'))).order;
    const plain = await post(ALICE, order('buy', '98.00', '1'));
    expect(plain.message).toBeUndefined();
    const sell = await post(ALICE, order('sell', null, '3'));
    expect(sell.trades).toEqual([]);
    expect(sell.message).toContain(`self-trade prevention cancelled your resting orders ${bid1.id}, ${bid2.id}`);
    const got = (await h.req('GET', `/v1/orders/${bid1.id}`, undefined, ALICE)).json;
    expect(got).toMatchObject({ status: 'cancelled', cancelReason: 'self_trade' });
  });

  it('self-trade prevention, cancel_incoming: says this order was cancelled; another owner trades', async () => {
    await post(ALICE, order('buy', '100.00', '1'));
    const incoming = await post(ALICE, order('sell', '100.00', '1', { selfTradePrevention: 'cancel_incoming' }));
    expect(incoming.order).toMatchObject({ status: 'cancelled', cancelReason: 'self_trade' });
    expect(incoming.message).toBe(
      'self-trade prevention (cancel_incoming) cancelled this order: it would have traded with your own order',
    );
    const bob = await post(BOB, order('sell', '100.00', '1'));
    expect(bob.order.status).toBe('filled');
    expect(bob.trades).toHaveLength(1);
    expect(bob.message).toBeUndefined();
  });

  it('FOK that cannot fill in full, and the unfilled rest of IOC and market orders', async () => {
    await post(BOB, order('sell', '100.00', '0.5'));
    const fok = await post(ALICE, order('buy', '100.00', '1', { timeInForce: 'FOK' }));
    expect(fok.order).toMatchObject({ status: 'cancelled', cancelReason: 'fok_unfilled' });
    expect(fok.message).toBe('FOK order could not fill in full: nothing traded, the order is cancelled');
    const ioc = await post(ALICE, order('buy', '100.00', '0.7', { timeInForce: 'IOC' }));
    expect(ioc.trades).toHaveLength(1);
    expect(ioc.message).toBe(
      'the 0.20000000 that could not fill at once was cancelled: an IOC order does not rest in the book',
    );
    const market = await post(ALICE, order('buy', null, '0.1'));
    expect(market.message).toBe(
      'the 0.10000000 that could not fill at once was cancelled: a market order does not rest in the book',
    );
  });

  it('on each result of a batch, and on PATCH', async () => {
    const resting = (await post(ALICE, order('buy', '100.00', '1'))).order;
    const batch = await h.req(
      'POST',
      '/v1/orders/batch',
      { orders: [order('sell', '101.00', '1'), order('buy', '50.00', '1', { timeInForce: 'FOK' })] },
      ALICE,
    );
    expect(batch.status).toBe(201);
    expect(batch.json.results[0].message).toBeUndefined();
    expect(batch.json.results[1].message).toContain('FOK order could not fill in full');
    const ask = batch.json.results[0].order;
    const moved = await h.req('PATCH', `/v1/orders/${ask.id}`, { price: '100.00' }, ALICE);
    expect(moved.status).toBe(200);
    expect(moved.json.message).toBe(
      `self-trade prevention cancelled your resting order ${resting.id}: this order would have traded with it`,
    );
  });
});
