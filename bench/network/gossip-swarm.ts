// One run of the gossip baseline as a function (gossip-baseline.ts is its command line, run.ts
// calls it beside meshbook): N peer processes (gossip-peer.ts) on 127.0.0.1, each connected to
// every earlier one, publish together at a total steady rate; every receipt's latency
// (publish → receipt) is measured by the receiving peer. Reported per receipt, and per message
// as the time until the last other peer had it ("every peer"), which is what meshbook's
// "applied on every node" compares with.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { removeDir, tempDir, track } from './children.ts';

/** The smallest signed message (gossip-peer.ts --sign): a 17-byte header, a public key and a signature. */
export const SIGNED_MIN_BYTES = 17 + 32 + 64;

/** The size a peer sends for --size `asked`: at least its header, and with --sign its key and signature. */
export const messageBytes = (asked: number, sign: boolean) => Math.max(sign ? SIGNED_MIN_BYTES : 24, asked);

export interface SwarmOptions {
  n: number;
  /** messages per second, all peers together */
  rate: number;
  /** bytes per message */
  size: number;
  durationMs: number;
  /** published first, not measured */
  warmupMs?: number;
  runtime: 'node' | 'deno' | 'bun';
  /** each message signed by its publisher (ed25519) and checked by every receiver */
  sign?: boolean;
}

export interface SwarmSummary {
  runtime: string;
  /** messages signed at publish and checked at receipt */
  signed: boolean;
  n: number;
  rate: number;
  size: number;
  durationMs: number;
  published: number;
  failedPublishes: number;
  /** receipts ÷ (published × (n − 1)) */
  delivered: number;
  /** per receipt */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** per message: publish → the last other peer's receipt (messages every other peer got) */
  allP50Ms: number;
  allP99Ms: number;
  allMaxMs: number;
  cpuMsPerMessagePerNode: number;
  /** CPU time ÷ wall time while publishing: the busiest peer's, and all the peers' together (in cores) */
  cpuShareOfOneCorePerNode: number;
  cpuCores: number;
  maxRssMiB: number;
  peersPerNode: number[];
}

interface PeerResult {
  index: number;
  published: number;
  failed: number;
  received: number;
  latencies: number[];
  origins: number[];
  seqs: number[];
  cpuMs: number;
  cpuLoadMs: number;
  rssBytes: number;
  peers: number;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'bench/network/gossip-peer.ts');

export const quantile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : Number.NaN;

export async function runSwarm(o: SwarmOptions): Promise<SwarmSummary> {
  const bin = path.join(ROOT, 'node_modules/.bin', o.runtime);
  const base = await tempDir('gossip-bench');
  const ready: string[] = [];
  const results: Promise<PeerResult>[] = [];
  const children: ReturnType<typeof spawn>[] = [];
  try {
    for (let i = 0; i < o.n; i++) {
      const peerArgs = [
        ...['--dir', path.join(base, `p${i}`), '--index', String(i), '--rate', String(o.rate / o.n)],
        ...['--size', String(o.size), '--duration', String(o.durationMs), '--warmup', String(o.warmupMs ?? 0)],
        ...(ready.length ? ['--bootstrap', ready.join(',')] : []),
        ...(o.sign ? ['--sign'] : []),
      ];
      // MESHBOOK_NODE_FLAGS reach the baseline's peers as they reach meshbook's nodes (profiling both sides)
      const flags = o.runtime === 'node' ? (process.env.MESHBOOK_NODE_FLAGS ?? '').split(' ').filter(Boolean) : [];
      const argv = o.runtime === 'deno' ? ['run', '-A', SCRIPT, ...peerArgs] : [...flags, SCRIPT, ...peerArgs];
      const child = track(spawn(bin, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
      children.push(child);
      let out = '';
      let onReady: (addr: string) => void = () => {};
      let notReady: (err: Error) => void = () => {};
      const isReady = new Promise<string>((resolve, reject) => {
        onReady = resolve;
        notReady = reject;
      });
      const result = new Promise<PeerResult>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
            const line = out.slice(0, nl);
            out = out.slice(nl + 1);
            let msg: { event?: string; addr?: string } & Partial<PeerResult>;
            try {
              msg = JSON.parse(line);
            } catch {
              console.error(`peer ${i}: ${line}`);
              continue;
            }
            if (msg.event === 'ready') onReady(String(msg.addr));
            if (msg.event === 'result') resolve(msg as PeerResult);
          }
        });
        child.on('exit', (code) => {
          const err = new Error(`gossip peer ${i} exited with ${code} before its result`);
          notReady(err);
          reject(err);
        });
      });
      result.catch(() => {}); // awaited below; a peer that dies early also fails isReady
      results.push(result);
      ready.push(await isReady);
    }
    // Every peer is up: give gossipsub a few heartbeats to build its mesh, then start all at once.
    const startAt = Date.now() + 3000;
    for (const child of children) child.stdin?.end(`${startAt}\n`);
    const all = await Promise.all(results);
    return summarize(o, all);
  } finally {
    // each peer exits by itself after its result (writing a profile, if asked); the slow ones are killed
    const exited = (c: ReturnType<typeof spawn>) =>
      c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r));
    await Promise.race([Promise.all(children.map(exited)), new Promise((r) => setTimeout(r, 3000))]);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await removeDir(base);
  }
}

function summarize(o: SwarmOptions, all: PeerResult[]): SwarmSummary {
  const { n, rate, durationMs } = o;
  const size = messageBytes(o.size, o.sign === true);
  const lat = all.flatMap((r) => r.latencies).sort((a, b) => a - b);
  // per message (origin, seq): the latest receipt, when every other peer got it
  const last = new Map<number, { count: number; max: number }>();
  for (const r of all) {
    for (let k = 0; k < r.latencies.length; k++) {
      const key = r.origins[k] * 2 ** 32 + r.seqs[k];
      const m = last.get(key);
      if (m) {
        m.count++;
        m.max = Math.max(m.max, r.latencies[k]);
      } else last.set(key, { count: 1, max: r.latencies[k] });
    }
  }
  const everyPeer = [...last.values()]
    .filter((m) => m.count === n - 1)
    .map((m) => m.max)
    .sort((a, b) => a - b);
  const published = all.reduce((s, r) => s + r.published, 0);
  const expected = published * (n - 1);
  const received = all.reduce((s, r) => s + r.received, 0);
  const cpuPerMsg = all.map((r) => r.cpuMs / Math.max(1, r.received + r.published));
  return {
    runtime: o.runtime,
    signed: o.sign === true,
    n,
    rate,
    size,
    durationMs,
    published,
    failedPublishes: all.reduce((s, r) => s + r.failed, 0),
    delivered: expected ? received / expected : 0,
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    maxMs: lat[lat.length - 1],
    allP50Ms: quantile(everyPeer, 0.5),
    allP99Ms: quantile(everyPeer, 0.99),
    allMaxMs: everyPeer[everyPeer.length - 1],
    cpuMsPerMessagePerNode: Math.max(...cpuPerMsg),
    cpuShareOfOneCorePerNode: Math.max(...all.map((r) => r.cpuLoadMs / durationMs)),
    cpuCores: all.reduce((s, r) => s + r.cpuLoadMs, 0) / durationMs,
    maxRssMiB: Math.max(...all.map((r) => r.rssBytes)) / 2 ** 20,
    peersPerNode: all.map((r) => r.peers),
  };
}
