// The JS twin (core-as/twin) is checked the way the WASM core is: the committed conformance
// vectors' command streams, and random streams (legal, illegal, extreme) event for event
// against the reference, with equal state hashes. Its numbers are doubles, so it is held to
// the reference run at the twin's limit (valueLimit 2^53 - 1); on every stream whose values
// stay within that limit, the limit changes nothing and the twin must give the committed
// answers and the WASM core's events, byte for byte.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadVectors } from '../../conformance/cases/vectors.ts';
import { type BookVector, playBook } from '../../conformance/lib/vector.ts';
import { generateCommands, MIXES } from '../gen/commands.ts';
import { ReferenceBook } from '../reference/book.ts';
import { encodeCommands } from '../src/records.ts';
import { Engine } from '../src/engine.ts';
import { TWIN_LIMIT, TwinEngine } from '../twin/engine.ts';
import type { Book, Command } from '../types.ts';
import { builds } from './support.ts';

const LIMIT = BigInt(TWIN_LIMIT);
const vectors = loadVectors(fileURLToPath(new URL('../../conformance/vectors/', import.meta.url))).filter(
  (v): v is BookVector => v.kind === 'book',
);

/** Does any i64 field of a vector's commands pass the twin's limit? */
function passesLimit(v: BookVector): boolean {
  return v.steps.some((s) =>
    s.commands.some((c) =>
      (['price', 'qty', 'stopPrice', 'display', 'expiresAt', 'ocoPrice'] as const).some((f) => {
        const x = (c as unknown as Record<string, unknown>)[f];
        return typeof x === 'string' && (BigInt(x) > LIMIT || BigInt(x) < -LIMIT);
      }),
    ),
  );
}

describe('the JS twin on the conformance vectors', () => {
  it('plays every book vector as the reference at its limit, and as committed within it', () => {
    let exact = 0;
    const beyond: string[] = [];
    for (const v of vectors) {
      const options = { markets: v.markets, maxOrders: v.maxOrders };
      const twin = playBook(new TwinEngine(options), v);
      const limited = playBook(new ReferenceBook({ ...options, valueLimit: LIMIT }), v);
      expect(twin, `${v.name}: twin vs reference at the twin's limit`).toEqual(limited);
      const committed = { steps: v.steps.map((s) => s.events), after: v.after };
      const same = JSON.stringify({ steps: twin.steps, after: twin.after }) === JSON.stringify(committed);
      if (same) exact++;
      else {
        // the only reason to differ from the committed vector: a value past 2^53 - 1
        expect(passesLimit(v), `${v.name}: differs from the committed vector within the twin's limit`).toBe(true);
        beyond.push(v.name);
      }
      if (v.start) expect(twin.startHash, `${v.name}: start hash`).toBe(v.start.hash);
    }
    expect(vectors.length).toBeGreaterThanOrEqual(120);
    expect(exact).toBe(vectors.length - beyond.length);
    // the vectors that take the core to i64 max (a price of i64 max, a level total near it, ...)
    expect(beyond).toEqual([
      'extreme-fok-huge-levels',
      'extreme-market-order-huge',
      'extreme-max-price',
      'extreme-max-quantity',
      'extreme-price-one-sweeps-all',
      'reject-overflow-exact-boundary',
      'reject-overflow-level-total',
      'reject-overflow-notional',
      'stop-trigger-refused-by-level-total',
    ]);
  });
});

/** Runs commands batch by batch on both books; events equal, state hash equal every few batches and at the end. */
function differential(twin: Book, other: Book, commands: Command[], batch: number, label: string): number {
  let events = 0;
  for (let start = 0, k = 0; start < commands.length; start += batch, k++) {
    const chunk = commands.slice(start, start + batch);
    const got = twin.execute(chunk);
    const want = other.execute(chunk);
    if (got.length !== want.length || got.some((e, i) => JSON.stringify(e, big) !== JSON.stringify(want[i], big))) {
      const i = got.findIndex((e, j) => JSON.stringify(e, big) !== JSON.stringify(want[j], big));
      throw new Error(
        `${label}, batch at ${start}: event ${i}: twin ${JSON.stringify(got[i], big)}, other ${JSON.stringify(want[i], big)}`,
      );
    }
    events += got.length;
    expect(twin.orderCount(), `${label} at ${start}`).toBe(other.orderCount());
    if (k % 8 === 7 || start + batch >= commands.length) {
      expect(twin.stateHash(), `${label}: state hash after ${start + chunk.length}`).toBe(other.stateHash());
      expect(twin.depth(0, 50), `${label}: depth`).toEqual(other.depth(0, 50));
    }
  }
  return events;
}

const big = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

describe('the JS twin on random streams', () => {
  const mixes = ['crossing', 'resting', 'illegal', 'advanced', 'basic', 'realistic'];

  it.each(mixes)('matches the reference at its limit on the %s mix (legal, illegal, extreme)', (name) => {
    const mix = MIXES[name];
    for (const [seed, batch] of [
      [101, 1],
      [202, 64],
      [303, 512],
    ]) {
      const commands = generateCommands(seed, batch === 1 ? 1500 : 8000, mix);
      const options = { markets: mix.markets, maxOrders: 3000 }; // small enough that capacity is refused too
      const events = differential(
        new TwinEngine(options),
        new ReferenceBook({ ...options, valueLimit: LIMIT }),
        commands,
        batch,
        `${name} seed ${seed}`,
      );
      expect(events).toBeGreaterThan(commands.length);
    }
  });

  it.each(mixes)('matches the WASM core on the %s mix without its extreme values', (name) => {
    const mix = { ...MIXES[name], illegal: 0 };
    const commands = generateCommands(404, 20_000, mix);
    const options = { markets: mix.markets };
    differential(new TwinEngine(options), Engine.create(builds.release, options), commands, 256, `${name} vs core`);
  });

  it('writes the core event records byte for byte, and snapshots restore', () => {
    const mix = MIXES.advanced;
    const commands = generateCommands(505, 6000, { ...mix, illegal: 0 });
    const records = encodeCommands(commands);
    const twin = new TwinEngine({ markets: mix.markets });
    const core = Engine.create(builds.release, { markets: mix.markets });
    for (let s = 0; s < commands.length; s += 1000) {
      const part = records.subarray(s * 80, (s + 1000) * 80);
      expect(Buffer.from(twin.executeRaw(part, 1000)).equals(Buffer.from(core.executeRaw(part, 1000)))).toBe(true);
      const snap = twin.snapshot();
      expect(Buffer.from(snap).equals(Buffer.from(core.snapshot()))).toBe(true);
      twin.restore(snap);
      expect(twin.stateHash()).toBe(core.stateHash());
    }
    expect(twin.orderCount()).toBeGreaterThan(100);
  });
});
