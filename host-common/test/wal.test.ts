// The write-ahead log on real files: durability of append(), group commit, torn-tail
// recovery, refusal on corruption, rotation, replay and truncation.

import * as fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../fs-node.ts';
import { crc32c } from '../store/crc32c.ts';
import { HEADER_BYTES, segmentName } from '../store/wal-format.ts';
import { Wal, WalCorruptError } from '../store/wal.ts';
import { bytes, collect, flipByte, instrumentedFs, memoryLogger, removeDir, tempDir, text } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-wal-');
});
afterEach(async () => {
  await removeDir(dir);
});

const firstSegment = () => `${dir}/${segmentName(1)}`;

async function writeRecords(payloads: string[], options: Partial<Parameters<typeof Wal.open>[0]> = {}): Promise<void> {
  const wal = await Wal.open({ fs: nodeFileSystem, dir, ...options });
  for (const p of payloads) await wal.append(bytes(p));
  await wal.close();
}

async function replayAll(wal: Wal, after = 0): Promise<string[]> {
  return (await collect(wal.replay(after))).map((r) => `${r.seq}:${text(r.payload)}`);
}

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe('wal basics', () => {
  it('assigns consecutive seqs and replays them after reopening', async () => {
    const wal = await Wal.open({ fs: nodeFileSystem, dir });
    expect(wal.firstSeq).toBe(1);
    expect(wal.lastSeq).toBe(0);
    expect(await wal.append(bytes('a'))).toBe(1);
    expect(await wal.append(bytes('bb'))).toBe(2);
    expect(await wal.append(new Uint8Array(0))).toBe(3);
    await wal.close();

    const again = await Wal.open({ fs: nodeFileSystem, dir });
    expect(again.lastSeq).toBe(3);
    expect(await replayAll(again)).toEqual(['1:a', '2:bb', '3:']);
    expect(await replayAll(again, 2)).toEqual(['3:']);
    expect(await again.append(bytes('d'))).toBe(4);
    await again.close();
  });

  it('copies the payload, so a reused buffer does not change what was logged', async () => {
    const wal = await Wal.open({ fs: nodeFileSystem, dir });
    const buf = bytes('first');
    const pending = wal.append(buf);
    buf.set(bytes('XXXXX'));
    await pending;
    expect(await replayAll(wal)).toEqual(['1:first']);
    await wal.close();
  });

  it('rejects oversized payloads and appends after close', async () => {
    const wal = await Wal.open({ fs: nodeFileSystem, dir, maxRecordBytes: 16 });
    await expect(wal.append(new Uint8Array(17))).rejects.toThrow(/17 bytes exceeds 16/);
    expect(await wal.append(new Uint8Array(16))).toBe(1);
    await wal.close();
    await expect(wal.append(bytes('x'))).rejects.toThrow(/closed/);
  });

  it('close() waits for queued appends to be durable', async () => {
    const wal = await Wal.open({ fs: nodeFileSystem, dir });
    const seqs = Promise.all([1, 2, 3].map((i) => wal.append(bytes(`r${i}`))));
    await wal.close();
    expect(await seqs).toEqual([1, 2, 3]);
    const again = await Wal.open({ fs: nodeFileSystem, dir });
    expect(await replayAll(again)).toEqual(['1:r1', '2:r2', '3:r3']);
    await again.close();
  });
});

describe('wal durability and group commit', () => {
  it('append() resolves only after its fsync has completed', async () => {
    const ifs = instrumentedFs();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    ifs.onSync = async (real) => {
      await gate;
      await real();
    };
    const wal = await Wal.open({ fs: ifs, dir });
    let resolved = false;
    const p = wal.append(bytes('x')).then((seq) => {
      resolved = true;
      return seq;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(ifs.written).toBeGreaterThan(0); // written, not yet synced
    expect(resolved).toBe(false);
    release();
    expect(await p).toBe(1);
    expect(ifs.syncs).toBe(1);
    await wal.close();
  });

  it('1000 concurrent appends share a handful of fsyncs', async () => {
    const ifs = instrumentedFs();
    const wal = await Wal.open({ fs: ifs, dir });
    const seqs = await Promise.all(Array.from({ length: 1000 }, (_, i) => wal.append(bytes(`order-${i}`))));
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(ifs.syncs).toBeGreaterThanOrEqual(1);
    expect(ifs.syncs).toBeLessThanOrEqual(5);
    expect(wal.stats).toMatchObject({ appends: 1000, syncs: ifs.syncs });
    console.log(`group commit, one burst: 1000 appends -> ${ifs.syncs} fsyncs`);
    await wal.close();
    const again = await Wal.open({ fs: nodeFileSystem, dir });
    const records = await collect(again.replay());
    expect(records.length).toBe(1000);
    expect(text(records[999].payload)).toBe('order-999');
    await again.close();
  });

  it('appends arriving while an fsync is in flight ride on the next one, and none resolves early', async () => {
    const ifs = instrumentedFs();
    // A slow disk: every fsync takes ~4 ms.
    ifs.onSync = async (real) => {
      await new Promise((r) => setTimeout(r, 4));
      await real();
    };
    const wal = await Wal.open({ fs: ifs, dir });
    const frame = HEADER_BYTES + bytes('order-0000').length;
    const early: number[] = [];
    const all: Promise<number>[] = [];
    for (let i = 0; i < 1000; i++) {
      const p = wal.append(bytes(`order-${String(i).padStart(4, '0')}`));
      // Durable means: every byte up to the end of this record was covered by a finished sync.
      all.push(
        p.then((seq) => {
          if (ifs.synced < seq * frame) early.push(seq);
          return seq;
        }),
      );
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1)); // a steady stream, ~100 ms long
    }
    const seqs = await Promise.all(all);
    expect(new Set(seqs).size).toBe(1000);
    expect(early).toEqual([]);
    expect(ifs.syncs).toBeLessThan(100);
    console.log(`group commit, staggered with a 4 ms fsync: 1000 appends -> ${ifs.syncs} fsyncs`);
    await wal.close();
  });

  it('appends made during an in-flight fsync share exactly one next fsync', async () => {
    const ifs = instrumentedFs();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inFlight!: () => void;
    const started = new Promise<void>((r) => (inFlight = r));
    ifs.onSync = async (real) => {
      if (ifs.syncs === 0) {
        inFlight();
        await gate; // hold the first fsync open
      }
      await real();
    };
    const wal = await Wal.open({ fs: ifs, dir });
    const first = wal.append(bytes('first'));
    await started;
    const rest = Array.from({ length: 50 }, (_, i) => wal.append(bytes(`during-${i}`)));
    await new Promise((r) => setTimeout(r, 10));
    expect(ifs.syncs).toBe(0);
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(ifs.syncs).toBe(2);
    await wal.close();
  });

  it('after a failed fsync, refuses further appends; reopening recovers what reached disk', async () => {
    const ifs = instrumentedFs();
    const wal = await Wal.open({ fs: ifs, dir });
    expect(await wal.append(bytes('ok'))).toBe(1);
    ifs.onSync = async () => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    };
    await expect(wal.append(bytes('lost?'))).rejects.toThrow(/reopen.*EIO/);
    ifs.onSync = null;
    await expect(wal.append(bytes('later'))).rejects.toThrow(/reopen/);
    await wal.close();
    const again = await Wal.open({ fs: nodeFileSystem, dir });
    expect((await replayAll(again))[0]).toBe('1:ok');
    await again.close();
  });
});

describe('wal crash recovery', () => {
  it('cuts a record torn in the middle and keeps the ones before it', async () => {
    await writeRecords(['alpha', 'beta', 'gamma-gamma']);
    const file = firstSegment();
    const size = (await fs.stat(file)).size;
    const lastStart = size - (HEADER_BYTES + 'gamma-gamma'.length);
    await fs.truncate(file, size - 5); // crash half-way through the last record

    const logger = memoryLogger();
    const wal = await Wal.open({ fs: nodeFileSystem, dir, logger });
    expect(wal.lastSeq).toBe(2);
    expect(await replayAll(wal)).toEqual(['1:alpha', '2:beta']);
    const warn = logger.entries.find((e) => e.level === 'warn');
    expect(warn?.message).toMatch(/torn tail/);
    expect(warn?.fields).toMatchObject({ file, offset: lastStart, bytesDropped: size - 5 - lastStart });
    expect((await fs.stat(file)).size).toBe(lastStart);

    // The log continues where the intact records end.
    expect(await wal.append(bytes('delta'))).toBe(3);
    await wal.close();
    const again = await Wal.open({ fs: nodeFileSystem, dir, logger: memoryLogger() });
    expect(await replayAll(again)).toEqual(['1:alpha', '2:beta', '3:delta']);
    await again.close();
  });

  it('cuts a last record whose checksum fails, and a few bytes of a header', async () => {
    await writeRecords(['one', 'two']);
    const file = firstSegment();
    const size = (await fs.stat(file)).size;
    await flipByte(file, size - 1); // last payload byte

    const logger = memoryLogger();
    const wal = await Wal.open({ fs: nodeFileSystem, dir, logger });
    expect(await replayAll(wal)).toEqual(['1:one']);
    expect(logger.entries.some((e) => e.level === 'warn' && e.fields?.reason === 'checksum mismatch')).toBe(true);
    await wal.close();

    await fs.appendFile(file, new Uint8Array([0x4d, 0x42, 0x57])); // a header cut after 3 bytes
    const logger2 = memoryLogger();
    const again = await Wal.open({ fs: nodeFileSystem, dir, logger: logger2 });
    expect(again.lastSeq).toBe(1);
    expect(logger2.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    await again.close();
  });

  it('refuses to open when a record in the middle is corrupt, naming file and offset', async () => {
    await writeRecords(['first', 'second', 'third']);
    const file = firstSegment();
    const secondStart = HEADER_BYTES + 'first'.length;
    await flipByte(file, secondStart + HEADER_BYTES + 2); // inside "second"
    const sizeBefore = (await fs.stat(file)).size;

    const err = await Wal.open({ fs: nodeFileSystem, dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).file).toBe(file);
    expect((err as WalCorruptError).offset).toBe(secondStart);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain(`byte offset ${secondStart}`);
    // Nothing was cut: the operator still has every byte to inspect.
    expect((await fs.stat(file)).size).toBe(sizeBefore);
  });

  it('refuses to open when a header in the middle is damaged (bad magic)', async () => {
    await writeRecords(['first', 'second', 'third']);
    const file = firstSegment();
    const secondStart = HEADER_BYTES + 'first'.length;
    await flipByte(file, secondStart); // magic of record 2: the scan cannot even find its length
    await expect(Wal.open({ fs: nodeFileSystem, dir })).rejects.toThrow(
      new RegExp(`${file}.*byte offset ${secondStart}.*intact record follows`),
    );
  });

  it('refuses to open when damage sits at the end of a segment that is not the last', async () => {
    await writeRecords(['aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc'], { segmentBytes: 50 });
    const names = (await fs.readdir(dir)).sort();
    expect(names.length).toBe(3);
    const file = `${dir}/${names[0]}`;
    await fs.truncate(file, 30); // looks exactly like a torn tail, but a newer segment exists
    await expect(Wal.open({ fs: nodeFileSystem, dir })).rejects.toThrow(/not the last one/);
  });

  it('refuses to open when a segment is missing from the middle', async () => {
    await writeRecords(['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)], { segmentBytes: 50 });
    await fs.rm(`${dir}/${segmentName(2)}`);
    await expect(Wal.open({ fs: nodeFileSystem, dir })).rejects.toThrow(
      new RegExp(`${segmentName(3)}.*starts at sequence 3, but the previous one ends at 1`),
    );
  });
});

describe('wal segments', () => {
  it('rotates at the size limit and replays across segments in order', async () => {
    const ifs = instrumentedFs();
    const wal = await Wal.open({ fs: ifs, dir, segmentBytes: 256 });
    for (let i = 1; i <= 50; i++) await wal.append(bytes(`record-${String(i).padStart(3, '0')}-payload-bytes`));
    const names = (await fs.readdir(dir)).sort();
    expect(names.length).toBeGreaterThan(5);
    expect(names[0]).toBe(segmentName(1));
    for (const n of names) expect((await fs.stat(`${dir}/${n}`)).size).toBeLessThanOrEqual(256);
    expect(wal.stats.segments).toBe(names.length);
    await wal.close();

    const again = await Wal.open({ fs: nodeFileSystem, dir, segmentBytes: 256 });
    expect(again.lastSeq).toBe(50);
    const all = await collect(again.replay());
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(text(all[49].payload)).toBe('record-050-payload-bytes');
    const tail = await collect(again.replay(23));
    expect(tail.map((r) => r.seq)).toEqual(Array.from({ length: 27 }, (_, i) => i + 24));
    expect(await collect(again.replay(50))).toEqual([]);
    await again.close();
  });

  it('truncateBefore deletes only segments wholly covered, never the active one', async () => {
    const wal = await Wal.open({ fs: nodeFileSystem, dir, segmentBytes: 256 });
    for (let i = 1; i <= 50; i++) await wal.append(bytes(`record-${String(i).padStart(3, '0')}-payload-bytes`));
    const before = (await fs.readdir(dir)).length;

    const removed = await wal.truncateBefore(30);
    expect(removed).toBeGreaterThan(0);
    expect((await fs.readdir(dir)).length).toBe(before - removed);
    expect(wal.firstSeq).toBeLessThanOrEqual(30);
    expect(wal.firstSeq).toBeGreaterThan(1);
    expect((await collect(wal.replay(29))).map((r) => r.seq)[0]).toBe(30);
    await expect(collect(wal.replay(0))).rejects.toThrow(/truncated away/);

    await wal.truncateBefore(1_000_000); // everything is covered: the active segment stays
    expect((await fs.readdir(dir)).length).toBe(1);
    expect(await wal.append(bytes('next'))).toBe(51);
    await wal.close();

    const again = await Wal.open({ fs: nodeFileSystem, dir });
    expect(again.lastSeq).toBe(51);
    expect((await collect(again.replay(again.firstSeq - 1))).at(-1)?.seq).toBe(51);
    await again.close();
  });
});
