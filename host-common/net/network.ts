// The network of a node as one lifecycle: the known-peer book, the libp2p transport (the port
// the event pipeline uses), the peer manager (redials through circuit breakers) and DHT
// discovery. start() loads the book and brings them up in that order; stop() takes them down
// in reverse and writes the book, so shutdown and tests leak no sockets or timers.
//
// Membership is not the network's business: the event pipeline (join/leave events) says who
// the members of a market are, and peers() asks it.

import type { FileSystem, Logger } from '../ports.ts';
import type { BreakerOptions, BreakerState } from './circuit-breaker.ts';
import { DhtDiscovery } from './dht-discovery.ts';
import { type GossipLimits, Libp2pTransport, type RejectReason } from './libp2p-transport.ts';
import { PeerBook } from './peer-book.ts';
import { PeerManager } from './peer-manager.ts';
import type { ExchangeLimits } from './request-response.ts';
import { marketTopic } from './transport.ts';

export interface NetworkTuning {
  gossip?: Partial<GossipLimits>;
  exchange?: Partial<ExchangeLimits>;
  breaker?: BreakerOptions;
  redialIntervalMs?: number;
  dialTimeoutMs?: number;
  dhtIntervalMs?: number;
  dhtQueryTimeoutMs?: number;
  inboundConnectionThreshold?: number;
  peerBookSaveDelayMs?: number;
}

export interface NetworkOptions {
  identity: { peerId: string; seed: Uint8Array; publicKey: Uint8Array };
  fs: FileSystem;
  dataDir: string;
  logger: Logger;
  /** Address libp2p listens on. */
  host: string;
  port: number;
  bootstrap: readonly string[];
  mdns: boolean;
  dht: boolean;
  /** Ids of the markets this node trades: subscribed at start, provided on the DHT. */
  markets: readonly string[];
  tuning?: NetworkTuning;
  now?: () => number;
}

/** One entry of GET /v1/peers (docs/api.md, "Market data"). */
export interface PeerView {
  peerId: string;
  addrs: string[];
  connected: boolean;
  markets: string[];
  lastHeard: string | null;
  member: boolean;
  breaker: BreakerState;
}

/** A Prometheus sample, in the shape the API's Metrics takes. */
export interface NetworkSample {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: number;
  labels?: Record<string, string>;
}

/**
 * libp2p's connection manager resets more than this many inbound connections per second
 * from one host; its default (5) is too low for several nodes on one machine or behind one NAT.
 */
const DEFAULT_INBOUND_THRESHOLD = 25;

export class Network {
  readonly transport: Libp2pTransport;
  readonly book: PeerBook;
  readonly manager: PeerManager;
  readonly discovery: DhtDiscovery;
  private readonly options: NetworkOptions;
  private readonly now: () => number;
  private running = false;

  constructor(options: NetworkOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const tuning = options.tuning ?? {};
    const self = options.identity.peerId;
    this.book = new PeerBook({
      fs: options.fs,
      dataDir: options.dataDir,
      self,
      logger: options.logger,
      breaker: tuning.breaker,
      saveDelayMs: tuning.peerBookSaveDelayMs,
    });
    this.manager = new PeerManager({
      book: this.book,
      logger: options.logger,
      redialIntervalMs: tuning.redialIntervalMs,
      dialTimeoutMs: tuning.dialTimeoutMs,
      now: this.now,
    });
    this.transport = new Libp2pTransport(
      {
        seed: options.identity.seed,
        publicKey: options.identity.publicKey,
        host: options.host,
        port: options.port,
        bootstrap: options.bootstrap,
        mdns: options.mdns,
        dht: options.dht,
        connectionGater: this.manager.gater,
        logger: options.logger,
        gossip: tuning.gossip,
        exchange: tuning.exchange,
        inboundConnectionThreshold: tuning.inboundConnectionThreshold ?? DEFAULT_INBOUND_THRESHOLD,
        onHeard: (peer) => this.book.heard(peer, this.now()),
      },
      self,
    );
    this.discovery = new DhtDiscovery({
      markets: options.markets,
      logger: options.logger,
      intervalMs: tuning.dhtIntervalMs,
      queryTimeoutMs: tuning.dhtQueryTimeoutMs,
      onProvider: (peer, addrs) => {
        this.book.addAddrs(peer, addrs);
        this.manager.dial(peer);
      },
    });
    for (const market of options.markets) this.transport.subscribe(marketTopic(market));
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.book.load();
    await this.transport.start();
    try {
      await this.manager.start(this.transport.libp2p);
      this.discovery.start(this.transport.libp2p);
    } catch (err) {
      await this.transport.stop().catch(() => {});
      throw err;
    }
    this.running = true;
    this.options.logger.info('net: started', {
      peerId: this.transport.self,
      addrs: this.addrs(),
      knownPeers: this.book.size,
      bootstrap: this.options.bootstrap.length,
      mdns: this.options.mdns,
      dht: this.options.dht,
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.discovery.stop();
    await this.manager.stop();
    await this.transport.stop();
    await this.book.close();
    this.options.logger.info('net: stopped', { knownPeers: this.book.size });
  }

  /** Multiaddrs other nodes can dial, each ending in /p2p/<peer id>. */
  addrs(): string[] {
    if (!this.transport.started) return [];
    return this.transport.libp2p.getMultiaddrs().map(String);
  }

  connectedPeers(): string[] {
    return this.manager.connectedPeers();
  }

  /** Every known peer, connected ones first, then the most recently heard; `member` says whether a peer is a member of a market. */
  peers(member: (peerId: string) => boolean = () => false): PeerView[] {
    const now = this.now();
    const connected = new Set(this.connectedPeers());
    return this.book
      .all()
      .map((p) => ({
        peerId: p.peerId,
        addrs: p.addrs.map((a) => `${a}/p2p/${p.peerId}`),
        connected: connected.has(p.peerId),
        markets: p.markets,
        lastHeard: p.lastHeard === null ? null : new Date(p.lastHeard).toISOString(),
        member: member(p.peerId),
        breaker: p.breaker.state(now),
      }))
      .sort(
        (a, b) => Number(b.connected) - Number(a.connected) || (b.lastHeard ?? '').localeCompare(a.lastHeard ?? ''),
      );
  }

  metrics(): NetworkSample[] {
    const t = this.transport.stats;
    const d = this.manager.stats;
    const now = this.now();
    const breakers: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
    for (const p of this.book.all()) breakers[p.breaker.state(now)]++;
    const out: NetworkSample[] = [
      {
        name: 'meshbook_peers_connected',
        help: 'Peers connected now.',
        type: 'gauge',
        value: this.connectedPeers().length,
      },
      {
        name: 'meshbook_peers_known',
        help: 'Peers in the peer book, connected or not.',
        type: 'gauge',
        value: this.book.size,
      },
      ...(Object.keys(breakers) as BreakerState[]).map((state) => ({
        name: 'meshbook_peer_breakers',
        help: 'Known peers by the state of their dial circuit breaker.',
        type: 'gauge' as const,
        value: breakers[state],
        labels: { state },
      })),
      {
        name: 'meshbook_gossip_messages_in_total',
        help: 'Gossip messages received (before validation).',
        type: 'counter',
        value: t.messagesIn,
      },
      {
        name: 'meshbook_gossip_bytes_in_total',
        help: 'Bytes of gossip messages received.',
        type: 'counter',
        value: t.bytesIn,
      },
      {
        name: 'meshbook_gossip_messages_accepted_total',
        help: 'Gossip messages the handler accepted.',
        type: 'counter',
        value: t.accepted,
      },
      {
        name: 'meshbook_gossip_messages_ignored_total',
        help: 'Gossip messages the handler ignored.',
        type: 'counter',
        value: t.ignored,
      },
      {
        name: 'meshbook_gossip_messages_out_total',
        help: 'Gossip messages published.',
        type: 'counter',
        value: t.messagesOut,
      },
      {
        name: 'meshbook_gossip_bytes_out_total',
        help: 'Bytes of gossip messages published.',
        type: 'counter',
        value: t.bytesOut,
      },
      ...(Object.keys(t.rejected) as RejectReason[]).map((reason) => ({
        name: 'meshbook_gossip_messages_rejected_total',
        help: 'Gossip messages rejected, by reason.',
        type: 'counter' as const,
        value: t.rejected[reason],
        labels: { reason },
      })),
      { name: 'meshbook_sync_requests_in_total', help: 'Requests served.', type: 'counter', value: t.requestsIn },
      {
        name: 'meshbook_sync_requests_refused_total',
        help: 'Requests answered unserved because their peer was over its rate.',
        type: 'counter',
        value: t.requestsRefused,
      },
      { name: 'meshbook_sync_requests_out_total', help: 'Requests sent.', type: 'counter', value: t.requestsOut },
      {
        name: 'meshbook_sync_request_failures_total',
        help: 'Requests sent that failed or timed out.',
        type: 'counter',
        value: t.requestFailures,
      },
      { name: 'meshbook_dials_total', help: 'Dials of known peers.', type: 'counter', value: d.attempts },
      {
        name: 'meshbook_dial_failures_total',
        help: 'Dials of known peers that failed.',
        type: 'counter',
        value: d.failures,
      },
      {
        name: 'meshbook_dials_refused_by_breaker_total',
        help: 'Dials refused because the peer’s circuit breaker was open.',
        type: 'counter',
        value: d.refusedByBreaker,
      },
    ];
    return out;
  }
}
