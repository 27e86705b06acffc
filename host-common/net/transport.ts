// The port between the node's event pipeline and the network. Two implementations: libp2p
// (gossipsub topics + a request/response protocol) for real nodes, and an in-memory one with a
// seeded scheduler for the deterministic simulation. The pipeline sees nothing else of the
// network, so the same ordering, sync and finality code runs over both.
//
// Messages are opaque bytes here: what a message means (a signed batch of envelopes, a
// heartbeat) and whether it is valid is the pipeline's business, answered as a Verdict.

/**
 * What the receiver says of a gossip message, before it is forwarded:
 * - `accept`: valid and taken; forward it to the topic's other peers;
 * - `ignore`: not taken and not forwarded, without blame (e.g. a duplicate);
 * - `reject`: invalid (bad bytes, forged signature, unknown market): not forwarded, and the
 *   sender is penalised (gossipsub lowers its score).
 */
export type Verdict = 'accept' | 'ignore' | 'reject';

/** Called once per message that arrives on a subscribed topic; `from` is the peer that sent it. */
export type GossipHandler = (topic: string, data: Uint8Array, from: string) => Verdict | Promise<Verdict>;

/** Answers one request of a protocol (sync). A throw answers the requester with an error. */
export type RequestHandler = (data: Uint8Array, from: string) => Promise<Uint8Array>;

export interface Transport {
  /** This node's peer id (for libp2p, the id of the node's ed25519 key). */
  readonly self: string;
  start(): Promise<void>;
  /** Stops receiving and closes every connection; nothing is delivered after it resolves. */
  stop(): Promise<void>;
  /** Starts receiving a topic's messages (one topic per market, see `marketTopic`). */
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Best-effort broadcast to the topic's subscribers; never delivered back to this node. */
  publish(topic: string, data: Uint8Array): Promise<void>;
  /** The receiver of every gossip message; set once, before start(). */
  onGossip(handler: GossipHandler): void;
  /** Peers known to be subscribed to `topic` now. */
  subscribers(topic: string): string[];
  /** One request/response exchange with `peer` over `protocol`; rejects on failure or timeout. */
  request(peer: string, protocol: string, data: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /** Serves `protocol`; set before start(). */
  handle(protocol: string, handler: RequestHandler): void;
}

/** What every market's gossip topic starts with. */
export const MARKET_TOPIC_PREFIX = 'meshbook/v1/market/';

/** The gossip topic of a market. */
export function marketTopic(market: string): string {
  return `${MARKET_TOPIC_PREFIX}${market}`;
}
