// One runtime's whole core benchmark: the same file runs on Node, Deno and Bun (bench/run.ts
// spawns all three). Usage:
//   node --expose-gc bench/core/main.ts [--quick] [--out file.json]
//   deno run -A --v8-flags=--expose-gc bench/core/main.ts ...
//   bun bench/core/main.ts ...
// Options: --suite <id>[,<id>] runs only those suites; --wasm <file> benches another build of
// the core (e.g. a candidate optimisation) in place of core-as/build/release.wasm.
// Progress goes to stderr; the results (JSON) to --out, or stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readWasm } from '../../core-as/src/wasm.ts';
import { buildStream, type Stream } from './streams.ts';
import { makePlan, type SubjectSpec, type SuiteSpec } from './plan.ts';
import { measure, sinkValue, type Measurement } from './measure.ts';
import { measureMemory } from './memory.ts';
import { collect, runtimeInfo } from './runtime.ts';
import type { Runner } from './runner.ts';
import type { RuntimeResult, SuiteResult } from './results.ts';
import { wasmRunner, wasmStart } from './subjects/wasm.ts';
import { referenceRunner, referenceTruth } from './subjects/reference.ts';
import { nobRunner } from './subjects/nodejs-order-book.ts';
import { twinRunner } from './subjects/twin.ts';

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const out = option('--out');
const onlySuites = option('--suite')?.split(',') ?? null;
const wasmFile = option('--wasm');

const info = runtimeInfo();
const plan = makePlan(quick ? 'quick' : 'full');
const module = new WebAssembly.Module(new Uint8Array(wasmFile ? readFileSync(wasmFile) : readWasm('release')));
const began = performance.now();
const loadAtStart = loadavg()[0];
const log = (msg: string) =>
  console.error(`[${info.runtime} ${((performance.now() - began) / 1000).toFixed(1)}s] ${msg}`);

function runners(spec: SubjectSpec, stream: Stream, start: Uint8Array, events: number): (batch: number) => Runner {
  switch (spec.kind) {
    case 'wasm-raw':
      return (b) => wasmRunner(module, start, stream, 'raw', b);
    case 'wasm-raw-cold':
      return (b) => wasmRunner(module, start, stream, 'raw', b, false);
    case 'wasm-typed':
      return (b) => wasmRunner(module, start, stream, 'typed', b);
    case 'wasm-one':
      return () => wasmRunner(module, start, stream, 'one', 1);
    case 'twin':
      return (b) => twinRunner(stream, b, events);
    case 'reference':
      return (b) => referenceRunner(stream, b);
    case 'nodejs-order-book':
      return () => nobRunner(stream);
  }
}

function runSuite(suite: SuiteSpec): SuiteResult {
  log(`${suite.id}: building ${suite.stream.prefill} + ${suite.stream.commands} commands`);
  const stream = buildStream(suite.stream);
  const start = wasmStart(module, stream).snapshot();
  log(`${suite.id}: reference truth pass`);
  const { truth, events } = referenceTruth(stream);
  collect();
  const measurements: Measurement[] = [];
  for (const spec of suite.subjects) {
    const make = runners(spec, stream, start, events);
    const runner = make(spec.batch);
    const latency =
      spec.latencyBatch !== undefined && spec.latencyBatch !== spec.batch ? make(spec.latencyBatch) : runner;
    const m = measure(runner, latency, truth, stream.commands.length, spec.sampling);
    runner.release();
    latency.release();
    collect();
    measurements.push(m);
    const lat = m.latency ? `, p50 ${m.latency.p50Us.toFixed(2)} µs per call of ${m.latency.batch}` : '';
    log(
      `${suite.id}: ${m.subject} b=${m.batch}: ${(m.opsPerSec / 1e6).toFixed(3)} Mops/s${lat}; check ${m.check.ok} ${m.check.reason ?? ''}`,
    );
  }
  return {
    id: suite.id,
    title: suite.title,
    stream: suite.stream,
    truth: { hash: truth.hash.toString(16), orders: truth.orders, events },
    measurements,
  };
}

log(`${info.runtime} ${info.version} (${info.engine}), ${info.cpu} x${info.cores}, ${plan.profile}, gc ${info.gc}`);
if (!onlySuites) log(`memory at ${plan.memoryOrders} resting orders`);
const memory = onlySuites
  ? null
  : measureMemory(
      module,
      buildStream({ name: 'realistic', prefill: plan.memoryOrders, commands: 0, seed: 1 }),
      info.gc,
    );
collect();
const suites = plan.suites.filter((s) => onlySuites === null || onlySuites.includes(s.id)).map(runSuite);
const result: RuntimeResult = {
  runtime: info,
  profile: plan.profile,
  seconds: (performance.now() - began) / 1000,
  memory,
  suites,
  loadAverage: [loadAtStart, loadavg()[0]],
  sink: sinkValue(),
};
const json = JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
if (out) writeFileSync(out, json);
else console.log(json);
log(`done in ${result.seconds.toFixed(1)} s`);
