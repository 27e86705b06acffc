// `npm run repair -- --data-dir DIR`: when a node refuses to start because its log is
// damaged, this copies the whole data dir aside, keeps every log record before the damage,
// drops the rest (and the snapshots past it), and says what it dropped, so the node starts
// again with what was valid. It holds the data dir's lock while it works, so it never runs
// beside a node on the same dir. Exit codes: 0 repaired or nothing to repair, 1 failed,
// 2 bad arguments. Runs on Node (the npm script brings Node 24).

import { cp } from 'node:fs/promises';
import process from 'node:process';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../data-dir-lock.ts';
import { nodeFileSystem as fs } from '../fs-node.ts';
import { nodeProcessPort } from '../process-node.ts';
import { type Damage, type RepairReport, repairLog } from '../store/repair.ts';

const USAGE = `Usage: npm run repair -- --data-dir <dir>

Cuts a damaged write-ahead log back to the records before the damage, so the node can
start again with them. The whole data dir is first copied to <dir>.before-repair-<time>;
what is dropped (file, byte offset, bytes, records) is listed.
env MESHBOOK_DATA_DIR, default ./data (the node's defaults).`;

function fail(code: number, message: string): never {
  process.stderr.write(`meshbook repair: ${message}\n`);
  process.exit(code);
}

function dataDirArg(argv: string[]): string {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let dir = process.env.MESHBOOK_DATA_DIR || './data';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data-dir' && argv[i + 1] !== undefined) dir = argv[++i];
    else if (a.startsWith('--data-dir=')) dir = a.slice('--data-dir='.length);
    else fail(2, `unexpected argument ${JSON.stringify(a)}; see --help`);
  }
  if (dir === '') fail(2, '--data-dir needs a directory');
  return dir.replace(/\/+$/, '') || '/';
}

function describe(dir: string, r: RepairReport & { damage: Damage }, copy: string): string[] {
  const d = r.damage;
  const lines = [
    `meshbook repair: ${dir}`,
    `  copied the data dir, as it was, to ${copy}`,
    `  damage: ${d.file} at byte offset ${d.offset}: ${d.reason}`,
    r.lastSeq >= r.firstSeq
      ? `  kept: records ${r.firstSeq}..${r.lastSeq} (${r.lastSeq - r.firstSeq + 1} records)`
      : '  kept: no records (the damage is at the start of the log)',
  ];
  for (const x of r.dropped) {
    const where = x.fromOffset === 0 ? 'the whole file' : `from byte offset ${x.fromOffset}`;
    lines.push(`  dropped: ${x.file} ${where}: ${x.bytes} bytes, ${x.records} intact records in them`);
  }
  for (const s of r.droppedSnapshots) lines.push(`  dropped: ${s} (a state past the kept records)`);
  lines.push(`The node can start again on ${dir}; what was dropped is still in ${copy}.`);
  return lines;
}

const dir = dataDirArg(process.argv.slice(2));
if ((await fs.readFile(`${dir}/markets`)) === null && (await fs.list(`${dir}/wal`)).length === 0)
  fail(1, `${dir} is not a meshbook data dir (no markets file, no wal/)`);

const proc = nodeProcessPort('node', process.versions.node);
let lock: Awaited<ReturnType<typeof lockDataDir>>;
try {
  lock = await lockDataDir(fs, proc, dir);
} catch (err) {
  if (err instanceof DataDirLockedError)
    fail(1, `${err.message.replace('give this one another --data-dir', 'repair it then')}`);
  throw err;
}
let exitCode = 0;
try {
  const found = await repairLog(fs, dir, false);
  if (!found.damage && found.droppedSnapshots.length === 0) {
    process.stdout.write(
      `meshbook repair: ${dir}: the log is intact (records ${found.firstSeq}..${found.lastSeq}); nothing to repair\n`,
    );
  } else {
    const copy = `${dir}.before-repair-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // the copy is a plain backup, not a data dir someone holds
    await cp(dir, copy, {
      recursive: true,
      errorOnExist: true,
      force: false,
      filter: (src) => !src.endsWith(`/${LOCK_FILE}`),
    });
    const done = await repairLog(fs, dir, true);
    const lines = done.damage
      ? describe(dir, { ...done, damage: done.damage }, copy)
      : [
          `meshbook repair: ${dir}`,
          `  copied the data dir, as it was, to ${copy}`,
          ...done.droppedSnapshots.map(
            (s) => `  dropped: ${s} (a state past the end of the log, records ${done.firstSeq}..${done.lastSeq})`,
          ),
        ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} catch (err) {
  process.stderr.write(`meshbook repair: ${(err as Error).message}\n`);
  exitCode = 1;
} finally {
  await lock.release();
}
process.exit(exitCode);
