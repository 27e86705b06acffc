// Finality: which applied envelopes are stable — known to be delivered by every member (of any
// market) — so that nothing can ever sort before them again, and their trades are final.
//
// Membership is in the log: a node joins a market with a join envelope and leaves it with a
// leave envelope. Each origin's envelopes are delivered in seq order, so its latest
// membership envelope delivered says whether it is a member: a function of the delivered set,
// the same on every node that delivered the same envelopes. Finality waits for more than the
// members: an origin that has sent envelopes of the market, or a peer subscribed to its topic,
// counts too unless it has left (its join may be on its way), so a node heard of but not yet
// known stalls finality instead of breaking it.
//
// A report from member m is (ownSeq, frontier): m's delivered frontier (the highest
// contiguous seq per origin, m's own being ownSeq) at a moment when every envelope m had
// created had a seq <= ownSeq. Every envelope m creates later has a Lamport time past all it
// had delivered, so it sorts after every envelope of that frontier. Reports come from:
// - m's envelopes: an envelope of seq s carries the vector clock of what m had delivered when
//   it was created, so it is the report (s, its clock);
// - m's heartbeats (wire/heartbeat.ts), with ownSeq = the last seq m had created.
// A report is usable once this node has delivered m's envelopes up to its ownSeq: then every
// envelope of m still to come sorts after the frontier. Usable reports of one member merge
// (the highest ownSeq, the pointwise highest frontier): each part holds on its own. After a
// crash m's log may end below an own seq it announced (a heartbeat tells what m created, the
// log keeps what was durable, and an envelope leaves m only once durable): those envelopes never
// reached anyone, m creates from its log's last seq again, and its heartbeats below the seq it
// announced are still reports (isNews).
//
// This node finalizes nothing in a market before its own join of it is delivered: until it has
// announced itself it has no view of who trades there. Safety rests on every origin that
// trades a market being known here (member, trader seen or topic subscriber) before an
// envelope it could sort before is settled. A node that comes later heartbeats from the moment
// it subscribes, before it catches up and joins (pipeline.watch): members see it subscribed,
// or hear its heartbeats even where they do not see it (a heartbeat's sender counts until it is
// known to have left), wait until they know it, and then wait for its reports, so nothing is
// settled that it has not delivered, and its join sorts after all that is final. A joiner this
// node never sees subscribed, nor hears (gossipsub tells a node of its direct neighbours'
// subscriptions only, and gossip can lose a heartbeat), is covered
// by two more rules: a join's Lamport time jumps far past what the joiner has applied
// (pipeline.ts JOIN_LAMPORT_JUMP), so whatever sorts after it is its consequence; and nothing is
// settled past an envelope whose causal past is not all delivered here (closed()), so a
// consequence of the join is never settled before the join arrives. Left uncovered: two joins
// under way at once (one's jump can carry a clock past the other's without depending on it),
// and an origin that trades without joining. Their envelopes, if they sort before final ones,
// are refused (pipeline.ts).
//
// An envelope e is stable when every member (this node included) has a usable report whose
// frontier covers e's origin up to e's seq: the members of every market, not only e's, since
// the total order runs through all markets and an envelope of another market can sort before
// e. No envelope yet to arrive sorts before a stable one, so everything before it in the
// total order is settled too:
// the stable point is the last stable envelope applied (pipeline.ts asks after every change).
// This node's own part: its own envelopes created and not yet applied sort after e only when
// their Lamport time is past e's, hence `ownFloor`.

import { peerIdOf } from '../identity/identity.ts';
import { marketTopic } from '../net/transport.ts';
import { type Envelope, hex, KIND_JOIN, KIND_LEAVE } from '../wire/envelope.ts';
import type { Heartbeat } from '../wire/heartbeat.ts';
import { clockNodeOf } from './orderer.ts';

/** What a member is known to have delivered (see above); `frontier` includes its own node at ownSeq. */
export interface Report {
  ownSeq: bigint;
  frontier: Map<bigint, bigint>;
}

const U64_MAX = (1n << 64n) - 1n;

/** Heartbeats kept per origin while they announce more than this node has delivered of it. */
const WAITING_PER_ORIGIN = 16;

export interface FinalityOptions {
  /** This node's origin key. */
  self: Uint8Array;
  /** Highest contiguous seq this node has delivered from an origin (hex). */
  delivered: (origin: string) => bigint;
  /** Peer ids subscribed to a gossip topic now (this node excluded). */
  subscribers: (topic: string) => string[];
  /** Milliseconds, for how long a subscriber may stay unknown (`unknownSubscriberMs`). */
  now?: () => number;
  /** A subscriber heard of by no envelope and no heartbeat stalls finality for this long (ms), then stops counting; so does a node whose heartbeats stopped before it joined. */
  unknownSubscriberMs?: number;
}

/** Long enough for a node that subscribes to be heard: it heartbeats from its start (pipeline.watch). */
export const UNKNOWN_SUBSCRIBER_MS = 10_000;

export class Finality {
  private readonly selfHex: string;
  private readonly delivered: (origin: string) => bigint;
  private readonly subscribers: (topic: string) => string[];
  /** market → origin hex → member (joined) or not (left), by its latest membership envelope delivered. */
  private readonly members = new Map<string, Map<string, boolean>>();
  /** market → origin hex → the seq of that latest membership envelope. */
  private readonly memberSeqs = new Map<string, Map<string, bigint>>();
  /** market → origins whose envelopes of it were delivered. */
  private readonly traders = new Map<string, Set<string>>();
  /** market → origin → when it was last heard heartbeating on the market's topic (a node watching it before it joins, wherever it is connected). */
  private readonly watchers = new Map<string, Map<string, number>>();
  /** origin hex → the merge of its usable reports. */
  private readonly usable = new Map<string, Report>();
  /** origin hex → heartbeats announcing more than this node has delivered of it, by ownSeq. */
  private readonly waiting = new Map<string, Report[]>();
  /** peer id → origin hex, for every origin heard of. */
  private readonly originOfPeer = new Map<string, string>();
  private readonly nodeOf = new Map<string, bigint>();
  private readonly originOfNode = new Map<bigint, string>();
  private readonly now: () => number;
  private readonly unknownSubscriberMs: number;
  /** peer id → when it was first seen subscribed and not known. */
  private readonly unknownSince = new Map<string, number>();

  constructor(options: FinalityOptions) {
    this.selfHex = hex(options.self);
    this.delivered = options.delivered;
    this.subscribers = options.subscribers;
    this.now = options.now ?? Date.now;
    this.unknownSubscriberMs = options.unknownSubscriberMs ?? UNKNOWN_SUBSCRIBER_MS;
    this.learn(options.self, this.selfHex);
  }

  private learn(key: Uint8Array, origin: string): bigint {
    let node = this.nodeOf.get(origin);
    if (node === undefined) {
      node = clockNodeOf(key);
      this.nodeOf.set(origin, node);
      this.originOfNode.set(node, origin);
      this.originOfPeer.set(peerIdOf(key), origin);
    }
    return node;
  }

  /**
   * Whether this node has delivered everything `e`'s vector clock says its origin had delivered
   * when it created it (its causal past, one step back). Nothing is settled past an envelope
   * that is not closed: with every envelope of the settled prefix closed, the prefix holds its
   * whole causal past, so an envelope that comes later cannot be a cause of it — a late joiner's
   * join, which it may sort before only if nothing settled is its consequence (see
   * JOIN_LAMPORT_JUMP in pipeline.ts for the jump that makes everything after a join its
   * consequence).
   */
  closed(e: Envelope): boolean {
    for (const [node, seq] of e.clock) {
      const origin = this.originOfNode.get(node);
      if (origin === undefined || this.delivered(origin) < seq) return false;
    }
    return true;
  }

  /** Whether a peer (by its peer id) is a member of any market now. */
  isMemberPeer(peerId: string): boolean {
    const origin = this.originOfPeer.get(peerId);
    if (origin === undefined) return false;
    for (const m of this.members.values()) if (m.get(origin) === true) return true;
    return false;
  }

  /** The origins that are members of any market now. */
  allMembers(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const [origin, joined] of m) if (joined) out.add(origin);
    return out;
  }

  /** The members of a market now (origin hex), as the delivered membership envelopes say. */
  memberSet(market: string): string[] {
    return [...(this.members.get(market) ?? [])].filter(([, joined]) => joined).map(([origin]) => origin);
  }

  /**
   * What one delivered envelope says of its market's members and traders (its kind and seq
   * are enough): note() calls it, and a restart for every envelope of the log, in any order.
   */
  recall(market: string, key: Uint8Array, kind: number, seq: bigint): void {
    const origin = hex(key);
    this.learn(key, origin);
    if (kind === KIND_JOIN || kind === KIND_LEAVE) {
      let m = this.members.get(market);
      let seqs = this.memberSeqs.get(market);
      if (!m || !seqs) {
        m = new Map();
        seqs = new Map();
        this.members.set(market, m);
        this.memberSeqs.set(market, seqs);
      }
      if ((seqs.get(origin) ?? 0n) < seq) {
        m.set(origin, kind === KIND_JOIN);
        seqs.set(origin, seq);
      }
    }
    let seen = this.traders.get(market);
    if (!seen) {
      seen = new Set();
      this.traders.set(market, seen);
    }
    seen.add(origin);
  }

  /** Envelopes just delivered (each origin's in seq order): membership changes and reports. */
  note(envs: readonly Envelope[]): void {
    const last = new Map<string, Envelope>();
    for (const e of envs) {
      const origin = hex(e.origin);
      this.recall(e.market, e.origin, e.body.kind, e.seq);
      const before = last.get(origin);
      if (before === undefined || e.seq > before.seq) last.set(origin, e);
    }
    for (const [origin, e] of last) {
      const frontier = new Map<bigint, bigint>(e.clock);
      frontier.set(this.nodeOf.get(origin)!, e.seq);
      this.merge(origin, { ownSeq: e.seq, frontier });
      this.promote(origin);
    }
  }

  /**
   * Whether a heartbeat says something new of its origin: an own seq past every report's, or a
   * delivered seq past every report's. A heartbeat with a lower own seq than one already heard
   * still counts when its frontier is new: an origin that crashed may have announced own
   * envelopes it never wrote (a heartbeat tells what it created, the log keeps what was durable),
   * and after its restart it creates from its log's last seq again. Waiting for the seqs it lost
   * is right (new envelopes will take them), but its reports in between must be heard.
   */
  isNews(h: Heartbeat): boolean {
    const origin = hex(h.origin);
    const usable = this.usable.get(origin);
    const reports = usable ? [usable, ...(this.waiting.get(origin) ?? [])] : (this.waiting.get(origin) ?? []);
    if (reports.length === 0 || reports.every((r) => h.ownSeq > r.ownSeq)) return true;
    return h.frontier.some(([node, seq]) => reports.every((r) => (r.frontier.get(node) ?? 0n) < seq));
  }

  /** A verified heartbeat: usable at once if this node has delivered its origin up to its ownSeq, else kept until it has. */
  heard(h: Heartbeat): void {
    const origin = hex(h.origin);
    const node = this.learn(h.origin, origin);
    let watching = this.watchers.get(h.market);
    if (!watching) {
      watching = new Map();
      this.watchers.set(h.market, watching);
    }
    watching.set(origin, this.now());
    const frontier = new Map<bigint, bigint>(h.frontier);
    frontier.set(node, h.ownSeq);
    const report = { ownSeq: h.ownSeq, frontier };
    let list = this.waiting.get(origin);
    if (!list) {
      list = [];
      this.waiting.set(origin, list);
    }
    list.push(report);
    list.sort((a, b) => (a.ownSeq < b.ownSeq ? -1 : a.ownSeq > b.ownSeq ? 1 : 0));
    if (list.length > WAITING_PER_ORIGIN) list.shift();
    this.promote(origin);
  }

  /** Moves the origin's waiting heartbeats that this node has now delivered enough for into its usable report. */
  private promote(origin: string): void {
    const list = this.waiting.get(origin);
    if (!list) return;
    const delivered = this.delivered(origin);
    while (list.length > 0 && list[0].ownSeq <= delivered) this.merge(origin, list.shift()!);
    if (list.length === 0) this.waiting.delete(origin);
  }

  private merge(origin: string, r: Report): void {
    const u = this.usable.get(origin);
    if (!u) {
      this.usable.set(origin, r);
      return;
    }
    if (r.ownSeq > u.ownSeq) u.ownSeq = r.ownSeq;
    for (const [node, seq] of r.frontier) if ((u.frontier.get(node) ?? 0n) < seq) u.frontier.set(node, seq);
  }

  /**
   * A test of stability for the envelopes applied now. `ownFloor`: the Lamport time of this
   * node's oldest own envelope created and not yet applied (null: none).
   */
  checker(ownFloor: bigint | null): (e: Envelope) => boolean {
    const others = this.required();
    // origin → the highest seq of that origin every required node has delivered
    const covered = new Map<string, bigint>();
    return (e) => {
      if (others === null || (ownFloor !== null && e.lamport >= ownFloor)) return false;
      const origin = hex(e.origin);
      let upTo = covered.get(origin);
      if (upTo === undefined) {
        const node = this.nodeOf.get(origin) ?? clockNodeOf(e.origin);
        upTo = U64_MAX;
        for (const m of others) {
          const seq = this.usable.get(m)?.frontier.get(node) ?? 0n;
          if (seq < upTo) upTo = seq;
        }
        covered.set(origin, upTo);
      }
      return e.seq <= upTo;
    };
  }

  /**
   * Whose report any envelope needs, this node aside: those of every market (others()), as one
   * total order runs through all markets. An envelope of one market sorts among the others'
   * envelopes, and settling it settles everything before it, whatever its market; so a member
   * of another market, or one that has left this envelope's market but not the others (its
   * leaves of two markets travel apart), could still send one that sorts before it. Null while
   * any market's set is not known (see others()).
   */
  private required(): string[] | null {
    const markets = new Set([...this.members.keys(), ...this.traders.keys(), ...this.watchers.keys()]);
    const out = new Set<string>();
    for (const market of markets) {
      const others = this.others(market);
      if (others === null) return null;
      for (const origin of others) out.add(origin);
    }
    return [...out];
  }

  /**
   * Whose report an envelope of the market needs, this node aside: members, and traders and
   * subscribers not known to have left; null while a subscriber is not known yet. A subscriber
   * that stays unknown (it sends no heartbeat: not a meshbook node, or a broken one) stops
   * counting after unknownSubscriberMs, so that it cannot stall the market for good.
   */
  private others(market: string): string[] | null {
    const m = this.members.get(market);
    if (!m?.has(this.selfHex)) return null; // not joined yet: no view of the market's members
    const out = new Set<string>();
    for (const [origin, joined] of m ?? []) if (joined) out.add(origin);
    for (const origin of this.traders.get(market) ?? []) if (m?.get(origin) !== false) out.add(origin);
    // a watcher silent for long (it crashed before it joined) stops counting, as a subscriber
    // whose connection closed does
    const now = this.now();
    for (const [origin, heard] of this.watchers.get(market) ?? [])
      if (m?.get(origin) !== false && now - heard < this.unknownSubscriberMs) out.add(origin);
    for (const peer of this.subscribers(marketTopic(market))) {
      const origin = this.originOfPeer.get(peer);
      if (origin === undefined) {
        const now = this.now();
        const since = this.unknownSince.get(peer);
        if (since === undefined) this.unknownSince.set(peer, now);
        if (since === undefined || now - since < this.unknownSubscriberMs) return null;
        continue;
      }
      this.unknownSince.delete(peer);
      if (m?.get(origin) !== false) out.add(origin);
    }
    out.delete(this.selfHex);
    return [...out];
  }
}
