// Builds conformance/vectors/*.json from the hand-written scenarios in ./scenarios: each book
// scenario is played on the REFERENCE matcher, which records the events, depth, resting
// orders and state hash the vector then demands of every implementation. Before writing,
// each scenario's hand-written `expect` lines must appear in the recorded events, and each
// clock result written by hand must agree with a plain model — so a vector that contradicts
// its author is never written. Review the output (--print) by eye before committing it.
//
//   npx node conformance/tools/make-vectors.ts            write conformance/vectors/
//   npx node conformance/tools/make-vectors.ts --check    fail if the committed files differ
//   npx node conformance/tools/make-vectors.ts --print    also print every event, one line each
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { ReferenceBook } from '../../core-as/reference/book.ts';
import { generateCommands, MIXES } from '../../core-as/gen/commands.ts';
import { decodeCommand, encodeCommand, type EventJson } from '../lib/vector-codec.ts';
import { type BookVector, type ClockVector, playBook, type Vector } from '../lib/vector.ts';
import { show } from '../cases/check.ts';
import { modelClock } from './clock-model.ts';
import type { BookScenario, ClockScenario, Scenario } from './scenario.ts';
import { matching } from './scenarios/matching.ts';
import { postOnlyAndStp } from './scenarios/post-only-stp.ts';
import { cancelAndReduce } from './scenarios/cancel-reduce.ts';
import { rejects } from './scenarios/rejects.ts';
import { extremesAndMarkets } from './scenarios/extremes-markets.ts';
import { clockScenarios } from './scenarios/clocks.ts';
import { amendScenarios } from './scenarios/amend.ts';
import { stopScenarios } from './scenarios/stops.ts';
import { ocoScenarios } from './scenarios/oco.ts';
import { gttScenarios } from './scenarios/gtt.ts';
import { icebergScenarios } from './scenarios/iceberg.ts';
import { stpModeScenarios } from './scenarios/stp-modes.ts';
import { advancedRejects } from './scenarios/rejects-advanced.ts';

export const SCENARIOS: Scenario[] = [
  ...matching,
  ...postOnlyAndStp,
  ...cancelAndReduce,
  ...rejects,
  ...extremesAndMarkets,
  ...clockScenarios,
  ...amendScenarios,
  ...stopScenarios,
  ...ocoScenarios,
  ...gttScenarios,
  ...icebergScenarios,
  ...stpModeScenarios,
  ...advancedRejects,
];

/** An event as one line: "kind[:reason] key=value ...", every field but cmd. */
export function line(e: EventJson): string {
  const { cmd: _cmd, kind, reason, ...rest } = e;
  const head = reason === undefined ? `${kind}` : `${kind}:${reason}`;
  return [head, ...Object.entries(rest).map(([k, v]) => `${k}=${v}`)].join(' ');
}

function buildBook(s: BookScenario): BookVector {
  const markets = s.markets ?? 1;
  for (const c of s.steps.flat()) {
    if (show(decodeCommand(encodeCommand(decodeCommand(c)))) !== show(decodeCommand(c)))
      throw new Error(`${s.name}: command does not round-trip: ${show(c)}`);
  }
  let start: BookVector['start'];
  if (s.start) {
    const mix = MIXES[s.start.mix];
    if (mix.markets !== markets)
      throw new Error(`${s.name}: mix ${mix.name} has ${mix.markets} markets, the scenario ${markets}`);
    const seeded = new ReferenceBook({ markets });
    seeded.execute(generateCommands(s.start.seed, s.start.count, mix));
    start = { snapshot: Buffer.from(seeded.snapshot()).toString('base64'), hash: String(seeded.stateHash()) };
  }
  const steps = s.steps.map((commands) => ({
    commands: commands.map((c) => encodeCommand(decodeCommand(c))),
    events: [] as EventJson[],
  }));
  const played = playBook(new ReferenceBook({ markets, maxOrders: s.maxOrders }), { markets, start, steps });
  if (start && played.startHash !== start.hash)
    throw new Error(`${s.name}: restored hash differs from the seeded book's`);
  for (const [i, events] of played.steps.entries()) steps[i].events = events;

  const lines = played.steps.flat().map(line);
  let at = 0;
  for (const want of s.expect) {
    while (at < lines.length && lines[at] !== want) at++;
    if (at === lines.length)
      throw new Error(`${s.name}: expected event "${want}" (in this order) not found in:\n  ${lines.join('\n  ')}`);
    at++;
  }
  // keys in the order the committed vector files have them
  return {
    name: s.name,
    about: s.about,
    covers: s.covers,
    kind: 'book',
    markets,
    ...(s.maxOrders !== undefined ? { maxOrders: s.maxOrders } : {}),
    ...(start ? { start } : {}),
    steps,
    after: played.after,
  };
}

function buildClock(s: ClockScenario): ClockVector {
  for (const op of s.ops) {
    const written = op.error !== undefined ? { error: op.error } : { result: op.result };
    const model = modelClock(op);
    if (show(written) !== show(model))
      throw new Error(`${s.name}: ${show(op)} written as ${show(written)}, the model says ${show(model)}`);
  }
  return { name: s.name, about: s.about, covers: s.covers, kind: 'clock', ops: s.ops };
}

export function buildVectors(): Vector[] {
  const names = new Set<string>();
  return SCENARIOS.map((s) => {
    if (names.has(s.name)) throw new Error(`two scenarios are named ${s.name}`);
    names.add(s.name);
    return s.kind === 'book' ? buildBook(s) : buildClock(s);
  });
}

/** Pretty JSON that keeps short arrays and objects (a command, an event, a level) on one line. */
export function formatJson(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const flat = JSON.stringify(value, null, 1).replace(/\n */g, ' ');
  if (indent !== '' && flat.length + indent.length <= 160) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const dir = fileURLToPath(new URL('../vectors/', import.meta.url));
  const vectors = buildVectors();
  const files = new Map(vectors.map((v) => [`${v.name}.json`, `${formatJson(v)}\n`]));
  if (args.includes('--print')) {
    for (const v of vectors) {
      if (v.kind !== 'book') continue;
      console.log(`\n# ${v.name}: ${v.about}`);
      v.steps.forEach((s, i) => {
        for (const c of s.commands) console.log(`  [${i}] > ${JSON.stringify(c)}`);
        for (const e of s.events) console.log(`  [${i}]   cmd ${e.cmd}: ${line(e)}`);
      });
      for (const d of v.after.depth)
        console.log(
          `  depth m${d.market}: bids ${d.bids.map((l) => `${l.price}x${l.qty}/${l.orders}`).join(' ')} | asks ${d.asks.map((l) => `${l.price}x${l.qty}/${l.orders}`).join(' ')}`,
        );
    }
  }
  const existing = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (args.includes('--check')) {
    const stale = existing.filter((f) => !files.has(f) || readFileSync(join(dir, f), 'utf8') !== files.get(f));
    const missing = [...files.keys()].filter((f) => !existing.includes(f));
    if (stale.length + missing.length > 0) {
      console.error(`vectors differ from the scenarios: ${[...stale, ...missing].join(', ')}`);
      process.exit(1);
    }
    console.log(`${files.size} vectors match their scenarios`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const f of existing) if (!files.has(f)) rmSync(join(dir, f));
  for (const [f, text] of files) writeFileSync(join(dir, f), text);
  const books = vectors.filter((v) => v.kind === 'book').length;
  console.log(`wrote ${files.size} vectors (${books} book, ${files.size - books} clock) to ${dir}`);
}

if (import.meta.main ?? process.argv[1] === fileURLToPath(import.meta.url)) main();
