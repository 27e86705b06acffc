// The in-memory network: several nodes in one process, for the deterministic simulation. A
// seeded scheduler decides, per message and receiver, when it arrives (a random delay, so
// messages overtake each other), whether a second copy follows, and whether the first try is
// lost and the message sent again later, or lost for good (sync must bring what it carried). Partitions park what
// crosses them until heal(). Time is virtual: step() runs the next scheduled delivery, so a
// run depends on its seed, not on the machine's speed.
//
// Every node's MemoryTransport implements the Transport port (transport.ts), as the libp2p
// one does; gossip reaches every subscriber of the topic directly (a full mesh), so nothing
// is forwarded.

import type { GossipHandler, RequestHandler, Transport, Verdict } from './transport.ts';

export interface Faults {
  /** Delivery delay, virtual ms, uniform in [min, max]. */
  delay: [min: number, max: number];
  /** Chance that a receiver gets a second copy (after its own delay). */
  duplicate: number;
  /** Chance that the first try to a receiver is lost and the message is sent again `resendAfter` ms later. */
  drop: number;
  resendAfter: number;
  /** Chance that a message never reaches a receiver at all (sync must bring what it carried). */
  lose?: number;
}

export const NO_FAULTS: Faults = { delay: [0, 0], duplicate: 0, drop: 0, resendAfter: 0 };

export interface NetworkStats {
  sent: number;
  delivered: number;
  duplicated: number;
  dropped: number;
  /** Never delivered (Faults.lose). */
  lost: number;
  parked: number;
  verdicts: Record<Verdict, number>;
}

interface Scheduled {
  at: number;
  n: number;
  run: () => Promise<void> | void;
}

/** mulberry32: small, fast, and the same on every runtime. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MemoryNetwork {
  /** Virtual time, ms. */
  now = 0;
  readonly random: () => number;
  readonly faults: Faults;
  readonly stats: NetworkStats = {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    dropped: 0,
    lost: 0,
    parked: 0,
    verdicts: { accept: 0, ignore: 0, reject: 0 },
  };
  private readonly nodes = new Map<string, MemoryTransport>();
  // sorted by (at, n): n keeps the order of things scheduled for the same time
  private queue: Scheduled[] = [];
  private counter = 0;
  /** peer → its side of the partition; null when whole. */
  private sides: Map<string, number> | null = null;
  private parked: (() => void)[] = [];

  constructor(seed: number, faults: Faults = NO_FAULTS) {
    this.random = random(seed);
    this.faults = faults;
  }

  /** A node's transport (its peer id must be unique in the network). */
  transport(peer: string): MemoryTransport {
    if (this.nodes.has(peer)) throw new Error(`peer ${peer} is already in the network`);
    const t = new MemoryTransport(this, peer);
    this.nodes.set(peer, t);
    return t;
  }

  /**
   * The transport of a restarted node under the same peer id: the one before (stopped, a crash)
   * is cut off, and what was on its way to it is lost.
   */
  replace(peer: string): MemoryTransport {
    if (!this.nodes.has(peer)) throw new Error(`peer ${peer} is not in the network`);
    const t = new MemoryTransport(this, peer);
    this.nodes.set(peer, t);
    return t;
  }

  node(peer: string): MemoryTransport | undefined {
    return this.nodes.get(peer);
  }

  get peers(): string[] {
    return [...this.nodes.keys()];
  }

  /** Runs `run` at virtual time `at` (not before now). */
  schedule(at: number, run: () => Promise<void> | void): void {
    const item = { at: Math.max(at, this.now), n: this.counter++, run };
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid];
      if (q.at < item.at || (q.at === item.at && q.n < item.n)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  /** Scheduled and not yet run (parked messages not included). */
  get pending(): number {
    return this.queue.length;
  }

  /** Runs the next scheduled thing, advancing the clock to it; false when nothing is scheduled. */
  async step(): Promise<boolean> {
    const next = this.queue.shift();
    if (!next) return false;
    this.now = next.at;
    await next.run();
    return true;
  }

  /** Splits the peers into sides: messages between sides wait until heal(). */
  partition(sides: string[][]): void {
    this.sides = new Map();
    sides.forEach((peers, i) => {
      for (const p of peers) this.sides!.set(p, i);
    });
  }

  /** Ends the partition: what waited is delivered (after a fresh delay). */
  heal(): void {
    this.sides = null;
    const parked = this.parked;
    this.parked = [];
    for (const send of parked) send();
  }

  reachable(from: string, to: string): boolean {
    return this.sides === null || this.sides.get(from) === this.sides.get(to);
  }

  private delay(): number {
    const [min, max] = this.faults.delay;
    return min + this.random() * (max - min);
  }

  /** Plans the arrivals of one message at one receiver: delay, maybe a copy, maybe a lost first try. */
  send(from: string, to: MemoryTransport, topic: string, data: Uint8Array): void {
    this.stats.sent++;
    if (this.random() < (this.faults.lose ?? 0)) {
      this.stats.lost++;
      return;
    }
    const go = () => {
      if (!this.reachable(from, to.self)) {
        this.stats.parked++;
        this.parked.push(go);
        return;
      }
      const lost = this.random() < this.faults.drop;
      if (lost) this.stats.dropped++;
      this.schedule(this.now + this.delay() + (lost ? this.faults.resendAfter : 0), () =>
        this.arrive(from, to, topic, data, go),
      );
      if (this.random() < this.faults.duplicate) {
        this.stats.duplicated++;
        this.schedule(this.now + this.delay(), () => this.arrive(from, to, topic, data, go));
      }
    };
    go();
  }

  private async arrive(from: string, to: MemoryTransport, topic: string, data: Uint8Array, resend: () => void) {
    if (!this.reachable(from, to.self)) {
      // the partition began while it travelled
      this.stats.parked++;
      this.parked.push(resend);
      return;
    }
    const verdict = await to.receive(topic, data, from);
    if (verdict === null) return;
    this.stats.delivered++;
    this.stats.verdicts[verdict]++;
  }
}

export class MemoryTransport implements Transport {
  readonly self: string;
  private readonly network: MemoryNetwork;
  private readonly topics = new Set<string>();
  private gossipHandler: GossipHandler | null = null;
  private readonly handlers = new Map<string, RequestHandler>();
  private running = false;

  constructor(network: MemoryNetwork, self: string) {
    this.network = network;
    this.self = self;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  subscribe(topic: string): void {
    this.topics.add(topic);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    if (!this.running) throw new Error('transport: not started');
    for (const peer of this.network.peers) {
      const to = this.network.node(peer)!;
      if (peer !== this.self && to.topics.has(topic)) this.network.send(this.self, to, topic, data.slice());
    }
  }

  onGossip(handler: GossipHandler): void {
    this.gossipHandler = handler;
  }

  subscribers(topic: string): string[] {
    return this.network.peers.filter((p) => p !== this.self && this.network.node(p)!.topics.has(topic));
  }

  async request(peer: string, protocol: string, data: Uint8Array): Promise<Uint8Array> {
    const to = this.network.node(peer);
    const handler = to?.handlers.get(protocol);
    if (!to?.running || !handler || !this.network.reachable(this.self, peer))
      throw new Error(`transport: ${peer} does not answer ${protocol}`);
    return handler(data.slice(), this.self);
  }

  handle(protocol: string, handler: RequestHandler): void {
    this.handlers.set(protocol, handler);
  }

  /** A message arrives; null when this node is stopped or no longer on the topic (not delivered). */
  async receive(topic: string, data: Uint8Array, from: string): Promise<Verdict | null> {
    if (!this.running || !this.topics.has(topic) || !this.gossipHandler) return null;
    return this.gossipHandler(topic, data, from);
  }
}
