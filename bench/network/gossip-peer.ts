// One peer of the gossip baseline (bench/network/gossip-baseline.ts): meshbook's network stack
// (host-common/net: libp2p, gossipsub StrictNoSign, the transport's checks) with a handler
// that only accepts — no order book, no log. From the start time it is given it publishes --rate messages a
// second of --size bytes for --warmup ms (not measured), then for --duration ms, each stamped with
// its send time; it records the latency of every measured message it receives and prints one
// `result` line at the end.
// With --sign each message also carries the publisher's ed25519 public key and its signature
// over the rest, made at publish and checked by every receiver before it accepts the message
// (Reject otherwise): the one check per message that validating gossip asks of any node, with
// meshbook's own signer and verifier. Such messages need --size ≥ SIGNED_MIN_BYTES.
//   node|bun bench/network/gossip-peer.ts --dir D --index I [--bootstrap A,B] --rate R --size S [--sign] [--warmup MS] --duration MS
// After `ready` it reads the start time (epoch ms) as one line on standard input.

import { Network } from '../../host-common/net/network.ts';
import { marketTopic } from '../../host-common/net/transport.ts';
import { nodeFileSystem } from '../../host-common/fs-node.ts';
import { silentLogger } from '../../host-common/ports.ts';
import { loadOrCreateIdentity } from '../../host-common/identity/identity.ts';
import { createSigner } from '../../host-common/identity/signer.ts';
import { verifySignature } from '../../host-common/identity/verifier.ts';
import { messageBytes, SIGNED_MIN_BYTES } from './gossip-swarm.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback?: string) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? args[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
};
const dir = arg('dir');
const index = Number(arg('index'));
const bootstrap = arg('bootstrap', '').split(',').filter(Boolean);
const rate = Number(arg('rate'));
const sign = args.includes('--sign');
const size = messageBytes(Number(arg('size')), sign);
const duration = Number(arg('duration'));
// published first for this long, not measured: such messages carry a 0 at byte 16 and are not counted
const warmup = Number(arg('warmup', '0'));
const quietMs = Number(arg('quiet-ms', '2000'));

const TOPIC = marketTopic('BTC-USD');
const now = () => performance.timeOrigin + performance.now();
await nodeFileSystem.mkdirp(dir);
const { identity } = await loadOrCreateIdentity(nodeFileSystem, dir, silentLogger);
const network = new Network({
  identity,
  fs: nodeFileSystem,
  dataDir: dir,
  logger: silentLogger,
  host: '127.0.0.1',
  port: 0,
  bootstrap,
  mdns: false,
  dht: false,
  markets: ['BTC-USD'],
  tuning: { inboundConnectionThreshold: 1000, gossip: { messagesPerSecondPerPeer: 1_000_000 } },
});
const latencies: number[] = [];
// who published each message received, and its number there: the bench finds when the last peer had it
const origins: number[] = [];
const seqs: number[] = [];
const signer = createSigner(identity.seed);
// signed layout: header (17 bytes) … public key (32) | signature (64) over everything before it
const signedPart = (msg: Uint8Array) => msg.subarray(0, msg.length - 64);
network.transport.onGossip((_topic, data) => {
  if (sign) {
    const n = data.length;
    if (
      n < SIGNED_MIN_BYTES ||
      !verifySignature(data.subarray(n - 96, n - 64), signedPart(data), data.subarray(n - 64))
    )
      return 'reject';
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(16) === 0) return 'accept'; // the warm-up
  latencies.push(now() - view.getFloat64(0));
  origins.push(view.getUint32(8));
  seqs.push(view.getUint32(12));
  return 'accept';
});
await network.start();
console.log(JSON.stringify({ event: 'ready', index, addr: network.addrs()[0] }));

const startAt = await new Promise<number>((resolve) => {
  let input = '';
  process.stdin.on('data', (d: Buffer) => {
    input += d.toString();
    if (input.includes('\n')) resolve(Number(input.trim()));
  });
  // the bench went away before the start: nothing to do, and nobody to stop this peer
  process.stdin.on('end', () => {
    if (!input.includes('\n')) process.exit(1);
  });
});
process.stdin.pause();
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
if (process.env.MESHBOOK_BENCH_DEBUG)
  setInterval(
    () =>
      console.error(
        `peer ${index}: ${network.connectedPeers().length} connected, mesh ${network.transport.libp2p.services.pubsub.getMeshPeers(TOPIC).length}, received ${latencies.length}`,
      ),
    1000,
  ).unref();
let published = 0;
let failed = 0;
let sent = 0;
const interval = 1000 / rate;
/** Publishes at the rate for `ms`; messages are numbered on from the last. */
const publishFor = async (ms: number, measured: boolean) => {
  const t0 = now();
  const first = sent;
  while (now() - t0 < ms) {
    const due = first + Math.floor((now() - t0) / interval) + 1;
    while (sent < due) {
      const msg = new Uint8Array(size);
      const view = new DataView(msg.buffer);
      view.setFloat64(0, now());
      view.setUint32(8, index);
      view.setUint32(12, sent++);
      view.setUint8(16, measured ? 1 : 0);
      if (sign) {
        msg.set(identity.publicKey, size - 96);
        msg.set(signer.sign(signedPart(msg)), size - 64);
      }
      try {
        await network.transport.publish(TOPIC, msg);
        published++;
      } catch {
        failed++;
      }
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, 5)));
  }
};
await publishFor(warmup, false);
published = 0;
failed = 0;
const cpu0 = process.cpuUsage();
await publishFor(duration, true);
const publishing = process.cpuUsage(cpu0);
await new Promise((r) => setTimeout(r, quietMs));
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    event: 'result',
    index,
    published,
    failed,
    received: latencies.length,
    latencies: latencies.map((l) => Math.round(l * 100) / 100),
    origins,
    seqs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // while it published (the measured --duration), for the share of a core under load
    cpuLoadMs: (publishing.user + publishing.system) / 1000,
    rssBytes: process.memoryUsage().rss,
    peers: network.connectedPeers().length,
  }),
);
await network.stop();
process.exit(0);
