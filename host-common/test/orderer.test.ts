// The orderer: each origin's envelopes delivered in seq order whatever the arrival order, a
// gap holding the later ones back, every second copy dropped; the frontier as a vector clock
// through the core's clock operations.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { clockNodeOf, compareEnvelopes, Orderer } from '../pipeline/orderer.ts';
import { hex } from '../wire/envelope.ts';
import { multiOriginHistory } from './workload.ts';

const origins = [1, 2, 3].map((k) => new Uint8Array(32).fill(k * 17));
const history = multiOriginHistory(3, origins, 300);

describe('orderer', () => {
  it('delivers each origin in seq order, holds what follows a gap, drops duplicates', () => {
    const o = new Orderer();
    const a = history.filter((e) => e.origin[0] === 17);
    expect(o.offer(a[2]).status).toBe('held');
    expect(o.offer(a[1]).status).toBe('held');
    expect(o.offer(a[2]).status).toBe('duplicate');
    expect(o.gaps()).toEqual([{ origin: hex(a[0].origin), from: 1n, to: 1n }]);
    const r = o.offer(a[0]);
    expect(r.status === 'delivered' && r.envelopes.map((e) => e.seq)).toEqual([1n, 2n, 3n]);
    expect(o.offer(a[0]).status).toBe('duplicate');
    expect(o.holding).toBe(0);
    expect(o.delivered(hex(a[0].origin))).toBe(3n);
    expect(o.duplicates).toBe(2);
  });

  it('any arrival order, with copies, delivers the whole set once, each origin in seq order', () => {
    let x = 99;
    const arrivals = [...history, ...history.slice(0, 100)];
    for (let i = arrivals.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) >>> 0;
      const j = x % (i + 1);
      [arrivals[i], arrivals[j]] = [arrivals[j], arrivals[i]];
    }
    const o = new Orderer();
    const delivered: typeof history = [];
    for (const e of arrivals) {
      const r = o.offer(e);
      if (r.status === 'delivered') delivered.push(...r.envelopes);
    }
    expect(delivered.length).toBe(history.length);
    for (const origin of origins) {
      const seqs = delivered.filter((e) => e.origin[0] === origin[0]).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
    }
    expect(delivered.slice().sort(compareEnvelopes)).toEqual(history);
  });

  it('the frontier is a canonical vector clock of the other origins', () => {
    const engine = Engine.create(readWasm('release'));
    const o = new Orderer();
    for (const e of history.slice(0, 50)) o.offer(e);
    const clock = o.clock(engine, hex(origins[0]));
    const want = origins
      .slice(1)
      .map((k): [bigint, bigint] => [clockNodeOf(k), o.delivered(hex(k))])
      .filter(([, seq]) => seq > 0n)
      .sort((p, q) => (p[0] < q[0] ? -1 : 1));
    expect(clock).toEqual(want);
    expect(engine.vcCompare(clock, o.clock(engine))).toBe('before');
  });
});
