// Keeps the node connected to the peers it knows: it feeds the peer book from libp2p's events
// (discovery by bootstrap, mDNS or the DHT; connections; identify's listen addresses;
// gossipsub subscriptions, which say the markets a peer trades) and dials known peers that
// are not connected, each dial through the peer's circuit breaker. The connection gater it
// hands to libp2p refuses every dial to a peer whose breaker is open, so no part of libp2p
// dials a peer the breaker has given up on.

import type { ConnectionGater, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Logger } from '../ports.ts';
import type { MeshbookLibp2p } from './libp2p-node.ts';
import type { KnownPeer, PeerBook } from './peer-book.ts';
import { MARKET_TOPIC_PREFIX } from './transport.ts';

export interface PeerManagerOptions {
  book: PeerBook;
  logger: Logger;
  /** Time between two rounds of redialling known peers that are not connected. */
  redialIntervalMs?: number;
  /** Longest single dial. */
  dialTimeoutMs?: number;
  /** Dials in flight at most. */
  maxParallelDials?: number;
  /** No redialling while this many peers are connected. */
  targetPeers?: number;
  now?: () => number;
}

export interface DialStats {
  attempts: number;
  failures: number;
  /** Dials the connection gater refused because the peer's breaker was open. */
  refusedByBreaker: number;
}

export class PeerManager {
  readonly stats: DialStats = { attempts: 0, failures: 0, refusedByBreaker: 0 };
  private readonly options: Required<Omit<PeerManagerOptions, 'book' | 'logger'>> & PeerManagerOptions;
  private readonly book: PeerBook;
  private readonly dialing = new Set<string>();
  private readonly topicsOf = new Map<string, Set<string>>();
  private node: MeshbookLibp2p | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners: [target: EventTarget, type: string, fn: EventListener][] = [];

  constructor(options: PeerManagerOptions) {
    this.options = {
      ...options,
      redialIntervalMs: options.redialIntervalMs ?? 5_000,
      dialTimeoutMs: options.dialTimeoutMs ?? 5_000,
      maxParallelDials: options.maxParallelDials ?? 4,
      targetPeers: options.targetPeers ?? 32,
      now: options.now ?? Date.now,
    };
    this.book = options.book;
  }

  /** For libp2p's configuration: refuses dials to peers whose breaker is open. */
  readonly gater: ConnectionGater = {
    denyDialPeer: (peerId: PeerId) => {
      const open = this.book.get(peerId.toString())?.breaker.state(this.options.now()) === 'open';
      if (open) this.stats.refusedByBreaker++;
      return open;
    },
  };

  /** Starts following `node`: seeds its peer store with the known peers and dials them. */
  async start(node: MeshbookLibp2p): Promise<void> {
    this.node = node;
    for (const peer of this.book.all()) {
      if (peer.addrs.length === 0) continue;
      await node.peerStore
        .merge(peerIdFromString(peer.peerId), { multiaddrs: peer.addrs.map((a) => multiaddr(a)) })
        .catch((err: Error) =>
          this.options.logger.warn('net: a known peer cannot be loaded', { peer: peer.peerId, error: err.message }),
        );
    }
    this.on(node, 'peer:discovery', (e: CustomEvent<{ id: PeerId; multiaddrs: { toString(): string }[] }>) => {
      const id = e.detail.id.toString();
      // libp2p reports a peer again whenever it learns its addresses (its own dials included):
      // only news is worth a dial, or every failed dial would start the next one.
      if (this.book.addAddrs(id, e.detail.multiaddrs.map(String))) this.dial(id);
    });
    this.on(node, 'peer:connect', (e: CustomEvent<PeerId>) => {
      const id = e.detail.toString();
      this.book.ensure(id)?.breaker.succeeded();
      this.book.heard(id, this.options.now());
    });
    this.on(node, 'peer:disconnect', (e: CustomEvent<PeerId>) =>
      this.book.heard(e.detail.toString(), this.options.now()),
    );
    this.on(node, 'peer:identify', (e: CustomEvent<{ peerId: PeerId; listenAddrs: { toString(): string }[] }>) => {
      this.book.addAddrs(e.detail.peerId.toString(), e.detail.listenAddrs.map(String));
    });
    this.on(
      node.services.pubsub,
      'subscription-change',
      (e: CustomEvent<{ peerId: PeerId; subscriptions: { topic: string; subscribe: boolean }[] }>) => {
        const id = e.detail.peerId.toString();
        let topics = this.topicsOf.get(id);
        if (!topics) {
          topics = new Set();
          this.topicsOf.set(id, topics);
        }
        for (const s of e.detail.subscriptions) {
          if (!s.topic.startsWith(MARKET_TOPIC_PREFIX)) continue;
          if (s.subscribe) topics.add(s.topic);
          else topics.delete(s.topic);
        }
        this.book.setMarkets(
          id,
          [...topics].map((t) => t.slice(MARKET_TOPIC_PREFIX.length)),
        );
      },
    );
    this.timer = setInterval(() => this.redialRound(), this.options.redialIntervalMs);
    this.redialRound();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    this.listeners.length = 0;
    this.node = null;
  }

  isConnected(peerId: string): boolean {
    return this.node !== null && this.node.getConnections(peerIdFromString(peerId)).length > 0;
  }

  /** Ids of the peers connected now. */
  connectedPeers(): string[] {
    return this.node ? this.node.getPeers().map(String) : [];
  }

  /** Dials every known, unconnected peer whose breaker allows it, up to the parallel-dial limit. */
  redialRound(): void {
    if (!this.node || this.connectedPeers().length >= this.options.targetPeers) return;
    for (const peer of this.book.all()) this.dial(peer.peerId);
  }

  /** One dial of a known peer through its breaker; a no-op if connected, dialling or refused. */
  dial(peerId: string): void {
    const node = this.node;
    const peer = this.book.get(peerId);
    if (!node || !peer || peer.addrs.length === 0 || this.dialing.has(peerId)) return;
    if (this.dialing.size >= this.options.maxParallelDials || this.isConnected(peerId)) return;
    if (!peer.breaker.tryAcquire(this.options.now())) return;
    this.dialing.add(peerId);
    this.stats.attempts++;
    void this.dialNow(node, peer).finally(() => this.dialing.delete(peerId));
  }

  private async dialNow(node: MeshbookLibp2p, peer: KnownPeer): Promise<void> {
    try {
      await node.dial(
        peer.addrs.map((a) => multiaddr(`${a}/p2p/${peer.peerId}`)),
        { signal: AbortSignal.timeout(this.options.dialTimeoutMs) },
      );
      peer.breaker.succeeded();
      this.book.heard(peer.peerId, this.options.now());
    } catch (err) {
      this.stats.failures++;
      peer.breaker.failed(this.options.now());
      this.options.logger.debug('net: dial failed', {
        peer: peer.peerId,
        error: (err as Error).message,
        breaker: peer.breaker.state(this.options.now()),
      });
    }
  }

  private on<T>(target: EventTarget, type: string, fn: (e: CustomEvent<T>) => void): void {
    const listener = fn as unknown as EventListener;
    target.addEventListener(type, listener);
    this.listeners.push([target, type, listener]);
  }
}
