// Where the WASM core spends a stream: warm raw-batch passes of one suite's stream inside
// timedPasses(), for a CPU profiler, then (with --summary) the self time of every function
// under timedPasses. Build the core with names first, so the profile shows them:
//   npx asc core-as/assembly/index.ts --config asconfig.json --target release --debug --outFile /tmp/named.wasm
//   npx node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/core/profile.ts --wasm /tmp/named.wasm --prefill 100000
//   npx node bench/core/profile.ts --summary /tmp/prof/<file>.cpuprofile
// Options: --stream realistic|ladder|crossing|deep-cancel, --prefill N, --commands N, --passes N,
// --wasm file, --subject twin (the JS twin instead of the WASM core). On Deno and Bun:
//   npx deno run -A --v8-flags=--prof ... ; npx bun --cpu-prof --cpu-prof-dir=/tmp/prof bench/core/profile.ts ...
import { readFileSync } from 'node:fs';
import { readWasm } from '../../core-as/src/wasm.ts';
import { buildStream, type StreamName } from './streams.ts';
import { twinRunner } from './subjects/twin.ts';
import { wasmRunner, wasmStart } from './subjects/wasm.ts';
import { referenceTruth } from './subjects/reference.ts';
import { collect } from './runtime.ts';

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const option = (name: string, fallback: string): string =>
  args.includes(name) ? args[args.indexOf(name) + 1] : fallback;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}

function summary(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inside = (id: number): boolean => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x))
      if (byId.get(x)?.callFrame.functionName === 'timedPasses') return true;
    return false;
  };
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    if (!inside(id)) return;
    const name = byId.get(id)?.callFrame.functionName || '(anonymous)';
    const us = p.timeDeltas[i + 1] ?? 0;
    self.set(name, (self.get(name) ?? 0) + us);
    total += us;
  });
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
}

if (args.includes('--summary')) {
  summary(option('--summary', ''));
} else {
  const stream = buildStream({
    name: option('--stream', 'realistic') as StreamName,
    prefill: Number(option('--prefill', '100000')),
    commands: Number(option('--commands', '100000')),
    seed: 20261125,
  });
  const wasm = option('--wasm', '');
  const module = new WebAssembly.Module(new Uint8Array(wasm ? readFileSync(wasm) : readWasm('release')));
  const truth = referenceTruth(stream);
  const runner =
    option('--subject', 'wasm') === 'twin'
      ? twinRunner(stream, 4096, truth.events)
      : wasmRunner(module, wasmStart(module, stream).snapshot(), stream, 'raw', 4096);
  const passes = Number(option('--passes', '10'));
  let ms = 0;
  function timedPasses(): void {
    const t0 = performance.now();
    runner.pass();
    ms += performance.now() - t0;
  }
  for (let i = 0; i < passes; i++) {
    runner.reset();
    collect();
    timedPasses();
  }
  const check = runner.verify(truth.truth);
  console.log(
    `${stream.spec.name} on ${stream.spec.prefill} orders: ${((stream.commands.length * passes) / ms / 1e3).toFixed(2)} M commands/s over ${passes} warm passes; check ${check.ok ? 'ok' : check.reason}`,
  );
}
