// A bare meshbook network (host-common/net, no order book) as a process, for the test that
// joins Node, Deno and Bun in one network: the same file runs on all three —
//   node|bun host-common/test/net/gossip-peer.ts --dir <dir> [--bootstrap <multiaddr>]
//   deno run --allow-net --allow-read --allow-write --allow-env --allow-sys host-common/test/net/gossip-peer.ts …
// It prints JSON lines: `ready` (its peer id and address), `got` for each gossip message,
// `answer` for the answer of each peer it asked over the request protocol. It publishes a
// hello on the BTC-USD topic every 250 ms and stops on SIGTERM or after 60 s.

import { Network } from '../../net/network.ts';
import { marketTopic } from '../../net/transport.ts';
import type { FileSystem } from '../../ports.ts';
import { silentLogger } from '../../ports.ts';
import { loadOrCreateIdentity } from '../../identity/identity.ts';

declare const Deno:
  | { args: string[]; addSignalListener(s: string, f: () => void): void; exit(c: number): never }
  | undefined;
declare const Bun: unknown;

const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';
const args: string[] = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const dir = arg('--dir');
if (!dir) throw new Error('--dir is required');
const bootstrap = arg('--bootstrap');

// Each runtime's own file-system port, as its host gives it to the node.
const fs: FileSystem =
  runtime === 'deno'
    ? (await import('../../../host-deno/ports.ts')).denoHost().fs
    : (await import('../../fs-node.ts')).nodeFileSystem;

const ECHO = '/meshbook/test/echo/1';
const TOPIC = marketTopic('BTC-USD');
const print = (o: Record<string, unknown>) => console.log(JSON.stringify({ runtime, ...o }));

const { identity } = await loadOrCreateIdentity(fs, dir, silentLogger);
const network = new Network({
  identity,
  fs,
  dataDir: dir,
  logger: silentLogger,
  host: '127.0.0.1',
  port: 0,
  bootstrap: bootstrap ? [bootstrap] : [],
  mdns: false,
  dht: false,
  markets: ['BTC-USD'],
  tuning: { inboundConnectionThreshold: 100, redialIntervalMs: 500 },
});
const asked = new Set<string>();
network.transport.handle(ECHO, async (data) =>
  new TextEncoder().encode(`${runtime}:${new TextDecoder().decode(data)}`),
);
network.transport.onGossip((_topic, data, from) => {
  print({ event: 'got', from, text: new TextDecoder().decode(data) });
  if (!asked.has(from)) {
    asked.add(from);
    network.transport
      .request(from, ECHO, new TextEncoder().encode('ping'))
      .then((answer) => print({ event: 'answer', from, text: new TextDecoder().decode(answer) }))
      .catch((err) => print({ event: 'answer-failed', from, error: String(err?.message ?? err) }));
  }
  return 'accept';
});
await network.start();
print({ event: 'ready', peerId: identity.peerId, addr: network.addrs()[0] });

let n = 0;
const timer = setInterval(() => {
  network.transport.publish(TOPIC, new TextEncoder().encode(`hello ${n++} from ${runtime}`)).catch(() => {});
}, 250);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await network.stop();
  if (typeof Deno !== 'undefined') Deno.exit(0);
  process.exit(0);
};
if (typeof Deno !== 'undefined') Deno.addSignalListener('SIGTERM', stop);
else process.on('SIGTERM', stop);
setTimeout(stop, 60_000);
