// The gossip baseline: N peer processes (bench/network/gossip-peer.ts) on 127.0.0.1, each
// connected to every earlier one, publish together at a total steady rate; reported are the
// propagation latency from publish to receipt on every other peer (p50, p99, max), the share
// delivered, CPU per message per node and RSS. It is the yardstick for the network benchmark
// of the event pipeline (same N, rate and message size, meshbook's transport without the book).
//   npx node bench/network/gossip-baseline.ts [--n 3] [--rate 100] [--size 300] [--duration 10000] [--runtime node|bun|deno]

import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
const n = Number(opt('n', '3'));
const rate = Number(opt('rate', '100'));
const size = Number(opt('size', '300'));
const duration = Number(opt('duration', '10000'));
const runtime = opt('runtime', 'node');
const ROOT = path.resolve(import.meta.dirname, '../..');
const bin = path.join(ROOT, 'node_modules/.bin', runtime);
const script = path.join(ROOT, 'bench/network/gossip-peer.ts');

interface Result {
  index: number;
  published: number;
  failed: number;
  received: number;
  latencies: number[];
  cpuMs: number;
  rssBytes: number;
  peers: number;
}

const base = await fs.mkdtemp(path.join(os.tmpdir(), 'meshbook-gossip-bench-'));
const ready: string[] = [];
const results: Promise<Result>[] = [];
const children: ReturnType<typeof spawn>[] = [];
for (let i = 0; i < n; i++) {
  const peerArgs = [
    ...['--dir', path.join(base, `p${i}`), '--index', String(i), '--rate', String(rate / n), '--size', String(size)],
    ...['--duration', String(duration)],
    ...(ready.length ? ['--bootstrap', ready.join(',')] : []),
  ];
  const argv = runtime === 'deno' ? ['run', '-A', script, ...peerArgs] : [script, ...peerArgs];
  const child = spawn(bin, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  let onReady: (addr: string) => void = () => {};
  let notReady: (err: Error) => void = () => {};
  const isReady = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    notReady = reject;
  });
  results.push(
    new Promise((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          let msg: { event?: string; addr?: string } & Partial<Result>;
          try {
            msg = JSON.parse(line);
          } catch {
            console.error(`peer ${i}: ${line}`);
            continue;
          }
          if (msg.event === 'ready') onReady(String(msg.addr));
          if (msg.event === 'result') resolve(msg as Result);
        }
      });
      child.on('exit', (code) => {
        const err = new Error(`peer ${i} exited with ${code} before its result`);
        notReady(err);
        reject(err);
      });
    }),
  );
  ready.push(await isReady);
}
// Every peer is up: give gossipsub a few heartbeats to build its mesh, then start all at once.
const startAt = Date.now() + 3000;
for (const child of children) child.stdin?.end(`${startAt}\n`);
const all = await Promise.all(results);
await fs.rm(base, { recursive: true, force: true });

const lat = all.flatMap((r) => r.latencies).sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
const published = all.reduce((s, r) => s + r.published, 0);
const expected = published * (n - 1);
const received = all.reduce((s, r) => s + r.received, 0);
const cpuPerMsg = all.map((r) => r.cpuMs / Math.max(1, r.received + r.published));
const summary = {
  runtime,
  n,
  rate,
  size,
  durationMs: duration,
  published,
  failedPublishes: all.reduce((s, r) => s + r.failed, 0),
  delivered: expected ? received / expected : 0,
  p50Ms: q(0.5),
  p99Ms: q(0.99),
  maxMs: lat[lat.length - 1],
  cpuMsPerMessagePerNode: Math.max(...cpuPerMsg),
  cpuShareOfOneCorePerNode: Math.max(...all.map((r) => r.cpuMs / (duration + 2000))),
  maxRssMiB: Math.max(...all.map((r) => r.rssBytes)) / 2 ** 20,
  peersPerNode: all.map((r) => r.peers),
};
console.log(JSON.stringify(summary));
console.log(
  `| ${runtime} | ${n} | ${rate}/s | ${size} B | ${(summary.delivered * 100).toFixed(1)}% | ${summary.p50Ms.toFixed(1)} ms | ${summary.p99Ms.toFixed(1)} ms | ${summary.cpuMsPerMessagePerNode.toFixed(3)} ms | ${summary.maxRssMiB.toFixed(0)} MiB |`,
);
