// A runtime smoke test of the storage layer, runnable on all three runtimes:
//   npx node host-common/test/wal-smoke.ts
//   npx deno run -A host-common/test/wal-smoke.ts
//   npx bun host-common/test/wal-smoke.ts
// It exercises group commit, rotation, a torn tail and snapshots on real files and
// prints one JSON line; any failed check throws, so the exit code is non-zero.
// runtimes.test.ts runs it under Deno and Bun from vitest.

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import process from 'node:process';
import { nodeFileSystem } from '../fs-node.ts';
import type { AppendHandle, FileSystem } from '../ports.ts';
import { SnapshotStore } from '../store/snapshots.ts';
import { Wal } from '../store/wal.ts';

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`wal-smoke: ${what}`);
}

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const dir = await fs.mkdtemp(path.join(os.tmpdir(), `meshbook-smoke-${runtime}-`));
let syncs = 0;
const counting: FileSystem = {
  ...nodeFileSystem,
  async openAppend(p): Promise<AppendHandle> {
    const h = await nodeFileSystem.openAppend(p);
    return {
      write: (b) => h.write(b),
      sync: async () => {
        await h.sync();
        syncs++;
      },
      close: () => h.close(),
    };
  },
};

try {
  const walDir = `${dir}/wal`;
  const enc = new TextEncoder();
  const wal = await Wal.open({ fs: counting, dir: walDir, segmentBytes: 64 * 1024 });
  const N = 2000;
  const seqs = await Promise.all(
    Array.from({ length: N }, (_, i) => wal.append(enc.encode(`event-${i}-${'x'.repeat(100)}`))),
  );
  check(seqs[N - 1] === N && new Set(seqs).size === N, 'seqs are 1..N');
  const burstSyncs = syncs;
  check(burstSyncs < N / 10, `group commit: ${burstSyncs} fsyncs for ${N} appends`);
  // A steady stream: one append per macrotask, so real fsync latency sets the batch size.
  const before = syncs;
  const stream: Promise<number>[] = [];
  for (let i = 0; i < 500; i++) {
    stream.push(wal.append(enc.encode(`stream-${i}`)));
    await new Promise((r) => setTimeout(r, 0));
  }
  await Promise.all(stream);
  const streamSyncs = syncs - before;
  await wal.close();

  const segments = (await fs.readdir(walDir)).sort();
  check(segments.length > 1, 'rotation produced several segments');
  const last = `${walDir}/${segments[segments.length - 1]}`;
  await fs.truncate(last, (await fs.stat(last)).size - 3); // tear the last record

  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) };
  const again = await Wal.open({ fs: nodeFileSystem, dir: walDir, logger });
  check(again.lastSeq === N + 499 && warnings.length === 1, `torn tail cut to ${again.lastSeq} with one warning`);
  let count = 0;
  for await (const r of again.replay(0)) {
    check(r.seq === ++count, `replay order at ${r.seq}`);
  }
  check(count === N + 499, 'replay returns every intact record');

  const snaps = await SnapshotStore.open({ fs: nodeFileSystem, dir: `${dir}/snap`, keep: 2 });
  await snaps.write(100, enc.encode('state-100'));
  await snaps.write(200, enc.encode('state-200'));
  await again.truncateBefore((await snaps.oldestSeq())! + 1);
  const snap = await snaps.loadLatest({ wal: { firstSeq: again.firstSeq, lastSeq: again.lastSeq } });
  check(snap?.seq === 200, 'latest snapshot loads');
  await again.close();

  console.log(
    JSON.stringify({
      ok: true,
      runtime,
      appends: N,
      burstSyncs,
      streamAppends: 500,
      streamSyncs,
      segments: segments.length,
    }),
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
process.exitCode = 0;
