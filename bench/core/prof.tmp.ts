import { buildStream, batches } from './streams.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readFileSync } from 'node:fs';
const t = () => performance.now();
const [prefill, n] = [Number(process.argv[2]), Number(process.argv[3])];
const s = buildStream({ name: (process.env.MIX ?? 'realistic') as any, prefill, commands: n, seed: 7 });
(s as any).commands = null;
(globalThis as any).gc?.();
const mod = new WebAssembly.Module(readFileSync(process.env.WASM ?? '/work/main/core-as/build/release.wasm'));
const e = Engine.create(mod);
for (const [st, k] of batches(prefill, 4096)) e.executeRaw(s.prefillRecords.subarray(st * 64, (st + k) * 64), k);
function MARKER() { const t1 = t(); while (t() - t1 < 30); }
MARKER();
const t0 = t();
for (const [st, k] of batches(n, 4096)) e.executeRaw(s.records.subarray(st * 64, (st + k) * 64), k);
console.log('pass', (n / (t() - t0) / 1000).toFixed(2), 'Mops/s', e.memory(), e.orderCount());
