// One meshbook run of the network bench: N node processes on 127.0.0.1, each dialing every
// earlier one (--bootstrap), a steady total rate of orders spread over them (order k on node
// k mod N, sent on schedule whether or not earlier answers came: an open loop), every node's
// WebSocket feed watched by this process. After the last 201 it polls the state hashes until
// all are equal, then waits until every node showed every order and no trade is tentative
// anywhere (or the settle time ran out), reads the counters again and stops the nodes.
// What is computed from it: mesh-results.ts.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as path from 'node:path';
import type { Runtime } from '../../host-common/test/process/node-process.ts';
import { removeDir, tempDir } from './children.ts';
import { Client } from './client.ts';
import { Feed } from './feed.ts';
import { type BenchNode, startNode } from './nodes.ts';
import { MARKET_FLAG, OWNER_GROUPS, type Plan, planOrders } from './orders.ts';
import { bookState, cpuMs, peakRss, scrape } from './probe.ts';

export interface MeshOptions {
  n: number;
  /** orders per second, all nodes together */
  rate: number;
  durationMs: number;
  /** the same load before, for this long, not measured (JIT and first page touches; the baseline warms up the same) */
  warmupMs: number;
  runtime: Runtime;
  /** how long after the last 201 to wait for every order everywhere and every trade final */
  settleMs: number;
  /** owners (API tokens) per node for each of makers and takers of each side (orders.ts) */
  ownersPerGroup: number;
  seed: number;
}

/** Counters and process figures of every node at one moment. */
export interface Snapshot {
  at: number;
  metrics: Map<string, number>[];
  cpuMs: number[];
}

/** Everything the run observed, raw; mesh-results.ts turns it into figures. */
export interface MeshRaw {
  options: MeshOptions;
  plan: Plan;
  /** orders 0 … warm - 1 were the warm-up: delivered like the rest, left out of the figures */
  warm: number;
  sentAt: Float64Array;
  ackAt: Float64Array;
  ids: (string | undefined)[];
  /** the 201 answer carried trades: the order crossed at its origin */
  crossedAtOrigin: Uint8Array;
  failures: Record<string, number>;
  feeds: Feed[];
  before: Snapshot;
  after: Snapshot;
  /** first time every node answered the same state hash and event count after the last 201 */
  equalAt: number;
  equalHash: string;
  equalEventCount: number;
  lastHashes: string[];
  settled: boolean;
  /** order id → the origin's GET /v1/orders/:id of orders some feed never showed (the first 10) */
  unseen: Record<string, string>;
  peakRssBytes: number[];
  healthRttMs: number[];
  benchLoopP99Ms: number;
  benchCpuMs: number;
  loadStart: number;
  loadEnd: number;
  /** CPU ms of each node when the last 201 came */
  cpuAtLoadEnd: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function snapshot(nodes: BenchNode[], conns: Client[]): Promise<Snapshot> {
  const at = performance.now();
  return {
    at,
    metrics: await Promise.all(conns.map(scrape)),
    cpuMs: await Promise.all(nodes.map((x) => cpuMs(x.pid))),
  };
}

export async function runMesh(o: MeshOptions, log: (msg: string) => void): Promise<MeshRaw> {
  const base = await tempDir('netbench');
  const nodes: BenchNode[] = [];
  const feeds: Feed[] = [];
  const pools: Client[] = []; // orders
  const conns: Client[] = []; // probes: hashes, metrics
  const healthConns: Client[] = [];
  try {
    const tokens = Array.from({ length: o.ownersPerGroup * OWNER_GROUPS }, (_, j) => `o${j}-bench-token-0123456789`);
    const nodeArgs = ['--markets', MARKET_FLAG, '--tokens', tokens.map((t, j) => `o${j}:${t}`).join(',')];
    // the per-token rate limit is a policy, not a capacity
    nodeArgs.push('--rate-limit', '0');
    for (let i = 0; i < o.n; i++) {
      const bootstrap = nodes.map((x) => x.p2p[0]);
      const args = [...nodeArgs, ...(bootstrap.length ? ['--bootstrap', bootstrap.join(',')] : [])];
      nodes.push(await startNode(o.runtime, path.join(base, `n${i}`), args));
    }
    for (const x of nodes) {
      conns.push(new Client(x.url, 1));
      healthConns.push(new Client(x.url, 1));
      pools.push(new Client(x.url, 256));
    }
    await waitFor(
      `${o.n} members and ${o.n - 1} peers on every node`,
      async () => {
        const hs = await Promise.all(
          conns.map(async (c) => JSON.parse((await c.request({ method: 'GET', path: '/v1/health' })).body)),
        );
        return hs.every((h) => h.network?.members === o.n && h.network?.peers === o.n - 1);
      },
      60_000,
    );
    log(`${o.n} nodes up, every one a member of the others`);

    const warm = Math.round((o.rate * o.warmupMs) / 1000);
    const total = warm + Math.round((o.rate * o.durationMs) / 1000);
    const plan = planOrders(total, o.n, o.ownersPerGroup, o.seed);
    for (const x of nodes) feeds.push(new Feed(x.url, plan));
    await Promise.all(feeds.map((f) => f.ready));
    await sleep(1000); // as the baseline does: gossipsub's mesh a few heartbeats old before the load

    const headers = tokens.map((t) => ({ 'Content-Type': 'application/json', Authorization: `Bearer ${t}` }));
    const sentAt = new Float64Array(total).fill(Number.NaN);
    const ackAt = new Float64Array(total).fill(Number.NaN);
    const ids: (string | undefined)[] = new Array(total);
    const crossedAtOrigin = new Uint8Array(total);
    const failures: Record<string, number> = {};
    const send = async (k: number) => {
      const order = plan.orders[k];
      sentAt[k] = performance.now();
      try {
        const res = await pools[order.node].request({
          method: 'POST',
          path: '/v1/orders',
          headers: headers[order.owner],
          body: order.body,
        });
        const at = performance.now();
        if (res.status !== 201) {
          const code = `${res.status} ${/"code":"([a-z_]+)"/.exec(res.body)?.[1] ?? ''}`.trim();
          failures[code] = (failures[code] ?? 0) + 1;
          return;
        }
        const answer = JSON.parse(res.body);
        ackAt[k] = at;
        ids[k] = answer.order.id;
        if (answer.trades.length > 0) crossedAtOrigin[k] = 1;
      } catch (err) {
        const code = `error ${(err as Error).message.slice(0, 60)}`;
        failures[code] = (failures[code] ?? 0) + 1;
      }
    };

    /** Sends orders from … to - 1 at the rate, on schedule (an open loop); resolves once all are answered. */
    const load = async (from: number, to: number) => {
      const interval = 1000 / o.rate;
      const start = performance.now() + 10;
      const sends: Promise<void>[] = [];
      for (let next = from; next < to; ) {
        const now = performance.now();
        while (next < to && start + (next - from) * interval <= now) sends.push(send(next++));
        await sleep(1);
      }
      await Promise.all(sends);
      return start;
    };
    if (warm > 0) {
      log(`warm-up: ${warm} orders at ${o.rate}/s, not measured`);
      await load(0, warm);
      await sleep(1000);
    }

    // the node's event loop, seen from outside: how long a trivial request takes
    const healthRttMs: number[] = [];
    let polling = true;
    const pollHealth = (async () => {
      while (polling) {
        await Promise.all(
          healthConns.map(async (c) => {
            const t = performance.now();
            // a failed probe is no reason to lose the run: the next one reconnects
            const ok = await c.request({ method: 'GET', path: '/v1/health' }).then(
              () => true,
              () => false,
            );
            if (ok) healthRttMs.push(performance.now() - t);
          }),
        );
        await sleep(100);
      }
    })();

    const before = await snapshot(nodes, conns);
    const benchCpu0 = process.cpuUsage();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    log(`${total - warm} orders at ${o.rate}/s over ${o.n} nodes ...`);
    const loadStart = await load(warm, total);
    const loadEnd = performance.now();
    const cpuAtLoadEnd = await Promise.all(nodes.map((x) => cpuMs(x.pid)));
    loop.disable();
    polling = false;
    await pollHealth;
    const acked = ids.slice(warm).filter(Boolean).length;
    log(`${acked} acknowledged in ${Math.round(loadEnd - loadStart)} ms; waiting for equal state hashes`);

    // equal hashes: polled as fast as the nodes answer
    let equalAt = Number.NaN;
    let states: { stateHash: string; eventCount: number }[] = [];
    const hashDeadline = performance.now() + o.settleMs;
    while (performance.now() < hashDeadline) {
      states = await Promise.all(conns.map(bookState));
      if (states.every((s) => s.stateHash === states[0].stateHash && s.eventCount === states[0].eventCount)) {
        equalAt = performance.now();
        break;
      }
      await sleep(5);
    }

    // then every order on every feed and no trade tentative anywhere
    const acks = [...ids.keys()].filter((k) => ids[k] !== undefined);
    const everywhere = () => acks.every((k) => feeds.every((f) => !Number.isNaN(f.appliedAt(k, ids[k]!))));
    let settled = false;
    const settleDeadline = loadEnd + o.settleMs;
    while (performance.now() < settleDeadline) {
      const ms = await Promise.all(conns.map(scrape));
      if (ms.every((m) => m.get('meshbook_tentative_trades') === 0) && everywhere()) {
        settled = true;
        break;
      }
      await sleep(200);
    }
    const benchCpu = process.cpuUsage(benchCpu0);
    const after = await snapshot(nodes, conns);
    // what the origin says of orders some feed never showed (the first few): why they left no trace
    const unseen: Record<string, string> = {};
    for (const k of acks.filter((k) => feeds.some((f) => Number.isNaN(f.appliedAt(k, ids[k]!)))).slice(0, 10)) {
      const order = plan.orders[k];
      const res = await conns[order.node].request({
        method: 'GET',
        path: `/v1/orders/${ids[k]}`,
        headers: headers[order.owner],
      });
      unseen[ids[k]!] = res.body;
    }
    log(settled ? 'settled: every order on every feed, no trade tentative' : `not settled within ${o.settleMs} ms`);
    const peakRssBytes = await Promise.all(nodes.map((x) => peakRss(x.pid)));
    return {
      options: o,
      plan,
      warm,
      sentAt,
      ackAt,
      ids,
      crossedAtOrigin,
      failures,
      feeds,
      before,
      after,
      equalAt,
      equalHash: Number.isNaN(equalAt) ? '' : states[0].stateHash,
      equalEventCount: Number.isNaN(equalAt) ? 0 : states[0].eventCount,
      lastHashes: states.map((s) => `${s.stateHash}/${s.eventCount}`),
      settled,
      unseen,
      peakRssBytes,
      healthRttMs,
      benchLoopP99Ms: loop.percentile(99) / 1e6,
      benchCpuMs: (benchCpu.user + benchCpu.system) / 1000,
      loadStart,
      loadEnd,
      cpuAtLoadEnd,
    };
  } catch (err) {
    for (const [i, x] of nodes.entries()) console.error(`node ${i} stderr (tail):\n${x.stderrTail()}`);
    throw err;
  } finally {
    for (const f of feeds) f.close();
    for (const p of pools) p.close();
    for (const c of [...conns, ...healthConns]) c.close();
    await Promise.all(nodes.map((x) => x.stop()));
    await removeDir(base);
  }
}
