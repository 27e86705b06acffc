// The API benchmark: acknowledged orders per second over HTTP — keep-alive connections,
// concurrent clients, fsync on (the node acknowledges only after its log's fsync) — and
// the latency of each acknowledgement, for a node of each runtime, one after the other.
// Writes bench/results/api.json and bench/results/api.md.
//
//   npm run bench:api -- [--runtimes node,deno,bun] [--connections 64] [--batch-connections 8] [--seconds 10] [--batch 1,50] [--rounds 3] [--out dir]
//
// This machine's speed drifts (a small VM: the same run can give half or twice as much from
// one minute to the next), so the bench runs in rounds: each round measures a peer — a bare
// node:http server that parses the order and answers 201 (baseline.ts) — and then every
// runtime, one after the other. The report gives each runtime's median over the rounds, its
// range, and its median share of the peer measured in the same round.
//
// --batch lists the orders per request to measure: 1 is POST /v1/orders; N > 1 sends N orders per request to POST /v1/orders/batch (each order is still its
// own signed envelope, logged and fsynced before the answer); latency is then per request.
//
// The client is one Node process using a lean HTTP/1.1 client (host-common/test/raw-http.ts)
// on the same machine; its CPU and the node's (main thread and all threads) are reported,
// since on a small machine they share the cores. After the run the node is stopped
// gracefully and started again: the state hash must be the same (a fast wrong node cannot win).

import { execSync, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import * as path from 'node:path';
import { RawConnection } from '../../host-common/test/raw-http.ts';
import {
  ROOT,
  binary,
  missing,
  type Runtime,
  startNodeProcess,
  tempDataDir,
} from '../../host-common/test/process/node-process.ts';
import { rng } from '../../host-common/test/process/fuzz-gen.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
const runtimes = opt('runtimes', 'node,deno,bun').split(',') as Runtime[];
const singleConnections = Number(opt('connections', '64'));
// batches carry many orders each: fewer connections keep the orders in flight comparable
const batchConnections = Number(opt('batch-connections', '8'));
let connections = singleConnections; // the count being measured
const seconds = Number(opt('seconds', '10'));
const batches = opt('batch', '1,50').split(',').map(Number);
const rounds = Number(opt('rounds', '3'));
let batch = 1; // the size being measured
const warmupSeconds = 2;
const outDir = path.resolve(opt('out', path.join(ROOT, 'bench/results')));

interface Result {
  runtime: Runtime | 'baseline';
  round: number;
  batch: number;
  version: string;
  connections: number;
  seconds: number;
  acked: number;
  refused: number;
  errors: number;
  ackedPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  serverCpu: { mainThreadUsPerOrder: number; allThreadsUsPerOrder: number };
  clientCpuUsPerOrder: number;
  walSyncs: number;
  ordersPerSync: number;
  stateHash: string;
  stateHashAfterRestart: string;
  eventCount: number;
  /** acked orders/s ÷ the baseline's requests/s in the same round */
  shareOfBaseline: number;
}

/** CPU ticks (1/100 s) of a process, or of its main thread. */
async function cpuTicks(pid: number, mainOnly: boolean): Promise<number> {
  const file = mainOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const fields = (await fs.readFile(file, 'utf8')).split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function order(r: () => number): string {
  // around a mid of 30000.00: about one order in five crosses and trades
  const side = r() < 0.5 ? 'buy' : 'sell';
  const offset = Math.floor(r() * 200) - 40;
  const ticks = 3_000_000 + (side === 'buy' ? -offset : offset);
  const price = `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`;
  const quantity = `0.${String(1 + Math.floor(r() * 99_999)).padStart(8, '0')}`;
  return `{"market":"BTC-USD","side":"${side}","type":"limit","price":"${price}","quantity":"${quantity}"}`;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function measure(url: string, tokens: string[], durationS: number, record: boolean) {
  const u = new URL(url);
  const conns = await Promise.all(tokens.map(() => RawConnection.connect(u.hostname, Number(u.port))));
  const latencies: number[] = [];
  let acked = 0;
  let refused = 0;
  let errors = 0;
  const end = performance.now() + durationS * 1000;
  await Promise.all(
    conns.map(async (c, i) => {
      const r = rng(1000 + i);
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[i]}` };
      while (performance.now() < end) {
        const t = performance.now();
        try {
          if (batch === 1) {
            const res = await c.request({ method: 'POST', path: '/v1/orders', headers, body: order(r) });
            if (res.status === 201) acked++;
            else refused++;
          } else {
            const body = `{"orders":[${Array.from({ length: batch }, () => order(r)).join(',')}]}`;
            const res = await c.request({ method: 'POST', path: '/v1/orders/batch', headers, body });
            if (res.status !== 201) {
              refused += batch;
            } else {
              for (const x of JSON.parse(res.body).results) x.order ? acked++ : refused++;
            }
          }
          if (record) latencies.push(performance.now() - t);
        } catch {
          errors++;
          return;
        }
      }
    }),
  );
  for (const c of conns) c.close();
  return { latencies, acked, refused, errors };
}

async function scrape(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function bookHash(url: string): Promise<{ stateHash: string; eventCount: number }> {
  return (await fetch(`${url}/v1/markets/BTC-USD/book?depth=1`)).json();
}

function version(runtime: Runtime): string {
  return execSync(`${binary(runtime)} --version`, { encoding: 'utf8' })
    .trim()
    .split('\n')[0];
}

const r2 = (x: number) => Math.round(x * 100) / 100;

function latencyOf(latencies: number[]): Result['latencyMs'] {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    p50: r2(pct(sorted, 0.5)),
    p90: r2(pct(sorted, 0.9)),
    p99: r2(pct(sorted, 0.99)),
    p999: r2(pct(sorted, 0.999)),
    max: r2(sorted[sorted.length - 1]),
  };
}

const benchTokens = () => Array.from({ length: connections }, (_, i) => `bench-${i}-token-0123456789`);

/** The timed run against a warmed-up server (process `pid`): what the client saw, and the CPU both sides spent per order. */
async function timedRun(url: string, pid: number, tokens: string[]) {
  const [main0, all0] = [await cpuTicks(pid, true), await cpuTicks(pid, false)];
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const run = await measure(url, tokens, seconds, true);
  const elapsed = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const [main1, all1] = [await cpuTicks(pid, true), await cpuTicks(pid, false)];
  const n = run.acked + run.refused; // orders
  return {
    orders: n,
    fields: {
      connections,
      seconds: r2(elapsed),
      acked: run.acked,
      refused: run.refused,
      errors: run.errors,
      ackedPerSecond: Math.round(run.acked / elapsed),
      latencyMs: latencyOf(run.latencies),
      serverCpu: {
        mainThreadUsPerOrder: Math.round(((main1 - main0) * 10_000) / n),
        allThreadsUsPerOrder: Math.round(((all1 - all0) * 10_000) / n),
      },
      clientCpuUsPerOrder: Math.round((client.user + client.system) / n),
    },
  };
}

/** The peer: baseline.ts under Node, single orders, the same client and connections. */
async function benchBaseline(round: number): Promise<Result> {
  const child = spawn(binary('node'), [path.join(ROOT, 'bench/api/baseline.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).port));
      child.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const tokens = benchTokens();
    await measure(url, tokens, warmupSeconds, false);
    const { fields } = await timedRun(url, child.pid!, tokens);
    return {
      runtime: 'baseline',
      round,
      batch: 1,
      version: version('node'),
      ...fields,
      walSyncs: 0,
      ordersPerSync: 0,
      stateHash: '',
      stateHashAfterRestart: '',
      eventCount: 0,
      shareOfBaseline: 1,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function benchOne(runtime: Runtime, round: number, baseline: number): Promise<Result> {
  const dataDir = await tempDataDir(`bench-api-${runtime}`);
  const tokens = benchTokens();
  const tokenArg = tokens.map((t, i) => `c${i}:${t}`).join(',');
  // the per-token rate limit is a policy, not a capacity: off, so the bench measures the node
  const nodeArgs = ['--tokens', tokenArg, '--rate-limit', '0'];
  let node = await startNodeProcess(runtime, { dataDir, args: nodeArgs });
  try {
    await measure(node.url, tokens, warmupSeconds, false);
    const syncs0 = await scrape(node.url, 'meshbook_wal_syncs_total');
    const { orders: n, fields } = await timedRun(node.url, node.child.pid!, tokens);
    const syncs = (await scrape(node.url, 'meshbook_wal_syncs_total')) - syncs0;
    const before = await bookHash(node.url);
    const exit = await node.stop('SIGTERM');
    if (exit.code !== 0) throw new Error(`${runtime}: the node exited ${exit.code} on SIGTERM: ${node.stderr()}`);
    node = await startNodeProcess(runtime, { dataDir, args: nodeArgs });
    const after = await bookHash(node.url);
    if (after.stateHash !== before.stateHash || after.eventCount !== before.eventCount) {
      throw new Error(
        `${runtime}: state after restart ${JSON.stringify(after)} differs from ${JSON.stringify(before)}`,
      );
    }
    return {
      runtime,
      round,
      batch,
      version: version(runtime),
      ...fields,
      shareOfBaseline: r2(fields.ackedPerSecond / baseline),
      walSyncs: syncs,
      ordersPerSync: r2(n / syncs),
      stateHash: before.stateHash,
      stateHashAfterRestart: after.stateHash,
      eventCount: before.eventCount,
    };
  } finally {
    await node.stop('SIGTERM').catch(() => {});
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Summary {
  runtime: Result['runtime'];
  batch: number;
  connections: number;
  version: string;
  rounds: number;
  medianAckedPerSecond: number;
  minAckedPerSecond: number;
  maxAckedPerSecond: number;
  medianShareOfBaseline: number;
  /** The round whose acked/s is the median (the lower middle one for an even count): latency and CPU come from it. */
  medianRound: Result;
}

function summarize(results: Result[]): Summary[] {
  const groups = new Map<string, Result[]>();
  for (const r of results) {
    const k = `${r.batch} ${r.runtime}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const byRate = [...rs].sort((a, b) => a.ackedPerSecond - b.ackedPerSecond);
    const rates = byRate.map((r) => r.ackedPerSecond);
    return {
      runtime: rs[0].runtime,
      batch: rs[0].batch,
      connections: rs[0].connections,
      version: rs[0].version,
      rounds: rs.length,
      medianAckedPerSecond: Math.round(median(rates)),
      minAckedPerSecond: rates[0],
      maxAckedPerSecond: rates[rates.length - 1],
      medianShareOfBaseline: r2(median(rs.map((r) => r.shareOfBaseline))),
      medianRound: byRate[Math.floor((byRate.length - 1) / 2)],
    };
  });
}

function markdown(summaries: Summary[], results: Result[], machine: Record<string, string>): string {
  const name = (r: { runtime: string }) => (r.runtime === 'baseline' ? 'peer: bare node:http' : r.runtime);
  const what = (batchSize: number) => (batchSize === 1 ? 'POST /v1/orders' : `batch of ${batchSize}`);
  const rows = summaries.map((s) => {
    const m = s.medianRound;
    return `| ${name(s)} | ${what(s.batch)} | ${s.connections} | ${s.version.replace(/ \(.*$/, '')} | **${s.medianAckedPerSecond.toLocaleString('en-US')}** | ${s.minAckedPerSecond.toLocaleString('en-US')}–${s.maxAckedPerSecond.toLocaleString('en-US')} | ${s.runtime === 'baseline' ? '1' : s.batch === 1 ? s.medianShareOfBaseline : '–'} | ${m.latencyMs.p50} | ${m.latencyMs.p99} | ${m.serverCpu.mainThreadUsPerOrder} / ${m.serverCpu.allThreadsUsPerOrder} | ${m.clientCpuUsPerOrder} | ${s.runtime === 'baseline' ? '–' : m.ordersPerSync} |`;
  });
  const each = results.map(
    (r) =>
      `| ${r.round} | ${name(r)} | ${what(r.batch)} | ${r.ackedPerSecond.toLocaleString('en-US')} | ${r.runtime === 'baseline' ? '1' : r.batch === 1 ? r.shareOfBaseline : '–'} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.serverCpu.mainThreadUsPerOrder} / ${r.serverCpu.allThreadsUsPerOrder} | ${r.clientCpuUsPerOrder} | ${r.acked.toLocaleString('en-US')} | ${r.refused} | ${r.errors} |`,
  );
  return [
    '# API benchmark: acknowledged orders over HTTP',
    '',
    `\`npm run bench:api -- --connections ${singleConnections} --batch-connections ${batchConnections} --seconds ${seconds} --batch ${batches.join(',')} --rounds ${rounds}\` — ${machine.date}`,
    '',
    `Each runtime's node on its own, fresh data dir; keep-alive connections (${singleConnections} for single orders, ${batchConnections} for batches), one API token each,`,
    'each sending POST /v1/orders (or POST /v1/orders/batch with N orders) — limit orders around one price, about one in',
    'five trades — and the next as soon as the answer comes. Latency is per request.',
    'An order counts once the node answered 201, which it does only after the fsync of its log record (group commit).',
    `The per-token rate limit is off (\`--rate-limit 0\`). ${warmupSeconds} s warm-up first. After each run the node is stopped (SIGTERM) and started again on the same data dir: the state hash must match.`,
    '',
    `${rounds} rounds; each measures the peer first — a bare node:http server that parses the order and answers 201, with no validation,`,
    'envelope, log, fsync or book (bench/api/baseline.ts) — and then each runtime. "share of peer" is acked orders/s divided by the',
    "peer's requests/s in the same round (median over rounds; single orders only): this machine's speed drifts by up to 2× between minutes, the share much less.",
    'Latency and CPU come from the median round.',
    '',
    '| server | requests | connections | version | acked orders/s (median) | range | share of peer | p50 ms | p99 ms | server CPU µs/order (main / all threads) | client CPU µs/order | orders per fsync |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}; ${machine.os}. Load average before the runs: ${machine.loadBefore}.`,
    'The client runs on the same machine and shares its cores with the server: the CPU columns say where the time went.',
    '',
    'Every run:',
    '',
    '| round | server | requests | acked/s | share of peer | p50 ms | p99 ms | max ms | server CPU µs/order | client CPU µs/order | acked | refused | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...each,
    '',
  ].join('\n');
}

const results: Result[] = [];
const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
for (let round = 1; round <= rounds; round++) {
  for (const size of batches) {
    batch = size;
    connections = size === 1 ? singleConnections : batchConnections;
    let baseline = NaN;
    if (size === 1) {
      console.error(`bench api: round ${round}, peer (bare node:http), ${connections} connections, ${seconds} s ...`);
      const b = await benchBaseline(round);
      console.error(JSON.stringify(b));
      results.push(b);
      baseline = b.ackedPerSecond;
    }
    for (const runtime of runtimes) {
      const why = missing(runtime);
      if (why) {
        console.error(`skipping ${runtime}: ${why}`);
        continue;
      }
      console.error(
        `bench api: round ${round}, ${runtime}, ${connections} connections, ${batch} order(s) per request, ${seconds} s ...`,
      );
      const r = await benchOne(runtime, round, baseline);
      console.error(JSON.stringify(r));
      results.push(r);
    }
  }
}
const machine = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: String(cpus().length),
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  os: `${process.platform} ${process.arch}`,
  loadBefore,
};
const summaries = summarize(results);
await fs.mkdir(outDir, { recursive: true });
await fs.writeFile(
  path.join(outDir, 'api.json'),
  `${JSON.stringify(
    { machine, connections: singleConnections, batchConnections, seconds, batches, rounds, summaries, results },
    null,
    2,
  )}\n`,
);
await fs.writeFile(path.join(outDir, 'api.md'), markdown(summaries, results, machine));
console.log(markdown(summaries, results, machine));
