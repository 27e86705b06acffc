// Real libp2p networks on 127.0.0.1 for tests: each Network gets its own temp data dir and
// node key, a free port, mDNS off, and fast timings (redials, DHT rounds) so that tests stay
// short. `waitFor` bounds every wait.

import { nodeFileSystem } from '../../fs-node.ts';
import { Network, type NetworkTuning } from '../../net/network.ts';
import { loadOrCreateIdentity } from '../../identity/identity.ts';
import { memoryLogger, removeDir, tempDir } from '../helpers.ts';

export interface TestNet {
  net: Network;
  dir: string;
  peerId: string;
  /** The first dialable address, ending in /p2p/<peer id>. */
  addr: string;
  logs: ReturnType<typeof memoryLogger>;
}

export interface TestNetOptions {
  dir?: string;
  bootstrap?: string[];
  dht?: boolean;
  markets?: string[];
  tuning?: NetworkTuning;
}

export const FAST: NetworkTuning = {
  redialIntervalMs: 200,
  dialTimeoutMs: 2_000,
  dhtIntervalMs: 500,
  dhtQueryTimeoutMs: 3_000,
  inboundConnectionThreshold: 100,
  peerBookSaveDelayMs: 50,
};

const started: TestNet[] = [];

export async function startNet(options: TestNetOptions = {}): Promise<TestNet> {
  const dir = options.dir ?? (await tempDir('meshbook-net-'));
  const logs = memoryLogger();
  const { identity } = await loadOrCreateIdentity(nodeFileSystem, dir, logs);
  const net = new Network({
    identity,
    fs: nodeFileSystem,
    dataDir: dir,
    logger: logs,
    host: '127.0.0.1',
    port: 0,
    bootstrap: options.bootstrap ?? [],
    mdns: false,
    dht: options.dht ?? false,
    markets: options.markets ?? ['BTC-USD'],
    tuning: { ...FAST, ...options.tuning },
  });
  await net.start();
  const t: TestNet = { net, dir, peerId: identity.peerId, addr: net.addrs()[0], logs };
  started.push(t);
  return t;
}

/** Stops every network started since the last call and removes their dirs (unless kept). */
export async function stopAll(keep: Set<string> = new Set()): Promise<void> {
  const all = started.splice(0);
  await Promise.all(all.map((t) => t.net.stop()));
  await Promise.all(all.filter((t) => !keep.has(t.dir)).map((t) => removeDir(t.dir)));
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
