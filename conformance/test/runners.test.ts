// Tests of the runners themselves. Each runtime's runner (the command of its npm script) runs
// the vector cases on a copy of the vectors in which one committed state hash is wrong and one
// vector is marked as not runnable on Deno: every runner must exit non-zero and name the
// altered vector, Deno must report the marked vector skipped with its reason, and the three
// must count the same cases.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, type Runtime } from '../case.ts';
import { ROOT } from '../lib/runtimes.ts';
import { compareSummaries, DEFAULT_VECTORS, type Summary, totalsLine } from '../runners/harness.ts';
import { loadVectors } from '../cases/vectors.ts';

const ALTERED = 'limit-full-fill-at-maker-price';
const SKIPPED = 'time-priority-fifo';
const SKIP_REASON = 'marked by the runner self-test';

interface RunnerResult {
  status: number | null;
  output: string;
  summary: Summary;
}

/** The runtime's npm script, as the shell would run it (the Node one narrowed to the suite's file). */
function runnerCommand(runtime: Runtime): string {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const script = scripts[`test:${runtime}`];
  if (!script) throw new Error(`package.json has no test:${runtime} script`);
  return runtime === 'node' ? `${script} conformance/test/node.test.ts` : script;
}

function runRunner(runtime: Runtime, vectors: string, results: string): RunnerResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VITEST')) env[k] = v;
  Object.assign(env, {
    PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`,
    MESHBOOK_VECTORS: vectors,
    MESHBOOK_CONFORMANCE_GROUPS: 'vectors',
    MESHBOOK_CONFORMANCE_RESULTS: results,
    NO_COLOR: '1',
  });
  const r = spawnSync('sh', ['-c', runnerCommand(runtime)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  const summary = JSON.parse(readFileSync(join(results, `${runtime}.json`), 'utf8')) as Summary;
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`, summary };
}

describe('the runners of every runtime', () => {
  const work = mkdtempSync(join(tmpdir(), 'meshbook-runner-test-'));
  const vectors = join(work, 'vectors');
  const results = join(work, 'results');
  const runs = {} as Record<Runtime, RunnerResult>;
  let wrongHash = '';

  beforeAll(() => {
    cpSync(DEFAULT_VECTORS, vectors, { recursive: true });
    const altered = join(vectors, `${ALTERED}.json`);
    const v = JSON.parse(readFileSync(altered, 'utf8'));
    wrongHash = String(BigInt(v.after.hash) ^ 1n);
    v.after.hash = wrongHash;
    writeFileSync(altered, JSON.stringify(v));
    const marked = join(vectors, `${SKIPPED}.json`);
    writeFileSync(marked, JSON.stringify({ ...JSON.parse(readFileSync(marked, 'utf8')), skip: { deno: SKIP_REASON } }));
    for (const runtime of RUNTIMES) runs[runtime] = runRunner(runtime, vectors, results);
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const runtime of RUNTIMES) {
    it(`${runtime}: a wrong expected hash fails the run and names the vector`, () => {
      const { status, output, summary } = runs[runtime];
      expect(status, output).not.toBe(0);
      const failed = summary.cases.filter((c) => c.status === 'failed');
      expect(failed.map((c) => c.name).sort()).toEqual([
        `vector ${ALTERED} on reference`,
        `vector ${ALTERED} on wasm-debug`,
        `vector ${ALTERED} on wasm-release`,
      ]);
      for (const c of failed) expect(c.reason).toContain(`state hash: expected "${wrongHash}"`);
      expect(output).toContain(`FAILED: vector ${ALTERED} on wasm-release`);
      const line = output.match(
        new RegExp(`conformance ${runtime}: (\\d+) passed, (\\d+) failed, (\\d+) skipped \\((\\d+) cases`),
      );
      expect(line, output).not.toBeNull();
      expect(line!.slice(1, 5).map(Number)).toEqual([summary.passed, summary.failed, summary.skipped, summary.total]);
    });
  }

  it('deno reports the vector marked for it as skipped, with the reason; node and bun run it', () => {
    for (const runtime of RUNTIMES) {
      const skipped = runs[runtime].summary.cases.filter((c) => c.status === 'skipped');
      if (runtime === 'deno') {
        expect(skipped.map((c) => c.name).sort()).toEqual([
          `vector ${SKIPPED} on reference`,
          `vector ${SKIPPED} on wasm-debug`,
          `vector ${SKIPPED} on wasm-release`,
        ]);
        for (const c of skipped) expect(c.reason).toBe(SKIP_REASON);
        expect(runs.deno.output).toContain(`skipped: vector ${SKIPPED} on reference — ${SKIP_REASON}`);
      } else {
        expect(skipped).toEqual([]);
        expect(runs[runtime].summary.cases.find((c) => c.name === `vector ${SKIPPED} on reference`)?.status).toBe(
          'passed',
        );
      }
    }
  });

  it('all three count every vector case, the same ones', () => {
    const expected = loadVectors(vectors).reduce((n, v) => n + (v.kind === 'book' ? 3 : 2), 0);
    for (const runtime of RUNTIMES) {
      const s = runs[runtime].summary;
      expect(s.total).toBe(expected);
      expect(s.passed + s.failed + s.skipped).toBe(expected);
    }
    expect(runs.node.summary.passed).toBe(expected - 3);
    expect(runs.deno.summary.passed).toBe(expected - 6);
    expect(
      compareSummaries({ node: runs.node.summary, deno: runs.deno.summary, bun: runs.bun.summary }, RUNTIMES),
    ).toEqual([]);
  });

  it("npm test's closing line totals the three runtimes; one that never finished counts as failing every case", () => {
    const { node, deno, bun } = { node: runs.node.summary, deno: runs.deno.summary, bun: runs.bun.summary };
    const sum = (k: 'passed' | 'failed' | 'skipped') => node[k] + deno[k] + bun[k];
    expect(totalsLine({ node, deno, bun }, RUNTIMES)).toBe(
      `conformance: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`,
    );
    expect(totalsLine({ node, bun }, RUNTIMES)).toBe(
      `conformance: ${node.passed + bun.passed} passed, ${node.failed + bun.failed + node.total} failed, ${node.skipped + bun.skipped} skipped`,
    );
    expect(totalsLine({}, RUNTIMES)).toBe('conformance: 0 passed, 3 failed, 0 skipped');
  });

  it('the comparison across runtimes catches a runtime that lost a case or never finished', () => {
    const lost = { ...runs.bun.summary, total: runs.bun.summary.total - 1, cases: runs.bun.summary.cases.slice(1) };
    lost.passed = lost.cases.filter((c) => c.status === 'passed').length;
    const problems = compareSummaries({ node: runs.node.summary, deno: runs.deno.summary, bun: lost }, RUNTIMES);
    expect(problems).toContain(`bun counted ${lost.total} cases, node ${runs.node.summary.total}`);
    expect(problems).toContain(`bun lacks the case "${runs.node.summary.cases[0].name}"`);
    expect(compareSummaries({ node: runs.node.summary, bun: runs.bun.summary }, RUNTIMES)).toEqual([
      'deno: no summary (the runner did not finish)',
    ]);
  });
});
