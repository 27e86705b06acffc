// The event pipeline of a node: every envelope, whoever created it, goes log → order → apply.
//
//   own commands:  submit() → origin (seq, Lamport, clock) → queue → one signed batch → log
//                  → once durable: gossiped to its markets' topics → in the next check phase
//                  of the event loop: orderer → applier → each local caller gets its outcome
//   gossip:        receive() → decode + verify the batch → drop duplicates → log → orderer →
//                  applier, without waiting for the fsync (the batch is durable at its origin);
//                  heartbeats report only what the log holds durably
//   orderer: per-origin seq order, gaps held back; applier: the total order, rolling back when needed.
//   heartbeats: heartbeat() → this node's delivered frontier, signed, on each market it joined or watches;
//   receive() tells them from batches, verifies them and hands them to finality.
//
// With a transport, finality (finality.ts) decides after every change how much of the total
// order is stable, and the applier settles it: its trades become final. join() and leave()
// log this node's membership of a market.
//
// The log (store/wal.ts) keeps envelopes in arrival order, any origin; the state is the
// delivered set applied in the total order, so a restart rebuilds it from the log in any
// order (store/recovery.ts). Local commands keep their promise: the answer comes after the
// fsync that covers them, with the outcome as it stands then.
//
// Own batches: every envelope submitted while the log was busy waits in the queue; when the
// log is free the queue becomes one batch (one Merkle tree, one signature, one group commit);
// the next batch starts its commit before the durable one is applied and answered. A durable
// batch goes to the network before it applies here: the peers' copies are on their way while
// this node applies it and answers, and the window in which another node's order can be
// concurrent with it (and cost a rollback somewhere) is shorter. Until it applies it holds back
// received envelopes that sort after it, as a batch on its way to the disk does (ownFloor()).
// That hold saves a rollback, at the price of the wait; a slow fsync (milliseconds at the tail)
// would make every received envelope wait with it, so a hold lasts HOLD_MS at most: then what
// waits applies, and the own batch costs one rollback when it lands.

import type { Engine } from '../../core-as/src/engine.ts';
import { marketTopic, type Transport, type Verdict } from '../net/transport.ts';
import type { Logger } from '../ports.ts';
import type { Applied, NodeState, Outcome, StateObserver } from '../state/node-state.ts';
import type { RecoveredTail } from '../store/recovery.ts';
import type { Wal } from '../store/wal.ts';
import { decodeBatch, encodeBatch, verifyBatch } from '../wire/batch.ts';
import { decodeHeartbeat, type Heartbeat, isHeartbeat, verifyHeartbeat } from '../wire/heartbeat.ts';
import {
  type Body,
  decodeEnvelope,
  type Envelope,
  hex,
  KIND_JOIN,
  KIND_LEAVE,
  KIND_TIME,
  type OrderBody,
  SIGNATURE_BYTES,
  sameBytes,
  TIME_OWNER,
} from '../wire/envelope.ts';
import { Applier } from './applier.ts';
import { EnvelopeStore } from './envelope-store.ts';
import { Finality } from './finality.ts';
import type { Draft, Origin } from './origin.ts';
import { Orderer } from './orderer.ts';

/** How far past an origin's delivered frontier a received envelope may be held (farther: left to sync). */
export const MAX_AHEAD = 4096n;
/**
 * How far a received envelope's Lamport time may be past the highest this node has applied.
 * An honest origin's Lamport time is at most one past the envelopes it has seen (a join's
 * JOIN_LAMPORT_JUMP past), so it comes near only after 2^16 joins that this node has not
 * caught up with; a forged-but-signed one this far ahead would push every clock toward overflow.
 */
export const MAX_LAMPORT_AHEAD = 1n << 32n;

/**
 * How far a join's Lamport time jumps past everything this node has applied. Once the joiner
 * has caught up, a member's clock passes the join's only by delivering it or an envelope that
 * followed it (a member creates far fewer than 2^16 envelopes while a join is under way), so
 * whatever sorts after the join is its consequence, and no node settles that before it has
 * delivered the join (Finality.closed). What this leaves open: joins under way at once, from
 * nodes that caught up to nothing (see finality.ts).
 */
export const JOIN_LAMPORT_JUMP = 1n << 16n;

/**
 * How long received envelopes wait for an own batch that sorts before them (see ownFloor())
 * before they apply without it: about two group commits at this disk's median (an O_DSYNC
 * write of a batch: ~0.5 ms), so most holds end when the batch lands and only the slow tail
 * of the fsync becomes a rollback.
 */
export const HOLD_MS = 1;

export interface PipelineOptions {
  engine: Engine;
  state: NodeState;
  wal: Wal;
  origin: Origin;
  logger: Logger;
  /** The network: own batches are published, and gossip is received (receive()). None on a node alone. */
  transport?: Transport;
  /** With a transport: an in-memory mark every this many envelopes, and how many are kept (see applier.ts; by default dense recent marks and sparse older ones). */
  markEvery?: number;
  keepMarks?: number;
  /** Marks also spaced by their cost (applier.ts balanceMarks); on by default. */
  balanceMarks?: boolean;
  /** Bytes of recent envelopes the sync store keeps in memory (older ones are read from the log); envelope-store.ts CACHE_BYTES by default. */
  storeCacheBytes?: number;
  /** Who hears about live changes (WebSocket, SSE); asked at every apply. */
  observer?: () => StateObserver | null;
  /** Called after each applied batch, with how many envelopes it held. */
  onApplied?: (count: number) => void;
  /** Told of every verified heartbeat that was news (sync compares it with what this node has delivered). */
  onHeartbeat?: (h: Heartbeat, from: string) => void;
  /** Told of every received envelope held back after a gap (sync pulls the gap from its origin if gossip does not fill it). */
  onHeld?: (origin: Uint8Array, seq: bigint) => void;
  /** The orderer and held envelopes (with their WAL seqs) as recovery left them; a fresh orderer at the state's frontier by default. */
  orderer?: Orderer;
  held?: Map<Envelope, number>;
  /** The newest envelopes recovery applied with marks among them (store/recovery.ts `tail`): rollbacks reach there. */
  resume?: RecoveredTail | null;
  /** Runs `fn` after `ms` (the hold's cap, HOLD_MS); setTimeout by default, the simulation's virtual clock there. */
  after?: (ms: number, fn: () => void) => void;
  /**
   * Signatures that verified (batch roots, heartbeats), by key, message and signature: a
   * pipeline keeps its own by default; the simulation's nodes share one, since what a check
   * answers depends on those three alone.
   */
  verified?: Set<string>;
}

interface Item {
  draft: Draft;
  resolve: (o: Applied) => void;
  reject: (e: Error) => void;
}

export class PipelineFailedError extends Error {
  constructor(cause: Error) {
    super(`the node cannot write events any more: ${cause.message}`, { cause });
    this.name = 'PipelineFailedError';
  }
}

export class Pipeline {
  readonly orderer: Orderer;
  readonly applier: Applier;
  private readonly origin: Origin;
  private readonly originHex: string;
  private readonly engine: Engine;
  private readonly state: NodeState;
  private readonly wal: Wal;
  private readonly logger: Logger;
  private readonly transport: Transport | null;
  private readonly observer: () => StateObserver | null;
  private readonly onApplied: (count: number) => void;
  /** Submitted, waiting for the log. */
  private queue: Item[] = [];
  /** The batch being written (signed, in the log's hands, not yet durable). */
  private writing: Item[] | null = null;
  /** Batches durable and gossiped, to be applied in the event loop's next check phase, oldest first. */
  private applying: { items: Item[]; firstWalSeq: number }[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private failure: Error | null = null;
  /** Applying threw: the state may be half-changed, nothing more may apply. */
  private stateBroken = false;
  /** Received batches applied and not yet durable, and the durability of the last one (the log is FIFO: it covers them all). */
  private receivingBatches = 0;
  private logging: Promise<number> | null = null;
  /** Held back by the orderer (a gap before them): their WAL seqs, which a checkpoint does not cover yet. */
  private held = new Map<Envelope, number>();
  /** Delivered and not applied yet (applyDelivered()): their WAL seqs, which a checkpoint does not cover yet. */
  private delivered = new Map<Envelope, number>();
  private applyScheduled = false;
  /** The own draft whose hold has a cap running (see hold()), null when none does. */
  private holding: Draft | null = null;
  private readonly after: (ms: number, fn: () => void) => void;
  /** Holds that reached HOLD_MS: what waited applied before the own batch it waited for. */
  holdsReleased = 0;
  private appliedWal = 0;
  /** Batch roots and heartbeats whose signature verified. */
  private readonly verified: Set<string>;
  readonly gossip = { accepted: 0, ignored: 0, rejected: 0 };
  /** Envelopes refused because they sort before final ones (a forged clock, or an origin that traded unseen). */
  pastFinal = 0;
  /** Signed envelopes that differ from one delivered here under the same origin and seq, and the origins that signed them. */
  equivocations = 0;
  readonly equivocators = new Set<string>();
  /** Applied envelopes whose causal past is known to be delivered (Finality.closed), so it is checked once. */
  private readonly closedEnvelopes = new WeakSet<Envelope>();
  /** Which applied envelopes are stable; null on a node alone (every trade final at once). */
  readonly finality: Finality | null;
  /** Markets this node has joined (and not left), and markets it watches before joining: where its heartbeats go. */
  private readonly joined = new Set<string>();
  private readonly watching = new Set<string>();
  /**
   * Markets it has left while it still runs: its heartbeats go there too, so a peer that missed
   * a leave (gossip lost it) learns its seq and pulls it, instead of waiting for it for good.
   */
  private readonly left = new Set<string>();
  /** Every envelope logged and delivered, for peers that lack them (sync). */
  readonly store: EnvelopeStore;
  private readonly onHeartbeat: (h: Heartbeat, from: string) => void;
  private readonly onHeld: (origin: Uint8Array, seq: bigint) => void;
  /** Gossip publishes not yet handed to the network. */
  private publishing = new Set<Promise<void>>();
  /** Per market: when the last heartbeat went out, what the frontier then added up to (frontierMark()), and created's count then. */
  private readonly beats = new Map<string, { at: number; mark: bigint; created: number }>();
  /** Own envelopes created per market. */
  private readonly created = new Map<string, number>();

  constructor(options: PipelineOptions) {
    this.engine = options.engine;
    this.state = options.state;
    this.wal = options.wal;
    this.origin = options.origin;
    this.originHex = hex(options.origin.key);
    this.logger = options.logger;
    this.transport = options.transport ?? null;
    this.observer = options.observer ?? (() => null);
    this.onApplied = options.onApplied ?? (() => {});
    this.onHeartbeat = options.onHeartbeat ?? (() => {});
    this.onHeld = options.onHeld ?? (() => {});
    this.after = options.after ?? ((ms, fn) => setTimeout(fn, ms));
    this.orderer = options.orderer ?? new Orderer(this.state.originSeqs);
    this.store = new EnvelopeStore(this.wal, options.storeCacheBytes);
    this.held = new Map(options.held ?? []);
    this.verified = options.verified ?? new Set();
    this.applier = new Applier({
      state: this.state,
      balanceMarks: options.balanceMarks ?? true,
      ...(options.resume ? { resume: options.resume } : {}),
      ...(options.markEvery === undefined
        ? // 8 marks at least 8 apart, then 8 marks 1024 apart: a rollback a few envelopes deep
          // replays under ~12 while a mark costs less than applying 8 envelopes (one copy of
          // the core's memory: ~0.1 ms for 2 MB with the caches warm), and marks grow further
          // apart as the book makes them dearer (balanceMarks); one 8,000 deep still has a
          // mark; 16 images of the core's memory
          { markEvery: this.transport ? 8 : 0, recentMarks: 8, sparseEvery: 1024, keepMarks: 8 }
        : { markEvery: this.transport ? options.markEvery : 0, keepMarks: options.keepMarks }),
    });
    this.origin.resume(this.orderer.delivered(this.originHex), this.state.lamport);
    this.appliedWal = this.wal.lastSeq;
    const transport = this.transport;
    this.finality = transport
      ? new Finality({
          self: this.origin.key,
          delivered: (origin) => this.orderer.delivered(origin),
          subscribers: (topic) => transport.subscribers(topic),
          now: () => this.origin.clock.now(),
        })
      : null;
    // what the recovered tail's clocks say their origins had delivered
    if (options.resume) this.finality?.note(options.resume.applied);
  }

  /**
   * After a restart: every envelope of the log into the store (peers may ask for them), and what
   * they say of the markets' members into finality (recovery applied them, but finality was not
   * told).
   */
  async loadHistory(): Promise<void> {
    const decoder = new TextDecoder();
    await this.store.load(this.wal, (bytes, origin, seq) => {
      if (seq > this.orderer.delivered(hex(origin))) return; // held after a gap: not delivered yet
      // version, kind, market length, market (envelope.ts)
      this.finality?.recall(decoder.decode(bytes.subarray(3, 3 + bytes[2])), origin, bytes[1], seq);
    });
  }

  /**
   * Heartbeats on `market` from now on, before this node joins it (while it catches up): the
   * members learn what it has delivered, and settle nothing it has not, so its join — whose
   * Lamport time is past all it delivered — sorts after every final envelope (finality.ts).
   */
  watch(market: string): void {
    this.watching.add(market);
  }

  /** Logs that this node trades `market` (a join envelope); its heartbeats go to the market's topic from now on. */
  async join(market: string): Promise<void> {
    this.joined.add(market);
    this.left.delete(market);
    // still a member by the log (a restart after a crash, which wrote no leave): nothing to announce
    if (this.memberByLog(market)) return;
    await this.enqueue(market, TIME_OWNER, { kind: KIND_JOIN });
  }

  /**
   * Logs that this node stops trading `market` (a leave envelope, on graceful stop). A node that
   * has not joined it (a stop while it still catches up) logs nothing: there is nothing to
   * leave, and an envelope created before it caught up could sort before what is final.
   */
  async leave(market: string): Promise<void> {
    const member = this.joined.has(market) || this.memberByLog(market);
    this.joined.delete(market);
    this.watching.delete(market);
    if (!member) return;
    this.left.add(market);
    await this.enqueue(market, TIME_OWNER, { kind: KIND_LEAVE });
  }

  /**
   * Publishes this node's delivered frontier on each market it has joined, watches or left (see
   * wire/heartbeat.ts), or on `markets`, once the log holds all of it: received envelopes apply
   * before their fsync, but peers settle on what this node reports, which must survive its crash.
   */
  heartbeat(markets: readonly string[] = this.beatMarkets()): void {
    if (!this.transport || this.failure) return;
    const frontier = this.orderer.clock(this.engine);
    const mark = this.frontierMark();
    for (const market of markets) this.beat(market).mark = mark;
    const send = () => {
      if (this.failure) return;
      for (const market of markets) this.send(market, this.origin.heartbeat(market, frontier), 'heartbeat');
    };
    if (this.logging) this.logging.then(send, () => {});
    else send();
  }

  /**
   * Called periodically: on each market, a heartbeat if the frontier moved since the last one,
   * or if `idleMs` passed without one: members learn soon what this node has delivered, and a
   * quiet node still shows it is there and what it holds (peers compare it and sync). Not on a
   * market where this node created envelopes since the last call: each carries its frontier as
   * its vector clock, the same report; the first period without one sends what moved since.
   */
  heartbeatIfDue(now: number, idleMs: number): void {
    const mark = this.frontierMark();
    const due: string[] = [];
    for (const market of this.beatMarkets()) {
      const b = this.beat(market);
      const created = this.created.get(market) ?? 0;
      const creating = created !== b.created;
      b.created = created;
      if ((mark === b.mark || creating) && now - b.at < idleMs) continue;
      b.at = now;
      due.push(market);
    }
    if (due.length > 0) this.heartbeat(due);
  }

  /** Whether the membership envelopes delivered say this node is a member of `market`. */
  private memberByLog(market: string): boolean {
    return this.finality?.memberSet(market).includes(this.originHex) ?? false;
  }

  private beatMarkets(): string[] {
    return [...new Set([...this.joined, ...this.watching, ...this.left])];
  }

  /** The own seq plus every origin's delivered seq: it moves whenever the frontier does. */
  private frontierMark(): bigint {
    let mark = this.origin.lastSeq;
    for (const seq of this.orderer.frontierSeqs()) mark += seq;
    return mark;
  }

  private beat(market: string): { at: number; mark: bigint; created: number } {
    let b = this.beats.get(market);
    if (!b) {
      b = { at: Number.NEGATIVE_INFINITY, mark: -1n, created: -1 };
      this.beats.set(market, b);
    }
    return b;
  }

  /** Publishes on a market's topic, keeping the send until the network has it (see flushed()). */
  private send(market: string, data: Uint8Array, what: string): void {
    const sent = this.transport!.publish(marketTopic(market), data)
      .catch((err) => this.logger.warn(`gossip: ${what} publish failed`, { market, error: (err as Error).message }))
      .finally(() => this.publishing.delete(sent));
    this.publishing.add(sent);
  }

  /** Resolves once every gossip publish started so far is with the network (a graceful stop waits for its leave). */
  async flushed(): Promise<void> {
    while (this.publishing.size > 0) await Promise.all(this.publishing);
  }

  /** How long the oldest applied envelope that is not final yet has waited, by its origin's clock (0: none). */
  finalityLagMs(now: number): number {
    const a = this.applier;
    if (!this.finality || a.finalCount >= a.count) return 0;
    const oldest = a.at(Math.max(a.finalCount, a.keptFrom));
    return Math.max(0, now - Number(oldest.time));
  }

  /** Settles what finality says is stable now: the last stable envelope applied and everything before it. */
  private settleStable(): void {
    // applyDelivered() settles once what was delivered is applied
    if (!this.finality || this.stateBroken || this.delivered.size > 0) return;
    const a = this.applier;
    const stable = this.finality.checker(this.ownFloor());
    // nothing past the first envelope whose causal past is not all here (Finality.closed)
    const from = Math.max(a.finalCount, a.keptFrom);
    let end = from;
    while (end < a.count) {
      const e = a.at(end);
      if (!this.closedEnvelopes.has(e)) {
        if (!this.finality.closed(e)) break;
        this.closedEnvelopes.add(e);
      }
      end++;
    }
    for (let i = end - 1; i >= from; i--) {
      if (!stable(a.at(i))) continue;
      try {
        a.settle(i + 1, this.observer());
      } catch (err) {
        this.stateFailed(err);
      }
      return;
    }
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Envelopes submitted and not yet applied. */
  get inflight(): number {
    let n = this.queue.length + (this.writing?.length ?? 0);
    for (const { items } of this.applying) n += items.length;
    return n;
  }

  /** The WAL seq a checkpoint taken now covers: every record up to it is applied (or a duplicate). */
  get coveredWalSeq(): number {
    let covered = this.appliedWal;
    // a received batch logged after an own one that waits to apply may have moved appliedWal past it
    for (const { firstWalSeq } of this.applying) if (firstWalSeq - 1 < covered) covered = firstWalSeq - 1;
    for (const walSeq of this.held.values()) if (walSeq - 1 < covered) covered = walSeq - 1;
    for (const walSeq of this.delivered.values()) if (walSeq - 1 < covered) covered = walSeq - 1;
    return covered;
  }

  /** Wraps a command in an envelope and resolves with its outcome once it is durable and applied. */
  submit(market: string, owner: string, body: OrderBody): Promise<Outcome> {
    // NodeState.apply answers an order body with an order outcome
    return this.enqueue(market, owner, body) as Promise<Outcome>;
  }

  /**
   * Logs a time event stamped with the clock's time now: the good-till-time orders it reached
   * expire when it applies, on this node and on every replay of the log.
   */
  async submitTime(market: string): Promise<void> {
    await this.enqueue(market, TIME_OWNER, { kind: KIND_TIME });
  }

  private enqueue(market: string, owner: string, body: Body): Promise<Applied> {
    if (this.failure) return Promise.reject(this.failure);
    let draft: Draft;
    try {
      // its Lamport time must be past everything its clock says was delivered, applied or waiting
      this.applyDelivered();
      let seen = this.state.lamport;
      for (const e of this.delivered.keys()) if (e.lamport > seen) seen = e.lamport;
      const frontier = this.transport ? this.orderer.clock(this.engine, this.originHex) : [];
      // a join jumps the Lamport clock (see JOIN_LAMPORT_JUMP)
      const lamport = this.transport && body.kind === KIND_JOIN ? seen + JOIN_LAMPORT_JUMP : seen;
      draft = this.origin.create(market, owner, body, lamport, frontier);
      this.created.set(market, (this.created.get(market) ?? 0) + 1);
    } catch (err) {
      // validation lets nothing through that cannot be encoded: refuse, and the seq stays free
      return Promise.reject(err);
    }
    return new Promise<Applied>((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      this.schedule();
    });
  }

  /** Writes the queue as the next batch once the log is free, after this turn's requests have queued. */
  private schedule(): void {
    if (this.scheduled || this.writing !== null || this.queue.length === 0 || this.failure) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.write();
    });
  }

  /** Signs the queue and hands it to the log, unless a batch is being written. */
  private write(): void {
    if (this.writing !== null || this.queue.length === 0 || this.failure) return;
    const items = this.queue;
    this.queue = [];
    this.writing = items;
    let payloads: Uint8Array[];
    try {
      payloads = this.origin.sign(items.map((it) => it.draft));
    } catch (err) {
      this.fail(err);
      return;
    }
    this.wal.appendAll(payloads).then(
      (firstWalSeq) => {
        const envs: Envelope[] = new Array(items.length);
        for (let i = 0; i < items.length; i++) {
          const { fields, id, proof } = items[i].draft;
          const bytes = payloads[i];
          envs[i] = { ...fields, id, signature: bytes.subarray(bytes.length - SIGNATURE_BYTES), proof: proof!, bytes };
        }
        // Durable: out to the peers first. Gossipsub writes it in this turn's microtasks, so
        // the bytes leave before the apply and the answers below take the thread; until it
        // applies, the batch holds back what sorts after it like a batch on its way to the disk.
        if (this.transport && !this.stateBroken) this.publish(envs);
        this.writing = null;
        this.applying.push({ items, firstWalSeq });
        // The next batch goes to the disk before this one is applied and answered, so the
        // disk's wait overlaps the main thread's work instead of following it.
        this.write();
        setImmediate(() => {
          this.applying.shift();
          this.applyOwn(items, envs, firstWalSeq);
        });
      },
      (err) => this.fail(err),
    );
  }

  /** Applies a durable own batch (already gossiped) and answers its callers. */
  private applyOwn(items: Item[], envs: Envelope[], firstWalSeq: number): void {
    if (this.stateBroken) {
      for (const item of items) item.reject(this.failure!);
      return;
    }
    // Durable, so it applies even when the batch after it has failed since (that one is
    // written before this one applies): its callers get their real outcomes.
    let outcomes: Applied[];
    try {
      envs.forEach((e, i) => {
        this.orderer.offer(e); // own envelopes are always next in seq order
        if (this.transport) this.store.add(this.originHex, e.seq, e.bytes, firstWalSeq + i);
      });
      // with what was delivered meanwhile: one sort, at most one rollback
      outcomes = this.applyDelivered(envs);
    } catch (err) {
      this.stateFailed(err);
      for (const item of items) item.reject(this.failure!);
      return;
    }
    this.appliedWal = Math.max(this.appliedWal, firstWalSeq + items.length - 1);
    for (let i = 0; i < items.length; i++) items[i].resolve(outcomes[i]);
    this.onApplied(items.length);
    if (this.finality) {
      this.finality.note(envs);
      this.settleStable();
    }
    if (this.quiet) this.wakeIdle();
  }

  /** Gossips an own batch: the envelopes of each market to its topic, under the batch's one signature. */
  private publish(envs: Envelope[]): void {
    const byMarket = new Map<string, Uint8Array[]>();
    for (const e of envs) {
      const list = byMarket.get(e.market);
      if (list) list.push(e.bytes);
      else byMarket.set(e.market, [e.bytes]);
    }
    for (const [market, list] of byMarket) this.send(market, encodeBatch(list), 'batch');
  }

  /**
   * A gossip message: a signed batch of another origin's envelopes. The verdict comes once it
   * is checked (bytes, signature, market, duplicates); what is new is then logged, ordered and
   * applied in the background.
   */
  async receive(topic: string, data: Uint8Array, from: string): Promise<Verdict> {
    const verdict = await this.check(topic, data, from);
    this.gossip[verdict === 'accept' ? 'accepted' : verdict === 'ignore' ? 'ignored' : 'rejected']++;
    return verdict;
  }

  private async check(topic: string, data: Uint8Array, from: string): Promise<Verdict> {
    if (this.failure || this.stateBroken) return 'ignore';
    if (isHeartbeat(data)) return this.checkHeartbeat(topic, data, from);
    let envs: Envelope[];
    try {
      envs = decodeBatch(data);
    } catch (err) {
      this.logger.debug('gossip: undecodable batch', { from, error: (err as Error).message });
      return 'reject';
    }
    for (const e of envs) {
      if (marketTopic(e.market) !== topic || !this.state.markets.get(e.market)) return 'reject';
    }
    return (await this.admit(envs)).verdict;
  }

  /**
   * Envelopes pulled from peers (sync), of any origins, best given in the total order: each
   * origin's in seq order, any number of signed batches. Every batch's signature is checked;
   * what is new is logged in one group commit, then ordered and applied together. Resolves once
   * they are delivered (or held after a gap); 'reject' when any is invalid (none is taken then).
   */
  async ingest(envs: readonly Envelope[]): Promise<Verdict> {
    if (envs.length === 0) return 'ignore';
    for (const e of envs) if (!this.state.markets.get(e.market)) return 'reject';
    const { verdict, done } = await this.admit(envs);
    await done;
    return verdict;
  }

  /**
   * The checks every received envelope passes: not our own, within reach of its origin's
   * delivered frontier and of the local Lamport clock, not a duplicate, signed (one signature
   * per batch). What is new goes to the log in the background (`done` once delivered).
   */
  private async admit(envs: readonly Envelope[]): Promise<{ verdict: Verdict; done?: Promise<void> }> {
    const originOf = new Map<Envelope, string>();
    for (const e of envs) {
      const origin = hex(e.origin);
      originOf.set(e, origin);
      if (e.lamport > this.state.lamport + MAX_LAMPORT_AHEAD) {
        this.logger.debug('gossip: Lamport time far ahead', { origin, seq: e.seq, lamport: e.lamport });
        return { verdict: 'reject' };
      }
    }
    const mine = (e: Envelope) => originOf.get(e) === this.originHex; // our own, come back
    // held envelopes wait in memory: one too far past the frontier waits for sync instead
    if (envs.some((e) => !mine(e) && e.seq > this.orderer.delivered(originOf.get(e)!) + MAX_AHEAD))
      return { verdict: 'ignore' };
    const fresh = (es: readonly Envelope[]) => es.filter((e) => !mine(e) && !this.orderer.has(originOf.get(e)!, e.seq));
    // a second, different envelope under an origin and seq delivered here: equivocation if the
    // origin signed it, a forgery if not
    const other = envs.filter((e) => {
      if (mine(e)) return false;
      const kept = this.store.recent(originOf.get(e)!, e.seq);
      // the same content under another batch signature is the same envelope
      return kept !== undefined && !sameBytes(kept, e.bytes) && !sameBytes(decodeEnvelope(kept).id, e.id);
    });
    if (other.length > 0) return { verdict: await this.equivocation(other, originOf) };
    const news = fresh(envs);
    if (news.length === 0) return { verdict: 'ignore' };
    // one that sorts before a final envelope would revert final trades: never applied
    const late = news.find((e) => this.applier.beforeFinal(e));
    if (late) {
      this.pastFinal++;
      this.logger.debug('gossip: an envelope sorts before the final ones', {
        origin: originOf.get(late),
        seq: late.seq,
        lamport: late.lamport,
      });
      return { verdict: 'reject' };
    }
    if (!(await this.signed(envs, originOf))) return { verdict: 'reject' };
    const todo = fresh(envs); // again: others may have arrived while the signatures were checked
    if (todo.length === 0 || this.failure) return { verdict: 'ignore' };
    // Into the log, then applied at once, before the fsync: they are durable at their origin
    // already, and what this node reports delivered waits for its own fsync (heartbeat()).
    const firstWalSeq = this.wal.nextSeq;
    const durable = this.wal.appendAll(todo.map((e) => e.bytes));
    this.receivingBatches++;
    this.logging = durable;
    this.deliver(todo, firstWalSeq);
    const done = durable.then(
      () => {
        this.receivingBatches--;
        if (this.logging === durable) this.logging = null;
        // a checkpoint covers a record only once it is durable
        this.appliedWal = Math.max(this.appliedWal, firstWalSeq + todo.length - 1);
        if (this.quiet) this.wakeIdle();
      },
      (err) => {
        this.receivingBatches--;
        this.fail(err);
      },
    );
    return { verdict: 'accept', done };
  }

  /**
   * Whether every envelope carries its origin's signature: one check per batch, as envelopes of
   * one batch share the signature and sit together in a gossip message or a sync page.
   */
  private async signed(envs: readonly Envelope[], originOf: Map<Envelope, string>): Promise<boolean> {
    const batches = new Map<string, Envelope[]>();
    for (const e of envs) {
      const key = `${originOf.get(e)}:${hex(e.signature)}`;
      const list = batches.get(key);
      if (list) list.push(e);
      else batches.set(key, [e]);
    }
    for (const list of batches.values()) if (!(await verifyBatch(list, this.verified))) return false;
    return true;
  }

  /**
   * Envelopes that differ from the ones delivered here under the same origin and seq. Signed by
   * their origin, they prove it equivocated (told different peers different things): counted
   * and logged, never applied or forwarded ('ignore': the peer that relayed it may be honest,
   * it saw this version first). Not signed: a forgery ('reject').
   */
  private async equivocation(envs: Envelope[], originOf: Map<Envelope, string>): Promise<Verdict> {
    if (!(await this.signed(envs, originOf))) return 'reject';
    for (const e of envs) {
      const origin = originOf.get(e)!;
      if (this.equivocators.has(origin)) continue;
      this.equivocators.add(origin);
      this.logger.error('gossip: an origin signed two different envelopes with one seq (equivocation)', {
        origin,
        seq: e.seq,
        kept: hex(decodeEnvelope(this.store.recent(origin, e.seq)!).id),
        other: hex(e.id),
      });
    }
    this.equivocations += envs.length;
    return 'ignore';
  }

  /** A heartbeat: checked (bytes, market, signature), then what it tells finality. */
  private checkHeartbeat(topic: string, data: Uint8Array, from: string): Verdict {
    if (!this.finality) return 'ignore';
    let h: Heartbeat;
    try {
      h = decodeHeartbeat(data);
    } catch (err) {
      this.logger.debug('gossip: undecodable heartbeat', { from, error: (err as Error).message });
      return 'reject';
    }
    if (marketTopic(h.market) !== topic || !this.state.markets.get(h.market)) return 'reject';
    if (hex(h.origin) === this.originHex || !this.finality.isNews(h)) return 'ignore';
    if (!verifyHeartbeat(h, this.verified)) return 'reject';
    this.finality.heard(h);
    this.settleStable();
    this.onHeartbeat(h, from);
    return 'accept';
  }

  /**
   * Envelopes of another origin, in the log's hands: into the orderer, and what it delivers into
   * the state. What sorts after everything applied is applied at once; what would roll back
   * waits for applyDelivered() at the end of this turn of the event loop, with everything else
   * delivered in the turn: under load many batches arrive together, and they cost one rollback.
   */
  private deliver(envs: Envelope[], firstWalSeq: number): void {
    if (this.failure) return;
    const walSeqs = new Map<Envelope, number>();
    envs.forEach((e, i) => {
      walSeqs.set(e, firstWalSeq + i);
      const offer = this.orderer.offer(e);
      if (offer.status === 'held') {
        this.held.set(e, firstWalSeq + i);
        this.onHeld(e.origin, e.seq);
      }
      if (offer.status !== 'delivered') return;
      for (const d of offer.envelopes) {
        // settled past while held after a gap: refused like at admission
        const walSeq = this.held.get(d) ?? walSeqs.get(d)!;
        if (this.applier.beforeFinal(d)) {
          this.pastFinal++;
          this.logger.warn('gossip: an envelope that sorts before final ones is not applied', {
            origin: hex(d.origin),
            seq: d.seq,
          });
        } else this.delivered.set(d, walSeq);
        this.held.delete(d);
        this.store.add(hex(d.origin), d.seq, d.bytes, walSeq);
      }
    });
    if (this.delivered.size === 0 || this.applyScheduled) return;
    if (![...this.delivered.keys()].some((d) => this.applier.beforeLast(d))) return this.applyWaiting();
    this.applyScheduled = true;
    setImmediate(() => {
      this.applyScheduled = false;
      this.applyWaiting();
    });
  }

  /** applyDelivered() from a callback of its own (a turn's end, a timer): a failure has stopped the pipeline already. */
  private applyWaiting(all = false): void {
    try {
      this.applyDelivered([], all);
    } catch {
      // the pipeline has stopped (stateFailed logged why)
    }
  }

  /**
   * Applies what was delivered and waits (see deliver()), with `own` (an own batch just durable)
   * if given; their outcomes. What sorts after an own envelope created and not yet applied (on
   * its way to the disk) waits for it, unless `all`: applied now, it would be rolled back a
   * millisecond later when that one applies, so it comes with the own batch (applyOwn()). While
   * anything waits nothing is settled (no envelope delivered and not applied may sort before the
   * settled prefix); a sync status asks for `all` (the state hash of the frontier it shows).
   */
  applyDelivered(own: Envelope[] = [], all = false): Applied[] {
    if (this.stateBroken) return [];
    // (an own batch being applied has left `writing`: the floor is the next one's)
    const floor = all ? null : this.ownFloor();
    const remote: Envelope[] = [];
    for (const e of this.delivered.keys()) if (floor === null || e.lamport < floor) remote.push(e);
    for (const e of remote) this.delivered.delete(e);
    if (this.delivered.size > 0 && floor !== null) this.hold();
    if (remote.length === 0 && own.length === 0) return [];
    let outcomes: Applied[];
    try {
      outcomes = this.applier.apply(remote.length === 0 ? own : own.concat(remote), this.observer());
    } catch (err) {
      this.stateFailed(err);
      throw this.failure;
    }
    if (remote.length > 0) {
      this.onApplied(remote.length);
      this.finality?.note(remote);
    }
    if (own.length === 0) {
      this.settleStable();
      if (this.quiet) this.wakeIdle();
    }
    return outcomes.slice(0, own.length);
  }

  /** The Lamport time of this node's oldest own envelope created and not yet applied (null: none). */
  private ownFloor(): bigint | null {
    return this.oldestOwn()?.fields.lamport ?? null;
  }

  private oldestOwn(): Draft | null {
    return (this.applying[0]?.items[0] ?? this.writing?.[0] ?? this.queue[0])?.draft ?? null;
  }

  /**
   * Received envelopes wait for the oldest own envelope not yet applied: at most HOLD_MS from
   * now. If it has not applied by then, what waits applies without it (one rollback when it
   * does); if it has, and a newer own batch holds what waits, that one gets its HOLD_MS.
   */
  private hold(): void {
    const oldest = this.oldestOwn();
    if (this.holding !== null || oldest === null) return;
    this.holding = oldest;
    this.after(HOLD_MS, () => {
      const stuck = this.oldestOwn() === this.holding;
      this.holding = null;
      if (this.delivered.size === 0 || this.stateBroken) return;
      if (stuck) this.holdsReleased++;
      this.applyWaiting(stuck);
    });
  }

  /** The state may be half-changed (a bug, or a rollback deeper than the marks): stop taking commands. */
  private stateFailed(err: unknown): void {
    this.stateBroken = true;
    const cause = err instanceof Error ? err : new Error(String(err));
    this.fail(new Error(`applying to the state failed: ${cause.message}`, { cause }));
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    const cause = err instanceof Error ? err : new Error(String(err));
    this.failure = new PipelineFailedError(cause);
    this.logger.error('pipeline: stopped taking commands', { error: cause.message, stack: cause.stack });
    for (const item of this.writing ?? []) item.reject(this.failure);
    for (const item of this.queue) item.reject(this.failure);
    this.writing = null;
    this.queue = [];
    this.wakeIdle();
  }

  /** Nothing submitted, received or delivered is waiting to be logged or applied. */
  private get quiet(): boolean {
    return this.inflight === 0 && this.receivingBatches === 0 && this.delivered.size === 0;
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once every submitted and received envelope has been logged and applied (or the pipeline failed). */
  idle(): Promise<void> {
    if (this.quiet || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
