// The sync store: what a node serves to peers that lack envelopes. Recent envelopes are in
// memory; older ones are read back from the log (real files, several segments), and a page
// is the same either way. A restart rebuilds it from the log.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { createSigner } from '../identity/signer.ts';
import { EnvelopeStore } from '../pipeline/envelope-store.ts';
import { Origin } from '../pipeline/origin.ts';
import { Wal } from '../store/wal.ts';
import { hex, KIND_TIME, TIME_OWNER } from '../wire/envelope.ts';
import { keyPairOf, removeDir, tempDir } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-store-');
});
afterEach(async () => {
  await removeDir(dir);
});

/** `n` envelopes of one origin (time events), one signed batch of 10 at a time, logged (WAL seq = their seq); the store holds `cacheBytes` of them in memory. */
async function logged(n: number, cacheBytes: number) {
  const wal = await Wal.open({ fs: nodeFileSystem, dir, segmentBytes: 4096 });
  const { key, seed } = keyPairOf('store origin');
  const origin = new Origin({ key, engine: Engine.create(readWasm('release')), signer: createSigner(seed) });
  const store = new EnvelopeStore(wal, cacheBytes);
  const all: Uint8Array[] = [];
  for (let k = 0; k < n; k += 10) {
    // time events: the store does not look inside
    const drafts = Array.from({ length: 10 }, () => origin.create('BTC-USD', TIME_OWNER, { kind: KIND_TIME }, 0n, []));
    const payloads = origin.sign(drafts);
    const first = await wal.appendAll(payloads);
    payloads.forEach((bytes, j) => {
      store.add(hex(key), BigInt(k + j + 1), bytes, first + j);
      all.push(bytes);
    });
  }
  return { wal, store, all, origin: hex(key) };
}

/** Every envelope of `origin` from seq 1, page by page, as a peer pulls them. */
async function pullAll(store: EnvelopeStore, origin: string, upTo: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (;;) {
    const page = await store.range(origin, BigInt(out.length + 1), BigInt(upTo));
    if (page.length === 0) return out;
    out.push(...page);
  }
}

describe('envelope store', () => {
  it('keeps recent envelopes in memory and reads older ones from the log, across segments: the same bytes', async () => {
    const { wal, store, all, origin } = await logged(300, 3000);
    expect(store.size).toBe(300);
    expect(store.bytes).toBeLessThanOrEqual(3000);
    expect(store.recent(origin, 1n)).toBeUndefined(); // long evicted
    expect(store.recent(origin, 300n)).toEqual(all[299]);
    expect((await wal.read([1])).get(1)).toEqual(all[0]);
    const pulled = await pullAll(store, origin, 300);
    expect(pulled.length).toBe(300);
    expect(pulled.map((b) => hex(b))).toEqual(all.map((b) => hex(b)));
    // a range from the middle, and one past what is held
    expect((await store.range(origin, 150n, 152n)).map((b) => hex(b))).toEqual(all.slice(149, 152).map((b) => hex(b)));
    expect(await store.range(origin, 301n, 400n)).toEqual([]);
    await wal.close();
  });

  it('is rebuilt from the log after a restart', async () => {
    const { wal, all, origin } = await logged(120, 1_000_000);
    await wal.close();
    const reopened = await Wal.open({ fs: nodeFileSystem, dir, segmentBytes: 4096 });
    const store = new EnvelopeStore(reopened, 2000);
    const seen: bigint[] = [];
    await store.load(reopened, (_bytes, _origin, seq) => seen.push(seq));
    expect(seen.length).toBe(120);
    expect(store.size).toBe(120);
    const pulled = await pullAll(store, origin, 120);
    expect(pulled.map((b) => hex(b))).toEqual(all.map((b) => hex(b)));
    await reopened.close();
  });
});
