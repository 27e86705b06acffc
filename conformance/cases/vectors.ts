// Vector cases: every committed JSON vector, played on every implementation — the reference
// matcher and both builds of the WASM core for book vectors, both builds for clock vectors.
// The expected events, depth and state hash are committed values, so a change in a runtime,
// the compiler or the reference that alters behaviour fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../core-as/src/engine.ts';
import { ReferenceBook } from '../../core-as/reference/book.ts';
import type { Book } from '../../core-as/types.ts';
import type { Case, CaseContext } from '../case.ts';
import { check, checkEqual, show } from './check.ts';
import { type BookVector, type ClockVector, type Vector, expectedClock, playBook, playClock } from '../lib/vector.ts';

type Target = 'reference' | 'wasm-debug' | 'wasm-release';

/** The vectors of a folder, sorted by name; a file's name must match the vector's. */
export function loadVectors(dir: string): Vector[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const v = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Vector;
    const stem = file.slice(0, -'.json'.length);
    if (v.name !== stem) throw new Error(`vector ${file}: name "${v.name}" does not match the file name`);
    if (v.kind !== 'book' && v.kind !== 'clock')
      throw new Error(`vector ${file}: unknown kind ${JSON.stringify((v as { kind: unknown }).kind)}`);
    return v;
  });
}

function engineFor(ctx: CaseContext, target: Target, options: { markets: number; maxOrders?: number }): Engine {
  return Engine.create(target === 'wasm-debug' ? ctx.wasm.debug : ctx.wasm.release, options);
}

function bookFor(ctx: CaseContext, target: Target, v: BookVector): Book {
  const options = { markets: v.markets, maxOrders: v.maxOrders };
  return target === 'reference' ? new ReferenceBook(options) : engineFor(ctx, target, options);
}

export function runBookVector(ctx: CaseContext, target: Target, v: BookVector): void {
  const book = bookFor(ctx, target, v);
  const got = playBook(book, v);
  const where = `vector ${v.name} on ${target}`;
  if (v.start) checkEqual(got.startHash, v.start.hash, `${where}: state hash after restoring the start snapshot`);
  v.steps.forEach((step, s) => {
    const have = got.steps[s];
    for (let i = 0; i < Math.max(have.length, step.events.length); i++) {
      if (show(have[i]) !== show(step.events[i])) {
        throw new Error(`${where}: step ${s}, event ${i}: expected ${show(step.events[i])}, got ${show(have[i])}`);
      }
    }
  });
  checkEqual(got.after.depth, v.after.depth, `${where}: depth`);
  checkEqual(got.after.orders, v.after.orders, `${where}: resting orders`);
  checkEqual(got.after.orderCount, v.after.orderCount, `${where}: order count`);
  checkEqual(got.after.hash, v.after.hash, `${where}: state hash`);
  if (book instanceof Engine) {
    const broken = book.validate();
    check(broken === null, `${where}: invariant broken: ${broken}`);
  }
}

export function runClockVector(ctx: CaseContext, target: Target, v: ClockVector): void {
  const engine = engineFor(ctx, target, { markets: 1, maxOrders: 1 });
  for (const [i, op] of v.ops.entries())
    checkEqual(playClock(engine, op), expectedClock(op), `vector ${v.name} on ${target}: op ${i} (${op.op})`);
}

export function vectorCases(dir: string): Case[] {
  const cases: Case[] = [];
  for (const v of loadVectors(dir)) {
    const skip = (ctx: CaseContext) => v.skip?.[ctx.runtime];
    const targets: Target[] =
      v.kind === 'book' ? ['reference', 'wasm-debug', 'wasm-release'] : ['wasm-debug', 'wasm-release'];
    for (const target of targets) {
      cases.push({
        name: `vector ${v.name} on ${target}`,
        group: 'vectors',
        skip,
        run: (ctx) => (v.kind === 'book' ? runBookVector(ctx, target, v) : runClockVector(ctx, target, v)),
      });
    }
  }
  return cases;
}
