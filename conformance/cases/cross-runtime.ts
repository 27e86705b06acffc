// Cross-runtime snapshots: another runtime (in a child process) runs a seeded stream, writes
// the snapshot of each implementation and what the following stream produced; this runtime
// restores every one of those snapshots on every implementation and must find the same state
// hash and the same events on the following stream. Each runner does this for every runtime,
// itself included (a fresh process), so every writer/reader pair is covered.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Engine } from '../../core-as/src/engine.ts';
import { ReferenceBook } from '../../core-as/reference/book.ts';
import { generateCommands, MIXES } from '../../core-as/gen/commands.ts';
import type { Book } from '../../core-as/types.ts';
import { type Case, type CaseContext, RUNTIMES } from '../case.ts';
import { missing, ROOT, scriptCommand } from '../lib/runtimes.ts';
import { checkEqual, show } from './check.ts';

type Target = 'reference' | 'wasm-debug' | 'wasm-release';
const TARGETS: Target[] = ['reference', 'wasm-debug', 'wasm-release'];
const SETUP = 4000;
const FURTHER = 2000;
export const WRITER = 'conformance/tools/write-snapshot.ts';

export interface SnapshotRecord {
  seed: number;
  books: Record<Target, { snapshot: string; hash: string; events: string; after: string }>;
}

function make(wasm: CaseContext['wasm'], target: Target): Book {
  const options = { markets: MIXES.crossing.markets };
  if (target === 'reference') return new ReferenceBook(options);
  return Engine.create(target === 'wasm-debug' ? wasm.debug : wasm.release, options);
}

function digest(value: unknown): string {
  return createHash('sha256').update(show(value)).digest('hex');
}

function streams(seed: number) {
  const all = generateCommands(seed, SETUP + FURTHER, MIXES.crossing);
  return { setup: all.slice(0, SETUP), further: all.slice(SETUP) };
}

/** What a writer runtime records: per implementation, its snapshot and what followed. */
export function makeSnapshotRecord(wasm: CaseContext['wasm'], seed: number): SnapshotRecord {
  const { setup, further } = streams(seed);
  const books = {} as SnapshotRecord['books'];
  for (const target of TARGETS) {
    const book = make(wasm, target);
    book.execute(setup);
    const snapshot = Buffer.from(book.snapshot()).toString('base64');
    const hash = String(book.stateHash());
    const events = digest(book.execute(further));
    books[target] = { snapshot, hash, events, after: String(book.stateHash()) };
  }
  return { seed, books };
}

function readRecord(writer: (typeof RUNTIMES)[number], seed: number): SnapshotRecord {
  const [cmd, ...args] = scriptCommand(writer, WRITER, [String(seed)]);
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(
      `${writer} could not write its snapshots (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stderr}`,
    );
  return JSON.parse(r.stdout) as SnapshotRecord;
}

function restoreFrom(ctx: CaseContext, writer: (typeof RUNTIMES)[number]): void {
  const seed = ctx.seed + 99;
  const theirs = readRecord(writer, seed);
  const ours = makeSnapshotRecord(ctx.wasm, seed);
  const { further } = streams(seed);
  for (const from of TARGETS) {
    const bytes = new Uint8Array(Buffer.from(theirs.books[from].snapshot, 'base64'));
    for (const into of TARGETS) {
      const where = `${from} snapshot written on ${writer}, restored on ${ctx.runtime} ${into}`;
      const book = make(ctx.wasm, into);
      book.restore(bytes);
      checkEqual(String(book.stateHash()), theirs.books[from].hash, `${where}: state hash`);
      checkEqual(digest(book.execute(further)), theirs.books[from].events, `${where}: events of the further stream`);
      checkEqual(String(book.stateHash()), theirs.books[from].after, `${where}: state hash after the further stream`);
    }
  }
  // and both runtimes computed the very same snapshots, hashes and events
  checkEqual(theirs, ours, `record written on ${writer} against the one computed on ${ctx.runtime}`);
}

export const crossRuntimeCases: Case[] = RUNTIMES.map((writer) => ({
  name: `cross-runtime snapshots written on ${writer} restore here`,
  group: 'cross-runtime',
  skip: () => missing(writer),
  run: (ctx: CaseContext) => restoreFrom(ctx, writer),
}));
