// A/B of two builds of the core on one stream, in one process: passes of A and B alternate, so a
// burst of load on a shared machine hits both; each pass is checked against the reference. The
// way to judge a candidate optimisation when absolute rates drift from minute to minute.
//   npx node --expose-gc bench/core/ab.ts base.wasm candidate.wasm [stream] [prefill] [passes]
// Passes are timed by process CPU time (user + system), which a preempted process does not
// accumulate; the result is the median of each and the ratio B / A.
import { readFileSync } from 'node:fs';
import { buildStream, type StreamName } from './streams.ts';
import { referenceTruth } from './subjects/reference.ts';
import { wasmRunner, wasmStart } from './subjects/wasm.ts';
import { collect } from './runtime.ts';

const [a, b, name = 'realistic', prefill = '100000', passes = '8'] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: bench/core/ab.ts base.wasm candidate.wasm [stream] [prefill] [passes]');
const COMMANDS = 100_000;
const stream = buildStream({ name: name as StreamName, prefill: Number(prefill), commands: COMMANDS, seed: 20261127 });
const truth = referenceTruth(stream).truth;
const runners = [a, b].map((file) => {
  const module = new WebAssembly.Module(new Uint8Array(readFileSync(file)));
  return wasmRunner(module, wasmStart(module, stream).snapshot(), stream, 'raw', 4096);
});
const ms: number[][] = [[], []];
for (let i = 0; i < Number(passes); i++) {
  for (const k of [0, 1]) {
    const r = runners[k];
    r.reset();
    collect();
    const before = process.cpuUsage();
    r.pass();
    const used = process.cpuUsage(before);
    ms[k].push((used.user + used.system) / 1000);
    const check = r.verify(truth);
    if (!check.ok) throw new Error(`${k === 0 ? a : b}: ${check.reason}`);
  }
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1];
const [opsA, opsB] = ms.map((x) => COMMANDS / median(x) / 1000);
console.log(
  `${name} on ${prefill} orders, ${passes} passes each: A ${opsA.toFixed(2)} M/s, B ${opsB.toFixed(2)} M/s, B/A ${(opsB / opsA).toFixed(2)}`,
);
