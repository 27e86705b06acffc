// Restart: open the log (a torn tail is cut with a warning, damage anywhere else stops the
// start with WalCorruptError naming the file and offset), load the newest valid snapshot,
// restore it and replay the log records after it. Either the whole state comes back or
// the start fails: the node never serves a half-loaded book.

import type { FileSystem, Logger } from '../ports.ts';
import { decodeEnvelope, type Envelope } from '../wire/envelope.ts';
import type { NodeState } from '../state/node-state.ts';
import { SnapshotStore } from './snapshots.ts';
import { Wal } from './wal.ts';

export interface Recovered {
  wal: Wal;
  snapshots: SnapshotStore;
  /** The seq of the snapshot restored, or null when the state was built from the log alone. */
  snapshotSeq: number | null;
  replayed: number;
  millis: number;
}

const REPLAY_BATCH = 1024;

export async function recover(options: {
  fs: FileSystem;
  dataDir: string;
  state: NodeState;
  logger: Logger;
  keepSnapshots?: number;
}): Promise<Recovered> {
  const { fs, dataDir, state, logger } = options;
  const started = performance.now();
  const wal = await Wal.open({ fs, dir: `${dataDir}/wal`, logger });
  try {
    const snapshots = await SnapshotStore.open({
      fs,
      dir: `${dataDir}/snapshots`,
      logger,
      keep: options.keepSnapshots ?? 2,
    });
    const snap = await snapshots.loadLatest({ wal: { firstSeq: wal.firstSeq, lastSeq: wal.lastSeq } });
    if (snap) {
      try {
        state.restore(snap.bytes);
      } catch (err) {
        throw new Error(`cannot restore snapshot ${snap.file}: ${(err as Error).message}`);
      }
    }
    let replayed = 0;
    let batch: Envelope[] = [];
    let lastSeq = snap?.seq ?? 0;
    for await (const record of wal.replay(snap?.seq ?? 0)) {
      try {
        batch.push(decodeEnvelope(record.payload));
      } catch (err) {
        throw new Error(
          `write-ahead log record ${record.seq} in ${dataDir}/wal is not a valid envelope: ${(err as Error).message}`,
        );
      }
      lastSeq = record.seq;
      if (batch.length >= REPLAY_BATCH) {
        state.apply(batch);
        replayed += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) {
      state.apply(batch);
      replayed += batch.length;
    }
    const millis = performance.now() - started;
    logger.info('recovery: done', {
      snapshotSeq: snap?.seq ?? null,
      replayed,
      lastSeq,
      events: state.eventCount,
      ms: Math.round(millis),
    });
    return { wal, snapshots, snapshotSeq: snap?.seq ?? null, replayed, millis };
  } catch (err) {
    await wal.close().catch(() => {});
    throw err;
  }
}
