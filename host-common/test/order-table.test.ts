// The order table on its own: listing an owner's orders newest first (and page by page after a
// cursor), forgetting the oldest finished past the limit (live orders always stay), and the
// owner lists swept as they go stale.

import { describe, expect, it } from 'vitest';
import { copyOrder, OrderTable, type OrderRecord } from '../state/order-table.ts';

const base: OrderRecord = {
  id: 0n,
  hex: '',
  market: 0,
  owner: '',
  clientOrderId: null,
  side: 1,
  type: 1,
  tif: 1,
  postOnly: false,
  stp: 0,
  price: 100n,
  quantity: 5n,
  filled: 0n,
  remaining: 5n,
  visible: 5n,
  status: 'open',
  reason: null,
  createdAt: 0,
  updatedAt: 0,
  resting: true,
  stopPrice: 0n,
  display: 0n,
  expiresAt: 0,
  ocoStopPrice: 0n,
  ocoPrice: 0n,
  ocoState: null,
  triggeredAt: 0,
  takerTrades: 0,
};
const order = (id: number, owner: string, clientOrderId: string | null = null): OrderRecord => ({
  ...copyOrder(base),
  id: BigInt(id),
  owner,
  clientOrderId,
});

describe('order table', () => {
  it('lists newest first, forgets the oldest finished past the limit, keeps live orders', () => {
    const t = new OrderTable(100);
    const all: OrderRecord[] = [];
    for (let i = 1; i <= 1000; i++) {
      const o = order(i, i % 2 ? 'alice@p' : 'bob@p', `c${i}`);
      t.add(o);
      all.push(o);
    }
    // finish every order of alice's but the ones divisible by 5 (id 5, 15, 25, ... stay live)
    for (const o of all) {
      if (o.owner !== 'alice@p' || o.id % 5n === 0n) continue;
      o.status = 'filled';
      t.finish(o);
    }
    const alice = t.list('alice@p', () => true, false, 10_000);
    const live = all.filter((o) => o.owner === 'alice@p' && o.id % 5n === 0n);
    const keptFinished = all.filter((o) => o.owner === 'alice@p' && o.id % 5n !== 0n).slice(-100);
    expect(alice.map((o) => o.id)).toEqual([...live, ...keptFinished].map((o) => o.id).sort((a, b) => Number(b - a)));
    expect(t.list('alice@p', () => true, true, 10_000).map((o) => o.id)).toEqual(live.map((o) => o.id).reverse());
    expect(t.list('bob@p', () => true, false, 3).map((o) => o.id)).toEqual([1000n, 998n, 996n]);
    expect(t.size).toBe(500 + live.length + 100);
    // a forgotten order is gone by id and by client order id; a kept one is found both ways
    expect(t.get(1n)).toBeUndefined();
    expect(t.byClientOrderId('alice@p', 'c1')).toBeUndefined();
    expect(t.byClientOrderId('alice@p', 'c999')).toBe(999n);
    expect(t.list('carol@p', () => true, false, 10)).toEqual([]);
  });

  it('drops an owner whose orders were all forgotten', () => {
    const t = new OrderTable(0);
    for (let i = 1; i <= 200; i++) {
      const o = order(i, 'dave@p');
      t.add(o);
      o.status = 'cancelled';
      t.finish(o);
    }
    expect(t.size).toBe(0);
    expect(t.list('dave@p', () => true, false, 10)).toEqual([]);
    t.add(order(201, 'dave@p'));
    expect(t.list('dave@p', () => true, false, 10).map((o) => o.id)).toEqual([201n]);
  });
  it('continues a list after its cursor, whatever finished or was swept in between, and after a restore', () => {
    const t = new OrderTable(1_000);
    const all: OrderRecord[] = [];
    // ids that do not follow creation order: the cursor is a position, not an id comparison
    for (let i = 1; i <= 600; i++) {
      const o = order(((i * 7919) % 10_007) + 1, 'erin@p');
      t.add(o);
      all.push(o);
    }
    const page = (before: bigint | null, limit = 50) => t.list('erin@p', () => true, true, limit, before);
    const first = page(null);
    expect(first.map((o) => o.id)).toEqual(
      all
        .slice(-50)
        .reverse()
        .map((o) => o.id),
    );
    // finish the cursor and 350 others: more than half the live list, so it is swept
    const cursor = first[49];
    for (const o of [cursor, ...all.slice(0, 350)]) {
      o.status = 'cancelled';
      t.finish(o);
    }
    const rest: bigint[] = [];
    for (let before: bigint | null = cursor.id; before !== null; ) {
      const p = page(before);
      rest.push(...p.map((o) => o.id));
      before = p.length === 50 ? p[49].id : null;
    }
    expect(rest).toEqual(
      all
        .slice(350, 550)
        .reverse()
        .map((o) => o.id),
    );
    // a table rebuilt from its entries (a checkpoint) pages the same way
    const { orders, finished } = t.entries();
    const restored = OrderTable.from(1_000, orders, finished);
    expect(restored.list('erin@p', () => true, true, 50, cursor.id).map((o) => o.id)).toEqual(rest.slice(0, 50));
    // an order the table does not keep lists nothing
    expect(page(123_456_789n)).toEqual([]);
  });
});
