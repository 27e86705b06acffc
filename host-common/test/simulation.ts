// One run of the deterministic simulation: 3–7 nodes in one process, each a real pipeline
// (origin, log on an in-memory file system, orderer, applier with rollback) behind an
// in-memory transport whose seeded scheduler delays, reorders, duplicates, loses-then-resends,
// loses for good (on some seeds) and partitions messages; what is lost for good only sync
// (pipeline/sync.ts, over the transport's requests) brings back: heartbeats announce frontiers,
// and a node whose peer stays ahead pulls from it. Each node places, cancels, reduces and amends orders of every type
// at seeded virtual times. Every node joins every market first and sends heartbeats every
// HEARTBEAT_EVERY ms while commands flow; on some seeds one node leaves its markets midway, and
// on some one node comes late: it subscribes and heartbeats while sync brings it the past, then
// joins and trades once it has caught up (its join must sort after everything final elsewhere);
// on some a node crashes, once or twice (the late one or the leaver too, while it catches up
// after a restart too): its transport cut, its disk keeping what was written (and on some seeds
// a torn part of the write on its way), the rest lost; it restarts from its disk as node.ts does:
// recovery, the pipeline resuming from the recovered tail, heartbeats while it catches up from
// a peer, then its join (nothing, for a member by its log) and its commands again.
// The event loop turns 0–2 times between two virtual events: a node's own batch is signed, written
// (on a slow disk on some seeds) and applied in turns of its own, so deliveries, heartbeats and
// the hold's cap (pipeline.ts HOLD_MS, on the virtual clock) land while it is on its way.
// Checked:
// - no trade that a node pushed as final is ever pushed as reverted by that node (every
//   final and every revert is recorded per node, and a rollback that would reach a final
//   envelope fails the node), nor is it different or gone at the end, across a crash too; and
//   no node refuses an envelope for sorting before final ones;
// - every envelope a node acknowledged (its submit resolved) is in the end's set, crash or not;
// - after the last command, rounds of heartbeats and sync ticks bring every node every envelope
//   (sync checks the state hash wherever it ends at its peer's frontier: none may differ), and
//   every trade on every node is then final;
// - every node holds what one fresh state holds after applying the same envelopes in the
//   total order: the same core hash, the same orders and finished orders, the same trade log.

import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { peerIdOf } from '../identity/identity.ts';
import { createSigner, publicKeyOf } from '../identity/signer.ts';
import type { Markets } from '../markets.ts';
import { type Faults, MemoryNetwork, type MemoryTransport } from '../net/memory-transport.ts';
import { marketTopic } from '../net/transport.ts';
import { compareEnvelopes } from '../pipeline/orderer.ts';
import { Origin } from '../pipeline/origin.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { Sync } from '../pipeline/sync.ts';
import { silentLogger } from '../ports.ts';
import { NodeState, type StateObserver } from '../state/node-state.ts';
import type { TradeRecord } from '../state/trades.ts';
import { recover } from '../store/recovery.ts';
import { Wal } from '../store/wal.ts';
import { decodeEnvelope, type Envelope, hex } from '../wire/envelope.ts';
import { sha256 } from '../wire/hash.ts';
import { MemoryFileSystem } from './memory-fs.ts';
import { rng } from './process/fuzz-gen.ts';
import { MARKETS, Workload } from './workload.ts';

export interface SimulationResult {
  seed: number;
  nodes: number;
  envelopes: number;
  /** Nodes that crashed and restarted from their disk. */
  restarts: number;
  rollbacks: number;
  /** Holds of received envelopes behind an own batch that reached their cap (Pipeline.holdsReleased). */
  holdsReleased: number;
  messages: number;
  /** Envelopes sync brought, and pulls that ended at the peer's frontier (their hashes compared). */
  pulled: number;
  hashChecks: number;
  /** Trades that became final, over all nodes, and the virtual ms from a trade's first push (tentative) to its final push. */
  finals: number;
  lagTotal: number;
  lagMax: number;
  /** null when every node equals the reference; else what differs. */
  failure: string | null;
}

const BASE_TIME = 1_760_000_000_000;
/** Virtual ms between a node's heartbeats while commands flow. */
const HEARTBEAT_EVERY = 30;
/** Virtual ms a heartbeat may announce more than a node delivered before it pulls (sync). */
const SYNC_GRACE = 60;
/** Rounds of heartbeats and sync after the last command before a run counts as not converging. */
const MAX_SYNC_ROUNDS = 20;
/** The envelopes a restart applies with marks among them (node.ts RECOVERY_TAIL). */
const RECOVERY_TAIL = 4096;

/** One node: its parts change with each restart (a crash keeps the key, the disk and the subscriber). */
interface SimNode {
  keySeed: Uint8Array;
  key: Uint8Array;
  fs: MemoryFileSystem;
  watch: TradeWatch;
  /** Bumped by each start: what an older incarnation still does after its crash is nobody's. */
  incarnation: number;
  /** Between a crash and the restart. */
  down: boolean;
  /** Restarted and catching up: it takes no command before it joins. */
  starting: boolean;
  engine: Engine;
  state: NodeState;
  wal: Wal;
  transport: MemoryTransport;
  pipeline: Pipeline;
  sync: Sync;
  chance: () => number;
  workload: Workload;
}

/** What one node pushed about trades: the first push of each, finals, and finals later reverted. */
class TradeWatch implements StateObserver {
  private readonly firstSeen = new Map<string, number>();
  readonly finals = new Set<string>();
  readonly violations: string[] = [];
  lagTotal = 0;
  lagMax = 0;
  private readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
  }
  wantsBook(): boolean {
    return false;
  }
  order(): void {}
  book(): void {}
  /** The last push of each trade id: what a subscriber that folds the stream holds. */
  readonly last = new Map<string, TradeRecord>();
  /** Each trade as it was pushed final: it must stay so, through a crash and restart too. */
  readonly finalAs = new Map<string, TradeRecord>();
  /** A restart: the subscriber reconnects, reads the trades the node holds, and folds pushes from there. */
  reconnect(trades: TradeRecord[]): void {
    this.last.clear();
    for (const t of trades) this.last.set(t.id, { ...t });
  }
  trade(t: TradeRecord): void {
    this.last.set(t.id, { ...t });
    if (!this.firstSeen.has(t.id)) this.firstSeen.set(t.id, this.now());
    if (t.status === 'final') {
      if (this.finals.has(t.id)) return;
      this.finals.add(t.id);
      this.finalAs.set(t.id, { ...t });
      const lag = this.now() - this.firstSeen.get(t.id)!;
      this.lagTotal += lag;
      this.lagMax = Math.max(this.lagMax, lag);
    } else if (t.status === 'reverted' && this.finals.has(t.id)) {
      this.violations.push(`trade ${t.id} was final, then reverted`);
    }
  }
}

/** Engines are reused from seed to seed (rewound to an empty book): an instance costs more than a small run. */
const pool: Engine[] = [];
const emptyBooks = new WeakMap<Engine, Uint8Array>();
function engineFrom(module: WebAssembly.Module, markets: Markets): Engine {
  const reused = pool.pop();
  if (reused) {
    reused.rewind(emptyBooks.get(reused)!);
    return reused;
  }
  const engine = Engine.create(module, { markets: markets.size, maxOrders: 4096 });
  emptyBooks.set(engine, engine.snapshot());
  return engine;
}

/** JSON.stringify's replacer for bigint fields. */
const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}` : v);

/** The parts of a state that must agree: core hash, counters, orders (creation order), finished, trades. */
function fingerprint(s: NodeState): string {
  const { orders, finished } = s.orders.entries();
  const trades = s.markets.list.map((_, m) => s.recentTrades(m, 1_000_000).reverse());
  return JSON.stringify(
    {
      hash: s.stateHash(),
      events: s.eventCount,
      lamport: s.lamport,
      tradeCount: s.tradeCount,
      orders,
      finished,
      trades,
    },
    bigints,
  );
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `…${a.slice(Math.max(0, i - 80), i + 80)}… vs …${b.slice(Math.max(0, i - 80), i + 80)}…`;
}

export async function simulate(seed: number, module: WebAssembly.Module, markets: Markets): Promise<SimulationResult> {
  const r = rng(seed);
  const n = 3 + Math.floor(r() * 5);
  const faults: Faults = {
    delay: [0, 5 + Math.floor(r() * 60)],
    duplicate: r() * 0.3,
    drop: r() * 0.3,
    resendAfter: 50 + Math.floor(r() * 200),
    lose: r() < 0.5 ? r() * 0.2 : 0,
  };
  const net = new MemoryNetwork(seed, faults);
  // on some seeds the last node comes late: it subscribes and heartbeats, catches up, then joins and trades
  const late = r() < 0.5 ? n - 1 : -1;
  const lateAt = 40 + r() * 160;
  const published = new Map<string, Envelope>();
  // one memo of signature checks for every node: each still checks all it receives, and a check
  // another node made of the same key, message and signature answers the same (ed25519
  // verification was a third of the simulation's time)
  const verified = new Set<string>();
  // a node's parts; a crash drops all but its key, disk and trade watch, and a restart builds
  // them again from what the disk holds (store/recovery.ts, as node.ts does)
  const boot = async (node: SimNode, restart: boolean) => {
    const engine = engineFrom(module, markets);
    const state = new NodeState({ engine, markets });
    const recovered = restart
      ? await recover({
          fs: node.fs,
          dataDir: '',
          state,
          logger: silentLogger,
          rollbackTail: RECOVERY_TAIL,
          // marks among the tail a few envelopes apart (512 on a node): a late one rolls back to one of them
          tailMarkEvery: 4 + (seed % 29),
        })
      : null;
    const wal = recovered ? recovered.wal : await Wal.open({ fs: node.fs, dir: '/wal' });
    const peer = peerIdOf(node.key);
    const transport = restart ? net.replace(peer) : net.transport(peer);
    const origin = new Origin({
      key: node.key,
      engine,
      signer: createSigner(node.keySeed),
      clock: { now: () => BASE_TIME + Math.floor(net.now) },
    });
    const incarnation = ++node.incarnation;
    let sync: Sync | null = null;
    const pipeline = new Pipeline({
      engine,
      state,
      wal,
      origin,
      logger: silentLogger,
      transport,
      markEvery: 8,
      keepMarks: 100_000,
      // marks spaced by their cost (as on a node) on two seeds in three, fixed 8 apart on the third
      balanceMarks: seed % 3 !== 0,
      // on odd seeds the sync store keeps a few envelopes in memory: peers are served from the log
      ...(seed % 2 === 1 ? { storeCacheBytes: 2048 } : {}),
      // a crashed incarnation that still runs (its promises settle) is heard by no one
      observer: () => (node.incarnation === incarnation ? node.watch : null),
      onHeartbeat: (h, from) => sync?.heard(h, from),
      onHeld: (origin, seq) => sync?.gap(origin, seq),
      // the hold's cap on the virtual clock: where it ends among deliveries is part of the seed
      after: (ms, fn) => net.schedule(net.now + ms, fn),
      verified,
      ...(recovered ? { orderer: recovered.orderer, held: recovered.held, resume: recovered.tail } : {}),
    });
    if (recovered) await pipeline.loadHistory();
    sync = new Sync({ transport, pipeline, state, logger: silentLogger, now: () => net.now, graceMs: SYNC_GRACE });
    sync.serve();
    transport.onGossip((topic, data, from) => pipeline.receive(topic, data, from));
    Object.assign(node, { engine, state, wal, transport, pipeline, sync });
  };
  const nodes: SimNode[] = [];
  /** Crashed incarnations: their engines go back to the pool once nothing of theirs is under way. */
  const retired: { engine: Engine; pipeline: Pipeline }[] = [];
  for (let i = 0; i < n; i++) {
    const keySeed = sha256(`simulation ${seed} node ${i}`);
    // on two seeds in three the disk is slow: a write takes 0–3 turns of the event loop, so
    // that more of the pipeline's steps interleave with it
    const disk = rng(seed * 53 + i);
    const node = {
      keySeed,
      key: publicKeyOf(keySeed),
      fs: new MemoryFileSystem(seed % 3 !== 0 ? { writeDelay: () => Math.floor(disk() * 4) } : {}),
      watch: new TradeWatch(() => net.now),
      incarnation: 0,
      down: false,
      starting: false,
      chance: rng(seed * 37 + i),
      workload: new Workload(seed * 31 + i),
    } as SimNode;
    await boot(node, false);
    if (i !== late) for (const m of MARKETS) node.transport.subscribe(marketTopic(m));
    await node.transport.start();
    nodes.push(node);
  }

  // each node's commands at seeded virtual times; a partition of two sides for a while, sometimes
  const failures: string[] = [];
  // envelopes asked for, and those whose caller heard back (durable: they must be in the end's
  // set); a crash leaves the ones in between to chance
  let submitted = 0;
  let acked = 0;
  // (`counts`: false for a join that logs nothing when the node is a member by its log)
  const ask = <T>(node: SimNode, what: string, p: Promise<T>, counts = true): Promise<T | undefined> => {
    submitted++;
    const incarnation = node.incarnation;
    return p.then(
      (x) => {
        if (node.incarnation !== incarnation) return undefined;
        if (counts) acked++;
        return x;
      },
      (err) => {
        if (node.incarnation === incarnation) failures.push(`${what} failed: ${(err as Error).message}`);
        return undefined;
      },
    );
  };
  // a leave before the node joined (the late node, still catching up) logs nothing
  const joined = new Set<SimNode>();
  const membership = (node: SimNode, change: 'join' | 'leave') => {
    if (change === 'join' && joined.has(node)) return; // joined by its restart already
    if (change === 'join') joined.add(node);
    for (const m of MARKETS) {
      if (joined.has(node)) void ask(node, change, node.pipeline[change](m));
      else node.pipeline[change](m).catch((err) => failures.push(`${change} failed: ${(err as Error).message}`));
    }
  };
  const leaver = r() < 0.25 ? Math.floor(r() * n) : -1;
  // a restart from the disk, as node.ts starts: heartbeats while it catches up from a peer, then
  // its join (a member by its log logs nothing; one that had left, or whose join the crash lost,
  // logs a join now), then commands again
  const restart = async (node: SimNode) => {
    await boot(node, true);
    node.watch.reconnect(markets.list.flatMap((_, m) => node.state.recentTrades(m, 1_000_000)));
    for (const m of MARKETS) node.transport.subscribe(marketTopic(m));
    await node.transport.start();
    node.down = false;
    node.starting = true;
    for (const m of MARKETS) node.pipeline.watch(m);
    node.pipeline.heartbeat();
    const incarnation = node.incarnation;
    void (async () => {
      while (!(await node.sync.catchUp(MARKETS.map(marketTopic), 0).catch(() => false))) {
        await new Promise<void>((resolve) => net.schedule(net.now + HEARTBEAT_EVERY, resolve));
        if (node.incarnation !== incarnation) return;
        node.pipeline.heartbeat();
      }
      if (node.incarnation !== incarnation) return; // crashed again while it caught up
      joined.add(node);
      for (const m of MARKETS) void ask(node, 'join', node.pipeline.join(m), false);
      node.starting = false;
    })();
  };
  // on some seeds one or two crashes (the same node twice, maybe while it catches up): the
  // transport cut, the disk as written, a restart from it a while later
  const c = rng(seed * 97);
  let crashes = 0;
  const planned = c() < 0.3 ? 1 + Math.floor(c() * 2) : 0;
  // on half of those seeds a crash tears the log's write on its way (recovery cuts it off)
  const tearing = c() < 0.5;
  for (let k = 0; k < planned; k++) {
    const node = nodes[Math.floor(c() * n)];
    const downFor = 5 + c() * 120;
    net.schedule(60 + c() * 260, async () => {
      if (node.down) return; // down already: no second crash
      crashes++;
      node.down = true;
      node.starting = false;
      await node.transport.stop();
      node.incarnation++;
      node.fs = node.fs.afterCrash(tearing ? c : undefined);
      retired.push({ engine: node.engine, pipeline: node.pipeline });
      net.schedule(net.now + downFor, () => restart(node));
    });
  }
  /** Runs `f` on the node while it is up (a crashed node hears no timer). */
  const up = (node: SimNode, f: () => void) => () => {
    if (!node.down) f();
  };
  /** Runs `f` on the node while it is up and has started (as node.ts answers 503 before then). */
  const ready = (node: SimNode, f: () => void) => () => {
    if (!node.down && !node.starting) f();
  };
  for (const [i, node] of nodes.entries()) {
    let from = 0;
    // the late node joins and trades once it has caught up from the peers it sees (as node.ts does)
    let caughtUp: Promise<void> = Promise.resolve();
    if (i === late) {
      net.schedule(lateAt, () => {
        for (const m of MARKETS) {
          node.transport.subscribe(marketTopic(m));
          node.pipeline.watch(m);
        }
        node.pipeline.heartbeat();
        // again until a peer answers: cut off from every member by a partition at its start, it
        // could not tell that it is not a founder (a node gives up after CATCH_UP_WAIT_MS and
        // starts alone: concurrent founders, which finality.ts leaves uncovered)
        caughtUp = (async () => {
          while (!(await node.sync.catchUp(MARKETS.map(marketTopic), 0).catch(() => false)))
            await new Promise<void>((resolve) => net.schedule(net.now + HEARTBEAT_EVERY, resolve));
        })();
      });
      from = lateAt + 1 + r() * 40;
    }
    const afterCatchUp = (run: () => void) => () => {
      void caughtUp.then(run);
    };
    net.schedule(from, afterCatchUp(ready(node, () => membership(node, 'join'))));
    for (let t = HEARTBEAT_EVERY; t <= 450; t += HEARTBEAT_EVERY) {
      net.schedule(
        t,
        up(node, () => node.pipeline.heartbeat()),
      );
      net.schedule(
        t + 1,
        up(node, () => node.sync.tick()),
      );
    }
    if (i === leaver)
      net.schedule(
        320 + r() * 100,
        ready(node, () => membership(node, 'leave')),
      );
    const count = 2 + Math.floor(r() * 12);
    for (let k = 0; k < count; k++) {
      net.schedule(
        from + r() * (i === late ? 120 : 300),
        afterCatchUp(
          ready(node, () => {
            const c = node.workload.next(BASE_TIME + Math.floor(net.now));
            void ask(node, 'submit', node.pipeline.submit(c.market, c.owner, c.body)).then((o) => {
              if (o?.ok && c.body.kind === C.CMD_PLACE)
                node.workload.placed.push({ id: o.order.id, market: c.market, owner: c.owner });
            });
            // sometimes a heartbeat soon after, often while the command is not yet applied: its
            // seq is announced before its envelope leaves, after envelopes delivered since it was created
            if (node.chance() < 0.5)
              net.schedule(
                net.now + node.chance() * 4,
                up(node, () => node.pipeline.heartbeat()),
              );
          }),
        ),
      );
    }
  }
  if (r() < 0.3) {
    const peers = net.peers;
    const cut = 1 + Math.floor(r() * (peers.length - 1));
    net.schedule(r() * 100, () => net.partition([peers.slice(0, cut), peers.slice(cut)]));
    net.schedule(150 + r() * 200, () => net.heal());
  }

  const running = () => nodes.filter((x) => !x.down);
  const settle = async () => {
    await Promise.all(running().map((x) => x.pipeline.idle()));
    await new Promise((resolve) => setImmediate(resolve));
    // a pull under way waits on the log (real I/O on the in-memory file system)
    while (running().some((x) => x.sync.busy)) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      await Promise.all(running().map((x) => x.pipeline.idle()));
    }
  };
  const turns = rng(seed * 71);
  const quiesce = async () => {
    for (;;) {
      if (await net.step()) {
        // 0–2 turns of the event loop per virtual event (seeded): what a node does in its own
        // turns (a batch's commit on the slow disk, its apply in the check phase) overlaps
        // deliveries, by more or less
        for (let k = Math.floor(turns() * 3); k > 0; k--) await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      await settle();
      if (net.pending === 0 && running().every((x) => x.pipeline.inflight === 0)) {
        await settle();
        if (net.pending === 0) break;
      }
    }
  };
  await quiesce();
  // what was lost for good: heartbeats announce it, and sync pulls it after its grace; rounds of
  // heartbeats (lost ones too) until every trade is final
  const frontier = (x: (typeof nodes)[number]) =>
    [...x.pipeline.orderer.entries()]
      .filter(([, seq]) => seq > 0n)
      .map(([o, seq]) => `${o}:${seq}`)
      .sort()
      .join(',');
  for (let round = 0; ; round++) {
    const converged = nodes.every((x) => frontier(x) === frontier(nodes[0]) && x.pipeline.orderer.holding === 0);
    const final = nodes.every((x) => x.state.tentativeTrades === 0);
    if ((converged && final) || round === MAX_SYNC_ROUNDS) {
      if (!converged) failures.push(`frontiers still differ after ${round} rounds of heartbeats and sync`);
      break;
    }
    for (const node of nodes) node.pipeline.heartbeat();
    await quiesce();
    net.schedule(net.now + SYNC_GRACE + 1, () => {
      for (const node of nodes) node.sync.tick();
    });
    await quiesce();
  }
  for (const node of nodes) {
    for (const e of await ownEnvelopes(node.wal, node.key)) published.set(hex(e.id), e);
    await node.wal.close();
  }

  const all = [...published.values()].sort(compareEnvelopes);
  const referenceEngine = engineFrom(module, markets);
  const reference = new NodeState({ engine: referenceEngine, markets });
  reference.enableRollback();
  reference.tradeStatus = 'final'; // what every node's trades end as
  reference.apply(all);
  const want = fingerprint(reference);
  for (const [i, node] of nodes.entries()) {
    if (node.pipeline.failed) failures.push(`node ${i} failed: ${node.pipeline.failed.message}`);
    if (node.pipeline.pastFinal > 0)
      failures.push(`node ${i} refused ${node.pipeline.pastFinal} envelopes sorting before final ones`);
    if (node.pipeline.orderer.holding > 0) failures.push(`node ${i} still holds ${node.pipeline.orderer.holding}`);
    for (const v of node.watch.violations) failures.push(`node ${i}: ${v}`);
    // the pushes, folded by trade id, are the node's trade log: nothing missed, nothing stale
    const log = markets.list.flatMap((_, m) => node.state.recentTrades(m, 1_000_000));
    const folded = [...node.watch.last.values()].filter((t) => t.status !== 'reverted');
    const show = (ts: TradeRecord[]) =>
      JSON.stringify(
        ts.sort((a, b) => (a.id < b.id ? -1 : 1)),
        bigints,
      );
    const [pushed, logged] = [show(folded), show(log)];
    if (pushed !== logged)
      failures.push(`node ${i}: its pushed trades folded differ from its log: ${firstDifference(pushed, logged)}`);
    if (node.state.tentativeTrades > 0) failures.push(`node ${i}: ${node.state.tentativeTrades} trades not final`);
    const got = fingerprint(node.state);
    if (got !== want) failures.push(`node ${i} differs from the total order: ${firstDifference(got, want)}`);
  }
  // what a node acknowledged is in the set; what it had not when it crashed may or may not be
  if (crashes === 0 ? all.length !== submitted : all.length < acked || all.length > submitted)
    failures.push(`${submitted} envelopes asked for, ${acked} acknowledged, ${all.length} seen`);
  // a trade pushed final stays as it was, through a crash and restart too
  for (const [i, node] of nodes.entries()) {
    const log = new Map(markets.list.flatMap((_, m) => node.state.recentTrades(m, 1_000_000)).map((t) => [t.id, t]));
    for (const [id, t] of node.watch.finalAs) {
      const now = log.get(id);
      if (!now || JSON.stringify(now, bigints) !== JSON.stringify(t, bigints))
        failures.push(`node ${i}: trade ${id} was pushed final, and is ${now ? 'now different' : 'gone'}`);
    }
  }
  for (const [i, node] of nodes.entries()) {
    if (node.sync.stats.hashMismatches > 0)
      failures.push(`node ${i}: sync saw another state hash at the same frontier`);
  }
  pool.push(referenceEngine, ...nodes.map((x) => x.engine));
  // a crashed incarnation's only once it has nothing under way that could still touch it
  for (const x of retired) if (x.pipeline.inflight === 0) pool.push(x.engine);
  return {
    seed,
    nodes: n,
    envelopes: all.length,
    restarts: crashes,
    rollbacks: nodes.reduce((sum, x) => sum + x.pipeline.applier.stats.rollbacks, 0),
    holdsReleased: nodes.reduce((sum, x) => sum + x.pipeline.holdsReleased, 0),
    messages: net.stats.sent,
    pulled: nodes.reduce((sum, x) => sum + x.sync.stats.pulled, 0),
    hashChecks: nodes.reduce((sum, x) => sum + x.sync.stats.hashChecks, 0),
    finals: nodes.reduce((sum, x) => sum + x.watch.finals.size, 0),
    lagTotal: nodes.reduce((sum, x) => sum + x.watch.lagTotal, 0),
    lagMax: Math.max(0, ...nodes.map((x) => x.watch.lagMax)),
    failure: failures.length > 0 ? failures.join('\n') : null,
  };
}

/** A node's own envelopes, from its log: together, every node's own are the whole set. */
async function ownEnvelopes(wal: Wal, key: Uint8Array): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const rec of wal.replay(0)) {
    const e = decodeEnvelope(rec.payload);
    if (hex(e.origin) === hex(key)) out.push(e);
  }
  return out;
}
