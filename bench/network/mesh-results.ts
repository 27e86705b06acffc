// The figures of one meshbook run (mesh-run.ts), all times on the bench's one clock:
// propagation from the origin's 201 to the order applied on every other node (and per node),
// time to final, time to equal state hashes, delivery per node, gossip messages and bytes per
// order, CPU per order per node, peak RSS, rollbacks and what they cost.

import { quantile } from './gossip-swarm.ts';
import type { MeshRaw } from './mesh-run.ts';

export interface MeshSummary {
  runtime: string;
  n: number;
  rate: number;
  durationMs: number;
  /** orders sent before, not measured (the warm-up) */
  warmupOrders: number;
  planned: number;
  acked: number;
  failures: Record<string, number>;
  /** orders whose 201 carried a trade, ÷ acked */
  crossingShare: number;
  /** trades between orders of two different nodes, ÷ trades */
  crossNodeTradeShare: number;
  /** achieved rate of 201s over the load */
  ackedPerSecond: number;
  /** POST sent → 201 */
  ackP50Ms: number;
  ackP99Ms: number;
  /** 201 → applied on every other node, orders every node showed */
  propagation: { p50Ms: number; p99Ms: number; maxMs: number; orders: number };
  /** 201 → applied on one other node, per (order, node) */
  propagationEach: { p50Ms: number; p99Ms: number };
  /**
   * The same on the nodes' clocks (pushes' `sentAt`), as bare gossipsub is timed inside its
   * peers: applied at the origin (just before its 201) → applied on every other node. Leaves
   * out the HTTP answer, the WebSocket hop and the bench's own event-loop lag.
   */
  propagationNode: { p50Ms: number; p99Ms: number; maxMs: number; orders: number };
  propagationNodeEach: { p50Ms: number; p99Ms: number };
  /** the taker's 201 → the trade final on every node */
  final: {
    p50Ms: number;
    p99Ms: number;
    /** trade ids any node pushed */
    trades: number;
    finalEverywhere: number;
    /** of those final everywhere: pushed `reverted` first by some node, then made again by the replay */
    remade: number;
    /** pushed `reverted` and never made again: a rollback removed them */
    gone: number;
  };
  /** last 201 → every node answering the same state hash and event count (null: not within the settle time) */
  equalHashMs: number | null;
  /** the same from the last POST sent (later than the last 201 only when the nodes fell behind) */
  equalHashFromLastSendMs: number | null;
  equalHash: string;
  lastHashes: string[];
  /** acked orders each node's feed showed */
  seenPerNode: number[];
  /** the first orders some node's feed never showed */
  missing: { k: number; id: string; node: number; owner: number; body: string; shownBy: boolean[]; atOrigin: string }[];
  everyOrderDelivered: boolean;
  /** orders acknowledged, warm-up included: what every node must have applied */
  acknowledgedAll: number;
  settled: boolean;
  gossip: {
    messagesOutPerOrder: number;
    messagesInPerOrder: number;
    bytesOutPerOrder: number;
    bytesInPerOrder: number;
    /** bytes out ÷ messages out (several orders per message when the nodes batch) */
    meanMessageBytes: number;
    rejected: number;
    /** messages the handler ignored: nothing new in them (e.g. sync had brought them first), or heartbeats that were no news */
    ignored: number;
    syncEnvelopes: number;
  };
  cpuMsPerOrderPerNode: { max: number; mean: number };
  /** CPU time ÷ wall time while the orders came (before → last 201) */
  cpuShareOfOneCorePerNode: { max: number; mean: number };
  maxRssMiB: number;
  /** the largest node's memory at the end, by kind (meshbook_memory_bytes), MiB */
  memoryMiB: Record<string, number>;
  rollbacks: {
    total: number;
    perSecondPerNode: number;
    msEach: number;
    secondsTotal: number;
    deepestEvents: number;
    /** rollbacks ÷ orders, all nodes together */
    perOrder: number;
    /** time inside rollbacks (wall, synchronous code) ÷ the nodes' CPU time */
    shareOfCpu: number;
    /** holds behind an own batch on its way to the disk that reached their cap (meshbook_hold_releases_total): each costs a rollback */
    holdReleases: number;
  };
  /** The nodes' event-loop lag over the run (meshbook_event_loop_lag_seconds, sampled every 50 ms): the worst node's mean, and its p99 as the bucket bound it falls under. */
  loopLagMs: { meanMax: number; p99Max: number };
  /** GET /v1/health round trip during the load: the nodes' event-loop lag plus the bench's */
  healthRttMs: { p50: number; p99: number; max: number };
  benchLoopLagP99Ms: number;
  benchCpuMsPerOrder: number;
}

const sorted = (xs: number[]) => xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/**
 * Propagation of each order from its origin to the other nodes, `delay(k, node)` apart (NaN:
 * never shown): to the last of them ("every"), and to each one.
 */
function spread(
  orders: number[],
  nodes: number,
  originOf: (k: number) => number,
  delay: (k: number, node: number) => number,
) {
  const every: number[] = [];
  const each: number[] = [];
  for (const k of orders) {
    let last = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < nodes; j++) {
      if (j === originOf(k)) continue;
      const t = delay(k, j);
      each.push(t);
      last = Number.isNaN(t) || Number.isNaN(last) ? Number.NaN : Math.max(last, t);
    }
    every.push(last);
  }
  const everyS = sorted(every);
  const eachS = sorted(each);
  return {
    every: {
      p50Ms: r2(quantile(everyS, 0.5)),
      p99Ms: r2(quantile(everyS, 0.99)),
      maxMs: r2(everyS[everyS.length - 1]),
      orders: everyS.length,
    },
    each: { p50Ms: r2(quantile(eachS, 0.5)), p99Ms: r2(quantile(eachS, 0.99)) },
  };
}

export function summarizeMesh(raw: MeshRaw): MeshSummary {
  const { options: o, plan, feeds, ids, ackAt, sentAt } = raw;
  // every order counts for delivery; the figures are of the orders after the warm-up
  const all = [...ids.keys()].filter((k) => ids[k] !== undefined);
  const acks = all.filter((k) => k >= raw.warm);
  const acked = acks.length;
  const indexOf = new Map<string, number>();
  for (const k of acks) indexOf.set(ids[k]!, k);

  // the bench's clock: the 201 as read → the pushes as read
  const bench = spread(
    acks,
    feeds.length,
    (k) => plan.orders[k].node,
    (k, j) => feeds[j].appliedAt(k, ids[k]!) - ackAt[k],
  );
  // the nodes' clocks: applied at the origin → applied on the others
  const nodes = spread(
    acks,
    feeds.length,
    (k) => plan.orders[k].node,
    (k, j) => feeds[j].appliedSent(k, ids[k]!) - feeds[plan.orders[k].node].appliedSent(k, ids[k]!),
  );
  const seenPerNode = feeds.map((f) => all.filter((k) => !Number.isNaN(f.appliedAt(k, ids[k]!))).length);
  const missing = all
    .filter((k) => feeds.some((f) => Number.isNaN(f.appliedAt(k, ids[k]!))))
    .slice(0, 10)
    .map((k) => ({
      k,
      id: ids[k]!,
      node: plan.orders[k].node,
      owner: plan.orders[k].owner,
      body: plan.orders[k].body,
      shownBy: feeds.map((f) => !Number.isNaN(f.appliedAt(k, ids[k]!))),
      atOrigin: raw.unseen[ids[k]!] ?? '',
    }));

  // trades: every id any node pushed. A rollback takes a tentative trade back (pushed `reverted`)
  // and the replay may make it again (pushed again with the same id), or not.
  const tradeIds = new Set(feeds.flatMap((f) => [...f.trades.keys()]));
  const toFinal: number[] = [];
  let finalEverywhere = 0;
  let remade = 0;
  let gone = 0;
  for (const id of tradeIds) {
    const seen = feeds.map((f) => f.trades.get(id));
    const first = seen.find(Boolean)!;
    if (seen.every((s) => s && !Number.isNaN(s.finalAt))) {
      finalEverywhere++;
      if (seen.some((s) => s!.reverted > 0)) remade++;
      const taker = indexOf.get(first.taker);
      if (taker !== undefined) toFinal.push(Math.max(...seen.map((s) => s!.finalAt)) - ackAt[taker]);
    } else if (seen.every((s) => !s || s.last === 'reverted')) gone++;
  }
  // trades between orders of two different nodes
  let crossNode = 0;
  let counted = 0;
  for (const id of tradeIds) {
    const t = feeds.map((f) => f.trades.get(id)).find(Boolean)!;
    if (t.last === 'reverted') continue;
    counted++;
    const a = indexOf.get(t.taker);
    const b = indexOf.get(t.maker);
    if (a !== undefined && b !== undefined && plan.orders[a].node !== plan.orders[b].node) crossNode++;
  }
  const finalS = sorted(toFinal);

  const delta = (name: string) =>
    raw.after.metrics.map((m, i) => (m.get(name) ?? 0) - (raw.before.metrics[i].get(name) ?? 0));
  const total = (name: string) => sum(delta(name));
  const spanMs = raw.after.at - raw.before.at;
  const cpu = raw.after.cpuMs.map((c, i) => c - raw.before.cpuMs[i]);
  const rollbacks = total('meshbook_rollbacks_total');
  // while the orders came: from the before snapshot to the last 201
  const loadCpu = raw.cpuAtLoadEnd.map((c, i) => c - raw.before.cpuMs[i]);
  const loadMs = raw.loadEnd - raw.before.at;
  const lastAck = Math.max(...acks.map((k) => ackAt[k]));
  const rtt = sorted(raw.healthRttMs);
  const ackLat = sorted(acks.map((k) => ackAt[k] - sentAt[k]));
  return {
    runtime: o.runtime,
    n: o.n,
    rate: o.rate,
    durationMs: o.durationMs,
    warmupOrders: raw.warm,
    planned: plan.orders.length - raw.warm,
    acked,
    failures: raw.failures,
    crossingShare: r3(sum(acks.map((k) => raw.crossedAtOrigin[k])) / Math.max(1, acked)),
    crossNodeTradeShare: r3(crossNode / Math.max(1, counted)),
    ackedPerSecond: Math.round((acked * 1000) / (raw.loadEnd - raw.loadStart)),
    ackP50Ms: r2(quantile(ackLat, 0.5)),
    ackP99Ms: r2(quantile(ackLat, 0.99)),
    propagation: bench.every,
    propagationEach: bench.each,
    propagationNode: nodes.every,
    propagationNodeEach: nodes.each,
    final: {
      p50Ms: r2(quantile(finalS, 0.5)),
      p99Ms: r2(quantile(finalS, 0.99)),
      trades: tradeIds.size,
      finalEverywhere,
      remade,
      gone,
    },
    equalHashMs: Number.isNaN(raw.equalAt) ? null : r2(raw.equalAt - lastAck),
    equalHashFromLastSendMs: Number.isNaN(raw.equalAt) ? null : r2(raw.equalAt - Math.max(...sentAt)),
    equalHash: raw.equalHash,
    lastHashes: raw.lastHashes,
    seenPerNode,
    missing,
    // every order a node acknowledged (201), warm-up included, on every node; a POST that failed
    // (no 201: the order was not taken) is counted in `failures`
    everyOrderDelivered: seenPerNode.every((s) => s === all.length),
    acknowledgedAll: all.length,
    settled: raw.settled,
    gossip: {
      messagesOutPerOrder: r3(total('meshbook_gossip_messages_out_total') / acked),
      messagesInPerOrder: r3(total('meshbook_gossip_messages_in_total') / acked),
      bytesOutPerOrder: Math.round(total('meshbook_gossip_bytes_out_total') / acked),
      bytesInPerOrder: Math.round(total('meshbook_gossip_bytes_in_total') / acked),
      meanMessageBytes: Math.round(
        total('meshbook_gossip_bytes_out_total') / Math.max(1, total('meshbook_gossip_messages_out_total')),
      ),
      rejected: total('meshbook_gossip_messages_rejected_total'),
      ignored: total('meshbook_gossip_messages_ignored_total'),
      syncEnvelopes: total('meshbook_sync_envelopes_total'),
    },
    cpuMsPerOrderPerNode: { max: r3(Math.max(...cpu) / acked), mean: r3(sum(cpu) / cpu.length / acked) },
    cpuShareOfOneCorePerNode: {
      max: r3(Math.max(...loadCpu) / loadMs),
      mean: r3(sum(loadCpu) / loadCpu.length / loadMs),
    },
    maxRssMiB: Math.round(Math.max(...raw.peakRssBytes) / 2 ** 20),
    memoryMiB: Object.fromEntries(
      ['rss', 'heap_used', 'external', 'array_buffers'].map((kind) => [
        kind,
        Math.round(
          Math.max(...raw.after.metrics.map((m) => m.get(`meshbook_memory_bytes{kind="${kind}"}`) ?? 0)) / 2 ** 20,
        ),
      ]),
    ),
    rollbacks: {
      total: rollbacks,
      perSecondPerNode: r2((rollbacks * 1000) / spanMs / o.n),
      msEach: rollbacks ? r2((total('meshbook_rollback_seconds_total') * 1000) / rollbacks) : 0,
      secondsTotal: r3(total('meshbook_rollback_seconds_total')),
      deepestEvents: Math.max(...raw.after.metrics.map((m) => m.get('meshbook_rollback_deepest_events') ?? 0)),
      perOrder: r2(rollbacks / acked),
      shareOfCpu: r2((total('meshbook_rollback_seconds_total') * 1000) / sum(cpu)),
      holdReleases: total('meshbook_hold_releases_total'),
    },
    loopLagMs: loopLag(raw.before.metrics, raw.after.metrics),
    healthRttMs: { p50: r2(quantile(rtt, 0.5)), p99: r2(quantile(rtt, 0.99)), max: r2(rtt[rtt.length - 1]) },
    benchLoopLagP99Ms: r2(raw.benchLoopP99Ms),
    benchCpuMsPerOrder: r3(raw.benchCpuMs / acked),
  };
}

const LAG_BOUNDS = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '1', '+Inf'];

/** From the lag histograms before and after, per node: mean and p99 (the upper bound of its bucket); the worst node's. */
function loopLag(before: Map<string, number>[], after: Map<string, number>[]): { meanMax: number; p99Max: number } {
  let meanMax = 0;
  let p99Max = 0;
  after.forEach((a, i) => {
    const b = before[i];
    const d = (key: string) => (a.get(key) ?? 0) - (b.get(key) ?? 0);
    const count = d('meshbook_event_loop_lag_seconds_count');
    if (count <= 0) return;
    meanMax = Math.max(meanMax, (d('meshbook_event_loop_lag_seconds_sum') * 1000) / count);
    const bound = LAG_BOUNDS.find((le) => d(`meshbook_event_loop_lag_seconds_bucket{le="${le}"}`) >= 0.99 * count);
    p99Max = Math.max(
      p99Max,
      bound === undefined || bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound) * 1000,
    );
  });
  return { meanMax: r2(meanMax), p99Max };
}
