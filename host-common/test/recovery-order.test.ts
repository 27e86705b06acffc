// Restart from a log written in arrival order: a node receives signed batches of three other
// origins out of order (gaps held back, copies dropped) and places its own orders in between,
// takes a checkpoint in the middle (while envelopes are held after a gap), and goes on. A
// restart (newest checkpoint + the log after it, through the orderer, in the total order)
// must give the hash and tables it had, which are those of one fresh state applying the
// same set in the total order. When a record after the checkpoint sorts before its end,
// recovery rebuilds from the whole log, with the same result. Real files, real signatures.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { createSigner } from '../identity/signer.ts';
import { Markets } from '../markets.ts';
import { MemoryNetwork } from '../net/memory-transport.ts';
import { marketTopic } from '../net/transport.ts';
import { compareEnvelopes } from '../pipeline/orderer.ts';
import { Origin } from '../pipeline/origin.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { NodeState } from '../state/node-state.ts';
import { recover } from '../store/recovery.ts';
import { encodeBatch } from '../wire/batch.ts';
import { decodeEnvelope, type Envelope } from '../wire/envelope.ts';
import { keyPairOf, memoryLogger, removeDir, tempDir } from './helpers.ts';
import { rng } from './process/fuzz-gen.ts';
import { MARKETS, Workload } from './workload.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', MARKETS.map((m) => `${m}:0.01:0.001`).join(',')], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const TIME = 1_760_000_000_000;

/** Signed envelopes of three origins with interleaved, sometimes equal Lamport times, in the total order. */
function history(n: number): Envelope[] {
  const engine = Engine.create(wasm, { markets: markets.size });
  const r = rng(11);
  const origins = ['a', 'b', 'c'].map((name) => {
    const { seed, key } = keyPairOf(`recovery origin ${name}`);
    return {
      origin: new Origin({ key, engine, signer: createSigner(seed), clock: { now: () => TIME } }),
      w: new Workload(name.charCodeAt(0)),
    };
  });
  let lamport = 0n;
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    const o = origins[Math.floor(r() * origins.length)];
    const c = o.w.next(TIME);
    const seen = lamport - BigInt(Math.floor(r() * 3)); // an origin does not always know the newest
    const draft = o.origin.create(c.market, c.owner, c.body, seen > 0n ? seen : 0n, []);
    if (draft.fields.lamport > lamport) lamport = draft.fields.lamport;
    const e = decodeEnvelope(o.origin.sign([draft])[0]);
    o.w.placedAs(c, e.id);
    out.push(e);
  }
  return out.sort(compareEnvelopes);
}

/** The total order shuffled locally (envelopes move up to `reach` places), with some sent twice. */
function arrivals(all: Envelope[], reach: number, seed: number): Envelope[] {
  const r = rng(seed);
  const out = all.slice();
  for (let i = 0; i < out.length; i++) {
    const j = Math.min(out.length - 1, i + Math.floor(r() * reach));
    [out[i], out[j]] = [out[j], out[i]];
  }
  for (let i = 0; i < out.length; i += 7) out.splice(Math.min(out.length, i + Math.floor(r() * 20)), 0, out[i]);
  return out;
}

/** Everything but the trades' status (finality's business: a restart re-applies them as a node alone would). */
function fingerprint(s: NodeState): string {
  const { orders, finished } = s.orders.entries();
  const trades = s.markets.list.map((_, m) => s.recentTrades(m, 1_000_000).map(({ status: _, ...t }) => t));
  return JSON.stringify({ hash: s.stateHash(), n: s.eventCount, orders, finished, trades }, (_k, v) =>
    typeof v === 'bigint' ? `${v}` : v,
  );
}

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-recovery-order-');
});
afterEach(async () => {
  await removeDir(dir);
});

const own = keyPairOf('recovery node');

async function boot(tail = 256) {
  const engine = Engine.create(wasm, { markets: markets.size });
  const state = new NodeState({ engine, markets });
  const logger = memoryLogger();
  const rec = await recover({ fs: nodeFileSystem, dataDir: dir, state, logger, rollbackTail: tail, tailMarkEvery: 16 });
  const transport = new MemoryNetwork(1).transport('node');
  await transport.start();
  const pipeline = new Pipeline({
    engine,
    state,
    wal: rec.wal,
    origin: new Origin({ key: own.key, engine, signer: createSigner(own.seed), clock: { now: () => TIME } }),
    logger,
    transport,
    orderer: rec.orderer,
    held: rec.held,
    resume: rec.tail,
    markEvery: 64,
    keepMarks: 1000,
  });
  return { state, pipeline, rec, logger };
}

/** Feeds the arrivals (and, after the checkpoint, some own orders), with a checkpoint after arrival `checkpointAt`. */
async function run(input: Envelope[], checkpointAt: number) {
  const node = await boot();
  const mine = new Workload(99);
  let heldAtCheckpoint = 0;
  const verdicts = { accept: 0, ignore: 0, reject: 0 };
  for (let i = 0; i < input.length; i++) {
    const e = input[i];
    verdicts[await node.pipeline.receive(marketTopic(e.market), encodeBatch([e.bytes]), 'peer')]++;
    if (i > checkpointAt && i % 50 === 25) {
      const c = mine.next(TIME);
      const o = await node.pipeline.submit(c.market, c.owner, c.body);
      if (o.ok) mine.placed.push({ id: o.order.id, market: c.market, owner: c.owner });
    }
    if (i === checkpointAt) {
      await node.pipeline.idle();
      heldAtCheckpoint = node.pipeline.orderer.holding;
      await node.rec.snapshots.write(node.pipeline.coveredWalSeq, node.state.checkpoint());
    }
  }
  await node.pipeline.idle();
  const before = fingerprint(node.state);
  const logged = [];
  for await (const r of node.rec.wal.replay(0)) logged.push(decodeEnvelope(r.payload));
  await node.rec.wal.close();
  return { before, heldAtCheckpoint, verdicts, logged };
}

describe('recovery in the total order', () => {
  const all = history(1500);

  it('a log in arrival order with a checkpoint in the middle restarts to the same state, the total order of the set', async () => {
    // before the checkpoint: the first j envelopes out of order, and one origin's seq s + 1
    // without its s (held); after it: s, then the rest. Nothing after it sorts before its end,
    // so recovery continues from the checkpoint.
    let j = 800;
    while (!(Buffer.compare(all[j].origin, all[j + 1].origin) === 0 && all[j + 1].seq === all[j].seq + 1n)) j++;
    const head = [...arrivals(all.slice(0, j), 30, 1), all[j + 1]];
    const input = [...head, all[j], ...all.slice(j + 2)];
    const { before, heldAtCheckpoint, verdicts, logged } = await run(input, head.length - 1);
    expect(heldAtCheckpoint).toBeGreaterThan(0);
    expect(verdicts.ignore).toBeGreaterThan(0); // the copies
    expect(verdicts.reject).toBe(0);
    const restarted = await boot();
    expect(restarted.rec.snapshotSeq).not.toBeNull();
    expect(fingerprint(restarted.state)).toBe(before);
    await restarted.rec.wal.close();
    // and that is one fresh state applying the same set in the total order
    const reference = new NodeState({ engine: Engine.create(wasm, { markets: markets.size }), markets });
    const set = new Map(logged.map((e) => [Buffer.from(e.id).toString('hex'), e]));
    reference.apply([...set.values()].sort(compareEnvelopes));
    expect(fingerprint(reference)).toBe(fingerprint(restarted.state));
  });

  it('a record after the checkpoint that sorts before its end: rebuilt from the whole log, same state', async () => {
    const input = arrivals(all, 400, 2);
    const { before } = await run(input, 600);
    const restarted = await boot();
    expect(restarted.logger.entries.some((e) => e.message.includes('rebuilding from the whole log'))).toBe(true);
    expect(restarted.rec.snapshotSeq).toBeNull();
    expect(fingerprint(restarted.state)).toBe(before);
    await restarted.rec.wal.close();
  });
});

describe('after a restart', () => {
  const all = history(600);
  // one origin's last envelopes before `k` arrive only after the restart: they sort before the
  // recovered tip, and their origin has nothing delivered after them (no gap)
  const k = 400;
  const late = all.slice(k - 30, k).filter((e) => Buffer.compare(e.origin, all[k - 1].origin) === 0);
  const lateOrigin = late[0].origin;
  const first = all
    .slice(0, k)
    .filter((e) => !late.includes(e) && !(Buffer.compare(e.origin, lateOrigin) === 0 && e.seq > late[0].seq));
  const rest = [...late, ...all.slice(k).filter((e) => !first.includes(e))];

  async function crashAndRestart(tail: number, snapshotAtEnd = false) {
    const node = await boot();
    for (const e of first) await node.pipeline.receive(marketTopic(e.market), encodeBatch([e.bytes]), 'peer');
    await node.pipeline.idle();
    // as a graceful stop does: a snapshot of everything
    if (snapshotAtEnd) await node.rec.snapshots.write(node.pipeline.coveredWalSeq, node.state.checkpoint());
    await node.rec.wal.close();
    const restarted = await boot(tail);
    for (const e of rest) await restarted.pipeline.receive(marketTopic(e.market), encodeBatch([e.bytes]), 'peer');
    await restarted.pipeline.idle().catch(() => {});
    await restarted.rec.wal.close();
    return restarted;
  }

  /** The restarted node rolled back for what came late, and holds one fresh state's result of the whole total order. */
  function expectRolledBackIntoPlace(restarted: Awaited<ReturnType<typeof crashAndRestart>>) {
    expect(restarted.pipeline.failed).toBeNull();
    expect(restarted.pipeline.applier.stats.rollbacks).toBeGreaterThan(0);
    const reference = new NodeState({ engine: Engine.create(wasm, { markets: markets.size }), markets });
    reference.apply(all);
    expect(fingerprint(restarted.state)).toBe(fingerprint(reference));
  }

  it('an envelope that sorts among the ones a restart recovered rolls back to its place in the total order', async () => {
    expect(late.length).toBeGreaterThan(1);
    expectRolledBackIntoPlace(await crashAndRestart(256));
  });

  it('a snapshot that leaves fewer records after it than the tail is passed over: what arrives late still rolls back', async () => {
    const restarted = await crashAndRestart(256, true);
    expect(restarted.rec.snapshotSeq).toBeNull(); // the log is replayed whole: the snapshot covers all of it
    expectRolledBackIntoPlace(restarted);
  });

  it('one that sorts before everything the tail holds stops the pipeline (a restart rebuilds from the log), never applies out of order', async () => {
    const restarted = await crashAndRestart(0);
    expect(restarted.pipeline.failed?.message).toMatch(/before the oldest in-memory mark/);
    expect(restarted.state.eventCount).toBe(first.length);
  });
});
