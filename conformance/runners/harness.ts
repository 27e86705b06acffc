// What the three runners share: building the context from the environment, running and
// counting cases, and the closing summary. A runner registers every case of the suite with
// its own test framework — run, or skipped with its reason — and then calls finish(), which
// prints one line of counts, writes them for tools/run-all.ts to compare across runtimes, and
// fails if any case was neither run nor skipped.
//
// Environment: MESHBOOK_VECTORS (vectors folder), MESHBOOK_CONFORMANCE_GROUPS (comma list),
// MESHBOOK_STREAM_SCALE, MESHBOOK_SEED, MESHBOOK_BASE_URL, MESHBOOK_CONFORMANCE_RESULTS
// (folder for <runtime>.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { readWasm } from '../../core-as/src/wasm.ts';
import type { Case, CaseContext, Runtime } from '../case.ts';
import { loadSuite } from '../suite.ts';

export const DEFAULT_VECTORS = fileURLToPath(new URL('../vectors/', import.meta.url));
export const DEFAULT_SEED = 20261125;

export interface Outcome {
  name: string;
  group: string;
  status: 'passed' | 'failed' | 'skipped';
  reason?: string; // skip reason or failure message (first line)
  ms?: number;
}

export interface Summary {
  runtime: Runtime;
  version: string;
  scale: number;
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  cases: Outcome[];
}

function builtWasm(target: 'debug' | 'release'): Uint8Array {
  try {
    return readWasm(target);
  } catch (e) {
    throw new Error(
      `cannot read core-as/build/${target}.wasm — run \`npm run build\` first (${e instanceof Error ? e.message : e})`,
    );
  }
}

/** What keeps the runtimes' results from agreeing: a missing summary, other totals or other cases. */
export function compareSummaries(summaries: Partial<Record<Runtime, Summary>>, runtimes: readonly Runtime[]): string[] {
  const problems: string[] = [];
  const present = runtimes.filter((r) => summaries[r]);
  for (const r of runtimes) if (!summaries[r]) problems.push(`${r}: no summary (the runner did not finish)`);
  if (present.length === 0) return problems;
  const first = summaries[present[0]]!;
  const names = first.cases.map((c) => c.name);
  for (const r of present.slice(1)) {
    const s = summaries[r]!;
    if (s.total !== first.total) problems.push(`${r} counted ${s.total} cases, ${first.runtime} ${first.total}`);
    const theirs = new Set(s.cases.map((c) => c.name));
    const ours = new Set(names);
    for (const n of names) if (!theirs.has(n)) problems.push(`${r} lacks the case "${n}"`);
    for (const n of theirs) if (!ours.has(n)) problems.push(`${r} has a case ${first.runtime} lacks: "${n}"`);
  }
  for (const r of present) {
    const s = summaries[r]!;
    if (s.passed + s.failed + s.skipped !== s.total)
      problems.push(`${r}: ${s.passed} + ${s.failed} + ${s.skipped} is not ${s.total}`);
  }
  return problems;
}

/**
 * The line `npm test` ends with, read by CI: `conformance: N passed, N failed, N skipped`,
 * totals over the runtimes. A runtime that left no summary counts every case the others
 * counted as failed: none of them passed there.
 */
export function totalsLine(summaries: Partial<Record<Runtime, Summary>>, runtimes: readonly Runtime[]): string {
  const expected = Math.max(1, ...runtimes.map((r) => summaries[r]?.total ?? 0));
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of runtimes) {
    const s = summaries[r];
    passed += s?.passed ?? 0;
    failed += s ? s.failed : expected;
    skipped += s?.skipped ?? 0;
  }
  return `conformance: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

export class ConformanceRun {
  readonly ctx: CaseContext;
  readonly cases: Case[];
  private readonly version: string;
  private readonly outcomes = new Map<string, Outcome>();

  /** defaultScale: this runner's stream size when MESHBOOK_STREAM_SCALE does not set one. */
  constructor(runtime: Runtime, version: string, defaultScale: number) {
    const env = process.env;
    const vectorsDir = env.MESHBOOK_VECTORS || DEFAULT_VECTORS;
    const groups = env.MESHBOOK_CONFORMANCE_GROUPS
      ? env.MESHBOOK_CONFORMANCE_GROUPS.split(',').map((g) => g.trim())
      : undefined;
    this.version = version;
    this.ctx = {
      runtime,
      wasm: { debug: builtWasm('debug'), release: builtWasm('release') },
      scale: env.MESHBOOK_STREAM_SCALE ? Number(env.MESHBOOK_STREAM_SCALE) : defaultScale,
      seed: env.MESHBOOK_SEED ? Number(env.MESHBOOK_SEED) : DEFAULT_SEED,
      vectorsDir,
      baseUrl: env.MESHBOOK_BASE_URL || undefined,
    };
    if (!(this.ctx.scale > 0))
      throw new Error(`MESHBOOK_STREAM_SCALE must be a positive number, got ${env.MESHBOOK_STREAM_SCALE}`);
    if (!Number.isInteger(this.ctx.seed)) throw new Error(`MESHBOOK_SEED must be an integer, got ${env.MESHBOOK_SEED}`);
    this.cases = loadSuite({ vectorsDir, groups });
  }

  /** Why the case is skipped here, recording the skip; undefined when it is to run. */
  skipReason(c: Case): string | undefined {
    const reason = c.skip?.(this.ctx);
    if (reason) this.outcomes.set(c.name, { name: c.name, group: c.group, status: 'skipped', reason });
    return reason;
  }

  /** The name a runner gives the case: a skipped case carries its reason. */
  title(c: Case, reason?: string): string {
    return reason ? `${c.name} [skipped on ${this.ctx.runtime}: ${reason}]` : c.name;
  }

  async run(c: Case): Promise<void> {
    const started = performance.now();
    try {
      await c.run(this.ctx);
      this.outcomes.set(c.name, {
        name: c.name,
        group: c.group,
        status: 'passed',
        ms: Math.round(performance.now() - started),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.outcomes.set(c.name, {
        name: c.name,
        group: c.group,
        status: 'failed',
        reason: message.split('\n')[0],
        ms: Math.round(performance.now() - started),
      });
      throw e;
    }
  }

  summary(): Summary {
    const cases = this.cases.map(
      (c) =>
        this.outcomes.get(c.name) ?? { name: c.name, group: c.group, status: 'failed' as const, reason: 'never ran' },
    );
    const count = (s: Outcome['status']) => cases.filter((o) => o.status === s).length;
    return {
      runtime: this.ctx.runtime,
      version: this.version,
      scale: this.ctx.scale,
      total: this.cases.length,
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      cases,
    };
  }

  /** Prints the counts; fails if a case was neither run nor skipped. Call after every case. */
  finish(): Summary {
    const s = this.summary();
    const lines = [
      `conformance ${s.runtime}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (${s.total} cases, ${s.runtime} ${s.version}, stream scale ${s.scale})`,
    ];
    for (const o of s.cases) {
      if (o.status === 'skipped') lines.push(`  skipped: ${o.name} — ${o.reason}`);
      if (o.status === 'failed') lines.push(`  FAILED: ${o.name} — ${o.reason}`);
    }
    console.log(lines.join('\n'));
    const dir = process.env.MESHBOOK_CONFORMANCE_RESULTS;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${s.runtime}.json`), JSON.stringify(s, null, 2));
    }
    const unaccounted = s.cases.filter((o) => o.reason === 'never ran');
    if (unaccounted.length > 0)
      throw new Error(
        `${unaccounted.length} of ${s.total} cases were neither run nor skipped: ${unaccounted.map((o) => o.name).join(', ')}`,
      );
    return s;
  }
}
