// Writes a checkpoint of the node's state every N applied events, and a last one on
// shutdown, then drops the log segments every kept snapshot already covers — on a node alone.
// While a rollback may happen (envelopes of other origins arrive in any order), a record that
// arrives after a checkpoint may sort before its end, and a restart then rebuilds from the
// whole log: the log is kept whole until checkpoints cover only a final prefix (finality). The state is
// captured synchronously between two applied batches (so it matches the WAL seq it claims)
// and written in the background; a write in progress makes the next trigger wait.

import type { Logger } from '../ports.ts';
import { encodeCheckpointSliced } from '../state/checkpoint.ts';
import type { NodeState } from '../state/node-state.ts';
import type { SnapshotStore } from './snapshots.ts';
import type { Wal } from './wal.ts';

export interface CheckpointerOptions {
  state: () => NodeState;
  /** The WAL seq the state includes right now. */
  appliedSeq: () => number;
  wal: Wal;
  snapshots: SnapshotStore;
  every: number;
  logger: Logger;
  /** Whether covered log segments may be dropped now; always by default. */
  mayTruncate?: () => boolean;
}

export class Checkpointer {
  private readonly o: CheckpointerOptions;
  private lastEvents: number;
  private writing: Promise<void> | null = null;
  written = 0;
  lastFile: string | null = null;
  lastMillis = 0;

  constructor(options: CheckpointerOptions) {
    this.o = options;
    this.lastEvents = options.state().eventCount;
  }

  /** Call after each applied batch. */
  maybe(): void {
    if (this.writing || this.o.state().eventCount - this.lastEvents < this.o.every) return;
    this.writing = this.take().finally(() => {
      this.writing = null;
    });
  }

  /** Waits for a write in progress, then writes one more if anything changed (shutdown). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.o.state().eventCount !== this.lastEvents) await this.take();
  }

  private async take(): Promise<void> {
    const started = performance.now();
    const state = this.o.state();
    const seq = this.o.appliedSeq();
    const events = state.eventCount;
    let bytes: Uint8Array;
    let captureMs = 0;
    try {
      const data = state.beginCheckpoint();
      captureMs = performance.now() - started; // the node's pause: the encoding runs in slices
      try {
        bytes = await encodeCheckpointSliced(data, () => new Promise((resolve) => setImmediate(resolve)));
      } finally {
        state.endCheckpoint();
      }
    } catch (err) {
      this.o.logger.error('snapshot: capturing the state failed', { error: (err as Error).message });
      return;
    }
    this.lastEvents = events;
    try {
      this.lastFile = await this.o.snapshots.write(seq, bytes);
      this.written++;
      const oldest = await this.o.snapshots.oldestSeq();
      const truncate = this.o.mayTruncate?.() ?? true;
      const dropped = oldest === null || !truncate ? 0 : await this.o.wal.truncateBefore(oldest + 1);
      this.lastMillis = performance.now() - started;
      this.o.logger.info('snapshot: written', {
        file: this.lastFile,
        seq,
        events,
        bytes: bytes.length,
        walSegmentsDropped: dropped,
        captureMs: Math.round(captureMs),
        ms: Math.round(this.lastMillis),
      });
    } catch (err) {
      // Not fatal: the log still holds everything; the next trigger tries again.
      this.o.logger.error('snapshot: write failed', { seq, error: (err as Error).message });
    }
  }
}
