// The differential check: the WASM engine and the reference matcher execute the same
// command stream batch by batch and must agree on every event, on the state hash, on the
// snapshot bytes and on queries; the engine's invariants must hold after every batch, and
// snapshot -> restore round trips happen mid-stream.
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { ReferenceBook } from '../../core-as/reference/book.ts';
import { generateCommands, MIXES } from '../../core-as/gen/commands.ts';
import type { Book, Command, EngineEvent } from '../../core-as/types.ts';
import type { Case, CaseContext } from '../case.ts';
import { check, checkEqual, show } from './check.ts';

export interface DifferentialOptions {
  batch: number; //         commands per execute() call
  snapshotEvery: number; // batches between snapshot/restore round trips (0: never)
  label: string;
}

export interface DifferentialResult {
  commands: number;
  events: number;
  trades: number;
  rejects: number;
  capacityRejects: number;
  triggers: number; //   stops (and OCO stop legs) triggered
  restores: number;
}

export function runDifferential(
  engine: Engine,
  reference: Book,
  commands: Command[],
  options: DifferentialOptions,
): DifferentialResult {
  const result: DifferentialResult = {
    commands: commands.length,
    events: 0,
    trades: 0,
    rejects: 0,
    capacityRejects: 0,
    triggers: 0,
    restores: 0,
  };
  let batchNo = 0;
  for (let start = 0; start < commands.length; start += options.batch, batchNo++) {
    const batch = commands.slice(start, start + options.batch);
    const got = engine.execute(batch);
    const want = reference.execute(batch);
    compareEvents(got, want, batch, start, options.label);
    result.events += got.length;
    for (const e of got) {
      if (e.kind === C.EV_TRADE) result.trades++;
      if (e.kind === C.EV_REJECTED) result.rejects++;
      if (e.kind === C.EV_REJECTED && e.reason === C.REJ_CAPACITY) result.capacityRejects++;
      if (e.kind === C.EV_TRIGGERED) result.triggers++;
    }
    const where = `${options.label}, after command ${start + batch.length}`;
    const broken = engine.validate();
    check(broken === null, `${where}: invariant broken: ${broken}`);
    checkEqual(engine.stateHash(), reference.stateHash(), `${where}: state hash`);
    checkEqual(engine.orderCount(), reference.orderCount(), `${where}: order count`);
    for (let m = 0; m < reference.marketCount(); m++) {
      checkEqual(engine.depth(m, 10), reference.depth(m, 10), `${where}: depth of market ${m}`);
    }
    if (options.snapshotEvery > 0 && batchNo % options.snapshotEvery === options.snapshotEvery - 1) {
      const snap = engine.snapshot();
      checkEqual(bytesHex(snap), bytesHex(reference.snapshot()), `${where}: snapshot bytes`);
      const hash = engine.stateHash();
      engine.restore(snap);
      checkEqual(engine.stateHash(), hash, `${where}: hash after restore`);
      check(engine.validate() === null, `${where}: invariant broken after restore: ${engine.validate()}`);
      result.restores++;
    }
  }
  return result;
}

function compareEvents(got: EngineEvent[], want: EngineEvent[], batch: Command[], start: number, label: string): void {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = show(got[i]);
    const w = show(want[i]);
    if (g !== w) {
      const cmd = (want[i] ?? got[i]).cmd;
      throw new Error(
        `${label}: event ${i} of the batch at command ${start} differs\n  command ${start + cmd}: ${show(batch[cmd])}\n  wasm:      ${g}\n  reference: ${w}`,
      );
    }
  }
}

function bytesHex(bytes: Uint8Array): string {
  // compared as a string so a mismatch reports where; hashing would hide it
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

// ---- the cases ----

interface Run {
  mix: string;
  commands: number;
  batch: number;
  maxOrders: number;
}

/**
 * Full-size streams (scale 1): 110k commands per build. Every mix but basic and realistic
 * carries the advanced orders (amends, stops, OCOs, icebergs, expiries, STP modes); advanced
 * has them dense enough to cascade, basic has only the first version's order types.
 */
export const RUNS: readonly Run[] = [
  { mix: 'advanced', commands: 30_000, batch: 200, maxOrders: 1 << 24 },
  { mix: 'crossing', commands: 20_000, batch: 256, maxOrders: 1 << 24 },
  { mix: 'resting', commands: 20_000, batch: 512, maxOrders: 1 << 24 },
  { mix: 'illegal', commands: 15_000, batch: 100, maxOrders: 1 << 24 },
  { mix: 'basic', commands: 10_000, batch: 256, maxOrders: 1 << 24 },
  { mix: 'realistic', commands: 10_000, batch: 1000, maxOrders: 1 << 24 },
  { mix: 'advanced', commands: 5_000, batch: 64, maxOrders: 40 }, // a tiny book: capacity rejects
];

/** How many commands a run has at a scale: never so few that it has no trades, rejects or restores. */
export function streamSize(run: Run, scale: number): number {
  return Math.max(Math.round(run.commands * scale), run.batch * 8, 2000);
}

/** Commands the differential cases of this process have run through each build, and passed. */
export const differentialExecuted = { debug: 0, release: 0 };

export const differentialCases: Case[] = RUNS.flatMap((run, i) =>
  (['debug', 'release'] as const).map(
    (build): Case => ({
      name: `differential ${run.mix} (batch ${run.batch}, maxOrders ${run.maxOrders}) on wasm-${build}`,
      group: 'differential',
      run: (ctx: CaseContext) => {
        const mix = MIXES[run.mix];
        const count = streamSize(run, ctx.scale);
        const seed = ctx.seed + i * 1000;
        const options = { markets: mix.markets, maxOrders: run.maxOrders };
        const engine = Engine.create(ctx.wasm[build], options);
        const r = runDifferential(engine, new ReferenceBook(options), generateCommands(seed, count, mix), {
          batch: run.batch,
          snapshotEvery: Math.max(1, Math.floor(count / run.batch / 6)),
          label: `${run.mix} seed ${seed}, ${count} commands, wasm-${build}`,
        });
        check(r.trades > 0, `${run.mix}: the stream traded nothing`);
        check(r.rejects > 0, `${run.mix}: the stream had no rejects`);
        check(r.restores > 0, `${run.mix}: the stream never restored a snapshot`);
        if (mix.stop > 0) check(r.triggers > 0, `${run.mix}: no stop was ever triggered`);
        if (run.maxOrders < 1000)
          check(
            r.capacityRejects > 0,
            `${run.mix}: the ${run.maxOrders}-order book never refused an order for capacity`,
          );
        differentialExecuted[build] += r.commands;
      },
    }),
  ),
);
