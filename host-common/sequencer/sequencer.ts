// The sequencer of a single node: turns each accepted command into a signed envelope with
// the next origin seq and Lamport time, appends it to the write-ahead log, and applies it
// to the node's state once the log says it is durable — in exactly that order, so what
// the API acknowledges is on disk and what is on disk replays to the same state.
//
// Pipeline per submit(): seq + Lamport (synchronous, so seq order = call order) → sign
// (WebCrypto, async, many in flight) → append to the log in seq order (a reorder buffer
// waits for slower signatures) → group commit → apply in log order, one engine batch for
// every envelope that became durable together → resolve each caller with its outcome.
//
// The network will add envelopes from other origins and reorder by (Lamport, origin,
// seq) with rollback; the apply path (NodeState.apply) is deterministic for that reason.

import type { Engine } from '../../core-as/src/engine.ts';
import type { Logger } from '../ports.ts';
import type { NodeState, Outcome, StateObserver } from '../state/node-state.ts';
import type { Wal } from '../store/wal.ts';
import { type Body, type Envelope, type EnvelopeFields, encodeUnsigned, hex, seal } from './envelope.ts';
import { sha256 } from './hash.ts';
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
  id: Uint8Array;
  bytes: Uint8Array | null;
  walSeq: number;
  resolve: (o: Outcome) => void;
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
  private nextAppend = 1n;
  private readonly signed = new Map<bigint, Item>();
  private readonly outstanding = new Set<Item>();
  private applyQueue: Item[] = [];
  private applyScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private failure: Error | null = null;
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
    this.nextAppend = this.seq + 1n;
    this.lamport = this.state.lamport;
    this.appliedWalSeq = this.wal.lastSeq;
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Envelopes submitted and not yet applied. */
  get inflight(): number {
    return this.outstanding.size;
  }

  /** Wraps a command in an envelope and resolves with its outcome once it is durable and applied. */
  submit(market: string, owner: string, body: Body): Promise<Outcome> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = ++this.seq;
    this.lamport = this.engine.lamportTick(this.lamport > this.state.lamport ? this.lamport : this.state.lamport);
    const fields: EnvelopeFields = {
      market, origin: this.origin, seq, lamport: this.lamport, time: BigInt(this.clock.now()), owner, clock: [], body,
    };
    let unsigned: Uint8Array;
    try {
      unsigned = encodeUnsigned(fields);
    } catch (err) {
      // validation lets nothing through that cannot be encoded; undo the seq and refuse
      this.seq--;
      return Promise.reject(err);
    }
    return new Promise<Outcome>((resolve, reject) => {
      const item: Item = { fields, id: sha256(unsigned), bytes: null, walSeq: 0, resolve, reject };
      this.outstanding.add(item);
      this.signer.sign(unsigned).then(
        (signature) => {
          item.bytes = seal(unsigned, signature);
          this.signed.set(seq, item);
          this.appendReady();
        },
        (err) => this.fail(err),
      );
    });
  }

  /** Appends signed envelopes to the log in seq order. */
  private appendReady(): void {
    for (let item = this.signed.get(this.nextAppend); item && !this.failure; item = this.signed.get(this.nextAppend)) {
      this.signed.delete(this.nextAppend);
      this.nextAppend++;
      const it = item;
      this.wal.append(it.bytes!).then(
        (walSeq) => {
          it.walSeq = walSeq;
          this.applyQueue.push(it);
          if (!this.applyScheduled) {
            this.applyScheduled = true;
            // after every append of this group commit has resolved: they apply as one batch
            queueMicrotask(() => this.applyDurable());
          }
        },
        (err) => this.fail(err),
      );
    }
  }

  private applyDurable(): void {
    this.applyScheduled = false;
    const items = this.applyQueue;
    this.applyQueue = [];
    if (items.length === 0 || this.failure) return;
    const envs: Envelope[] = items.map((it) => {
      const f = it.fields;
      const bytes = it.bytes!;
      return {
        market: f.market, origin: f.origin, seq: f.seq, lamport: f.lamport, time: f.time, owner: f.owner, clock: f.clock, body: f.body,
        id: it.id, signature: bytes.subarray(bytes.length - 64), bytes,
      };
    });
    let outcomes: Outcome[];
    try {
      outcomes = this.state.apply(envs, this.observer());
    } catch (err) {
      // A bug, not bad input: the state may be half-changed, so stop taking commands.
      this.fail(err);
      return;
    }
    this.appliedWalSeq = items[items.length - 1].walSeq;
    for (let i = 0; i < items.length; i++) {
      this.outstanding.delete(items[i]);
      items[i].resolve(outcomes[i]);
    }
    this.onApplied(items.length);
    if (this.outstanding.size === 0) this.wakeIdle();
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    const cause = err instanceof Error ? err : new Error(String(err));
    this.failure = new SequencerFailedError(cause);
    this.logger.error('sequencer: stopped taking commands', { error: cause.message, stack: cause.stack });
    for (const item of this.outstanding) item.reject(this.failure);
    this.outstanding.clear();
    this.signed.clear();
    this.applyQueue = [];
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once every submitted envelope has been applied (or has failed). */
  idle(): Promise<void> {
    if (this.outstanding.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
