// What a rollback costs by depth on a big book: an envelope that sorts `depth` envelopes back
// makes the applier go back to its newest mark before it (the core rewinds to its in-memory
// snapshot, the host tables take back their undo records) and replay in the total order.
// Measured on a book of --orders resting orders (100k by default) with a tail of mixed
// commands (every order type) after it; the final state must equal one fresh state applying
// the same envelopes in the total order, or the run fails. See README.md.

import { cpus, loadavg, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../../host-common/config.ts';
import { Markets } from '../../host-common/markets.ts';
import { Applier } from '../../host-common/pipeline/applier.ts';
import { compareEnvelopes } from '../../host-common/pipeline/orderer.ts';
import { NodeState } from '../../host-common/state/node-state.ts';
import type { Envelope } from '../../host-common/wire/envelope.ts';
import { MARKETS, testEnvelope, Workload } from '../../host-common/test/workload.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const ORDERS = Number(arg('orders', '100000'));
const DEPTHS = arg('depths', '10,100,1000,10000').split(',').map(Number);
const TRIALS = Number(arg('trials', '5'));
const MARK_EVERY = Number(arg('mark-every', '256'));
const KEEP_MARKS = Number(arg('keep-marks', '64'));
const OUT = arg('out', 'bench/results/pipeline');

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', MARKETS.map((m) => `${m}:0.01:0.001`).join(',')], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const origins = [1, 2, 3].map((k) => new Uint8Array(32).fill(k * 17));
const TIME = 1_760_000_000_000;

/** The resting book: bids 500..999 and asks 1020..1519 (ticks), from 1,000 owners, three origins. */
function book(): Envelope[] {
  const out: Envelope[] = [];
  const seqs = [0, 0, 0];
  for (let i = 0; i < ORDERS; i++) {
    const o = i % 3;
    const buy = i % 2 === 0;
    const level = BigInt((i * 7919) % 500);
    out.push(
      testEnvelope(origins[o], ++seqs[o], BigInt(i + 1), TIME, {
        market: MARKETS[0],
        owner: `owner${i % 1000}`,
        body: {
          kind: C.CMD_PLACE,
          side: buy ? C.SIDE_BUY : C.SIDE_SELL,
          type: C.TYPE_LIMIT,
          tif: C.TIF_GTC,
          flags: 0,
          stp: 0,
          price: buy ? 999n - level : 1020n + level,
          quantity: BigInt(1 + (i % 50)),
          clientOrderId: '',
        },
      }),
    );
  }
  return out;
}

/** The mixed tail after the book: every order type around the spread (market orders reach into the book). */
function tail(n: number, after: Envelope[]): Envelope[] {
  const seqs = origins.map((o) => after.filter((e) => e.origin[0] === o[0]).length);
  const w = new Workload(42);
  const out: Envelope[] = [];
  let lamport = BigInt(after.length);
  for (let i = 0; i < n; i++) {
    const o = i % 3;
    const time = TIME + i * 10;
    const c = w.next(time);
    if (i % 3 === 0) lamport++; // three origins share each Lamport time
    const e = testEnvelope(origins[o], ++seqs[o], lamport, time, c);
    w.placedAs(c, e.id);
    out.push(e);
  }
  return out.sort(compareEnvelopes);
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => x.toFixed(2);

const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const started = performance.now();
const head = book();
const rest = tail(Math.max(...DEPTHS) + 2000 + TRIALS * 3, head);
const all = [...head, ...rest];

// the late envelopes: for each depth and trial, one near `depth` envelopes from the end
const late = new Map<Envelope, number>();
for (const depth of DEPTHS) {
  for (let t = 0; t < TRIALS; t++) late.set(rest[rest.length - 1 - depth - t * 3], depth);
}

const engine = Engine.create(wasm, { markets: markets.size });
const state = new NodeState({ engine, markets, maxFinishedOrders: 1_000_000 });
const applier = new Applier({ state, markEvery: MARK_EVERY, keepMarks: KEEP_MARKS });
const buildStarted = performance.now();
for (let i = 0; i < head.length; i += 1000) applier.apply(head.slice(i, i + 1000));
const onTime = rest.filter((e) => !late.has(e));
for (let i = 0; i < onTime.length; i += 100) applier.apply(onTime.slice(i, i + 100));
const buildMs = performance.now() - buildStarted;
const resting = state.restingOrders();
const marksBefore = { n: applier.stats.marks, ms: applier.stats.markMillis };

// nearest the end first: each late one's depth is what the applier measures
const runs: { target: number; depth: number; total: number; back: number }[] = [];
for (const e of [...late.keys()].sort((a, b) => -compareEnvelopes(a, b))) {
  applier.apply([e]);
  const s = applier.stats;
  runs.push({ target: late.get(e)!, depth: s.lastDepth, total: s.lastMillis, back: s.lastBackMillis });
}

// the old way back, for comparison: restore a whole checkpoint of the state
const checkpoint = state.checkpoint();
const restoreRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  state.restore(checkpoint);
  restoreRuns.push(performance.now() - t);
}

// a fast wrong answer cannot pass: the state must be the total order's
const reference = new NodeState({
  engine: engine.fork({ markets: markets.size }),
  markets,
  maxFinishedOrders: 1_000_000,
});
reference.enableRollback();
const sorted = all.slice().sort(compareEnvelopes);
for (let i = 0; i < sorted.length; i += 1000) reference.apply(sorted.slice(i, i + 1000));
if (reference.stateHash() !== state.stateHash()) throw new Error('the rolled-back state differs from the total order');

const rows = DEPTHS.map((target) => {
  const rs = runs.filter((r) => r.target === target);
  const totals = rs.map((r) => r.total);
  return {
    target,
    depth: median(rs.map((r) => r.depth)),
    ms: median(totals),
    min: Math.min(...totals),
    max: Math.max(...totals),
    backMs: median(rs.map((r) => r.back)),
    replayMs: median(rs.map((r) => r.total - r.back)),
  };
});
const result = {
  date: new Date().toISOString(),
  runtime: `node ${process.version}`,
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadBefore,
  },
  orders: ORDERS,
  restingAfter: resting,
  envelopes: all.length,
  markEvery: MARK_EVERY,
  keepMarks: KEEP_MARKS,
  trials: TRIALS,
  buildMs: Math.round(buildMs),
  markMs: marksBefore.n > 0 ? marksBefore.ms / marksBefore.n : 0,
  fullRestoreMs: median(restoreRuns),
  imageable: engine.imageable,
  linearMB: Math.round(engine.memory().linear / 1e6),
  rows,
  runs,
};

const md = [
  '# Rollback cost by depth',
  '',
  `Generated by \`npm run bench:pipeline\` (bench/pipeline/run.ts) on ${result.date}, ${result.runtime}.`,
  `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB; load average before: ${loadBefore}.`,
  '',
  `A book of ${ORDERS.toLocaleString('en')} resting orders (${resting.toLocaleString('en')} resting after the mixed tail), ${all.length.toLocaleString('en')} envelopes from 3 origins;`,
  `a mark every ${MARK_EVERY} envelopes (core memory image + undo position), ${KEEP_MARKS} kept. ${TRIALS} rollbacks per depth;`,
  'each goes back to the newest mark before the late envelope (core image copied back + undo records) and replays from there.',
  'The final state equals a fresh state applying the same envelopes in the total order (checked).',
  '',
  '| depth (envelopes back) | measured depth (median) | rollback ms, median | min–max | going back ms (core image + undo) | replay ms |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.target.toLocaleString('en')} | ${r.depth.toLocaleString('en')} | **${ms(r.ms)}** | ${ms(r.min)}–${ms(r.max)} | ${ms(r.backMs)} | ${ms(r.replayMs)} |`,
  ),
  '',
  `A mark (${result.imageable ? `a copy of the core's ${result.linearMB} MB of linear memory and its globals` : "the core's snapshot"}) costs ${ms(result.markMs)} ms, once per ${MARK_EVERY} envelopes applied;`,
  `going back is one copy of it back, plus the undo records of the host tables.`,
  `For comparison, restoring a whole checkpoint of this state (the way back without marks) costs ${ms(result.fullRestoreMs)} ms (median of 3),`,
  'before any replay.',
  '',
].join('\n');
writeFileSync(`${OUT}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${OUT}.md`, md);
console.log(md);
console.log(`total ${Math.round(performance.now() - started)} ms`);
