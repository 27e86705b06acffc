// The Markdown of the network bench (bench/results/network.md): one row per N × rate with
// meshbook and the bare gossipsub baseline side by side, the targets met or not, and the details.

import type { SwarmSummary } from './gossip-swarm.ts';
import type { MeshSummary } from './mesh-results.ts';

export interface Row {
  mesh: MeshSummary;
  baseline: SwarmSummary;
  /** the baseline with meshbook's gossip (its messages a second and mean size), each signed at publish and checked at receipt */
  signed: SwarmSummary;
  loadAverage1m: number;
}

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  loadBefore: string;
  loadAfter: string;
  runtime: string;
  runtimeVersion: string;
  elapsedSeconds: number;
}

/** The targets of the issue. */
export const TARGETS = { propagationRatio: 1.5, equalHashMs: 2000 };

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const failedPosts = (m: MeshSummary) => Object.values(m.failures).reduce((sum, k) => sum + k, 0);
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? a / b : Number.NaN);
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

export function targets(r: Row) {
  // both sides timed inside the processes, on the machine's one clock
  const p50 = ratio(r.mesh.propagationNode.p50Ms, r.baseline.allP50Ms);
  const p99 = ratio(r.mesh.propagationNode.p99Ms, r.baseline.allP99Ms);
  return {
    p50Ratio: p50,
    p99Ratio: p99,
    propagation: p50 <= TARGETS.propagationRatio && p99 <= TARGETS.propagationRatio,
    equalHash: r.mesh.equalHashMs !== null && r.mesh.equalHashMs <= TARGETS.equalHashMs,
    delivered: r.mesh.everyOrderDelivered,
  };
}

export function markdown(command: string, machine: Machine, rows: Row[]): string {
  const main = rows.map((r) => {
    const m = r.mesh;
    const t = targets(r);
    return `| ${m.n} | ${m.rate} | ${f1(m.propagationNode.p50Ms)} / ${f1(m.propagationNode.p99Ms)} | ${f1(r.baseline.allP50Ms)} / ${f1(r.baseline.allP99Ms)} | **${t.p50Ratio.toFixed(2)}× / ${t.p99Ratio.toFixed(2)}×** | ${f1(m.propagation.p50Ms)} / ${f1(m.propagation.p99Ms)} | ${f1(m.final.p50Ms)} / ${f1(m.final.p99Ms)} | ${m.equalHashMs === null ? 'not reached' : `${Math.round(m.equalHashMs)} ms`} | ${m.everyOrderDelivered ? 'yes' : `**no**: ${m.seenPerNode.join(' / ')} of ${m.acknowledgedAll}`}${failedPosts(m) ? ` (${failedPosts(m)} POSTs failed, not taken)` : ''} | ${m.gossip.messagesOutPerOrder} / ${m.gossip.messagesInPerOrder} | ${m.gossip.bytesOutPerOrder} / ${m.gossip.bytesInPerOrder} | ${m.cpuMsPerOrderPerNode.max} | ${m.maxRssMiB} MiB | ${m.rollbacks.perSecondPerNode} (${m.rollbacks.msEach} ms) | ${m.loopLagMs.meanMax} / ${Number.isFinite(m.loopLagMs.p99Max) ? `≤ ${m.loopLagMs.p99Max}` : '> 1000'} |`;
  });
  const goals = rows.map((r) => {
    const t = targets(r);
    return `| ${r.mesh.n} | ${r.mesh.rate} | ${yes(t.p50Ratio <= TARGETS.propagationRatio)} (${t.p50Ratio.toFixed(2)}×) | ${yes(t.p99Ratio <= TARGETS.propagationRatio)} (${t.p99Ratio.toFixed(2)}×) | ${yes(t.equalHash)} (${r.mesh.equalHashMs === null ? 'not reached' : `${Math.round(r.mesh.equalHashMs)} ms after the last 201; ${Math.round(r.mesh.equalHashFromLastSendMs ?? Number.NaN)} ms after the last order was due`}) | ${yes(t.delivered)} |`;
  });
  const details = rows.map((r) => {
    const m = r.mesh;
    const b = r.baseline;
    const fails = Object.entries(m.failures)
      .map(([k, v]) => `${v}× ${k}`)
      .join(', ');
    return `| ${m.n} | ${m.rate} | ${r.loadAverage1m} | ${m.acked}/${m.planned}${fails ? ` (${fails})` : ''} | ${m.ackedPerSecond} | ${m.ackP50Ms} / ${m.ackP99Ms} | ${f1(m.propagationEach.p50Ms)} / ${f1(m.propagationEach.p99Ms)} | ${f1(b.p50Ms)} / ${f1(b.p99Ms)} | ${(b.delivered * 100).toFixed(1)}% | ${Math.round(m.crossingShare * 100)}% / ${Math.round(m.crossNodeTradeShare * 100)}% | ${m.final.trades} / ${m.final.finalEverywhere} / ${m.final.remade} / ${m.final.gone} | ${m.rollbacks.total} (${m.rollbacks.secondsTotal} s, deepest ${m.rollbacks.deepestEvents}) | ${m.gossip.meanMessageBytes} B | ${m.gossip.syncEnvelopes} | ${m.gossip.rejected} / ${m.gossip.ignored} | ${m.cpuMsPerOrderPerNode.mean} / ${m.cpuMsPerOrderPerNode.max} | ${m.cpuShareOfOneCorePerNode.max} | ${b.cpuMsPerMessagePerNode.toFixed(3)} | ${Math.round(b.maxRssMiB)} MiB | ${m.healthRttMs.p50} / ${m.healthRttMs.p99} / ${m.healthRttMs.max} | ${m.benchLoopLagP99Ms} | ${m.benchCpuMsPerOrder} |`;
  });
  // CPU of all the processes of one side together, in cores
  const cores = (x: SwarmSummary) => x.cpuCores.toFixed(2);
  const floor = rows.map((r) => {
    const b = r.baseline;
    const g = r.signed;
    const m = r.mesh.propagationNode;
    const x = (a: number, c: number) => `${ratio(a, c).toFixed(2)}×`;
    return `| ${r.mesh.n} | ${r.mesh.rate} | ${f1(b.allP50Ms)} / ${f1(b.allP99Ms)} | ${g.rate} / s, ${g.size} B | ${f1(g.allP50Ms)} / ${f1(g.allP99Ms)} | ${x(g.allP50Ms, b.allP50Ms)} / ${x(g.allP99Ms, b.allP99Ms)} | ${f1(m.p50Ms)} / ${f1(m.p99Ms)} | ${x(m.p50Ms, g.allP50Ms)} / ${x(m.p99Ms, g.allP99Ms)} | ${g.cpuMsPerMessagePerNode.toFixed(3)} / ${b.cpuMsPerMessagePerNode.toFixed(3)} | ${cores(b)} / ${cores(g)} / ${(r.mesh.cpuShareOfOneCorePerNode.mean * r.mesh.n).toFixed(2)} + ${((r.mesh.benchCpuMsPerOrder * r.mesh.rate) / 1000).toFixed(2)} |`;
  });
  const reading = rows.map((r) => {
    const m = r.mesh;
    const t = targets(r);
    const kept = m.ackedPerSecond >= 0.95 * m.rate;
    return [
      `- N=${m.n}, ${m.rate}/s: `,
      kept
        ? `the nodes answered at the rate (${m.ackedPerSecond}/s, POST → 201 p50 ${m.ackP50Ms} ms)`
        : `the nodes fell behind: ${m.ackedPerSecond} answers/s for ${m.rate}/s sent, POST → 201 p50 ${m.ackP50Ms} ms, p99 ${m.ackP99Ms} ms (the hashes were equal ${m.equalHashFromLastSendMs === null ? 'never' : `${Math.round(m.equalHashFromLastSendMs)} ms`} after the last order was due on the open-loop schedule, orders waiting in the bench's client included)`,
      `; ${m.rollbacks.total} rollbacks (${m.rollbacks.perOrder} per order, ${m.rollbacks.msEach} ms each, deepest ${m.rollbacks.deepestEvents} envelopes; ${m.rollbacks.holdReleases} holds behind an own batch reached their 1 ms, each a rollback when the batch landed), `,
      `time in rollbacks (wall) ${Math.round(m.rollbacks.shareOfCpu * 100)}% of the nodes' CPU time${m.rollbacks.shareOfCpu > 1 ? ' (over 100%: the nodes waited for a core inside rollbacks)' : ''}; `,
      `/v1/health round trip p99 ${m.healthRttMs.p99} ms; propagation p50 ${t.p50Ratio <= TARGETS.propagationRatio ? 'within' : 'not within'} and p99 ${t.p99Ratio <= TARGETS.propagationRatio ? 'within' : 'not within'} ${TARGETS.propagationRatio}× of bare gossipsub.`,
    ].join('');
  });
  return [
    '# Network benchmark: meshbook nodes against bare gossipsub',
    '',
    `\`${command}\` (bench/network/run.ts) — ${machine.date}, ${machine.elapsedSeconds} s in all.`,
    `Runtime: ${machine.runtime} ${machine.runtimeVersion}. Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}; ${machine.os}.`,
    `Load average (1, 5, 15 min) before: ${machine.loadBefore}; after: ${machine.loadAfter}. The machine is shared and noisy: compare the two sides of one row, not rows of different runs.`,
    '',
    'Each row: N meshbook node processes on 127.0.0.1 (each dialing every earlier one; mDNS and DHT off), orders',
    'POSTed at a steady total rate, spread round-robin over the nodes (GTC limits, each at its own price, a third priced',
    "through the mid so they cross, mostly against other nodes' orders); then the bare gossipsub baseline",
    "(bench/network/gossip-peer.ts: meshbook's libp2p stack, no book, no log) with the same N and rate, one message per order",
    'of the gossip bytes an order cost meshbook (its bytes out ÷ orders: the same bytes a second; meshbook itself batches',
    'several orders per message once orders come faster than its log commits). Both sides first run the same load for',
    '--warmup ms (2 s), left out of every figure: the figures are of processes past their first seconds (JIT, first',
    'touches of memory). Times in ms.',
    '',
    '| N | orders/s | meshbook: applied at the origin → on every node, p50 / p99 | bare gossipsub: publish → every peer, p50 / p99 | ratio p50 / p99 | meshbook as the bench saw it: 201 → every push, p50 / p99 | time to final p50 / p99 | equal state hashes after the last 201 | every acknowledged order delivered | gossip messages / order (out / in) | gossip bytes / order (out / in) | CPU ms / order / node (max) | RSS max | rollbacks / s / node (ms each) | event-loop lag, worst node: mean / p99 (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...main,
    '',
    `Targets: propagation within ${TARGETS.propagationRatio}× of bare gossipsub at p50 and p99; equal state hashes within ${TARGETS.equalHashMs} ms of the last order; every order delivered (every order a node answered 201, warm-up included, applied on every node; a POST without an answer was not taken).`,
    '',
    '| N | orders/s | propagation p50 | propagation p99 | equal hashes within 2 s of the last 201 | every order delivered |',
    '|---|---|---|---|---|---|',
    ...goals,
    '',
    "**The signature floor.** Every node must check the origin's signature on what it receives before it accepts or",
    'forwards it (StrictNoSign gossip: the envelopes carry it). The baseline, run once more with the gossip meshbook',
    'sent in the row (as many messages a second, of their mean size: order batches, one signature each, and',
    "heartbeats), each message signed by its publisher and checked by every receiver (ed25519, meshbook's own signer",
    'and verifier), is the propagation a node would have if it did nothing else: no log, no ordering, no book, no API.',
    `Signed ÷ bare is the share of the ${TARGETS.propagationRatio}× budget that check takes on this machine; meshbook ÷ signed is`,
    "what logging, ordering, applying and the node's other work add on top. The last column is the CPU each side kept",
    `busy, in cores (of the machine's ${machine.cores}): where gossip alone takes most of them, a node that also logs and`,
    'applies every order has little room left.',
    '',
    "| N | orders/s | bare gossipsub p50 / p99 | meshbook's gossip, signed and checked: messages / s, size | its propagation p50 / p99 | signed ÷ bare p50 / p99 | meshbook p50 / p99 | meshbook ÷ signed p50 / p99 | CPU ms / message / node, signed / bare | CPU in cores: bare / signed / meshbook's nodes + the bench |",
    '|---|---|---|---|---|---|---|---|---|---|',
    ...floor,
    '',
    'Reading this run (figures from the table below):',
    '',
    ...reading,
    '',
    "**Event-loop lag** of the nodes: each node's `meshbook_event_loop_lag_seconds` histogram (how late a 50 ms",
    "timer fired), before and after the run: the worst node's mean, and its p99 as the bucket bound it falls under.",
    "The round trip of GET /v1/health during the load (below) holds the node's lag plus the bench's.",
    '',
    'How each figure is taken:',
    '',
    "- **applied on a node**: the first push on that node's WebSocket (`book` and `trades` of the market) that shows",
    '  the order — a level at its price (no other order has that price), or a trade naming it. Propagation (and the',
    "  ratio) is on the nodes' clocks, as the baseline's is on its peers': from the push's `sentAt` on the origin (the",
    '  order applied there, after the publish and just before its 201) to the latest `sentAt` over the other N − 1',
    '  nodes. "As the bench saw',
    '  it" is the same on the bench\'s clock, from reading the 201 to reading the pushes, so it adds the WebSocket hop and',
    "  the bench's own event-loop lag. Orders some node never showed are left out of the latencies and counted under",
    '  "every acknowledged order delivered".',
    '- **bare gossipsub**: publish → receipt measured inside each receiving peer (no HTTP, no WebSocket, no bench in',
    '  between); "every peer" is the latest receipt of a message over the other N − 1 peers.',
    "- **time to final**: the taker's 201 → the trade pushed `final` by every node.",
    '- **equal state hashes**: GET /v1/markets/BTC-USD/book of every node polled back to back after the last 201 until',
    '  all show the same `stateHash` and `eventCount`; the time of the first poll that ended equal.',
    "- **gossip messages and bytes**: the nodes' `meshbook_gossip_{messages,bytes}_{out,in}_total` summed over the",
    '  nodes, after minus before, ÷ orders; published and received application messages (order batches and',
    '  heartbeats), not libp2p frames.',
    '- **CPU**: /proc/<pid>/stat utime + stime of each node process, after minus before, ÷ orders; **RSS**: VmHWM.',
    '- **rollbacks**: `meshbook_rollbacks_total` and `meshbook_rollback_seconds_total`, after minus before; holds that reached their cap: `meshbook_hold_releases_total`.',
    '',
    '| N | orders/s | load 1m | acked | acked / s | POST → 201 p50 / p99 | meshbook 201 → one other node p50 / p99 | gossipsub per receipt p50 / p99 | gossipsub delivered | crossed at origin / trades across nodes | trade ids / final everywhere / of them reverted then remade / reverted for good | rollbacks (time, deepest) | mean gossip message | envelopes by sync | gossip messages rejected / ignored | CPU ms / order / node mean / max | CPU share of a core (max node) | gossipsub CPU ms / message / node | gossipsub RSS | /v1/health RTT p50 / p99 / max | bench loop lag p99 | bench CPU ms / order |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...details,
    '',
  ].join('\n');
}
