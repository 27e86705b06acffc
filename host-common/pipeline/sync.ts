// Sync: how a node gets the envelopes gossip did not bring it — when it starts (a late joiner,
// a restart after a crash), after a partition heals, or when a message was lost. Over the
// transport's request/response port (wire/sync.ts):
//
//   pull(peer): ask the peer's status (its delivered frontier and state hash); for every origin
//   where the peer is ahead, ask ranges of consecutive seqs, page by page. Pages of all the
//   origins are merged and handed to the pipeline in the total order, a horizon at a time (the
//   lowest Lamport time any origin still to be paged has reached), so applying them rarely
//   rolls anything back. Every envelope is checked as gossip is (signature per batch, origin,
//   seqs); a peer that sends anything else ends the pull. Once this node has delivered exactly
//   the peer's frontier, the two state hashes must be equal: a difference is logged as an error
//   and counted (it would mean the books diverged).
//
// Anti-entropy: every verified heartbeat (a member's delivered frontier) is compared with what
// this node has delivered. A heartbeat that is still ahead after `graceMs` (gossip may simply
// be in flight) makes tick() pull from its sender; so does an envelope held back after a gap
// that is still open after `graceMs`, from its origin. Nothing here keeps a timer: the node calls
// tick() periodically, the simulation at virtual times.

import { peerIdOf } from '../identity/identity.ts';
import { clockNodeOf } from '../pipeline/orderer.ts';
import type { Transport } from '../net/transport.ts';
import type { Logger } from '../ports.ts';
import type { NodeState } from '../state/node-state.ts';
import { decodeEnvelope, type Envelope, hex } from '../wire/envelope.ts';
import type { Heartbeat } from '../wire/heartbeat.ts';
import {
  decodeRange,
  decodeRequest,
  decodeStatus,
  encodeRange,
  encodeRangeRequest,
  encodeStatus,
  encodeStatusRequest,
  type Status,
} from '../wire/sync.ts';
import type { Pipeline } from './pipeline.ts';

export const SYNC_PROTOCOL = '/meshbook/sync/1.0.0';

export interface SyncOptions {
  transport: Transport;
  pipeline: Pipeline;
  state: NodeState;
  logger: Logger;
  now?: () => number;
  /** How long a heartbeat may announce more than this node delivered before it pulls. Default 1000 ms. */
  graceMs?: number;
}

export interface SyncStats {
  /** Pulls finished, and how many of them failed (peer unreachable, refused, or sent bad data). */
  pulls: number;
  pullFailures: number;
  /** Envelopes received by sync and taken. */
  pulled: number;
  /** Requests answered. */
  served: number;
  /** Pulls that ended at the peer's frontier, so the state hashes were compared; and how many differed. */
  hashChecks: number;
  hashMismatches: number;
}

export interface PullResult {
  /** Envelopes taken. */
  pulled: number;
  /** Whether this node ended at exactly the peer's frontier (then `hashEqual` says whether the books agree). */
  sameFrontier: boolean;
  hashEqual: boolean | null;
}

class SyncPeerError extends Error {
  constructor(peer: string, message: string) {
    super(`sync with ${peer}: ${message}`);
    this.name = 'SyncPeerError';
  }
}

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

interface Claim {
  since: number;
  /** origin hex, or "node:<16 hex>" for an origin known only by its clock node → seq announced. */
  want: Map<string, bigint>;
}

export class Sync {
  readonly stats: SyncStats = { pulls: 0, pullFailures: 0, pulled: 0, served: 0, hashChecks: 0, hashMismatches: 0 };
  private readonly o: SyncOptions;
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly claims = new Map<string, Claim>();
  private running: Promise<unknown> | null = null;

  constructor(options: SyncOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.graceMs = options.graceMs ?? 1000;
  }

  /** Answers peers' sync requests; call before the transport starts. */
  serve(): void {
    this.o.transport.handle(SYNC_PROTOCOL, async (data) => {
      const req = decodeRequest(data);
      this.stats.served++;
      if (req.kind === 'status') return encodeStatus(this.status());
      return encodeRange(await this.o.pipeline.store.range(hex(req.origin), req.from, req.to));
    });
  }

  /** What this node has delivered, and the state hash of it. */
  status(): Status {
    this.o.pipeline.applyDelivered([], true); // the hash of what the frontier shows
    const frontier: Status['frontier'] = [];
    for (const [origin, seq] of this.o.pipeline.orderer.entries()) if (seq > 0n) frontier.push([fromHex(origin), seq]);
    return { stateHash: this.o.state.stateHash(), events: BigInt(this.o.state.eventCount), frontier };
  }

  /** A verified heartbeat from `from`: remembered if it announces envelopes this node has not delivered. */
  heard(h: Heartbeat, from: string): void {
    const orderer = this.o.pipeline.orderer;
    const byNode = new Map<bigint, string>();
    for (const [origin] of orderer.entries()) byNode.set(BigInt(`0x${origin.slice(0, 16)}`), origin);
    const want = new Map<string, bigint>();
    const origin = hex(h.origin);
    if (h.ownSeq > orderer.delivered(origin)) want.set(origin, h.ownSeq);
    const selfNode = clockNodeOf(h.origin);
    for (const [node, seq] of h.frontier) {
      if (node === selfNode) continue;
      const known = byNode.get(node);
      if (known === undefined) want.set(`node:${node.toString(16).padStart(16, '0')}`, seq);
      else if (seq > orderer.delivered(known)) want.set(known, seq);
    }
    const claim = this.claims.get(from);
    if (want.size === 0) {
      if (claim && this.met(claim)) this.claims.delete(from);
      return;
    }
    // keep an older claim that is still unmet: its grace runs from when it was first heard
    if (claim && !this.met(claim)) return;
    this.claims.set(from, { since: this.now(), want });
  }

  /**
   * A received envelope held back after a gap: if the gap is still open after the grace time
   * (gossip reorders too), its origin is asked for what lies before it. Heartbeats would tell
   * too, but a busy origin sends few (its envelopes carry its reports).
   */
  gap(origin: Uint8Array, seq: bigint): void {
    const peer = peerIdOf(origin);
    const claim = this.claims.get(peer);
    if (claim && !this.met(claim)) return; // its grace runs from when it was first heard
    this.claims.set(peer, { since: this.now(), want: new Map([[hex(origin), seq - 1n]]) });
  }

  private met(claim: Claim): boolean {
    const orderer = this.o.pipeline.orderer;
    for (const [key, seq] of claim.want) {
      if (key.startsWith('node:')) {
        const prefix = key.slice(5);
        let found = false;
        for (const [origin, delivered] of orderer.entries()) {
          if (origin.startsWith(prefix) && delivered >= seq) found = true;
        }
        if (!found) return false;
      } else if (orderer.delivered(key) < seq) return false;
    }
    return true;
  }

  /** Pulls from the sender of a heartbeat that has stayed ahead for the grace time; one pull at a time. */
  tick(): void {
    if (this.running) return;
    const now = this.now();
    for (const [peer, claim] of this.claims) {
      if (this.met(claim)) {
        this.claims.delete(peer);
        continue;
      }
      if (now - claim.since < this.graceMs) continue;
      this.claims.delete(peer);
      this.running = this.pull(peer)
        .catch(() => {})
        .finally(() => {
          this.running = null;
        });
      return;
    }
  }

  /** Whether a pull is under way. */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Catches up from the peers subscribed to `topics` (a start): waits up to `waitMs` for one
   * to be there, then pulls from each in turn. True once a pull succeeded; false when no peer
   * answered (a node alone, or its peers are down: it starts from what it has).
   */
  async catchUp(topics: readonly string[], waitMs: number): Promise<boolean> {
    const deadline = this.now() + waitMs;
    const peers = () => [...new Set(topics.flatMap((t) => this.o.transport.subscribers(t)))];
    let list = peers();
    while (list.length === 0 && this.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      list = peers();
    }
    let ok = false;
    for (const peer of list) {
      try {
        await this.pull(peer);
        ok = true;
      } catch {
        // logged by pull(); the next peer may answer
      }
    }
    return ok;
  }

  /** Pulls from `peer` everything it has delivered and this node has not (see the top of the file). */
  async pull(peer: string): Promise<PullResult> {
    const { transport, pipeline, logger } = this.o;
    const started = this.now();
    try {
      const status = decodeStatus(await transport.request(peer, SYNC_PROTOCOL, encodeStatusRequest()));
      const pulled = await this.pullRanges(peer, status);
      await pipeline.idle();
      const result = this.compare(status, pulled);
      this.stats.pulls++;
      this.stats.pulled += pulled;
      if (result.sameFrontier) {
        this.stats.hashChecks++;
        if (!result.hashEqual) {
          this.stats.hashMismatches++;
          logger.error('sync: the same events give another state hash here than on the peer', {
            peer,
            here: this.o.state.stateHash().toString(16),
            there: status.stateHash.toString(16),
            events: this.o.state.eventCount,
          });
        }
      }
      if (pulled > 0) logger.info('sync: pulled', { peer, envelopes: pulled, ms: Math.round(this.now() - started) });
      return result;
    } catch (err) {
      this.stats.pulls++;
      this.stats.pullFailures++;
      logger.warn('sync: pull failed', { peer, error: (err as Error).message });
      throw err;
    }
  }

  private compare(status: Status, pulled: number): PullResult {
    const orderer = this.o.pipeline.orderer;
    let sameFrontier = true;
    let count = 0;
    for (const [origin, seq] of status.frontier) {
      if (orderer.delivered(hex(origin)) !== seq) sameFrontier = false;
    }
    for (const [, seq] of orderer.entries()) if (seq > 0n) count++;
    if (count !== status.frontier.length) sameFrontier = false;
    const hashEqual = sameFrontier ? this.o.state.stateHash() === status.stateHash : null;
    return { pulled, sameFrontier, hashEqual };
  }

  private async pullRanges(peer: string, status: Status): Promise<number> {
    const { transport, pipeline } = this.o;
    const orderer = pipeline.orderer;
    interface Source {
      key: Uint8Array;
      origin: string;
      target: bigint;
      /** The next seq to ask for. */
      next: bigint;
      buffer: Envelope[];
      /** The peer has no more to give (its page came back short of the target, or empty). */
      exhausted: boolean;
    }
    const sources: Source[] = [];
    for (const [key, target] of status.frontier) {
      const origin = hex(key);
      if (target > orderer.delivered(origin))
        sources.push({ key, origin, target, next: 0n, buffer: [], exhausted: false });
    }
    let taken = 0;
    for (;;) {
      for (const s of sources) {
        if (s.buffer.length > 0 || s.exhausted) continue;
        const from = orderer.delivered(s.origin) + 1n > s.next ? orderer.delivered(s.origin) + 1n : s.next;
        if (from > s.target) {
          s.exhausted = true;
          continue;
        }
        const page = decodeRange(
          await transport.request(peer, SYNC_PROTOCOL, encodeRangeRequest({ origin: s.key, from, to: s.target })),
        );
        if (page.length === 0) {
          s.exhausted = true;
          continue;
        }
        let seq = from;
        for (const bytes of page) {
          const e = decodeEnvelope(bytes);
          if (hex(e.origin) !== s.origin || e.seq !== seq)
            throw new SyncPeerError(peer, `asked ${s.origin.slice(0, 16)}… from seq ${from}, got another envelope`);
          s.buffer.push(e);
          seq++;
        }
        s.next = seq;
        if (seq > s.target) s.exhausted = true;
      }
      const open = sources.filter((s) => s.buffer.length > 0);
      if (open.length === 0) return taken;
      // what is safe to apply now: up to the lowest Lamport time an origin still to be paged has reached
      let horizon: bigint | null = null;
      for (const s of open) {
        if (s.exhausted) continue;
        const last = s.buffer[s.buffer.length - 1].lamport;
        if (horizon === null || last < horizon) horizon = last;
      }
      const batch: Envelope[] = [];
      for (const s of open) {
        let n = 0;
        while (n < s.buffer.length && (horizon === null || s.buffer[n].lamport <= horizon)) n++;
        batch.push(...s.buffer.splice(0, n));
      }
      batch.sort((a, b) => (a.lamport < b.lamport ? -1 : a.lamport > b.lamport ? 1 : 0));
      const verdict = await pipeline.ingest(batch);
      if (verdict === 'reject') throw new SyncPeerError(peer, 'sent envelopes that do not verify');
      taken += batch.length;
    }
  }
}
