import { buildStream } from './streams.ts';
import { wasmRunner, wasmStart } from './subjects/wasm.ts';
import { readFileSync } from 'node:fs';
import { collect } from './runtime.ts';
import { PerformanceObserver } from 'node:perf_hooks';
const [name, prefill, n, b] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 4096)];
const s = buildStream({ name: name as any, prefill, commands: n, seed: 3 });
const mod = new WebAssembly.Module(readFileSync(process.env.WASM ?? '/work/main/core-as/build/release.wasm'));
const start = wasmStart(mod, s).snapshot();
const r = wasmRunner(mod, start, s, 'raw', b);
let gcMs = 0, gcs = 0; let on = false;
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (on) { gcMs += e.duration; gcs++; } }).observe({ entryTypes: ['gc'] });
const res = [];
for (let i = 0; i < 6; i++) {
  r.reset(); collect(); await new Promise((r) => setTimeout(r, 5));
  on = true; const t0 = performance.now(); r.pass(); const dt = performance.now() - t0; on = false;
  await new Promise((r) => setTimeout(r, 5));
  res.push(`${(n / dt / 1000).toFixed(2)}M(gc ${gcs}x ${gcMs.toFixed(0)}ms of ${dt.toFixed(0)})`); gcMs = 0; gcs = 0;
}
console.log(name, prefill, n, b, res.join(' '));
