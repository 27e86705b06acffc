// The Transport port (transport.ts) over libp2p: gossipsub topics whose topic validator asks
// the pipeline's handler for a Verdict (accept → forwarded, ignore → dropped, reject →
// dropped and the sender's gossipsub score lowered), and request/response exchanges over
// stream protocols. Before the handler sees a message the transport enforces two limits of
// its own, so a flooding peer costs little and never crashes the node: a size cap and a
// per-peer message rate (libp2p's RateLimiter); both answer Reject.

import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { RateLimiter } from '@libp2p/utils';
import type { Logger } from '../ports.ts';
import { createMeshbookLibp2p, type MeshbookLibp2p } from './libp2p-node.ts';
import { type ExchangeLimits, requestStreamHandler, sendRequest } from './request-response.ts';
import type { GossipHandler, RequestHandler, Transport, Verdict } from './transport.ts';

export interface GossipLimits {
  /** Largest message, in bytes. */
  maxMessageBytes: number;
  /** Messages per second one peer may send us (over all topics); beyond it they are rejected. */
  messagesPerSecondPerPeer: number;
}

export const DEFAULT_GOSSIP_LIMITS: GossipLimits = { maxMessageBytes: 1024 * 1024, messagesPerSecondPerPeer: 2000 };
export const DEFAULT_EXCHANGE_LIMITS: ExchangeLimits = {
  maxBytes: 16 * 1024 * 1024,
  timeoutMs: 10_000,
  requestsPerSecondPerPeer: 100,
};

export interface Libp2pTransportOptions {
  seed: Uint8Array;
  publicKey: Uint8Array;
  host: string;
  port: number;
  bootstrap: readonly string[];
  mdns: boolean;
  dht: boolean;
  connectionGater: ConnectionGater;
  logger: Logger;
  gossip?: Partial<GossipLimits>;
  exchange?: Partial<ExchangeLimits>;
  inboundConnectionThreshold?: number;
  /** Told of every message or request a peer sent (for the peer book's lastHeard). */
  onHeard?: (peer: string) => void;
}

/** Why a message was refused before or by the handler; the label of the rejected-messages metric. */
export type RejectReason = 'oversize' | 'rate_limited' | 'verdict' | 'handler_error' | 'no_handler';

export interface TransportStats {
  /** Every gossip message that reached the validator (duplicates are dropped by gossipsub before it). */
  messagesIn: number;
  bytesIn: number;
  accepted: number;
  messagesOut: number;
  bytesOut: number;
  ignored: number;
  rejected: Record<RejectReason, number>;
  requestsIn: number;
  /** Requests answered with an error, unserved, because their peer was over its rate. */
  requestsRefused: number;
  requestsOut: number;
  requestFailures: number;
}

const VERDICT_RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

/**
 * Topic scoring for every subscribed topic: a rejected message costs its sender
 * invalidMessageDeliveriesWeight × count² (three rejects take it below gossipsub's
 * graylist threshold of -80, so its messages are then ignored), decaying over minutes.
 * Mesh-delivery penalties stay off: a quiet market must not get honest peers pruned.
 */
const TOPIC_SCORE = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99,
};

export class Libp2pTransport implements Transport {
  readonly self: string;
  readonly stats: TransportStats = {
    messagesIn: 0,
    bytesIn: 0,
    accepted: 0,
    messagesOut: 0,
    bytesOut: 0,
    ignored: 0,
    rejected: { oversize: 0, rate_limited: 0, verdict: 0, handler_error: 0, no_handler: 0 },
    requestsIn: 0,
    requestsRefused: 0,
    requestsOut: 0,
    requestFailures: 0,
  };
  private readonly options: Libp2pTransportOptions;
  private readonly gossip: GossipLimits;
  private readonly exchange: ExchangeLimits;
  private readonly topics = new Set<string>();
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly peerRate: RateLimiter;
  private readonly peerRequestRate: RateLimiter;
  private gossipHandler: GossipHandler | null = null;
  private node: MeshbookLibp2p | null = null;
  private running = false;

  constructor(options: Libp2pTransportOptions, self: string) {
    this.options = options;
    this.self = self;
    this.gossip = { ...DEFAULT_GOSSIP_LIMITS, ...options.gossip };
    this.exchange = { ...DEFAULT_EXCHANGE_LIMITS, ...options.exchange };
    this.peerRate = new RateLimiter({ points: this.gossip.messagesPerSecondPerPeer, duration: 1 });
    this.peerRequestRate = new RateLimiter({ points: this.exchange.requestsPerSecondPerPeer, duration: 1 });
  }

  /** The running libp2p node (for the peer manager and discovery); throws before start(). */
  get libp2p(): MeshbookLibp2p {
    if (!this.node) throw new Error('the libp2p transport is not started');
    return this.node;
  }

  get started(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.node) return;
    const node = await createMeshbookLibp2p({
      seed: this.options.seed,
      publicKey: this.options.publicKey,
      host: this.options.host,
      port: this.options.port,
      bootstrap: this.options.bootstrap,
      mdns: this.options.mdns,
      dht: this.options.dht,
      connectionGater: this.options.connectionGater,
      maxMessageBytes: this.gossip.maxMessageBytes,
      inboundConnectionThreshold: this.options.inboundConnectionThreshold ?? 5,
    });
    if (node.peerId.toString() !== this.self)
      throw new Error(`libp2p derived peer id ${node.peerId} from the node key, expected ${this.self}`);
    this.node = node;
    for (const [protocol, handler] of this.handlers) await this.register(node, protocol, handler);
    await node.start();
    if (node.services.dht) await node.services.dht.setMode('server');
    this.running = true;
    for (const topic of this.topics) this.subscribeNow(node, topic);
  }

  async stop(): Promise<void> {
    const node = this.node;
    if (!node) return;
    // The validators stay until libp2p stops, answering Ignore: a message must never be
    // forwarded unvalidated in the moment between removing them and the node going down.
    this.running = false;
    await node.stop();
    this.node = null;
  }

  subscribe(topic: string): void {
    this.topics.add(topic);
    if (this.running && this.node) this.subscribeNow(this.node, topic);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
    if (!this.running || !this.node) return;
    this.node.services.pubsub.unsubscribe(topic);
    this.node.services.pubsub.topicValidators.delete(topic);
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    if (!this.running || !this.node) throw new Error('the libp2p transport is not started');
    if (data.length > this.gossip.maxMessageBytes)
      throw new RangeError(
        `message of ${data.length} bytes is over the gossip limit of ${this.gossip.maxMessageBytes}`,
      );
    await this.node.services.pubsub.publish(topic, data);
    this.stats.messagesOut++;
    this.stats.bytesOut += data.length;
  }

  onGossip(handler: GossipHandler): void {
    this.gossipHandler = handler;
  }

  subscribers(topic: string): string[] {
    if (!this.node) return [];
    return this.node.services.pubsub.getSubscribers(topic).map(String);
  }

  async request(
    peer: string,
    protocol: string,
    data: Uint8Array,
    options?: { signal?: AbortSignal },
  ): Promise<Uint8Array> {
    if (!this.running || !this.node) throw new Error('the libp2p transport is not started');
    this.stats.requestsOut++;
    try {
      return await sendRequest(this.node, peerIdFromString(peer), protocol, data, this.exchange, options?.signal);
    } catch (err) {
      this.stats.requestFailures++;
      throw err;
    }
  }

  handle(protocol: string, handler: RequestHandler): void {
    this.handlers.set(protocol, handler);
    if (this.node) void this.register(this.node, protocol, handler);
  }

  /** The gossipsub score this node gives `peer` (negative once it sent rejected messages). */
  score(peer: string): number {
    return this.node?.services.pubsub.getScore(peer) ?? 0;
  }

  private async register(node: MeshbookLibp2p, protocol: string, handler: RequestHandler): Promise<void> {
    await node.unhandle(protocol).catch(() => {});
    await node.handle(
      protocol,
      requestStreamHandler(
        protocol,
        handler,
        this.exchange,
        (from) => {
          this.stats.requestsIn++;
          this.options.onHeard?.(from);
          try {
            this.peerRequestRate.consume(from);
            return true;
          } catch {
            this.stats.requestsRefused++;
            return false;
          }
        },
        (from, err) => this.options.logger.debug('net: a request failed', { protocol, from, error: err.message }),
      ),
      { maxInboundStreams: 16 },
    );
  }

  private subscribeNow(node: MeshbookLibp2p, topic: string): void {
    const pubsub = node.services.pubsub;
    const params = pubsub.score.params.topics;
    params[topic] ??= { ...TOPIC_SCORE };
    pubsub.topicValidators.set(topic, (from, message) => this.validate(topic, from, message.data));
    pubsub.subscribe(topic);
  }

  private async validate(topic: string, from: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    if (!this.running) return TopicValidatorResult.Ignore;
    const peer = from.toString();
    this.options.onHeard?.(peer);
    this.stats.messagesIn++;
    this.stats.bytesIn += data.length;
    if (data.length > this.gossip.maxMessageBytes) return this.refuse('oversize', peer, topic);
    try {
      this.peerRate.consume(peer);
    } catch {
      return this.refuse('rate_limited', peer, topic);
    }
    const handler = this.gossipHandler;
    if (!handler) return this.refuse('no_handler', peer, topic);
    let verdict: Verdict;
    try {
      verdict = await handler(topic, data, peer);
    } catch (err) {
      this.options.logger.warn('net: the gossip handler threw; message rejected', {
        topic,
        from: peer,
        error: (err as Error)?.message,
      });
      return this.refuse('handler_error', peer, topic);
    }
    if (verdict === 'accept') this.stats.accepted++;
    else if (verdict === 'ignore') this.stats.ignored++;
    else if (verdict === 'reject') this.stats.rejected.verdict++;
    else return this.refuse('handler_error', peer, topic);
    return VERDICT_RESULT[verdict];
  }

  private refuse(reason: RejectReason, peer: string, topic: string): TopicValidatorResult {
    this.stats.rejected[reason]++;
    this.options.logger.debug('net: gossip message rejected', { reason, from: peer, topic });
    return reason === 'no_handler' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
  }
}
