// Differential test on Node (vitest): the WASM core against the reference matcher on
// seeded random streams, legal and illegal, crossing-heavy and resting-heavy.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { ReferenceBook } from '../../core-as/reference/book.ts';
import { generateCommands, MIXES } from '../../core-as/gen/commands.ts';
import { runDifferential } from '../cases/differential.ts';

const SEED = Number(process.env.MESHBOOK_SEED ?? 20261125);
const wasm = readWasm('debug');

describe('WASM core agrees with the reference, event for event', () => {
  const runs: [string, number, number, number][] = [
    // mix, commands, batch, maxOrders
    ['crossing', 30_000, 256, 1 << 24],
    ['resting', 30_000, 512, 1 << 24],
    ['illegal', 25_000, 100, 1 << 24],
    ['realistic', 15_000, 1000, 1 << 24],
    ['advanced', 30_000, 128, 1 << 24],
    ['basic', 10_000, 256, 1 << 24],
    ['advanced', 5_000, 64, 40], // a tiny book: capacity rejects
  ];
  let total = 0;
  for (const [mix, count, batch, maxOrders] of runs) {
    it(`${mix}: ${count} commands in batches of ${batch}, maxOrders ${maxOrders}`, () => {
      const m = MIXES[mix];
      const engine = Engine.create(wasm, { markets: m.markets, maxOrders });
      const reference = new ReferenceBook({ markets: m.markets, maxOrders });
      const r = runDifferential(engine, reference, generateCommands(SEED + total, count, m), {
        batch, snapshotEvery: 7, label: `${mix} seed ${SEED + total}`,
      });
      total += count;
      expect(r.trades).toBeGreaterThan(0);
      expect(r.rejects).toBeGreaterThan(0);
      expect(r.restores).toBeGreaterThan(0);
    });
  }
  it('ran at least 100k commands', () => expect(total).toBeGreaterThanOrEqual(100_000));
});
