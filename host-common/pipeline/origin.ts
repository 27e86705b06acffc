// The origin: how this node's own commands become envelopes. Each gets the next origin seq,
// a Lamport time after everything the node has applied, the origin's wall-clock time, and the
// vector clock of what it has delivered from the other origins (its own is seq − 1); a batch
// of them (one group commit) is signed once, through a Merkle tree of their ids.

import type { Engine, VectorClock } from '../../core-as/src/engine.ts';
import type { Signer } from '../identity/signer.ts';
import {
  type BatchProof,
  type Body,
  type EnvelopeFields,
  encodeUnsigned,
  sealedSize,
  sealInto,
} from '../wire/envelope.ts';
import { sha256 } from '../wire/hash.ts';
import { encodeHeartbeat } from '../wire/heartbeat.ts';
import { batchMessage, batchTree, MAX_BATCH } from '../wire/merkle.ts';

export interface Clock {
  /** Wall-clock milliseconds since 1970. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** An envelope created and encoded, not yet signed. */
export interface Draft {
  fields: EnvelopeFields;
  unsigned: Uint8Array;
  id: Uint8Array;
  /** Set by sign(). */
  proof: BatchProof | null;
}

export class Origin {
  /** The node's ed25519 public key. */
  readonly key: Uint8Array;
  private readonly engine: Engine;
  private readonly signer: Signer;
  readonly clock: Clock;
  private seq = 0n;
  private lamport = 0n;

  constructor(options: { key: Uint8Array; engine: Engine; signer: Signer; clock?: Clock }) {
    this.key = options.key;
    this.engine = options.engine;
    this.signer = options.signer;
    this.clock = options.clock ?? systemClock;
  }

  /** The highest seq created so far (applied or not). */
  get lastSeq(): bigint {
    return this.seq;
  }

  /** A signed heartbeat on `market`: `frontier` delivered, every envelope created so far at or below lastSeq. */
  heartbeat(market: string, frontier: readonly [bigint, bigint][]): Uint8Array {
    return encodeHeartbeat({ origin: this.key, ownSeq: this.seq, market, frontier }, (m) => this.signer.sign(m));
  }

  /** Continues after `seq` with Lamport times after `lamport` (after a restart). */
  resume(seq: bigint, lamport: bigint): void {
    this.seq = seq;
    this.lamport = lamport;
  }

  /**
   * The next envelope, after `applied` (the highest Lamport time applied) and stamped with
   * `frontier`; throws EnvelopeError (and takes no seq) when the fields cannot be encoded.
   */
  create(market: string, owner: string, body: Body, applied: bigint, frontier: VectorClock): Draft {
    const lamport = this.engine.lamportTick(this.lamport > applied ? this.lamport : applied);
    const fields: EnvelopeFields = {
      market,
      origin: this.key,
      seq: this.seq + 1n,
      lamport,
      time: BigInt(this.clock.now()),
      owner,
      clock: frontier,
      body,
    };
    const unsigned = encodeUnsigned(fields);
    this.seq = fields.seq;
    this.lamport = lamport;
    return { fields, unsigned, id: sha256(unsigned), proof: null };
  }

  /** The signed wire bytes of each draft: one signature per MAX_BATCH envelopes. */
  sign(drafts: Draft[]): Uint8Array[] {
    const out: Uint8Array[] = new Array(drafts.length);
    for (let from = 0; from < drafts.length; from += MAX_BATCH) {
      const part = drafts.slice(from, from + MAX_BATCH);
      const tree = batchTree(part.map((d) => d.id));
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
}
