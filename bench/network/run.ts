// The network benchmark: for each N (node processes on 127.0.0.1) and each total order rate,
// a meshbook run (mesh-run.ts: real nodes, orders over HTTP, every node's WebSocket feed) and,
// right after it, the bare gossipsub baseline (gossip-swarm.ts: meshbook's network stack without
// the book) with the same N, the same rate (one message per order) and messages the size of the
// gossip bytes an order cost meshbook just now; then the baseline once more with meshbook's own
// gossip (the messages a second and their mean size that its nodes sent just now: order batches
// and heartbeats), every message signed at publish and checked at receipt (ed25519, meshbook's
// signer and verifier): the floor that the check every node owes its peers puts under meshbook's
// propagation, without logging, ordering or applying.
// Writes bench/results/network.md and network.json, and prints one JSON line.
//
//   npm run bench:network -- [--n 3,5] [--rate 100,1000] [--duration 8000] [--warmup 2000] [--settle 15000] [--runtime node|deno|bun] [--out dir]
//
// Both sides first run the same load for --warmup ms, not measured: the figures are of processes
// past their first seconds (JIT, first touches of memory), as a node runs most of its life.
//
// Every child process and temp dir is registered (children.ts) and gone when this exits, also
// on SIGINT, SIGTERM or an error.

import { execSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import * as path from 'node:path';
import { binary, ROOT, type Runtime } from '../../host-common/test/process/node-process.ts';
import { cleanUpOnExit } from './children.ts';
import { runSwarm, type SwarmSummary } from './gossip-swarm.ts';
import { type MeshSummary, summarizeMesh } from './mesh-results.ts';
import { runMesh } from './mesh-run.ts';
import { markdown, type Row } from './report.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
const ns = opt('n', '3,5').split(',').map(Number);
const rates = opt('rate', '100,1000').split(',').map(Number);
const durationMs = Number(opt('duration', '8000'));
const warmupMs = Number(opt('warmup', '2000'));
const settleMs = Number(opt('settle', '15000'));
const runtime = opt('runtime', 'node') as Runtime;
const outDir = path.resolve(opt('out', path.join(ROOT, 'bench/results')));
const command = `npm run bench:network${args.length ? ` -- ${args.join(' ')}` : ''}`;

cleanUpOnExit();
const log = (msg: string) => console.error(`bench network: ${msg}`);
const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const started = new Date();
const rows: Row[] = [];
for (const n of ns) {
  for (const rate of rates) {
    log(`meshbook, ${runtime}, N=${n}, ${rate} orders/s, ${durationMs} ms`);
    const load = loadavg()[0];
    const mesh: MeshSummary = summarizeMesh(
      await runMesh(
        { n, rate, durationMs, warmupMs, runtime, settleMs, ownersPerGroup: 4, seed: n * 100_003 + rate },
        log,
      ),
    );
    log(JSON.stringify(mesh));
    // one message per order of the gossip bytes an order costs meshbook: the same rate and bytes a
    // second (meshbook's own messages carry several orders each once its nodes batch)
    const size = Math.max(24, mesh.gossip.bytesOutPerOrder);
    log(`bare gossipsub, N=${n}, ${rate} messages/s of ${size} B, ${durationMs} ms`);
    const baseline: SwarmSummary = await runSwarm({ n, rate, size, durationMs, warmupMs, runtime });
    log(JSON.stringify(baseline));
    const signedRate = Math.max(n, Math.round(rate * mesh.gossip.messagesOutPerOrder));
    const signedSize = Math.max(24, mesh.gossip.meanMessageBytes);
    log(`meshbook's gossip signed and checked, N=${n}, ${signedRate} messages/s of ${signedSize} B, ${durationMs} ms`);
    const signed: SwarmSummary = await runSwarm({
      ...{ n, rate: signedRate, size: signedSize, durationMs, warmupMs, runtime },
      sign: true,
    });
    log(JSON.stringify(signed));
    rows.push({ mesh, baseline, signed, loadAverage1m: Math.round(load * 100) / 100 });
  }
}

const version = (r: Runtime) =>
  execSync(`${binary(r)} --version`, { encoding: 'utf8' })
    .trim()
    .split('\n')[0];
const machine = {
  date: started.toISOString(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  os: `${process.platform} ${process.arch}`,
  loadBefore,
  loadAfter: loadavg()
    .map((x) => x.toFixed(2))
    .join(' '),
  runtime,
  runtimeVersion: version(runtime),
  benchNode: process.version,
  elapsedSeconds: Math.round((Date.now() - started.getTime()) / 1000),
};
await fs.mkdir(outDir, { recursive: true });
await fs.writeFile(path.join(outDir, 'network.json'), `${JSON.stringify({ command, machine, rows }, null, 2)}\n`);
await fs.writeFile(path.join(outDir, 'network.md'), markdown(command, machine, rows));
console.log(JSON.stringify({ command, machine, rows }));
