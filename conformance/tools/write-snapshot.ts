// The writer side of the cross-runtime snapshot cases (../cases/cross-runtime.ts): run on any
// runtime, it prints as JSON the snapshots and results of a seeded stream on the reference
// and both builds, for another runtime to restore and check.
//
//   node|bun conformance/tools/write-snapshot.ts <seed>
//   deno run --allow-read conformance/tools/write-snapshot.ts <seed>
import process from 'node:process';
import { readWasm } from '../../core-as/src/wasm.ts';
import { makeSnapshotRecord } from '../cases/cross-runtime.ts';

const seed = Number(process.argv[2]);
if (!Number.isInteger(seed)) {
  console.error('usage: write-snapshot.ts <seed>');
  process.exit(2);
}
process.stdout.write(
  JSON.stringify(makeSnapshotRecord({ debug: readWasm('debug'), release: readWasm('release') }, seed)),
);
