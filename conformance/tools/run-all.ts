// `npm test` after the build: runs `npm run test:node`, `test:deno` and `test:bun` one after
// another (all three, even when one fails), then checks that the three runners counted the
// same cases, by name, and prints one table. Exits non-zero when any runner failed or the
// runtimes disagree. The last line of its output is always, alone on its line,
//   conformance: N passed, N failed, N skipped
// the totals over all runtimes (CI reads this form; see totalsLine in ../runners/harness.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { RUNTIMES, type Runtime } from '../case.ts';
import { ROOT } from '../lib/runtimes.ts';
import { compareSummaries, type Summary, totalsLine } from '../runners/harness.ts';

const results = mkdtempSync(join(tmpdir(), 'meshbook-conformance-'));
const runs: { runtime: Runtime; status: number | null; seconds: number }[] = [];
const started = performance.now();

for (const runtime of RUNTIMES) {
  const t0 = performance.now();
  console.log(`\n=== npm run test:${runtime} ===`);
  // through npm itself, so `npm test` is exactly the three scripts a reader can run one by one
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const r = spawnSync(npm[0], [...npm.slice(1), 'run', `test:${runtime}`], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, MESHBOOK_CONFORMANCE_RESULTS: results },
  });
  runs.push({ runtime, status: r.status, seconds: (performance.now() - t0) / 1000 });
}

const summaries: Partial<Record<Runtime, Summary>> = {};
for (const runtime of RUNTIMES) {
  const file = join(results, `${runtime}.json`);
  if (existsSync(file)) summaries[runtime] = JSON.parse(readFileSync(file, 'utf8')) as Summary;
}
rmSync(results, { recursive: true, force: true });

const problems = compareSummaries(summaries, RUNTIMES);
for (const run of runs) if (run.status !== 0) problems.push(`npm run test:${run.runtime} exited with ${run.status}`);

console.log('\n=== conformance on every runtime ===');
console.log('runtime  version    cases  passed  failed  skipped  time');
for (const run of runs) {
  const s = summaries[run.runtime];
  const cells = s ? [s.version, s.total, s.passed, s.failed, s.skipped] : ['-', '-', '-', '-', '-'];
  console.log(
    `${run.runtime.padEnd(8)} ${String(cells[0]).padEnd(10)} ${String(cells[1]).padStart(5)}  ${String(cells[2]).padStart(6)}  ${String(cells[3]).padStart(6)}  ${String(cells[4]).padStart(7)}  ${run.seconds.toFixed(1)}s`,
  );
}
for (const s of Object.values(summaries)) {
  for (const c of s!.cases) if (c.status === 'skipped') console.log(`  ${s!.runtime} skipped: ${c.name} — ${c.reason}`);
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)}s`);
if (problems.length > 0) console.error(`\nconformance FAILED:\n  ${problems.join('\n  ')}`);
else console.log('conformance passed on node, deno and bun with the same cases');
console.log(totalsLine(summaries, RUNTIMES));
process.exitCode = problems.length > 0 ? 1 : 0;
