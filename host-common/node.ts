// A meshbook node: wires the parts, each built from what it depends on — the host's ports
// (files, HTTP + WebSocket, process), the engine, the store, the event pipeline, the API — and
// runs the start and shutdown sequences. Every host's main.ts is `runNode(<its host>)`.
//
// Start: data dir → its lock (before anything is written there) → markets check → identity
// → tokens → engine → listen (the API answers 503 while recovering) → recover (snapshot +
// log) → pipeline, fed by the network (gossip in, own batches out, sync both ways) → network
// (libp2p) → catch up from the peers (sync), when there are any to ask → join each market →
// save a generated token → ready → print the one `listening` line. While ready: heartbeats
// (the delivered frontier, for finality and anti-entropy) and sync ticks.
// Stop (SIGINT/SIGTERM): refuse new writes → close streams and the listener (requests in
// flight finish) → leave each market (the leave envelopes gossiped) → stop the network
// (nothing more arrives) → wait for the pipeline → snapshot → close the log → release the lock.

import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { Engine } from '../core-as/src/engine.ts';
import { wasmUrl } from '../core-as/src/wasm.ts';
import { createApp, type Phase } from './api/app.ts';
import { loadTokens } from './api/auth.ts';
import { AuthFailures } from './api/auth-failures.ts';
import { Hub } from './api/hub.ts';
import { Metrics } from './api/metrics.ts';
import { RateLimiter } from './api/rate-limit.ts';
import { type Config, helpText, parseConfig } from './config.ts';
import { ExpiryTimer } from './expiry-timer.ts';
import { type DataDirLock, lockDataDir } from './data-dir-lock.ts';
import { jsonLogger } from './logger.ts';
import { Markets } from './markets.ts';
import { Network } from './net/network.ts';
import type { FileSystem, Host, Logger } from './ports.ts';
import { loadOrCreateIdentity } from './identity/identity.ts';
import { createSigner } from './identity/signer.ts';
import { type Clock, Origin, systemClock } from './pipeline/origin.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { Sync } from './pipeline/sync.ts';
import { marketTopic } from './net/transport.ts';
import { checkApiHost, describeStartFailure, fileProblem, listenProblem } from './start-errors.ts';
import { NodeState } from './state/node-state.ts';
import { Checkpointer } from './store/checkpointer.ts';
import { recover } from './store/recovery.ts';

export const VERSION = '0.1.0';
const MARKETS_FILE = 'markets';
const SHUTDOWN_GRACE_MS = 3000;
/** How long a start waits for a peer to catch up from, when it has peers to ask (bootstrap or known). */
const CATCH_UP_WAIT_MS = 5000;
/** Heartbeats: checked this often, sent when the frontier moved, and at least every HEARTBEAT_IDLE_MS. */
const HEARTBEAT_MS = 200;
const HEARTBEAT_IDLE_MS = 2000;
/** How often the event loop's lag is sampled (meshbook_event_loop_lag_seconds). */
const LAG_SAMPLE_MS = 50;
/** How often sync looks at what heartbeats announced (see pipeline/sync.ts). */
const SYNC_TICK_MS = 250;
/** How long a graceful stop waits for its leave envelopes to be logged and gossiped. */
const LEAVE_WAIT_MS = 2000;
/**
 * The newest envelopes a restart applies with in-memory marks among them (store/recovery.ts):
 * what peers sent before a crash and this node lacks sorts among the last ones it applied, and
 * rolls back to its place there.
 */
const RECOVERY_TAIL = 4096;

export interface RunningNode {
  apiUrl: string;
  apiPort: number;
  peerId: string;
  state: () => NodeState;
  /** The node's libp2p network (its transport is the event pipeline's Transport port). */
  network: Network;
  /** Graceful stop; resolves once the last snapshot is written and the log closed. */
  stop(reason?: string): Promise<void>;
}

/** A data dir belongs to one market list: the core knows markets by index, so a change would remap every order. */
async function checkMarkets(fs: FileSystem, dataDir: string, markets: Markets): Promise<void> {
  const file = `${dataDir}/${MARKETS_FILE}`;
  const want = markets.fingerprint();
  const have = await fs.readFile(file);
  if (have === null) {
    await fs.writeFileAtomic(file, new TextEncoder().encode(`${want}\n`));
    return;
  }
  const text = new TextDecoder().decode(have).trim();
  if (text !== want) {
    throw new Error(
      `${dataDir} holds a book for the markets ${text}, but --markets says ${want}; use the same markets or another --data-dir`,
    );
  }
}

function processMemory(): Record<string, number> {
  const m = process.memoryUsage();
  return { rss: m.rss, heap_used: m.heapUsed, external: m.external, array_buffers: m.arrayBuffers };
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export interface NodeParts {
  /**
   * The wall clock: stamped into each envelope at the origin (createdAt, and the time by which
   * good-till-time orders expire) and what the API checks expiresAt against. Tests pass their own.
   */
  clock?: Clock;
}

export async function startNode(
  host: Host,
  config: Config,
  logger: Logger,
  parts: NodeParts = {},
): Promise<RunningNode> {
  const dataDir = config.dataDir.replace(/\/+$/, '') || '/';
  try {
    await host.fs.mkdirp(dataDir);
  } catch (err) {
    throw fileProblem(err, config.dataDir, 'create') ?? err;
  }
  const lock = await lockDataDir(host.fs, host.process, dataDir);
  try {
    return await startLocked(host, config, logger, parts, dataDir, lock);
  } catch (err) {
    await lock.release().catch(() => {});
    throw err;
  }
}

async function startLocked(
  host: Host,
  config: Config,
  logger: Logger,
  parts: NodeParts,
  dataDir: string,
  lock: DataDirLock,
): Promise<RunningNode> {
  const startedAt = Date.now();
  const clock = parts.clock ?? systemClock;
  const { fs } = host;
  const markets = new Markets(config.markets);
  await checkMarkets(fs, dataDir, markets);
  const { identity } = await loadOrCreateIdentity(fs, dataDir, logger);
  const tokens = await loadTokens({ ...config, dataDir }, fs);

  const wasmPath = fileURLToPath(wasmUrl('release'));
  const wasm = await fs.readFile(wasmPath);
  if (wasm === null) throw new Error(`${wasmPath} is missing: run \`npm run build\` first`);
  const engine = Engine.create(wasm, { markets: markets.size });
  const state = new NodeState({
    engine,
    markets,
    onObserverError: (err) =>
      logger.error('streams: a push failed', { error: (err as Error).message, stack: (err as Error).stack }),
  });

  let phase: Phase = 'starting';
  let pipeline: Pipeline | null = null;
  let apiPort = 0;
  const network = new Network({
    identity,
    fs,
    dataDir,
    logger,
    host: config.p2pHost,
    port: config.p2pPort,
    bootstrap: config.bootstrap,
    mdns: config.mdns,
    dht: config.dht,
    markets: markets.list.map((m) => m.id),
  });
  const metrics = new Metrics();
  const hub = new Hub(markets, () => state);
  const limiter = new RateLimiter(config.rateLimit, config.rateLimit * 2);
  const app = createApp({
    markets,
    state: () => state,
    pipeline: () => pipeline,
    tokens: tokens.tokens,
    limiter,
    authFailures: new AuthFailures({ limit: config.authFailures, logger }),
    clientAddress: host.http.clientAddress?.bind(host.http),
    metrics,
    hub,
    phase: () => phase,
    peerId: identity.peerId,
    upgradeWebSocket: host.http.upgradeWebSocket,
    readBody: host.http.readBody?.bind(host.http),
    bodyLimit: config.bodyLimit,
    logger,
    now: () => clock.now(),
    health: () => ({
      peerId: identity.peerId,
      runtime: host.process.runtime,
      version: VERSION,
      apiPort,
      p2pAddrs: network.addrs(),
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      // Members and finality come with the event pipeline's membership; until then the node
      // answers as a node alone does (docs/api.md: members 1, lag 0, in the majority).
      // eviction (and with it a minority side that knows it is one) is not built yet: always true
      network: {
        peers: network.connectedPeers().length,
        members: Math.max(1, pipeline?.finality?.allMembers().size ?? 1),
        finalityLagMs: pipeline?.finalityLagMs(clock.now()) ?? 0,
        inMajority: true,
      },
    }),
    peers: () => network.peers((peerId) => pipeline?.finality?.isMemberPeer(peerId) ?? false),
  });
  let server: Awaited<ReturnType<typeof host.http.serve>>;
  await checkApiHost(config.apiHost);
  try {
    server = await host.http.serve(app, { hostname: config.apiHost, port: config.apiPort });
  } catch (err) {
    throw listenProblem(err, config.apiHost, config.apiPort);
  }
  apiPort = server.port;

  let recovered: Awaited<ReturnType<typeof recover>>;
  try {
    recovered = await recover({ fs, dataDir, state, logger, rollbackTail: RECOVERY_TAIL });
  } catch (err) {
    await server.close(0).catch(() => {});
    throw err;
  }
  const { wal, snapshots } = recovered;
  const checkpointer = new Checkpointer({
    state: () => state,
    appliedSeq: () => pipeline?.coveredWalSeq ?? wal.lastSeq,
    wal,
    snapshots,
    every: config.snapshotEvery,
    logger,
    mayTruncate: () => !state.rollbackEnabled,
  });
  const signer = createSigner(identity.seed);
  const origin = new Origin({ key: identity.publicKey, engine, signer, clock });
  let sync: Sync | null = null;
  pipeline = new Pipeline({
    engine,
    state,
    wal,
    origin,
    logger,
    transport: network.transport,
    onHeartbeat: (h, from) => sync?.heard(h, from),
    onHeld: (origin, seq) => sync?.gap(origin, seq),
    orderer: recovered.orderer,
    held: recovered.held,
    resume: recovered.tail,
    observer: () => (hub.subscribers > 0 ? hub : null),
    onApplied: () => {
      checkpointer.maybe();
      expiry.reschedule();
    },
  });
  const live = pipeline;
  network.transport.onGossip((topic, data, from) => live.receive(topic, data, from));
  sync = new Sync({ transport: network.transport, pipeline, state, logger });
  sync.serve();
  const syncing = sync;
  try {
    await pipeline.loadHistory();
  } catch (err) {
    await server.close(0).catch(() => {});
    await wal.close().catch(() => {});
    throw err;
  }
  const expiry = new ExpiryTimer({
    nextExpiry: () => state.orders.nextExpiry(),
    sendTime: () => live.submitTime(markets.list[0].id),
    clock,
    logger,
  });

  metrics.addSource(() => {
    const w = wal.stats;
    return [
      {
        name: 'meshbook_events_applied_total',
        help: 'Envelopes applied to the state.',
        type: 'counter',
        value: state.eventCount,
      },
      { name: 'meshbook_trades_total', help: 'Trades since the log began.', type: 'counter', value: state.tradeCount },
      {
        name: 'meshbook_resting_orders',
        help: 'Orders resting in the books.',
        type: 'gauge',
        value: state.restingOrders(),
      },
      {
        name: 'meshbook_known_orders',
        help: 'Orders the node remembers (open and recently finished).',
        type: 'gauge',
        value: state.orders.size,
      },
      // the process's memory, as the runtime sees it (node:process on every host)
      ...Object.entries(processMemory()).map(([kind, value]) => ({
        name: 'meshbook_memory_bytes',
        help: 'Memory of the node process: rss (resident), heap_used (JS objects), external and array_buffers (outside the JS heap: the core’s memory and its images among them).',
        type: 'gauge' as const,
        labels: { kind },
        value,
      })),
      {
        name: 'meshbook_sync_store_bytes',
        help: 'Bytes of recent envelopes the sync store holds in memory (older ones are read back from the log).',
        type: 'gauge',
        value: pipeline?.store.bytes ?? 0,
      },
      {
        name: 'meshbook_sequencer_inflight',
        help: 'Commands signed or logged but not yet applied.',
        type: 'gauge',
        value: pipeline?.inflight ?? 0,
      },
      {
        name: 'meshbook_rollbacks_total',
        help: 'Rollbacks: an envelope sorted before envelopes already applied.',
        type: 'counter',
        value: pipeline?.applier.stats.rollbacks ?? 0,
      },
      {
        name: 'meshbook_hold_releases_total',
        help: 'Received envelopes that waited HOLD_MS (1 ms) for an own batch still on its way to the disk, and applied without it (it then cost a rollback).',
        type: 'counter',
        value: pipeline?.holdsReleased ?? 0,
      },
      {
        name: 'meshbook_past_final_envelopes_total',
        help: 'Envelopes refused because they sort before final ones (applying them would revert final trades).',
        type: 'counter',
        value: pipeline?.pastFinal ?? 0,
      },
      {
        name: 'meshbook_equivocations_total',
        help: 'Signed envelopes that differ from one delivered here under the same origin and seq (their origin equivocated); never applied.',
        type: 'counter',
        value: pipeline?.equivocations ?? 0,
      },
      {
        name: 'meshbook_rollback_deepest_events',
        help: 'The most envelopes one rollback went back past.',
        type: 'gauge',
        value: pipeline?.applier.stats.deepest ?? 0,
      },
      {
        name: 'meshbook_rollback_seconds_total',
        help: 'Time spent going back and replaying.',
        type: 'counter',
        value: (pipeline?.applier.stats.millis ?? 0) / 1000,
      },
      {
        name: 'meshbook_held_events',
        help: 'Envelopes held back after a gap in their origin sequence.',
        type: 'gauge',
        value: pipeline?.orderer.holding ?? 0,
      },
      {
        name: 'meshbook_wal_appends_total',
        help: 'Records appended to the write-ahead log since start.',
        type: 'counter',
        value: w.appends,
      },
      {
        name: 'meshbook_wal_syncs_total',
        help: 'Group commits (one write + fsync each) since start.',
        type: 'counter',
        value: w.syncs,
      },
      {
        name: 'meshbook_wal_bytes_total',
        help: 'Bytes written to the write-ahead log since start.',
        type: 'counter',
        value: w.bytesWritten,
      },
      { name: 'meshbook_wal_segments', help: 'Write-ahead log segment files.', type: 'gauge', value: w.segments },
      {
        name: 'meshbook_snapshots_written_total',
        help: 'Snapshots written since start.',
        type: 'counter',
        value: checkpointer.written,
      },
      {
        name: 'meshbook_stream_subscribers',
        help: 'Open WebSocket and SSE subscribers.',
        type: 'gauge',
        value: hub.subscribers,
      },
      {
        name: 'meshbook_stream_pushes_total',
        help: 'Messages pushed to subscribers.',
        type: 'counter',
        value: hub.pushes,
      },
      {
        name: 'meshbook_uptime_seconds',
        help: 'Seconds since the node started.',
        type: 'gauge',
        value: Math.floor((Date.now() - startedAt) / 1000),
      },
    ];
  });

  metrics.addSource(() => network.metrics());
  metrics.addSource(() => [
    {
      name: 'meshbook_sync_pulls_total',
      help: 'Pulls from peers (sync).',
      type: 'counter',
      value: syncing.stats.pulls,
    },
    {
      name: 'meshbook_sync_pull_failures_total',
      help: 'Pulls that failed (peer unreachable, or it sent bad data).',
      type: 'counter',
      value: syncing.stats.pullFailures,
    },
    {
      name: 'meshbook_sync_envelopes_total',
      help: 'Envelopes received by sync.',
      type: 'counter',
      value: syncing.stats.pulled,
    },
    {
      name: 'meshbook_sync_hash_mismatches_total',
      help: 'Pulls that ended at the peer’s frontier with another state hash (divergence).',
      type: 'counter',
      value: syncing.stats.hashMismatches,
    },
    {
      name: 'meshbook_finality_lag_seconds',
      help: 'Age of the oldest applied envelope that is not final yet.',
      type: 'gauge',
      value: live.finalityLagMs(clock.now()) / 1000,
    },
    {
      name: 'meshbook_members',
      help: 'Members of this node’s markets (join envelopes delivered, not left).',
      type: 'gauge',
      value: live.finality?.allMembers().size ?? 1,
    },
    {
      name: 'meshbook_tentative_trades',
      help: 'Trades not final yet.',
      type: 'gauge',
      value: state.tentativeTrades,
    },
  ]);
  const closeAll = async () => {
    await network.stop().catch(() => {});
    await server.close(0).catch(() => {});
    await wal.close().catch(() => {});
  };
  try {
    await network.start();
  } catch (err) {
    await server.close(0).catch(() => {});
    await wal.close().catch(() => {});
    throw new Error(`the network cannot start on ${config.p2pHost}:${config.p2pPort}: ${(err as Error).message}`);
  }
  const topics = markets.list.map((m) => marketTopic(m.id));
  // heartbeats from now, while catching up: members wait for what this node has delivered
  // before they settle more, so its join sorts after all that is final (pipeline.watch)
  for (const m of markets.list) live.watch(m.id);
  live.heartbeat();
  const heartbeats = setInterval(() => live.heartbeatIfDue(Date.now(), HEARTBEAT_IDLE_MS), HEARTBEAT_MS);
  try {
    // what the peers have delivered first, so this node's own envelopes sort after it
    logger.info('sync: peers to catch up from', { bootstrap: config.bootstrap.length, known: network.book.size });
    if (config.bootstrap.length > 0 || network.book.size > 0) {
      const synced = await syncing.catchUp(topics, CATCH_UP_WAIT_MS);
      logger.info(synced ? 'sync: caught up' : 'sync: no peer answered; starting from the local log', {
        events: state.eventCount,
      });
    }
    for (const m of markets.list) await live.join(m.id);
  } catch (err) {
    clearInterval(heartbeats);
    await closeAll();
    throw err;
  }
  const syncTicks = setInterval(() => syncing.tick(), SYNC_TICK_MS);
  let lagDue = performance.now() + LAG_SAMPLE_MS;
  const lagSamples = setInterval(() => {
    const now = performance.now();
    metrics.loopLag(Math.max(0, now - lagDue) / 1000);
    lagDue = now + LAG_SAMPLE_MS;
  }, LAG_SAMPLE_MS);

  if (tokens.created) {
    try {
      await tokens.save();
    } catch (err) {
      clearInterval(heartbeats);
      clearInterval(syncTicks);
      clearInterval(lagSamples);
      await closeAll();
      throw err;
    }
    // Printed once, on the start that created it; later it is only in the file.
    host.process.stdout(JSON.stringify({ event: 'token', owner: 'local', token: tokens.created, file: tokens.file }));
  }

  phase = 'ready';
  expiry.start();
  const apiUrl = `http://${urlHost(config.apiHost)}:${server.port}`;
  host.process.stdout(
    JSON.stringify({
      event: 'listening',
      api: apiUrl,
      p2p: network.addrs(),
      peerId: identity.peerId,
      runtime: host.process.runtime,
      version: VERSION,
      pid: host.process.pid,
      dataDir,
      markets: markets.list.map((m) => m.id),
      events: state.eventCount,
    }),
  );
  logger.info('node: ready', {
    api: apiUrl,
    peerId: identity.peerId,
    events: state.eventCount,
    replayed: recovered.replayed,
    snapshotSeq: recovered.snapshotSeq,
  });

  let stopping: Promise<void> | null = null;
  const stop = (reason = 'stop'): Promise<void> => {
    stopping ??= (async () => {
      logger.info('node: shutting down', { reason });
      phase = 'stopping';
      expiry.stop();
      clearInterval(heartbeats);
      clearInterval(syncTicks);
      clearInterval(lagSamples);
      hub.closeAll();
      await server.close(SHUTDOWN_GRACE_MS);
      if (!live.failed) {
        // the others stop waiting for this node's reports: its leave, logged and gossiped, then
        // one heartbeat on each market left, which tells a peer that missed the leave it is due
        const left = Promise.all(markets.list.map((m) => live.leave(m.id))).then(() => {
          live.heartbeat();
          return live.flushed();
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, LEAVE_WAIT_MS);
        });
        await Promise.race([left.catch((err) => logger.warn('node: leave failed', { error: err.message })), timeout]);
        clearTimeout(timer);
      }
      await network.stop().catch((err) => logger.error('net: stop failed', { error: (err as Error).message }));
      await pipeline!.idle();
      if (!pipeline!.failed) await checkpointer.flush();
      await wal.close();
      await lock.release();
      logger.info('node: stopped', { events: state.eventCount, walSeq: wal.lastSeq });
    })();
    return stopping;
  };
  return { apiUrl, apiPort: server.port, peerId: identity.peerId, state: () => state, network, stop };
}

/** What a host's main.ts runs: configuration, start, signals, exit codes (config.ts EXIT_CODES). */
export async function runNode(host: Host): Promise<void> {
  const proc: Host['process'] = host.process; // annotated: exit() narrows only through a declared type
  const parsed = parseConfig(proc.args, proc.env);
  if (!parsed.ok) {
    proc.stderr(`meshbook: ${parsed.error.message}`);
    return proc.exit(2);
  }
  if (parsed.help) {
    proc.stdout(helpText('meshbook').trimEnd());
    return proc.exit(0);
  }
  if ('version' in parsed) {
    proc.stdout(`meshbook ${VERSION} (${proc.runtime} ${proc.runtimeVersion})`);
    return proc.exit(0);
  }
  const logger = jsonLogger(parsed.config.logLevel, (line) => proc.stderr(line));
  for (const w of parsed.warnings) logger.warn(w);
  // Signals are taken from before the start, so one that arrives while the node starts (or
  // just after it printed `listening`) still stops it cleanly, once it is up.
  let node: RunningNode | null = null;
  let pending: string | null = null;
  let signals = 0;
  const stop = (signal: string) =>
    node!.stop(signal).then(
      () => proc.exit(0),
      (err) => {
        logger.error('node: shutdown failed', { error: (err as Error).message });
        proc.exit(1);
      },
    );
  proc.onSignal(['SIGINT', 'SIGTERM'], (signal) => {
    if (++signals > 1) {
      logger.warn('node: second signal, exiting without a clean shutdown', { signal });
      proc.exit(130);
    }
    if (node) void stop(signal);
    else pending = signal;
  });
  try {
    node = await startNode(host, parsed.config, logger);
  } catch (err) {
    const message = describeStartFailure(err, parsed.config);
    logger.error('node: cannot start', { error: message });
    proc.stderr(`meshbook: cannot start: ${message}`);
    return proc.exit(1);
  }
  if (pending !== null) void stop(pending);
}
