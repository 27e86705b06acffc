// Discovery and dialling between real libp2p nodes on 127.0.0.1: the DHT introduces nodes that
// only know a third one, a dead peer's breaker opens and its dials really stop, and the peer
// book brings a restarted node back to its peers without --bootstrap.

import { readFile, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { peerIdFromString } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../fs-node.ts';
import { PEERS_FILE } from '../../net/peer-book.ts';
import { loadOrCreateIdentity } from '../../identity/identity.ts';
import { memoryLogger, removeDir, tempDir } from '../helpers.ts';
import { sleep, startNet, stopAll, waitFor } from './net-helpers.ts';

afterEach(() => stopAll());

describe('discovery', () => {
  it('the DHT: two nodes that only know a third find each other as providers of their market and connect', async () => {
    const a = await startNet({ dht: true });
    const b = await startNet({ dht: true, bootstrap: [a.addr] });
    const c = await startNet({ dht: true, bootstrap: [a.addr] });
    await waitFor('b and c connected', () => b.net.connectedPeers().includes(c.peerId), 20_000);
    await waitFor(
      'b found c as a provider',
      () => b.net.discovery.providersFound > 0 || c.net.discovery.providersFound > 0,
    );
    expect(b.net.peers().find((p) => p.peerId === c.peerId)).toMatchObject({ connected: true, breaker: 'closed' });
  }, 40_000);

  it('without the DHT, nodes that only know a third stay apart', async () => {
    const a = await startNet();
    const b = await startNet({ bootstrap: [a.addr] });
    const c = await startNet({ bootstrap: [a.addr] });
    await waitFor('both connected to a', () => a.net.connectedPeers().length === 2);
    await sleep(2_000);
    expect(b.net.peers().map((p) => p.peerId)).toEqual([a.peerId]);
    expect(c.net.connectedPeers()).toEqual([a.peerId]);
  }, 20_000);

  it('a dead peer’s breaker opens, its dials stop while open, and one probe goes out after the cool-down', async () => {
    // A listener that takes TCP connections and drops them: every dial to it fails.
    let connections = 0;
    const dead = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as net.AddressInfo).port;
    const ghostDir = await tempDir('meshbook-ghost-');
    const { identity: ghost } = await loadOrCreateIdentity(nodeFileSystem, ghostDir, memoryLogger());
    try {
      const a = await startNet({
        bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${ghost.peerId}`],
        tuning: { redialIntervalMs: 50, breaker: { failureThreshold: 3, openMs: 3000, maxOpenMs: 60_000 } },
      });
      const breaker = () => a.net.peers().find((p) => p.peerId === ghost.peerId)?.breaker;
      await waitFor('the breaker opened', () => breaker() === 'open');
      expect(a.net.manager.stats.failures).toBeGreaterThanOrEqual(3);
      const atOpen = connections;
      const attempts = a.net.manager.stats.attempts;
      // Redial rounds run every 50 ms: none of them may dial now, nor libp2p itself.
      await sleep(1500);
      expect(connections).toBe(atOpen);
      expect(a.net.manager.stats.attempts).toBe(attempts);
      // libp2p's own dials are refused by the connection gater.
      await expect(a.net.transport.libp2p.dial(peerIdFromString(ghost.peerId))).rejects.toThrow();
      expect(a.net.manager.stats.refusedByBreaker).toBeGreaterThan(0);
      expect(connections).toBe(atOpen);
      // After the cool-down: one probe, which fails and opens the breaker for twice as long.
      await waitFor('the probe went out', () => a.net.manager.stats.attempts === attempts + 1, 5_000);
      await waitFor('open again', () => breaker() === 'open');
      await sleep(1500);
      expect(a.net.manager.stats.attempts).toBe(attempts + 1);
      expect(connections).toBeLessThanOrEqual(atOpen + 1);
      const metric = a.net.metrics().find((m) => m.name === 'meshbook_peer_breakers' && m.labels?.state === 'open');
      expect(metric?.value).toBe(1);
    } finally {
      dead.close();
      await removeDir(ghostDir);
    }
  }, 30_000);

  it('known peers survive a restart: the node redials them without --bootstrap', async () => {
    const a = await startNet();
    const bDir = await tempDir('meshbook-net-');
    try {
      const b = await startNet({ dir: bDir, bootstrap: [a.addr] });
      await waitFor('b connected to a', () => b.net.connectedPeers().includes(a.peerId));
      await waitFor('b learnt a’s market', () => b.net.peers()[0]?.markets.length === 1);
      await b.net.stop();
      const saved = JSON.parse(await readFile(`${bDir}/${PEERS_FILE}`, 'utf8'));
      expect(saved.peers).toMatchObject([
        { peerId: a.peerId, addrs: [a.addr.replace(/\/p2p\/.*$/, '')], markets: ['BTC-USD'] },
      ]);
      await waitFor('a saw b leave', () => a.net.connectedPeers().length === 0);

      const again = await startNet({ dir: bDir });
      expect(again.peerId).toBe(b.peerId);
      await waitFor('b redialled a', () => again.net.connectedPeers().includes(a.peerId));
      await waitFor('a sees b again', () => a.net.peers().some((p) => p.peerId === b.peerId && p.connected));
    } finally {
      await stopAll();
      await removeDir(bDir);
    }
  }, 30_000);

  it('a damaged peer file is kept aside with a warning; the node starts with an empty book', async () => {
    const dir = await tempDir('meshbook-net-');
    try {
      await writeFile(`${dir}/${PEERS_FILE}`, '{"version":1,"peers":[{"peerId":');
      const a = await startNet({ dir });
      expect(a.net.peers()).toEqual([]);
      expect(a.logs.entries.some((e) => e.level === 'warn' && /known-peers file is damaged/.test(e.message))).toBe(
        true,
      );
      expect(await readFile(`${dir}/${PEERS_FILE}.damaged`, 'utf8')).toBe('{"version":1,"peers":[{"peerId":');
    } finally {
      await stopAll();
      await removeDir(dir);
    }
  }, 20_000);
});
