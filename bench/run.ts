// The benchmark driver: runs bench/core/main.ts on Node, Deno and Bun, one after the other
// (never side by side: they would share the cores), collects their JSON and writes
//   full:  bench/results/core.json, bench/results/core.md, and the tables into bench/README.md
//   quick: the same two files under the system temp dir (a smoke run, not a result)
// Usage: node bench/run.ts [--quick] [--runtimes node,deno,bun]
//        node bench/run.ts --render   (only rewrites core.md and the README tables from core.json)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, arch, totalmem, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { renderCore, type CoreResults, type RuntimeRun } from './core/report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--runtimes') ? args[args.indexOf('--runtimes') + 1].split(',') : ['node', 'deno', 'bun'];
const outDir = quick ? join(tmpdir(), 'meshbook-bench') : join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });

/** A tool from node_modules/.bin (where npm puts deno and bun), else from PATH. */
function bin(name: string): string {
  const local = join(root, 'node_modules', '.bin', name);
  return existsSync(local) ? local : name;
}

const main = join('bench', 'core', 'main.ts');
const commands: Record<string, string[]> = {
  node: [process.execPath, '--expose-gc', main],
  deno: [bin('deno'), 'run', '-A', '--node-modules-dir=manual', '--v8-flags=--expose-gc', main],
  bun: [bin('bun'), main],
};

/** Which core was measured: the commit, whether core-as had uncommitted changes, the release.wasm digest. */
function coreBuild(): CoreResults['core'] {
  const git = (...a: string[]) => spawnSync('git', a, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const wasm = readFileSync(join(root, 'core-as', 'build', 'release.wasm'));
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    coreAsDirty: git('status', '--porcelain', '--', 'core-as') !== '',
    releaseWasmSha256: createHash('sha256').update(wasm).digest('hex').slice(0, 16),
  };
}

const version = (pkg: string) =>
  JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;

/** Writes core.json and core.md, and for a full run the headline into bench/README.md. */
function publish(results: CoreResults): string {
  const md = renderCore(results);
  writeFileSync(join(outDir, 'core.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'core.md'), md);
  if (results.profile === 'full') {
    // the README carries the headline tables between these markers
    const readme = join(root, 'bench', 'README.md');
    const [open, close] = ['<!-- results:core -->', '<!-- /results:core -->'];
    const text = readFileSync(readme, 'utf8');
    const a = text.indexOf(open);
    const b = text.indexOf(close);
    if (a >= 0 && b > a)
      writeFileSync(
        readme,
        `${text.slice(0, a + open.length)}\n${renderCore(results, { headlineOnly: true })}\n${text.slice(b)}`,
      );
  }
  return md;
}

if (args.includes('--render')) {
  publish(JSON.parse(readFileSync(join(outDir, 'core.json'), 'utf8')));
} else {
  const began = Date.now();
  const runs: RuntimeRun[] = [];
  for (const runtime of only) {
    const cmd = commands[runtime];
    if (!cmd) throw new Error(`unknown runtime ${runtime}`);
    const out = join(tmpdir(), `meshbook-core-${runtime}.json`);
    const t0 = Date.now();
    const r = spawnSync(cmd[0], [...cmd.slice(1), ...(quick ? ['--quick'] : []), '--out', out], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: (quick ? 120 : 1200) * 1000, // generous: a busy shared machine can take 3x the quiet run
    });
    if (r.status !== 0)
      throw new Error(
        `${runtime}: ${cmd.join(' ')} failed (${r.error?.message ?? `status ${r.status}, signal ${r.signal}`})`,
      );
    runs.push({
      ...JSON.parse(readFileSync(out, 'utf8')),
      wallSeconds: (Date.now() - t0) / 1000,
      command: cmd.slice(1).join(' ').replace(root, ''),
    });
  }
  const cpu = cpus();
  const results: CoreResults = {
    generatedAt: new Date().toISOString(),
    profile: quick ? 'quick' : 'full',
    command: quick ? 'npm run bench:quick' : 'npm run bench',
    totalSeconds: (Date.now() - began) / 1000,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${platform()} ${release()} ${arch()}`,
    },
    core: coreBuild(),
    packages: {
      'nodejs-order-book': version('nodejs-order-book'),
      tinybench: version('tinybench'),
      assemblyscript: version('assemblyscript'),
    },
    runs,
  };
  console.log(publish(results));
  console.error(`bench: ${results.totalSeconds.toFixed(0)} s in all; results in ${outDir}`);
}
