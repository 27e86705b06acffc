// restore() cost at a given book size (experiment)
import { buildStream } from './streams.ts';
import { wasmStart } from './subjects/wasm.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { collect } from './runtime.ts';
const prefill = Number((globalThis as any).Deno?.args?.[0] ?? process.argv[2]);
const keepJs = ((globalThis as any).Deno?.args?.[1] ?? process.argv[3]) === 'heap';
const s = buildStream({ name: 'realistic', prefill, commands: 0, seed: 3 });
const junk: object[] = [];
if (keepJs) for (let i = 0; i < 1_000_000; i++) junk.push({ a: BigInt(i), b: [i] });
const mod = new WebAssembly.Module(readWasm('release'));
const e = wasmStart(mod, s);
const snap = e.snapshot();
const times: string[] = [];
for (let i = 0; i < 4; i++) { collect(); const t0 = performance.now(); e.restore(snap); times.push((performance.now() - t0).toFixed(0)); }
const t0 = performance.now(); for (let i = 0; i < 3; i++) e.snapshot(); const snapMs = ((performance.now() - t0) / 3).toFixed(0);
console.log(`${prefill} orders, snapshot ${(snap.length / 1e6).toFixed(1)} MB, js heap objects ${keepJs ? '1M' : 'few'}: restore ms ${times.join(' ')}, snapshot ms ${snapMs}, linear ${(e.memory().linear / 1e6).toFixed(1)} MB`);
