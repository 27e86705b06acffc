// The sequencer of a single node: turns each accepted command into an envelope with the
// next origin seq and Lamport time, signs envelopes in batches, appends them to the
// write-ahead log, and applies them to the node's state once the log says they are durable —
// in exactly that order, so what the API acknowledges is on disk and what is on disk replays
// to the same state.
//
// Pipeline: submit() gives the seq and Lamport time and encodes (synchronously, so seq order
// = call order) → every envelope submitted while the log was busy waits in the queue → when
// the log is free the queue becomes one batch: one Merkle tree, one signature (merkle.ts),
// one group commit → the next batch starts its commit → the durable batch applies as one
// engine call → each caller gets its outcome.
// A batch is as large as the load makes it: one envelope when idle, many under load.
//
// The network will add envelopes from other origins and reorder by (Lamport, origin,
// seq) with rollback; the apply path (NodeState.apply) is deterministic for that reason.

import type { Engine } from '../../core-as/src/engine.ts';
import type { Logger } from '../ports.ts';
import type { Applied, NodeState, Outcome, StateObserver } from '../state/node-state.ts';
import type { Wal } from '../store/wal.ts';
import {
  type BatchProof,
  type Body,
  type Envelope,
  type EnvelopeFields,
  encodeUnsigned,
  hex,
  KIND_TIME,
  type OrderBody,
  sealedSize,
  sealInto,
  SIGNATURE_BYTES,
  TIME_OWNER,
} from './envelope.ts';
import { sha256 } from './hash.ts';
import { batchMessage, batchTree, MAX_BATCH } from './merkle.ts';
import type { Signer } from './signer.ts';

export interface Clock {
  /** Wall-clock milliseconds since 1970. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SequencerOptions {
  engine: Engine;
  state: NodeState;
  wal: Wal;
  /** The node's ed25519 public key: the origin of the envelopes it creates. */
  origin: Uint8Array;
  signer: Signer;
  clock?: Clock;
  logger: Logger;
  /** Who hears about live changes (WebSocket, SSE); asked at every apply. */
  observer?: () => StateObserver | null;
  /** Called after each applied batch, with how many envelopes it held. */
  onApplied?: (count: number) => void;
}

interface Item {
  fields: EnvelopeFields;
  unsigned: Uint8Array;
  id: Uint8Array;
  proof: BatchProof | null; // set when signed
  resolve: (o: Applied) => void;
  reject: (e: Error) => void;
}

export class SequencerFailedError extends Error {
  constructor(cause: Error) {
    super(`the node cannot write events any more: ${cause.message}`, { cause });
    this.name = 'SequencerFailedError';
  }
}

export class Sequencer {
  private readonly engine: Engine;
  private readonly state: NodeState;
  private readonly wal: Wal;
  private readonly origin: Uint8Array;
  private readonly signer: Signer;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly observer: () => StateObserver | null;
  private readonly onApplied: (count: number) => void;
  private seq = 0n;
  private lamport = 0n;
  /** Submitted, waiting for the log. */
  private queue: Item[] = [];
  /** The batch being written (signed, in the log's hands, not yet durable). */
  private writing: Item[] | null = null;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private failure: Error | null = null;
  /** State.apply threw: nothing more may apply. */
  private stateBroken = false;
  /** The WAL seq of the last applied envelope: what a checkpoint taken now covers. */
  appliedWalSeq = 0;

  constructor(options: SequencerOptions) {
    this.engine = options.engine;
    this.state = options.state;
    this.wal = options.wal;
    this.origin = options.origin;
    this.signer = options.signer;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.observer = options.observer ?? (() => null);
    this.onApplied = options.onApplied ?? (() => {});
    this.resume();
  }

  /** Continues after the state was restored/replayed: the next own seq and Lamport time. */
  resume(): void {
    this.seq = this.state.originSeqs.get(hex(this.origin)) ?? 0n;
    this.lamport = this.state.lamport;
    this.appliedWalSeq = this.wal.lastSeq;
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Envelopes submitted and not yet applied. */
  get inflight(): number {
    return this.queue.length + (this.writing?.length ?? 0);
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
    const lamport = this.engine.lamportTick(this.lamport > this.state.lamport ? this.lamport : this.state.lamport);
    const fields: EnvelopeFields = {
      market,
      origin: this.origin,
      seq: this.seq + 1n,
      lamport,
      time: BigInt(this.clock.now()),
      owner,
      clock: [],
      body,
    };
    let unsigned: Uint8Array;
    try {
      unsigned = encodeUnsigned(fields);
    } catch (err) {
      // validation lets nothing through that cannot be encoded: refuse, and the seq stays free
      return Promise.reject(err);
    }
    this.seq = fields.seq;
    this.lamport = lamport;
    return new Promise<Applied>((resolve, reject) => {
      this.queue.push({ fields, unsigned, id: sha256(unsigned), proof: null, resolve, reject });
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
      payloads = this.sign(items);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.wal.appendAll(payloads).then(
      (firstWalSeq) => {
        this.writing = null;
        // The next batch goes to the disk before this one is applied and answered, so the
        // disk's wait overlaps the main thread's work instead of following it.
        this.write();
        this.apply(items, payloads, firstWalSeq);
      },
      (err) => this.fail(err),
    );
  }

  /** The wire bytes of each item: one signature per MAX_BATCH envelopes. */
  private sign(items: Item[]): Uint8Array[] {
    const out: Uint8Array[] = new Array(items.length);
    for (let from = 0; from < items.length; from += MAX_BATCH) {
      const part = items.slice(from, from + MAX_BATCH);
      const tree = batchTree(part.map((it) => it.id));
      const signature = this.signer.sign(batchMessage(part.length, tree.root));
      let size = 0;
      for (let i = 0; i < part.length; i++) {
        const proof = { index: i, count: part.length, siblings: tree.proof(i) };
        part[i].proof = proof;
        size += sealedSize(part[i].unsigned, proof);
      }
      const block = new Uint8Array(size); // one buffer for the batch's envelopes
      for (let i = 0, at = 0; i < part.length; i++) {
        const end = sealInto(block, at, part[i].unsigned, signature, part[i].proof!);
        out[from + i] = block.subarray(at, end);
        at = end;
      }
    }
    return out;
  }

  /** Applies a durable batch as one engine call and answers its callers. */
  private apply(items: Item[], payloads: Uint8Array[], firstWalSeq: number): void {
    if (this.stateBroken) {
      for (const item of items) item.reject(this.failure!);
      return;
    }
    // Durable, so it applies even when the batch after it has failed since (that one is
    // written before this one applies): its callers get their real outcomes.
    const envs: Envelope[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const f = items[i].fields;
      const bytes = payloads[i];
      envs[i] = {
        market: f.market,
        origin: f.origin,
        seq: f.seq,
        lamport: f.lamport,
        time: f.time,
        owner: f.owner,
        clock: f.clock,
        body: f.body,
        id: items[i].id,
        signature: bytes.subarray(bytes.length - SIGNATURE_BYTES),
        proof: items[i].proof,
        bytes,
      };
    }
    let outcomes: Applied[];
    try {
      outcomes = this.state.apply(envs, this.observer());
    } catch (err) {
      // A bug, not bad input: the state may be half-changed, so stop taking commands.
      this.stateBroken = true;
      this.fail(err);
      for (const item of items) item.reject(this.failure!);
      return;
    }
    this.appliedWalSeq = firstWalSeq + items.length - 1;
    for (let i = 0; i < items.length; i++) items[i].resolve(outcomes[i]);
    this.onApplied(items.length);
    if (this.queue.length === 0 && this.writing === null) this.wakeIdle();
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    const cause = err instanceof Error ? err : new Error(String(err));
    this.failure = new SequencerFailedError(cause);
    this.logger.error('sequencer: stopped taking commands', { error: cause.message, stack: cause.stack });
    for (const item of this.writing ?? []) item.reject(this.failure);
    for (const item of this.queue) item.reject(this.failure);
    this.writing = null;
    this.queue = [];
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once every submitted envelope has been applied (or has failed). */
  idle(): Promise<void> {
    if (this.inflight === 0 || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
