// Snapshot files on real disk: atomic write, retention, fallback past a damaged
// newest snapshot, and the checks that a snapshot and the WAL still join up.

import * as fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../fs-node.ts';
import { SnapshotStore } from '../store/snapshots.ts';
import { bytes, flipByte, memoryLogger, removeDir, tempDir, text } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-snap-');
});
afterEach(async () => {
  await removeDir(dir);
});

const fileOf = (seq: number) => `${dir}/snap-${String(seq).padStart(20, '0')}.snap`;

async function storeWith(seqs: number[], keep = 3) {
  const logger = memoryLogger();
  const store = await SnapshotStore.open({ fs: nodeFileSystem, dir, logger, keep });
  for (const s of seqs) await store.write(s, bytes(`state@${s}`));
  return { store, logger };
}

describe('snapshots', () => {
  it('writes atomically and loads the newest', async () => {
    const { store } = await storeWith([10, 20]);
    const snap = await store.loadLatest();
    expect(snap?.seq).toBe(20);
    expect(text(snap!.bytes)).toBe('state@20');
    expect(snap?.file).toBe(fileOf(20));
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('returns null when there is no snapshot and the WAL starts at 1', async () => {
    const { store } = await storeWith([]);
    expect(await store.loadLatest({ wal: { firstSeq: 1, lastSeq: 0 } })).toBeNull();
  });

  it('keeps only the newest K', async () => {
    const { store } = await storeWith([1, 2, 3, 4, 5], 2);
    expect(await store.list()).toEqual([4, 5]);
    expect(await store.oldestSeq()).toBe(4);
    expect((await fs.readdir(dir)).sort()).toEqual([fileOf(4), fileOf(5)].map((f) => f.slice(dir.length + 1)));
  });

  it('falls back to the previous valid snapshot when the newest is corrupt, with a warning', async () => {
    const { store, logger } = await storeWith([100, 200, 300]);
    await flipByte(fileOf(300), 30); // inside the payload
    const snap = await store.loadLatest({ wal: { firstSeq: 1, lastSeq: 350 } });
    expect(snap?.seq).toBe(200);
    expect(text(snap!.bytes)).toBe('state@200');
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings[0].fields).toMatchObject({ file: fileOf(300), reason: 'checksum mismatch' });
    expect(warnings.some((w) => /fell back/.test(w.message))).toBe(true);
  });

  it('falls back past a truncated snapshot and one whose name and contents disagree', async () => {
    const { store, logger } = await storeWith([100, 200, 300]);
    await fs.truncate(fileOf(300), 30);
    await fs.copyFile(fileOf(100), fileOf(250)); // a renamed copy: seq 100 inside
    const snap = await store.loadLatest();
    expect(snap?.seq).toBe(200);
    const reasons = logger.entries.filter((e) => e.level === 'warn' && e.fields?.reason).map((e) => e.fields!.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/length says/),
      expect.stringMatching(/name says seq 250, contents say 100/),
    ]);
  });

  it('errors when no valid snapshot is left and the WAL was truncated', async () => {
    const { store } = await storeWith([100, 200]);
    await flipByte(fileOf(100), 0);
    await flipByte(fileOf(200), 30);
    await expect(store.loadLatest({ wal: { firstSeq: 150, lastSeq: 300 } })).rejects.toThrow(
      /no valid snapshot, but the write-ahead log starts at seq 150, so records 1\.\.149 are lost; damaged: .*snap-0+100\.snap/,
    );
    // Without WAL truncation, replaying the whole log is still a full recovery.
    expect(await store.loadLatest({ wal: { firstSeq: 1, lastSeq: 300 } })).toBeNull();
  });

  it('errors when the only valid snapshot is older than the start of the WAL', async () => {
    const { store } = await storeWith([100, 200]);
    await flipByte(fileOf(200), 30);
    await expect(store.loadLatest({ wal: { firstSeq: 180, lastSeq: 300 } })).rejects.toThrow(
      /covers up to seq 100.*records 101\.\.179 are lost/,
    );
    expect((await store.loadLatest({ wal: { firstSeq: 101, lastSeq: 300 } }))?.seq).toBe(100);
  });

  it('errors when the snapshot is ahead of the WAL', async () => {
    const { store } = await storeWith([500]);
    await expect(store.loadLatest({ wal: { firstSeq: 1, lastSeq: 0 } })).rejects.toThrow(
      /covers up to seq 500.*ends at seq 0/,
    );
  });

  it('removes temp files left by a crash, and refuses a snapshot older than the newest', async () => {
    await fs.writeFile(`${dir}/snap-00000000000000000009.snap.123-1.tmp`, 'half');
    const { store } = await storeWith([10]);
    expect(await fs.readdir(dir)).toEqual([fileOf(10).slice(dir.length + 1)]);
    await expect(store.write(5, bytes('old'))).rejects.toThrow(/older than the newest/);
    await store.write(10, bytes('again')); // same seq: replaced atomically
    expect(text((await store.loadLatest())!.bytes)).toBe('again');
  });
});
