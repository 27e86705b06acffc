// Restart: open the log (a torn tail is cut with a warning, damage anywhere else stops the
// start with WalCorruptError naming the file and offset), load the newest valid snapshot,
// restore it and replay the log records after it. Either the whole state comes back or
// the start fails: the node never serves a half-loaded book.
//
// The log holds envelopes in arrival order, any origin; the state is the delivered set in the
// total order. So the records after the snapshot go through an orderer seeded with the
// snapshot's frontier (seqs it already holds are duplicates; a gap holds the later ones back,
// and they are handed to the pipeline to wait there) and what it delivers is applied in the
// total order. A snapshot holds a prefix of the total order, up to its `last` envelope: if a
// record sorts before that (it arrived after the snapshot was taken, late), the state is
// rebuilt from the whole log instead, which still has every record when nothing was cut.
//
// A node with peers may have to roll back what it recovered: envelopes its peers sent before
// a crash arrive after the restart and sort among the last ones it applied. With
// `rollbackTail`, the newest envelopes are applied with a mark of the state every few hundred,
// and all go to the pipeline (`tail`), whose applier starts from them as if it had applied them.
// A snapshot that leaves fewer records after it (one written on shutdown, say) is passed over
// for an older one, or the whole log: a late envelope must not sort before the state restored.

import { Orderer, compareEnvelopes, compareToKey } from '../pipeline/orderer.ts';
import type { FileSystem, Logger } from '../ports.ts';
import type { NodeState, StateMark } from '../state/node-state.ts';
import { decodeEnvelope, type Envelope } from '../wire/envelope.ts';
import { SnapshotStore } from './snapshots.ts';
import { Wal } from './wal.ts';

export interface Recovered {
  wal: Wal;
  snapshots: SnapshotStore;
  /** The seq of the snapshot restored, or null when the state was built from the log alone. */
  snapshotSeq: number | null;
  replayed: number;
  millis: number;
  /** The orderer as the log leaves it: the delivered frontier, and envelopes held after a gap. */
  orderer: Orderer;
  /** The WAL seq of each held envelope (a checkpoint must not claim it). */
  held: Map<Envelope, number>;
  /**
   * With `rollbackTail`: the newest envelopes of the total order, applied with marks of the
   * state among them, so that one arriving after the restart that sorts among them can roll
   * back to its place (Applier's `resume`); null when there was nothing to apply.
   */
  tail: RecoveredTail | null;
}

export interface RecoveredTail {
  /** Marks of the state within the tail, oldest first: `at` envelopes of it applied (the first at 0, before it). */
  marks: { at: number; mark: StateMark }[];
  /** The tail, in the total order. */
  applied: Envelope[];
}

/** Envelopes of the tail between two of its marks, by default: a late one replays at most this many. */
const TAIL_MARK_EVERY = 512;

const REPLAY_BATCH = 1024;

export async function recover(options: {
  fs: FileSystem;
  dataDir: string;
  state: NodeState;
  logger: Logger;
  keepSnapshots?: number;
  /**
   * How many of the newest envelopes to apply with rollback enabled, with marks (`tail`):
   * a node with peers, whose recovered state may still be rolled back. 0 (the default): none.
   */
  rollbackTail?: number;
  /** Envelopes of the tail between two of its marks (TAIL_MARK_EVERY by default). */
  tailMarkEvery?: number;
}): Promise<Recovered> {
  const { fs, dataDir, state, logger } = options;
  const keep = options.rollbackTail ?? 0;
  const markEvery = Math.max(1, options.tailMarkEvery ?? TAIL_MARK_EVERY);
  const started = performance.now();
  const empty = state.checkpoint(); // the state before anything: where a rebuild from the whole log starts
  const wal = await Wal.open({ fs, dir: `${dataDir}/wal`, logger });
  try {
    const snapshots = await SnapshotStore.open({
      fs,
      dir: `${dataDir}/snapshots`,
      logger,
      keep: options.keepSnapshots ?? 2,
    });
    // with a tail, a snapshot must leave that many records after it: what arrives late may
    // sort among them, never before the snapshot (the log is kept whole while rollbacks happen)
    const snap = await snapshots.loadLatest({
      wal: { firstSeq: wal.firstSeq, lastSeq: wal.lastSeq },
      ...(keep > 0 && wal.firstSeq === 1 ? { atMost: wal.lastSeq - keep } : {}),
    });
    if (snap) {
      try {
        state.restore(snap.bytes);
      } catch (err) {
        throw new Error(`cannot restore snapshot ${snap.file}: ${(err as Error).message}`);
      }
    }
    // 1. stream the records after the snapshot, sorting a window at a time (the common case:
    //    a node alone, or arrivals only slightly out of order);
    // 2. else sort them all after the snapshot; 3. else rebuild from the whole log.
    const base = snap ? snap.bytes : empty;
    let from = snap?.seq ?? 0;
    let result = await replay(state, wal, from, dataDir, REPLAY_BATCH, keep, markEvery);
    if (result === null) {
      state.restore(base);
      result = await replay(state, wal, from, dataDir, Number.POSITIVE_INFINITY, keep, markEvery);
    }
    if (result === null) {
      if (wal.firstSeq > 1) {
        throw new Error(
          `cannot recover: write-ahead log records after snapshot ${snap?.file} sort before its end, and the log no longer holds the records before seq ${wal.firstSeq} to rebuild from`,
        );
      }
      logger.warn('recovery: records sort before the snapshot; rebuilding from the whole log', { file: snap?.file });
      state.restore(empty);
      from = 0;
      result = await replay(state, wal, 0, dataDir, Number.POSITIVE_INFINITY, keep, markEvery);
      if (result === null) throw new Error('cannot recover: the log does not sort into one order'); // cannot happen from empty
    }
    const { replayed, orderer, held, tail } = result;
    const millis = performance.now() - started;
    logger.info('recovery: done', {
      snapshotSeq: snap?.seq ?? null,
      replayed,
      held: held.size,
      lastSeq: wal.lastSeq,
      events: state.eventCount,
      ms: Math.round(millis),
    });
    return { wal, snapshots, snapshotSeq: from === 0 ? null : from, replayed, millis, orderer, held, tail };
  } catch (err) {
    await wal.close().catch(() => {});
    throw err;
  }
}

/**
 * Applies the records after `after` in the total order, on top of the state as it is: each
 * through the orderer, what it delivers sorted `window` at a time (everything at once when
 * Infinity). Null, having applied part, when a delivered envelope sorts before what is
 * already applied: the caller starts again from its base with a larger window. The last
 * `keep` envelopes are applied with rollback enabled and a mark every `markEvery`: the tail.
 */
async function replay(
  state: NodeState,
  wal: Wal,
  after: number,
  dataDir: string,
  window: number,
  keep: number,
  markEvery: number,
): Promise<{
  replayed: number;
  orderer: Orderer;
  held: Map<Envelope, number>;
  tail: RecoveredTail | null;
} | null> {
  const orderer = new Orderer(state.originSeqs);
  const held = new Map<Envelope, number>();
  let buffer: Envelope[] = [];
  let replayed = 0;
  const applySorted = (n: number): boolean => {
    buffer.sort(compareEnvelopes);
    if (state.last !== null && buffer.length > 0 && compareToKey(buffer[0], state.last) < 0) return false;
    for (let i = 0; i < n; i += REPLAY_BATCH) state.apply(buffer.slice(i, Math.min(n, i + REPLAY_BATCH)));
    replayed += n;
    buffer = buffer.slice(n);
    return true;
  };
  for await (const record of wal.replay(after)) {
    let env: Envelope;
    try {
      env = decodeEnvelope(record.payload);
    } catch (err) {
      throw new Error(
        `write-ahead log record ${record.seq} in ${dataDir}/wal is not a valid envelope: ${(err as Error).message}`,
      );
    }
    const offer = orderer.offer(env);
    if (offer.status === 'held') held.set(env, record.seq);
    if (offer.status !== 'delivered') continue;
    for (const e of offer.envelopes) {
      held.delete(e);
      buffer.push(e);
    }
    if (buffer.length >= 2 * window + keep && !applySorted(window)) return null;
  }
  if (keep === 0 || buffer.length === 0)
    return applySorted(buffer.length) ? { replayed, orderer, held, tail: null } : null;
  if (!applySorted(Math.max(0, buffer.length - keep))) return null;
  const applied = buffer.slice(); // sorted by applySorted
  state.enableRollback();
  const marks: RecoveredTail['marks'] = [];
  for (let at = 0; at < applied.length; at += markEvery) {
    marks.push({ at, mark: state.mark() });
    for (let i = at; i < Math.min(applied.length, at + markEvery); i += REPLAY_BATCH)
      state.apply(applied.slice(i, Math.min(applied.length, at + markEvery, i + REPLAY_BATCH)));
  }
  replayed += applied.length;
  return { replayed, orderer, held, tail: { marks, applied } };
}
