// The deterministic simulation (simulation.ts), over as many seeds as fit in its time budget
// (at least MIN_SEEDS). A failing seed prints the command that replays it alone:
//   SIM_SEED=<seed> npx vitest run host-common/test/simulation.test.ts
// SIM_SEEDS=<n> runs n seeds from SIM_FIRST (default 1) whatever the time they take.

import { describe, expect, it } from 'vitest';
import { withGlobalExports } from '../../core-as/src/image.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { Markets } from '../markets.ts';
import { simulate } from './simulation.ts';
import { MARKETS } from './workload.ts';

// marks as memory images (what Engine.create builds from bytes) on even seeds, as the core's
// snapshots (a module that does not export its globals) on odd ones
const withImages = new WebAssembly.Module(withGlobalExports(readWasm('release')) as Uint8Array<ArrayBuffer>);
const withSnapshots = new WebAssembly.Module(readWasm('release') as Uint8Array<ArrayBuffer>);
const cfg = parseConfig(['--markets', MARKETS.map((m) => `${m}:0.01:0.001`).join(',')], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);

const BUDGET_MS = Number(process.env.SIM_BUDGET_MS ?? 100_000);
const MIN_SEEDS = 1000;

describe('simulation', () => {
  it('every node converges to the total order of what was delivered, no final trade is reverted, every trade ends final', async () => {
    const one = process.env.SIM_SEED;
    const first = Number(process.env.SIM_FIRST ?? 1);
    const count = one !== undefined ? 1 : Number(process.env.SIM_SEEDS ?? Number.POSITIVE_INFINITY);
    const started = performance.now();
    let runs = 0;
    let rollbacks = 0;
    let restarts = 0;
    let holdsReleased = 0;
    let envelopes = 0;
    let messages = 0;
    let pulled = 0;
    let hashChecks = 0;
    let finals = 0;
    let lagTotal = 0;
    let lagMax = 0;
    for (let seed = one !== undefined ? Number(one) : first; runs < count; seed++) {
      if (count === Number.POSITIVE_INFINITY && runs >= MIN_SEEDS && performance.now() - started > BUDGET_MS) break;
      const r = await simulate(seed, seed % 2 === 0 ? withImages : withSnapshots, markets);
      runs++;
      rollbacks += r.rollbacks;
      restarts += r.restarts;
      holdsReleased += r.holdsReleased;
      envelopes += r.envelopes;
      messages += r.messages;
      pulled += r.pulled;
      hashChecks += r.hashChecks;
      finals += r.finals;
      lagTotal += r.lagTotal;
      lagMax = Math.max(lagMax, r.lagMax);
      if (r.failure) {
        expect.fail(
          `seed ${seed} (${r.nodes} nodes, ${r.envelopes} envelopes) failed:\n${r.failure}\n` +
            `replay it: SIM_SEED=${seed} npx vitest run host-common/test/simulation.test.ts`,
        );
      }
    }
    console.log(
      `simulation: ${runs} seeds, ${envelopes} envelopes, ${messages} messages, ${rollbacks} rollbacks, ${restarts} crashes and restarts in ${Math.round(performance.now() - started)} ms; ` +
        `${holdsReleased} holds behind an own batch ended by their cap; ` +
        `${pulled} envelopes brought by sync, ${hashChecks} state hashes compared with a peer's; ` +
        `${finals} trades made final, virtual ms from first push to final: mean ${(lagTotal / Math.max(1, finals)).toFixed(1)}, max ${lagMax.toFixed(0)}`,
    );
    expect(rollbacks).toBeGreaterThan(0);
    expect(finals).toBeGreaterThan(0);
    if (runs >= 20) expect(pulled).toBeGreaterThan(0);
    if (runs >= 20) expect(hashChecks).toBeGreaterThan(0);
    if (runs >= 20) expect(holdsReleased).toBeGreaterThan(0);
    if (runs >= 20) expect(restarts).toBeGreaterThan(0);
  }, 600_000);
});
