// The gossip baseline: N peer processes (bench/network/gossip-peer.ts) on 127.0.0.1, each
// connected to every earlier one, publish together at a total steady rate; reported are the
// propagation latency from publish to receipt on every other peer (p50, p99, max; per receipt
// and per message until the last peer had it), the share delivered, CPU per message per node
// and RSS. It is the yardstick for the network benchmark of the event pipeline (run.ts runs it
// with the same N, rate and message size: meshbook's transport without the book).
// With --sign every message is signed by its publisher and checked by every receiver (ed25519).
//   npx node bench/network/gossip-baseline.ts [--n 3] [--rate 100] [--size 300] [--sign] [--duration 10000] [--warmup 0] [--runtime node|bun|deno]

import { cleanUpOnExit } from './children.ts';
import { runSwarm } from './gossip-swarm.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
cleanUpOnExit();
const summary = await runSwarm({
  n: Number(opt('n', '3')),
  rate: Number(opt('rate', '100')),
  size: Number(opt('size', '300')),
  durationMs: Number(opt('duration', '10000')),
  warmupMs: Number(opt('warmup', '0')),
  runtime: opt('runtime', 'node') as 'node' | 'deno' | 'bun',
  sign: args.includes('--sign'),
});
const { runtime, n, rate, size } = summary;
console.log(JSON.stringify(summary));
console.log(
  `| ${runtime}${summary.signed ? ', signed' : ''} | ${n} | ${rate}/s | ${size} B | ${(summary.delivered * 100).toFixed(1)}% | ${summary.p50Ms.toFixed(1)} ms | ${summary.p99Ms.toFixed(1)} ms | ${summary.allP50Ms.toFixed(1)} ms | ${summary.allP99Ms.toFixed(1)} ms | ${summary.cpuMsPerMessagePerNode.toFixed(3)} ms | ${summary.maxRssMiB.toFixed(0)} MiB |`,
);
