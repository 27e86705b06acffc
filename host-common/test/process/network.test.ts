// The network between real node processes on 127.0.0.1 (mDNS and the DHT off, as in every
// test): what /v1/peers, /v1/health, /metrics and the `listening` line show over real HTTP,
// a restarted node redialling its peers from its data dir, and one network of a Node, a
// Deno and a Bun process — main.ts nodes connect, and bare networks (the same host-common/net
// code, run by gossip-peer.ts) exchange gossip and requests across the three runtimes.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  binary,
  DENO_PERMISSIONS,
  missing,
  type NodeProcess,
  ROOT,
  RUNTIMES,
  type Runtime,
  runToExit,
  startNodeProcess,
  tempDataDir,
} from './node-process.ts';

const running: NodeProcess[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop('SIGKILL')));
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function start(runtime: Runtime, dataDir: string, args: string[] = []): Promise<NodeProcess & { p2p: string[] }> {
  const node = await startNodeProcess(runtime, { dataDir, args });
  running.push(node);
  const listening = node.stdoutLines.map((l) => JSON.parse(l)).find((m) => m.event === 'listening');
  return Object.assign(node, { p2p: listening.p2p as string[] });
}

async function get<T = Record<string, any>>(node: NodeProcess, route: string): Promise<T> {
  const res = await fetch(`${node.url}${route}`);
  expect(res.status, route).toBe(200);
  return (route === '/metrics' ? res.text() : res.json()) as Promise<T>;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A peer as GET /v1/peers shows it (docs/api.md). */
interface PeerEntry {
  peerId: string;
  addrs: string[];
  connected: boolean;
  markets: string[];
  lastHeard: string | null;
  member: boolean;
  breaker: string;
}

const peerOf = async (node: NodeProcess, peerId: string) =>
  (await get<PeerEntry[]>(node, '/v1/peers')).find((p) => p.peerId === peerId);

describe('the network between node processes', () => {
  it('/v1/peers, /v1/health and /metrics over HTTP; a restarted node redials its peers without --bootstrap', async () => {
    const dir1 = await tempDataDir('net-1');
    const dir2 = await tempDataDir('net-2');
    dirs.push(dir1, dir2);
    const n1 = await start('node', dir1);
    expect(n1.p2p.length).toBeGreaterThan(0);
    for (const a of n1.p2p) expect(a).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${n1.peerId}$`));
    const n2 = await start('node', dir2, ['--bootstrap', n1.p2p[0]]);

    await waitFor('n1 lists n2 with its market', async () => (await peerOf(n1, n2.peerId))?.markets?.length === 1);
    // each node's join of BTC-USD, logged on its start, reaches the other: both are members
    await waitFor('n1 has n2 as a member', async () => (await peerOf(n1, n2.peerId))?.member === true);
    await waitFor('n2 has n1 as a member', async () => (await peerOf(n2, n1.peerId))?.member === true);
    const seen = await peerOf(n1, n2.peerId);
    expect(seen).toEqual({
      peerId: n2.peerId,
      addrs: n2.p2p,
      connected: true,
      markets: ['BTC-USD'],
      lastHeard: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      member: true,
      breaker: 'closed',
    });
    // once n2's heartbeats say it delivered everything, nothing waits for finality
    await waitFor('n1 has every event final', async () => (await get(n1, '/v1/health')).network.finalityLagMs === 0);
    const health = await get(n1, '/v1/health');
    expect(health.p2pAddrs).toEqual(n1.p2p);
    expect(health.network).toEqual({ peers: 1, members: 2, finalityLagMs: 0, inMajority: true });
    const metrics: string = await get(n1, '/metrics');
    expect(metrics).toMatch(/^meshbook_peers_connected 1$/m);
    expect(metrics).toMatch(/^meshbook_members 2$/m);
    expect(metrics).toMatch(/^meshbook_gossip_messages_rejected_total\{reason="verdict"\} 0$/m);

    const exit = await n2.stop('SIGTERM');
    expect(exit.code, n2.stderr()).toBe(0);
    running.splice(running.indexOf(n2), 1);
    await waitFor('n1 saw n2 go', async () => (await peerOf(n1, n2.peerId))?.connected === false);
    // n2's graceful stop gossiped its leave before its network stopped: no longer a member
    expect((await peerOf(n1, n2.peerId))?.member).toBe(false);
    expect((await get(n1, '/v1/health')).network).toMatchObject({ peers: 0, members: 1 });
    const saved = JSON.parse(await fs.readFile(path.join(dir2, 'peers.json'), 'utf8'));
    expect(saved.peers.map((p: { peerId: string }) => p.peerId)).toEqual([n1.peerId]);

    const again = await start('node', dir2); // no --bootstrap: the peer book has n1
    expect(again.peerId).toBe(n2.peerId);
    await waitFor('n2 redialled n1', async () => (await peerOf(again, n1.peerId))?.connected === true);
    await waitFor('n1 sees n2 again', async () => (await peerOf(n1, n2.peerId))?.connected === true);
    // and n2 joined again on that start
    await waitFor('n1 has n2 as a member again', async () => (await peerOf(n1, n2.peerId))?.member === true);
    expect((await get(n1, '/v1/health')).network).toMatchObject({ peers: 1, members: 2 });
  }, 60_000);
  it('a P2P port in use stops the start with exit 1 and a reason; the data dir is left as it was', async () => {
    const dir1 = await tempDataDir('net-busy-1');
    const dir2 = await tempDataDir('net-busy-2');
    dirs.push(dir1, dir2);
    const n1 = await start('node', dir1);
    const port = n1.p2p[0].split('/')[4];
    const busy = await runToExit('node', [
      ...['--api-port', '0', '--p2p-host', '127.0.0.1', '--p2p-port', port, '--no-mdns', '--no-dht'],
      ...['--data-dir', dir2, '--log-level', 'warn'],
    ]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`the network cannot start on 127\\.0\\.0\\.1:${port}`));
    // The node it could not start left a data dir that starts fine on a free port.
    const later = await start('node', dir2);
    expect(later.p2p.length).toBeGreaterThan(0);
  }, 60_000);
});

function spawnGossipPeer(runtime: Runtime, dir: string, bootstrap?: string) {
  const script = path.join(ROOT, 'host-common/test/net/gossip-peer.ts');
  const args = ['--dir', dir, ...(bootstrap ? ['--bootstrap', bootstrap] : [])];
  const argv = runtime === 'deno' ? ['run', ...DENO_PERMISSIONS, script, ...args] : [script, ...args];
  const child = spawn(binary(runtime), argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const events: { event: string; runtime: string; text?: string; addr?: string; from?: string }[] = [];
  let stderr = '';
  let partial = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    partial += d.toString();
    for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try {
        events.push(JSON.parse(line));
      } catch {
        stderr += `${line}\n`;
      }
    }
  });
  return { runtime, child, events, stderr: () => stderr };
}

const absent = RUNTIMES.map(missing).filter((m) => m !== undefined);

describe.skipIf(absent.length > 0)(
  `one network of Node, Deno and Bun${absent.length ? ` (skipped: ${absent.join('; ')})` : ''}`,
  () => {
    it('main.ts nodes of the three runtimes connect and see each other’s market', async () => {
      const [d1, d2, d3] = await Promise.all(['net-node', 'net-deno', 'net-bun'].map((t) => tempDataDir(t)));
      dirs.push(d1, d2, d3);
      const hub = await start('node', d1);
      const [deno, bun] = await Promise.all([
        start('deno', d2, ['--bootstrap', hub.p2p[0]]),
        start('bun', d3, ['--bootstrap', hub.p2p[0]]),
      ]);
      for (const other of [deno, bun]) {
        await waitFor(
          `the node lists the ${other.runtime} node`,
          async () => (await peerOf(hub, other.peerId))?.markets?.length === 1,
        );
        await waitFor(
          `the ${other.runtime} node lists the node`,
          async () => (await peerOf(other, hub.peerId))?.connected === true,
        );
        expect((await get(other, '/v1/health')).network.peers).toBe(1);
      }
      expect((await get(hub, '/v1/health')).network.peers).toBe(2);
    }, 60_000);

    it('gossip and request/response cross the three runtimes, through a forwarding peer too', async () => {
      const [d1, d2, d3] = await Promise.all(['gp-node', 'gp-deno', 'gp-bun'].map((t) => tempDataDir(t)));
      dirs.push(d1, d2, d3);
      const hub = spawnGossipPeer('node', d1);
      await waitFor('the node peer is ready', async () => hub.events.some((e) => e.event === 'ready'), 20_000);
      const addr = hub.events.find((e) => e.event === 'ready')?.addr;
      const peers = [hub, spawnGossipPeer('deno', d2, addr), spawnGossipPeer('bun', d3, addr)];
      const gotFrom = (p: (typeof peers)[number], runtime: string) =>
        p.events.some((e) => e.event === 'got' && e.text?.endsWith(`from ${runtime}`));
      for (const p of peers) {
        for (const other of ['node', 'deno', 'bun'].filter((r) => r !== p.runtime)) {
          // Deno and Bun only know the node peer: their messages to each other are forwarded by it.
          await waitFor(
            `${p.runtime} got gossip from ${other} (stderr: ${p.stderr()})`,
            async () => gotFrom(p, other),
            30_000,
          );
        }
      }
      for (const p of peers.slice(1)) {
        await waitFor(`${p.runtime} got an answer from the node`, async () =>
          p.events.some((e) => e.event === 'answer' && e.text === 'node:ping'),
        );
        await waitFor(`the node got an answer from ${p.runtime}`, async () =>
          hub.events.some((e) => e.event === 'answer' && e.text === `${p.runtime}:ping`),
        );
      }
      for (const p of peers)
        expect(
          p.events.filter((e) => e.event === 'answer-failed'),
          p.runtime,
        ).toEqual([]);
    }, 90_000);
  },
);
