// Builds the libp2p node of a meshbook node: TCP, Noise, Yamux, identify, ping, gossipsub
// (StrictNoSign: batches carry their own origin signature), and optionally the Kademlia DHT
// (meshbook's own protocol id, so it never joins the public IPFS DHT), bootstrap peers and
// mDNS. The peer id is the node's ed25519 key (identity/identity.ts), so the id the node
// printed before it had a network is the id it has on it.

import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import type { PeerScoreParams } from '@libp2p/gossipsub/score';
import { identify } from '@libp2p/identify';
import type { ConnectionGater, Libp2p } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2pOptions } from 'libp2p';

export const DHT_PROTOCOL = '/meshbook/kad/1.0.0';
/** Room in a gossipsub RPC frame beyond its largest message, for piggybacked control messages. */
export const RPC_OVERHEAD_BYTES = 256 * 1024;
export const MDNS_SERVICE_TAG = '_meshbook._udp.local';

/**
 * What the gossipsub router offers beyond its interface (the class has them; the exported
 * interface does not): a peer's score, and the live score parameters, to which a topic's
 * parameters are added when the node subscribes to it.
 */
export type ScoredGossipSub = GossipSub & {
  getScore(peerId: string): number;
  getMeshPeers(topic: string): string[];
  readonly score: { readonly params: PeerScoreParams };
};

export type MeshbookServices = {
  identify: unknown;
  ping: unknown;
  pubsub: ScoredGossipSub;
  dht?: KadDHT;
};

export type MeshbookLibp2p = Libp2p<MeshbookServices>;

export interface Libp2pNodeOptions {
  /** The node's ed25519 key: the 32-byte seed and the 32-byte public key. */
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** Address to listen on (0.0.0.0 for every interface, 127.0.0.1 for this machine only). */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Multiaddrs ending in /p2p/<peer id>, dialled at start. */
  bootstrap: readonly string[];
  mdns: boolean;
  dht: boolean;
  connectionGater: ConnectionGater;
  /** Largest gossip message, in bytes; larger ones are dropped before they are decoded. */
  maxMessageBytes: number;
  /**
   * Inbound connections allowed per second from one host. libp2p's default (5) resets the
   * dials of several nodes on one machine; tests and benches raise it.
   */
  inboundConnectionThreshold: number;
}

/** Creates (without starting) the libp2p node. */
export async function createMeshbookLibp2p(options: Libp2pNodeOptions): Promise<MeshbookLibp2p> {
  const raw = new Uint8Array(64);
  raw.set(options.seed, 0);
  raw.set(options.publicKey, 32);
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = [];
  if (options.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: [...options.bootstrap], timeout: 0 }));
  // Its own service name: meshbook nodes answer each other, not every libp2p node on the LAN.
  if (options.mdns) peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG }));
  const listenHost = options.host.includes(':') ? `/ip6/${options.host}` : `/ip4/${options.host}`;
  const services: Record<string, unknown> = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      // One RPC frame: the message plus the control (IHAVE ids…) gossipsub may piggyback on it.
      maxInboundDataLength: options.maxMessageBytes + RPC_OVERHEAD_BYTES,
      // Several meshbook nodes often share one address (one machine, one NAT): no penalty for it.
      scoreParams: { IPColocationFactorWeight: 0 },
    }),
  };
  if (options.dht) {
    services.dht = kadDHT({
      protocol: DHT_PROTOCOL,
      // meshbook runs on LANs and on one machine as well: keep private and loopback addresses.
      peerInfoMapper: passthroughMapper,
      clientMode: false,
      allowQueryWithZeroPeers: true,
    });
  }
  return createLibp2p({
    privateKey: privateKeyFromRaw(raw),
    start: false,
    addresses: { listen: [`${listenHost}/tcp/${options.port}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionGater: options.connectionGater,
    connectionManager: { inboundConnectionThreshold: options.inboundConnectionThreshold, dialTimeout: 5_000 },
    services: services as Libp2pOptions<MeshbookServices>['services'],
  }) as Promise<MeshbookLibp2p>;
}
