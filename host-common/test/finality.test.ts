// Heartbeats and finality on one pipeline, message by message: the heartbeat's wire form
// (signed like batches, checked on decode), the ingress verdicts for heartbeats (forged, bad
// bytes, wrong topic, unknown market: rejected; a copy: ignored), and the rule that makes a
// trade final — every member (of every market) has delivered its envelope, as a member's
// envelopes (vector clocks) or heartbeats say, and a heartbeat counts only once its sender's
// envelopes up to its own seq are delivered here. Real signatures, a real log in a temp dir.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { peerIdOf } from '../identity/identity.ts';
import type { FileSystem } from '../ports.ts';
import { createSigner } from '../identity/signer.ts';
import { Markets } from '../markets.ts';
import { MemoryNetwork } from '../net/memory-transport.ts';
import { marketTopic } from '../net/transport.ts';
import { UNKNOWN_SUBSCRIBER_MS } from '../pipeline/finality.ts';
import { clockNodeOf } from '../pipeline/orderer.ts';
import { Origin } from '../pipeline/origin.ts';
import { HOLD_MS, JOIN_LAMPORT_JUMP, Pipeline } from '../pipeline/pipeline.ts';
import { NodeState } from '../state/node-state.ts';
import { Wal } from '../store/wal.ts';
import { encodeBatch } from '../wire/batch.ts';
import { type Body, hex, KIND_JOIN, KIND_LEAVE, type OrderBody, TIME_OWNER } from '../wire/envelope.ts';
import { decodeHeartbeat, encodeHeartbeat, HeartbeatError, isHeartbeat, verifyHeartbeat } from '../wire/heartbeat.ts';
import { keyPairOf, memoryLogger, removeDir, tempDir, watch } from './helpers.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.001,ETH-USD:0.01:0.001'], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const topic = marketTopic('BTC-USD');

const place = (price: bigint, side: number): OrderBody => ({
  kind: C.CMD_PLACE,
  side,
  type: C.TYPE_LIMIT,
  tif: C.TIF_GTC,
  flags: 0,
  stp: 0,
  price,
  quantity: 5n,
  clientOrderId: '',
});

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-finality-');
});
afterEach(async () => {
  await removeDir(dir);
});

/** A receiver; `after` runs the cap of a hold behind an own batch (real timers by default). */
async function receiver(fs: FileSystem = nodeFileSystem, after?: (ms: number, fn: () => void) => void) {
  const engine = Engine.create(wasm, { markets: markets.size });
  const state = new NodeState({ engine, markets });
  const wal = await Wal.open({ fs, dir: `${dir}/wal` });
  const me = keyPairOf('finality receiver');
  const net = new MemoryNetwork(1);
  const transport = net.transport('receiver');
  await transport.start();
  const clock = { ms: 1_000_000, now: () => clock.ms };
  const origin = new Origin({ key: me.key, engine, signer: createSigner(me.seed), clock });
  const pipeline = new Pipeline({ engine, state, wal, origin, logger: memoryLogger(), transport, after });
  return { state, wal, pipeline, node: clockNodeOf(me.key), net, clock };
}

/** The real file system, whose log writes wait while held (the log's fsync is one O_DSYNC write, or a write then a sync). */
function heldDisk() {
  let held = false;
  let waiting: (() => void)[] = [];
  const gate = () => (held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve());
  const fs: FileSystem = {
    ...nodeFileSystem,
    openAppend: async (path) => {
      const h = await nodeFileSystem.openAppend(path);
      return {
        ...h,
        write: async (b) => gate().then(() => h.write(b)),
        sync: async () => gate().then(() => h.sync()),
      };
    },
  };
  return {
    fs,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const w of waiting) w();
      waiting = [];
    },
  };
}

/** Another origin: its envelopes (one signed batch each, created now, sent when the test says) and its heartbeats. */
function member(name: string) {
  const { key, seed } = keyPairOf(name);
  const origin = new Origin({ key, engine: Engine.create(wasm), signer: createSigner(seed) });
  let lamport = 0n;
  return {
    origin,
    /** Its node id in vector clocks. */
    node: clockNodeOf(key),
    /**
     * `seen`: the highest Lamport time this member has delivered (its clock merges it, as a
     * node's does); `clock`: its delivered frontier (the envelope's vector clock).
     */
    batch: (body: Body, market = 'BTC-USD', seen = 0n, clock: [bigint, bigint][] = []) => {
      const owner = body.kind === KIND_JOIN || body.kind === KIND_LEAVE ? TIME_OWNER : 'bob';
      const d = origin.create(market, owner, body, seen > lamport ? seen : lamport, clock);
      lamport = d.fields.lamport;
      return encodeBatch(origin.sign([d]));
    },
  };
}

/** A receiver that has joined BTC-USD beside bob, a member, and placed alice's sell at 1000 (its seq 2). */
async function joinedWithBob() {
  const r = await receiver();
  const bob = member('finality bob');
  expect(await r.pipeline.receive(topic, bob.batch({ kind: KIND_JOIN }), 'p')).toBe('accept');
  await r.pipeline.idle();
  await r.pipeline.join('BTC-USD');
  await r.pipeline.submit('BTC-USD', 'alice', place(1000n, C.SIDE_SELL));
  return { ...r, bob };
}

describe('heartbeat wire form', () => {
  const { key, seed } = keyPairOf('heartbeat codec');
  const signer = createSigner(seed);
  const fields = {
    origin: key,
    ownSeq: 7n,
    market: 'BTC-USD',
    frontier: [
      [1n, 3n],
      [9n, 2n],
    ] as [bigint, bigint][],
  };

  it('round-trips, verifies, and is told apart from a batch', () => {
    const bytes = encodeHeartbeat(fields, (m) => signer.sign(m));
    expect(isHeartbeat(bytes)).toBe(true);
    expect(isHeartbeat(encodeBatch([new Uint8Array(10)]))).toBe(false);
    const h = decodeHeartbeat(bytes);
    expect({ origin: h.origin, ownSeq: h.ownSeq, market: h.market, frontier: h.frontier }).toEqual(fields);
    expect(verifyHeartbeat(h)).toBe(true);
  });

  it('a remembered check answers for the same signed bytes and signature only', () => {
    const bytes = encodeHeartbeat(fields, (m) => signer.sign(m));
    const verified = new Set<string>();
    expect(verifyHeartbeat(decodeHeartbeat(bytes), verified)).toBe(true);
    expect(verified.size).toBe(1);
    expect(verifyHeartbeat(decodeHeartbeat(bytes), verified)).toBe(true);
    expect(verified.size).toBe(1);
    // the same signature over other bytes (the last frontier seq changed) is checked, and fails
    const other = bytes.slice();
    other[bytes.length - 64 - 1] ^= 1;
    expect(verifyHeartbeat(decodeHeartbeat(other), verified)).toBe(false);
    expect(verified.size).toBe(1);
  });

  it('a changed byte breaks the signature; bad layouts are refused on decode', () => {
    const bytes = encodeHeartbeat(fields, (m) => signer.sign(m));
    for (const at of [3, 36, 50, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 1;
      let ok = false;
      try {
        ok = verifyHeartbeat(decodeHeartbeat(bad));
      } catch (err) {
        expect(err).toBeInstanceOf(HeartbeatError);
      }
      expect(ok).toBe(false);
    }
    expect(() => decodeHeartbeat(bytes.subarray(0, bytes.length - 1))).toThrow(HeartbeatError);
    expect(() => decodeHeartbeat(new Uint8Array([0x48, 2, ...bytes.subarray(2)]))).toThrow(/version/);
    const unsorted = encodeHeartbeat(
      {
        ...fields,
        frontier: [
          [9n, 2n],
          [1n, 3n],
        ],
      },
      (m) => signer.sign(m),
    );
    expect(() => decodeHeartbeat(unsorted)).toThrow(/canonical/);
    expect(() => encodeHeartbeat({ ...fields, market: 'nope' }, (m) => signer.sign(m))).toThrow(HeartbeatError);
  });
});

describe('finality', () => {
  it('rejects forged heartbeats, bad bytes, wrong topics and unknown markets; ignores copies', async () => {
    const { pipeline, wal } = await receiver();
    const bob = member('finality bob');
    const beat = bob.origin.heartbeat('BTC-USD', []);
    const forged = beat.slice();
    forged[forged.length - 1] ^= 1;
    expect(await pipeline.receive(topic, forged, 'p')).toBe('reject');
    expect(await pipeline.receive(topic, new Uint8Array([0x48, 1, 2]), 'p')).toBe('reject');
    expect(await pipeline.receive(marketTopic('ETH-USD'), beat, 'p')).toBe('reject');
    const stranger = bob.origin.heartbeat('DOGE-USD', []);
    expect(await pipeline.receive(marketTopic('DOGE-USD'), stranger, 'p')).toBe('reject');
    expect(await pipeline.receive(topic, beat, 'p')).toBe('accept');
    expect(await pipeline.receive(topic, beat, 'p')).toBe('ignore');
    expect(pipeline.gossip).toEqual({ accepted: 1, ignored: 1, rejected: 4 });
    await wal.close();
  });

  it('a trade is final once every member has delivered it, and a heartbeat counts once its sender is delivered up to it', async () => {
    const { state, pipeline, wal, node, bob } = await joinedWithBob();
    expect(pipeline.finality!.memberSet('BTC-USD').length).toBe(2);
    // bob's buy is created before bob has seen alice's sell: it sorts first, the sell takes it
    const buy = bob.batch(place(1000n, C.SIDE_BUY));
    const later = bob.batch(place(10n, C.SIDE_BUY)); // created, not sent yet: bob's seq 3
    expect(await pipeline.receive(topic, buy, 'p')).toBe('accept');
    await pipeline.idle();
    const trades = () => state.recentTrades(0, 10);
    expect(trades().map((t) => t.status)).toEqual(['tentative']);
    // bob says it has delivered alice's sell, but it had created seq 3 by then, which is not here yet
    const beat = bob.origin.heartbeat('BTC-USD', [[node, 2n]]);
    expect(await pipeline.receive(topic, beat, 'p')).toBe('accept');
    expect(trades().map((t) => t.status)).toEqual(['tentative']);
    expect(await pipeline.receive(topic, later, 'p')).toBe('accept');
    await pipeline.idle();
    expect(trades().map((t) => t.status)).toEqual(['final']);
    expect(state.tentativeTrades).toBe(0);
    expect(pipeline.applier.finalCount).toBe(pipeline.applier.count);
    await wal.close();
  });

  it('an origin that crashed after announcing an own seq it never wrote is still heard: its heartbeats below that seq count', async () => {
    const { state, pipeline, wal, node, bob } = await joinedWithBob();
    const buy = bob.batch(place(1000n, C.SIDE_BUY)); // bob's seq 2, created before it saw alice's sell
    bob.batch(place(10n, C.SIDE_BUY)); // seq 3: created and announced, then lost in bob's crash
    expect(await pipeline.receive(topic, buy, 'p')).toBe('accept');
    await pipeline.idle();
    expect(await pipeline.receive(topic, bob.origin.heartbeat('BTC-USD', []), 'p')).toBe('accept');
    // bob restarts from its log (seqs 1 and 2), catches up, and reports alice's sell delivered
    const restarted = member('finality bob');
    restarted.origin.resume(2n, 0n);
    const trades = () => state.recentTrades(0, 10).map((t) => t.status);
    expect(trades()).toEqual(['tentative']);
    expect(await pipeline.receive(topic, restarted.origin.heartbeat('BTC-USD', [[node, 2n]]), 'p')).toBe('accept');
    expect(trades()).toEqual(['final']);
    // an old heartbeat that arrives late says nothing new, and is not forwarded
    expect(await pipeline.receive(topic, bob.origin.heartbeat('BTC-USD', []), 'p')).toBe('ignore');
    await wal.close();
  });

  it('a received batch applies before its fsync; the heartbeat reporting it, and the checkpoint covering it, wait for it', async () => {
    const disk = heldDisk();
    const { state, pipeline, wal, net, node } = await receiver(disk.fs);
    const sent = await watch(net, topic);
    const bob = member('finality bob');
    expect(await pipeline.receive(topic, bob.batch({ kind: KIND_JOIN }), 'p')).toBe('accept');
    await pipeline.join('BTC-USD');
    await pipeline.idle();
    const covered = pipeline.coveredWalSeq;
    const beats = async () => {
      while (await net.step()) {}
      return sent.filter(isHeartbeat).map(decodeHeartbeat);
    };
    disk.hold();
    expect(await pipeline.receive(topic, bob.batch(place(1000n, C.SIDE_SELL)), 'p')).toBe('accept');
    // applied at the end of this turn of the event loop, before the disk has it
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.restingOrders()).toBe(1);
    expect(pipeline.orderer.delivered(hex(bob.origin.key))).toBe(2n);
    expect(pipeline.coveredWalSeq).toBe(covered);
    pipeline.heartbeat();
    expect(await beats()).toEqual([]);
    disk.release();
    await pipeline.idle();
    const [beat] = await beats();
    expect(beat.frontier).toContainEqual([bob.node, 2n]);
    expect(beat.frontier).toContainEqual([node, 1n]);
    expect(pipeline.coveredWalSeq).toBe(covered + 1);
    await wal.close();
  });

  it('heartbeats go out when the frontier moved, or after a quiet while; not while own envelopes carry the frontier', async () => {
    const { pipeline, wal, net, state } = await receiver();
    const heard = await watch(net, topic);
    const beats = async () => {
      while (await net.step()) {}
      return heard.filter(isHeartbeat).length;
    };
    const bob = member('finality bob');
    expect(await pipeline.receive(topic, bob.batch({ kind: KIND_JOIN }), 'p')).toBe('accept');
    await pipeline.join('BTC-USD');
    pipeline.heartbeatIfDue(0, 2000);
    expect(await beats()).toBe(1); // the first
    pipeline.heartbeatIfDue(200, 2000);
    expect(await beats()).toBe(1); // nothing moved
    await pipeline.submit('BTC-USD', 'alice', place(1000n, C.SIDE_SELL));
    expect(await pipeline.receive(topic, bob.batch(place(10n, C.SIDE_BUY), 'BTC-USD', state.lamport), 'p')).toBe(
      'accept',
    );
    await pipeline.idle();
    pipeline.heartbeatIfDue(400, 2000);
    expect(await beats()).toBe(1); // the sell carried the frontier as its clock
    pipeline.heartbeatIfDue(600, 2000);
    expect(await beats()).toBe(2); // bob's buy came since: a period without own envelopes reports it
    pipeline.heartbeatIfDue(800, 2000);
    expect(await beats()).toBe(2);
    pipeline.heartbeatIfDue(2700, 2000);
    expect(await beats()).toBe(3); // quiet for 2 s: one anyway
    await wal.close();
  });

  it('a node that has not joined a market (it still catches up) logs no leave of it', async () => {
    const { pipeline, wal, state } = await receiver();
    pipeline.watch('BTC-USD');
    await pipeline.leave('BTC-USD');
    await pipeline.idle();
    expect(wal.lastSeq).toBe(0);
    expect(state.eventCount).toBe(0);
    await pipeline.join('BTC-USD'); // a member from now on: its leave is logged
    await pipeline.leave('BTC-USD');
    await pipeline.idle();
    expect(wal.lastSeq).toBe(2);
    expect(pipeline.finality!.memberSet('BTC-USD')).toEqual([]);
    await wal.close();
  });

  it('after it leaves a market a node still heartbeats there while it runs: a peer that missed the leave learns its seq', async () => {
    const { pipeline, wal, net } = await receiver();
    const heard = await watch(net, topic);
    await pipeline.join('BTC-USD');
    await pipeline.leave('BTC-USD');
    while (await net.step()) {}
    heard.length = 0; // the join and the leave
    pipeline.heartbeat();
    while (await net.step()) {}
    expect(heard.filter(isHeartbeat).map((b) => decodeHeartbeat(b).ownSeq)).toEqual([2n]);
    await wal.close();
  });

  /**
   * alice's sell (this node's, Lamport L) on its way to a held disk, and bob's buy (Lamport past
   * L: it sorts after the sell, and takes it) received meanwhile; the hold's caps are the test's.
   */
  async function buyBehindOwnSell() {
    const disk = heldDisk();
    const caps: { ms: number; fn: () => void }[] = [];
    const r = await receiver(disk.fs, (ms, fn) => caps.push({ ms, fn }));
    const bob = member('finality bob');
    expect(await r.pipeline.receive(topic, bob.batch({ kind: KIND_JOIN }), 'p')).toBe('accept');
    await r.pipeline.join('BTC-USD');
    await r.pipeline.idle();
    disk.hold();
    const own = r.pipeline.submit('BTC-USD', 'alice', place(1000n, C.SIDE_SELL));
    await new Promise((resolve) => setImmediate(resolve)); // its batch is being written
    const after = bob.batch(place(1000n, C.SIDE_BUY), 'BTC-USD', r.state.lamport + 5n);
    expect(await r.pipeline.receive(topic, after, 'p')).toBe('accept');
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.state.eventCount).toBe(2); // the joins only: the buy waits for the sell
    expect(caps.map((c) => c.ms)).toEqual([HOLD_MS]);
    return { ...r, disk, caps, own };
  }

  it('a received envelope that sorts after an own one still on its way to the disk waits for it, instead of being rolled back', async () => {
    const { state, pipeline, wal, disk, caps, own } = await buyBehindOwnSell();
    disk.release();
    const outcome = await own;
    await pipeline.idle();
    expect(outcome.ok && outcome.trades.length).toBe(0); // the sell rested first
    expect(state.tradeCount).toBe(1); // then the buy took it
    expect(pipeline.applier.stats.rollbacks).toBe(0);
    // the hold's cap comes after the sell applied: nothing more to do
    caps[0].fn();
    expect(pipeline.holdsReleased).toBe(0);
    expect(pipeline.applier.stats.rollbacks).toBe(0);
    await wal.close();
  });

  it('a received envelope waits for an own one on its way to the disk for HOLD_MS at most: then it applies, and the own one costs a rollback when it lands', async () => {
    const { state, pipeline, wal, disk, caps, own } = await buyBehindOwnSell();
    caps[0].fn(); // the sell's fsync is slower than the cap
    expect(pipeline.holdsReleased).toBe(1);
    expect(state.eventCount).toBe(3); // the buy applied without the sell: it rests
    expect(state.tradeCount).toBe(0);
    disk.release();
    const outcome = await own;
    await pipeline.idle();
    // the sell sorts first: one rollback puts it before the buy, which then takes it
    expect(pipeline.applier.stats.rollbacks).toBe(1);
    expect(outcome.ok && outcome.trades.length).toBe(0);
    expect(state.tradeCount).toBe(1);
    expect(state.restingOrders()).toBe(0);
    await wal.close();
  });

  it('a member of another market counts too: one total order runs through every market, so a member that left this one can still send what sorts before its trades', async () => {
    const { state, pipeline, wal, node } = await receiver();
    const eth = marketTopic('ETH-USD');
    const bob = member('finality bob');
    expect(await pipeline.receive(topic, bob.batch({ kind: KIND_JOIN }, 'BTC-USD'), 'p')).toBe('accept');
    expect(await pipeline.receive(eth, bob.batch({ kind: KIND_JOIN }, 'ETH-USD'), 'p')).toBe('accept');
    await pipeline.idle();
    await pipeline.join('BTC-USD');
    await pipeline.join('ETH-USD');
    // bob, having seen none of it, leaves BTC-USD and buys on ETH-USD: its seqs 3 and 4, on two topics
    const leave = bob.batch({ kind: KIND_LEAVE }, 'BTC-USD');
    const ethBuy = bob.batch(place(500n, C.SIDE_BUY), 'ETH-USD');
    expect(await pipeline.receive(topic, leave, 'p')).toBe('accept');
    await pipeline.idle();
    expect(pipeline.finality!.memberSet('BTC-USD')).toHaveLength(1);
    expect(pipeline.finality!.memberSet('BTC-USD')).not.toContain(hex(bob.origin.key));
    await pipeline.submit('BTC-USD', 'alice', place(1000n, C.SIDE_SELL));
    await pipeline.submit('BTC-USD', 'carol', place(1000n, C.SIDE_BUY));
    const statuses = () => state.recentTrades(0, 10).map((t) => t.status);
    // this node is BTC-USD's only member now, but bob's ETH-USD buy may sort before the trade
    expect(statuses()).toEqual(['tentative']);
    expect(await pipeline.receive(eth, ethBuy, 'p')).toBe('accept'); // and it does: Lamport 4
    await pipeline.idle();
    expect(pipeline.pastFinal).toBe(0);
    expect(state.eventCount).toBe(8);
    expect(statuses()).toEqual(['tentative']);
    // bob reports it has delivered all of this node's envelopes
    expect(await pipeline.receive(eth, bob.origin.heartbeat('ETH-USD', [[node, 4n]]), 'p')).toBe('accept');
    expect(statuses()).toEqual(['final']);
    await wal.close();
  });

  it('an envelope that sorts before final ones is refused, not applied: the node goes on', async () => {
    const { state, pipeline, wal, node, bob } = await joinedWithBob();
    // created before the stranger's clock could know of anything here: Lamport time 1
    const stranger = member('finality stranger');
    const early = stranger.batch(place(2000n, C.SIDE_BUY));
    expect(await pipeline.receive(topic, bob.batch(place(1000n, C.SIDE_BUY)), 'p')).toBe('accept');
    await pipeline.idle();
    expect(await pipeline.receive(topic, bob.origin.heartbeat('BTC-USD', [[node, 2n]]), 'p')).toBe('accept');
    expect(state.recentTrades(0, 10).map((t) => t.status)).toEqual(['final']);
    const before = { hash: state.stateHash(), events: state.eventCount };
    expect(await pipeline.receive(topic, early, 'p')).toBe('reject');
    await pipeline.idle();
    expect(pipeline.pastFinal).toBe(1);
    expect(pipeline.failed).toBe(null);
    expect({ hash: state.stateHash(), events: state.eventCount }).toEqual(before);
    expect(state.recentTrades(0, 10).map((t) => t.status)).toEqual(['final']);
    // the node goes on: a member's next order is applied
    expect(await pipeline.receive(topic, bob.batch(place(990n, C.SIDE_BUY), 'BTC-USD', state.lamport), 'p')).toBe(
      'accept',
    );
    await pipeline.idle();
    expect(state.eventCount).toBe(before.events + 1);
    await wal.close();
  });

  it('a subscriber not yet heard of stalls finality; once it heartbeats (before it joins) it counts by its reports; one never heard of stops counting after a while', async () => {
    const { state, pipeline, wal, node, net, clock, bob } = await joinedWithBob();
    // carol subscribes to the market's topic: a node catching up, not a member yet
    const carol = member('finality carol');
    const carolPeer = net.transport(peerIdOf(carol.origin.key));
    carolPeer.subscribe(topic);
    const stranger = net.transport('a peer that never says who it is');
    expect(await pipeline.receive(topic, bob.batch(place(1000n, C.SIDE_BUY)), 'p')).toBe('accept');
    await pipeline.idle();
    const statuses = () => state.recentTrades(0, 10).map((t) => t.status);
    expect(await pipeline.receive(topic, bob.origin.heartbeat('BTC-USD', [[node, 2n]]), 'p')).toBe('accept');
    expect(statuses()).toEqual(['tentative']); // carol is not known yet
    // carol's heartbeat: it has delivered nothing yet
    expect(await pipeline.receive(topic, carol.origin.heartbeat('BTC-USD', []), 'p')).toBe('accept');
    expect(statuses()).toEqual(['tentative']);
    // carol has caught up: it has delivered this node's sell and bob's buy
    const caught = carol.origin.heartbeat('BTC-USD', [
      [node, 2n],
      [bob.node, 2n],
    ]);
    expect(await pipeline.receive(topic, caught, 'p')).toBe('accept');
    expect(statuses()).toEqual(['final']);
    // a subscriber that never heartbeats holds finality back, for UNKNOWN_SUBSCRIBER_MS only
    stranger.subscribe(topic);
    await pipeline.submit('BTC-USD', 'alice', place(1010n, C.SIDE_SELL));
    expect(await pipeline.receive(topic, bob.batch(place(1010n, C.SIDE_BUY), 'BTC-USD', state.lamport), 'p')).toBe(
      'accept',
    );
    await pipeline.idle();
    const everyone: [bigint, bigint][] = [
      [node, 3n],
      [bob.node, 3n],
    ];
    expect(await pipeline.receive(topic, bob.origin.heartbeat('BTC-USD', everyone), 'p')).toBe('accept');
    expect(await pipeline.receive(topic, carol.origin.heartbeat('BTC-USD', everyone), 'p')).toBe('accept');
    expect(statuses()).toEqual(['tentative', 'final']);
    clock.ms += UNKNOWN_SUBSCRIBER_MS;
    await pipeline.submit('BTC-USD', 'alice', place(1n, C.SIDE_BUY)); // any change makes finality look again
    expect(statuses()).toEqual(['final', 'final']);
    await wal.close();
  });

  it('nothing is settled past an envelope whose causal past is not all here: a join it saw, not yet here, still fits before it', async () => {
    const { state, pipeline, wal, node, bob } = await joinedWithBob();
    const carol = member('finality carol');
    // carol caught up (from bob) and joins, its clock jumped; bob has carol's join (this node,
    // not connected to carol, has not) and buys
    const carolJoin = carol.batch({ kind: KIND_JOIN }, 'BTC-USD', state.lamport + JOIN_LAMPORT_JUMP);
    const buy = bob.batch(place(1000n, C.SIDE_BUY), 'BTC-USD', state.lamport + JOIN_LAMPORT_JUMP + 1n, [
      [node, 2n],
      [carol.node, 1n],
    ]);
    expect(await pipeline.receive(topic, buy, 'p')).toBe('accept');
    await pipeline.idle();
    const statuses = () => state.recentTrades(0, 10).map((t) => t.status);
    // bob's buy is bob's report: every member known here has delivered the trade, but the buy
    // says carol's join came first, and carol's join is not here
    expect(statuses()).toEqual(['tentative']);
    // carol's join arrives: it sorts before the trade (its clock knew nothing), which is not final, so it fits in
    expect(await pipeline.receive(topic, carolJoin, 'p')).toBe('accept');
    await pipeline.idle();
    expect(pipeline.pastFinal).toBe(0);
    expect(pipeline.failed).toBe(null);
    expect(pipeline.finality!.memberSet('BTC-USD').length).toBe(3);
    // now carol is a member: the trade is final once carol has delivered it too
    expect(statuses()).toEqual(['tentative']);
    const everything: [bigint, bigint][] = [
      [node, 2n],
      [bob.node, 2n],
    ];
    expect(await pipeline.receive(topic, carol.origin.heartbeat('BTC-USD', everything), 'p')).toBe('accept');
    expect(statuses()).toEqual(['final']);
    await wal.close();
  });

  it('a node heard heartbeating on the market counts, even where its subscription is not seen', async () => {
    const { state, pipeline, wal, node, bob } = await joinedWithBob();
    const carol = member('finality carol');
    // carol, catching up through another peer, heartbeats: this node does not see it subscribed
    expect(await pipeline.receive(topic, carol.origin.heartbeat('BTC-USD', []), 'p')).toBe('accept');
    const buy = bob.batch(place(1000n, C.SIDE_BUY), 'BTC-USD', state.lamport, [[node, 2n]]);
    expect(await pipeline.receive(topic, buy, 'p')).toBe('accept');
    await pipeline.idle();
    const statuses = () => state.recentTrades(0, 10).map((t) => t.status);
    expect(statuses()).toEqual(['tentative']); // bob has delivered it; carol has not said so
    const caught = carol.origin.heartbeat('BTC-USD', [
      [node, 2n],
      [bob.node, 2n],
    ]);
    expect(await pipeline.receive(topic, caught, 'p')).toBe('accept');
    expect(statuses()).toEqual(['final']);
    await wal.close();
  });

  it('on a node alone every trade is final at once', async () => {
    const engine = Engine.create(wasm, { markets: markets.size });
    const state = new NodeState({ engine, markets });
    const wal = await Wal.open({ fs: nodeFileSystem, dir: `${dir}/alone` });
    const me = keyPairOf('finality alone');
    const origin = new Origin({ key: me.key, engine, signer: createSigner(me.seed) });
    const pipeline = new Pipeline({ engine, state, wal, origin, logger: memoryLogger() });
    expect(pipeline.finality).toBe(null);
    await pipeline.submit('BTC-USD', 'alice', place(1000n, C.SIDE_SELL));
    await pipeline.submit('BTC-USD', 'bob', place(1000n, C.SIDE_BUY));
    expect(state.recentTrades(0, 10).map((t) => t.status)).toEqual(['final']);
    await wal.close();
  });
});
