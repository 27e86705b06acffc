import { buildStream } from './streams.ts';
import { wasmRunner, wasmStart } from './subjects/wasm.ts';
import { readFileSync } from 'node:fs';
const [name, prefill, n, reps] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const s = buildStream({ name: name as any, prefill, commands: n, seed: 3 });
const mod = new WebAssembly.Module(readFileSync(process.env.WASM ?? '/work/main/core-as/build/release.wasm'));
const start = wasmStart(mod, s).snapshot();
const r = wasmRunner(mod, start, s, 'raw', 4096);
let passMs = 0;
for (let i = 0; i < reps; i++) { r.reset(); const t0 = performance.now(); MARKED(); passMs += performance.now() - t0; }
function MARKED() { r.pass(); }
console.log(name, n, 'Mops/s', (n * reps / passMs / 1000).toFixed(2));
