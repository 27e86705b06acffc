// Repairing a damaged log: keep every record up to the first damage, drop the rest. The
// node refuses to start on damage it cannot tell from a torn write (wal-format.ts), because
// cutting there may drop records it acknowledged; this is the explicit, reported choice to
// do so anyway, after the caller has copied the data dir aside (tools/repair.ts).
//
// Damage is the first of: a segment that does not start where the previous one ended, a
// record that does not decode (magic, length, checksum), a sequence number out of order,
// or a payload that is not an envelope. Everything from there on goes — the rest of that
// segment and every later segment — and so does every snapshot of a state past the kept
// records, since a snapshot ahead of its log cannot be continued.

import type { FileSystem } from '../ports.ts';
import { decodeEnvelope } from '../wire/envelope.ts';
import { snapshotName, SnapshotStore } from './snapshots.ts';
import { decodeRecord, parseSegmentName } from './wal-format.ts';

export interface Damage {
  /** Path of the segment, relative to the data dir. */
  file: string;
  offset: number;
  reason: string;
}

export interface Dropped {
  file: string;
  /** Where the cut starts in that file (0: the whole file). */
  fromOffset: number;
  bytes: number;
  /** Intact records found in the dropped bytes (what the damage hid from the node). */
  records: number;
}

export interface RepairReport {
  damage: Damage | null;
  /** Records kept: firstSeq..lastSeq (none when lastSeq < firstSeq). */
  firstSeq: number;
  lastSeq: number;
  dropped: Dropped[];
  /** Snapshot files removed because they describe a state past the kept records. */
  droppedSnapshots: string[];
}

/** Intact records in bytes[from..], found by trying every offset where a record could start. */
function intactRecordsIn(bytes: Uint8Array, from: number): number {
  let n = 0;
  let p = from;
  while (p < bytes.length) {
    const rec = decodeRecord(bytes, p);
    if (rec.ok) {
      n++;
      p = rec.end;
    } else p++;
  }
  return n;
}

function envelopeProblem(payload: Uint8Array): string | null {
  try {
    decodeEnvelope(payload);
    return null;
  } catch (err) {
    return `the record is not a valid envelope: ${(err as Error).message}`;
  }
}

/** Finds the first damage in the log of `dataDir`; with `apply`, cuts the log there and drops what follows. */
export async function repairLog(fs: FileSystem, dataDir: string, apply: boolean): Promise<RepairReport> {
  const walDir = `${dataDir}/wal`;
  const segments = (await fs.list(walDir))
    .map((name) => ({ name, firstSeq: parseSegmentName(name) }))
    .filter((s): s is { name: string; firstSeq: number } => s.firstSeq !== null)
    .sort((a, b) => a.firstSeq - b.firstSeq);
  const firstSeq = segments[0]?.firstSeq ?? 1;
  let expected = firstSeq;
  let damage: Damage | null = null;
  const dropped: Dropped[] = [];

  for (const seg of segments) {
    const file = `wal/${seg.name}`;
    const bytes = (await fs.readFile(`${walDir}/${seg.name}`)) ?? new Uint8Array(0);
    if (damage) {
      dropped.push({ file, fromOffset: 0, bytes: bytes.length, records: intactRecordsIn(bytes, 0) });
      continue;
    }
    if (seg.firstSeq !== expected) {
      damage = { file, offset: 0, reason: `segment starts at seq ${seg.firstSeq} where ${expected} was expected` };
      dropped.push({ file, fromOffset: 0, bytes: bytes.length, records: intactRecordsIn(bytes, 0) });
      continue;
    }
    let offset = 0;
    while (offset < bytes.length) {
      const rec = decodeRecord(bytes, offset);
      let reason = rec.ok ? null : rec.reason;
      if (rec.ok && rec.seq !== expected) reason = `sequence number ${rec.seq} where ${expected} was expected`;
      if (rec.ok && reason === null) reason = envelopeProblem(bytes.subarray(rec.payloadStart, rec.end));
      if (reason !== null) {
        damage = { file, offset, reason };
        dropped.push({
          file,
          fromOffset: offset,
          bytes: bytes.length - offset,
          records: intactRecordsIn(bytes, offset),
        });
        break;
      }
      offset = rec.ok ? rec.end : offset;
      expected++;
    }
  }
  const lastSeq = expected - 1;

  const snapshots = await SnapshotStore.open({ fs, dir: `${dataDir}/snapshots` });
  const droppedSnapshots = (await snapshots.list())
    .filter((seq) => seq > lastSeq)
    .map((seq) => `snapshots/${snapshotName(seq)}`);

  if (apply) {
    for (const d of dropped) {
      const path = `${dataDir}/${d.file}`;
      // the first segment stays (empty) so the log still says where it starts
      if (d.fromOffset === 0 && d.file !== `wal/${segments[0].name}`) await fs.remove(path);
      else await fs.truncate(path, d.fromOffset);
    }
    for (const s of droppedSnapshots) await fs.remove(`${dataDir}/${s}`);
    await fs.syncDir(walDir);
    await fs.syncDir(`${dataDir}/snapshots`);
  }
  return { damage, firstSeq, lastSeq, dropped, droppedSnapshots };
}
