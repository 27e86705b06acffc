// The pipeline's ingress: what it answers a gossip message (the transport's Verdict) and what
// it does with it. A signed batch of another origin is accepted and applied; a second copy,
// or our own batch come back, is ignored; bytes that do not decode, a forged signature, an
// envelope on the wrong topic or of an unknown market are rejected. A batch after a gap
// waits for the missing one. Real signatures, a real log in a temp dir.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { createSigner } from '../identity/signer.ts';
import { Markets } from '../markets.ts';
import { MemoryNetwork } from '../net/memory-transport.ts';
import { marketTopic } from '../net/transport.ts';
import { Origin } from '../pipeline/origin.ts';
import { MAX_AHEAD, Pipeline } from '../pipeline/pipeline.ts';
import type { FileSystem } from '../ports.ts';
import { NodeState } from '../state/node-state.ts';
import { Wal } from '../store/wal.ts';
import { decodeBatch, encodeBatch, verifyBatch } from '../wire/batch.ts';
import type { OrderBody as Body } from '../wire/envelope.ts';
import { keyPairOf, memoryLogger, removeDir, tempDir, watch } from './helpers.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.001,ETH-USD:0.01:0.001'], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const topic = marketTopic('BTC-USD');

const place = (price: bigint, side: number = C.SIDE_BUY): Body => ({
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
  dir = await tempDir('meshbook-ingress-');
});
afterEach(async () => {
  await removeDir(dir);
});

async function receiver(fs: FileSystem = nodeFileSystem) {
  const engine = Engine.create(wasm, { markets: markets.size });
  const state = new NodeState({ engine, markets });
  const wal = await Wal.open({ fs, dir: `${dir}/wal` });
  const me = keyPairOf('ingress receiver');
  const net = new MemoryNetwork(1);
  const transport = net.transport('receiver');
  await transport.start();
  const origin = new Origin({ key: me.key, engine, signer: createSigner(me.seed) });
  const pipeline = new Pipeline({ engine, state, wal, origin, logger: memoryLogger(), transport });
  return { state, wal, pipeline, origin, net };
}

/** Another origin's signed batches (one group commit each). */
function sender(name: string) {
  const { key, seed } = keyPairOf(name);
  const origin = new Origin({ key, engine: Engine.create(wasm), signer: createSigner(seed) });
  let lamport = 0n;
  return (bodies: Body[], market = 'BTC-USD', owner = 'alice') => {
    const drafts = bodies.map((b) => {
      const d = origin.create(market, owner, b, lamport, []);
      lamport = d.fields.lamport;
      return d;
    });
    return encodeBatch(origin.sign(drafts));
  };
}

describe('gossip ingress', () => {
  it('accepts and applies a signed batch, ignores its copies, rejects forgeries and bad bytes', async () => {
    const { state, wal, pipeline } = await receiver();
    const send = sender('ingress sender');
    const batch = send([place(1000n), place(1001n), place(1002n)]);
    expect(await pipeline.receive(topic, batch, 'p')).toBe('accept');
    expect(await pipeline.receive(topic, batch, 'p')).toBe('ignore'); // in the log's hands: a copy
    await pipeline.idle();
    expect(state.eventCount).toBe(3);
    expect(state.depth(0, 10).bids.length).toBe(3);
    expect(await pipeline.receive(topic, batch, 'p')).toBe('ignore'); // delivered: a copy

    const next = send([place(999n)]);
    const forged = next.slice();
    forged[forged.length - 1] ^= 1; // the signature's last byte
    expect(await pipeline.receive(topic, forged, 'p')).toBe('reject');
    expect(await pipeline.receive(topic, new Uint8Array([1, 2, 3]), 'p')).toBe('reject');
    expect(await pipeline.receive(marketTopic('ETH-USD'), next, 'p')).toBe('reject'); // wrong topic
    const unknown = sender('ingress stranger')([place(5n)], 'DOGE-USD');
    expect(await pipeline.receive(marketTopic('DOGE-USD'), unknown, 'p')).toBe('reject');
    expect(await pipeline.receive(topic, next, 'p')).toBe('accept'); // the genuine one
    await pipeline.idle();
    expect(state.eventCount).toBe(4);
    expect(pipeline.gossip).toEqual({ accepted: 2, ignored: 2, rejected: 4 });
    await wal.close();
  });

  it('a second envelope its origin signed under a delivered seq is equivocation: counted, not applied, not forwarded', async () => {
    const { state, wal, pipeline } = await receiver();
    const { key, seed } = keyPairOf('ingress equivocator');
    const origin = new Origin({ key, engine: Engine.create(wasm), signer: createSigner(seed) });
    const batchOf = (body: Body) => encodeBatch(origin.sign([origin.create('BTC-USD', 'alice', body, 0n, [])]));
    const first = batchOf(place(1000n));
    expect(await pipeline.receive(topic, first, 'p')).toBe('accept');
    await pipeline.idle();
    const before = { hash: state.stateHash(), events: state.eventCount };
    origin.resume(0n, 0n); // seq 1 again, another order
    const second = batchOf(place(2000n, C.SIDE_SELL));
    expect(await pipeline.receive(topic, second, 'p')).toBe('ignore');
    expect(pipeline.equivocations).toBe(1);
    expect([...pipeline.equivocators]).toEqual([Buffer.from(key).toString('hex')]);
    // the same envelope again, and one whose signature does not hold (anyone could send it): no proof
    expect(await pipeline.receive(topic, first, 'p')).toBe('ignore');
    const forged = second.slice();
    forged[forged.length - 1] ^= 1;
    expect(await pipeline.receive(topic, forged, 'p')).toBe('reject');
    expect(pipeline.equivocations).toBe(1);
    await pipeline.idle();
    expect({ hash: state.stateHash(), events: state.eventCount }).toEqual(before);
    expect(state.depth(0, 10).asks).toEqual([]);
    await wal.close();
  });

  it('holds a batch after a gap until the missing one arrives, then applies both in order', async () => {
    const { state, wal, pipeline } = await receiver();
    const send = sender('ingress gap');
    const first = send([place(1000n, C.SIDE_SELL)]);
    const second = send([place(1000n, C.SIDE_BUY)], 'BTC-USD', 'bob'); // trades with the first, once it is there
    expect(await pipeline.receive(topic, second, 'p')).toBe('accept');
    await pipeline.idle();
    expect(state.eventCount).toBe(0);
    expect(pipeline.orderer.holding).toBe(1);
    expect(pipeline.coveredWalSeq).toBe(0); // the held record is not covered by a checkpoint yet
    expect(await pipeline.receive(topic, first, 'p')).toBe('accept');
    await pipeline.idle();
    expect(state.eventCount).toBe(2);
    expect(state.tradeCount).toBe(1);
    expect(state.recentTrades(0, 1)[0].status).toBe('tentative');
    expect(pipeline.coveredWalSeq).toBe(2);
    await wal.close();
  });

  it('ignores an envelope too far past the frontier of its origin (sync will bring what lies between)', async () => {
    const { state, wal, pipeline } = await receiver();
    const { key, seed } = keyPairOf('ingress far');
    const origin = new Origin({ key, engine: Engine.create(wasm), signer: createSigner(seed) });
    origin.resume(MAX_AHEAD, 0n);
    const far = encodeBatch(origin.sign([origin.create('BTC-USD', 'alice', place(1000n), 0n, [])]));
    expect(await pipeline.receive(topic, far, 'p')).toBe('ignore');
    await pipeline.idle();
    expect(pipeline.orderer.holding).toBe(0);
    expect(wal.lastSeq).toBe(0); // nothing logged
    expect(state.eventCount).toBe(0);
    await wal.close();
  });

  it('publishes own batches and stamps the delivered frontier of the other origins as the vector clock', async () => {
    const { wal, pipeline, origin, net } = await receiver();
    const published = await watch(net, topic);
    const send = sender('ingress peer');
    await pipeline.receive(topic, send([place(900n), place(901n)]), 'p');
    await pipeline.idle();
    const outcome = await pipeline.submit('BTC-USD', 'bob', place(950n, C.SIDE_SELL));
    expect(outcome.ok).toBe(true);
    while (await net.step());
    expect(published.length).toBe(1);
    const [e] = decodeBatch(published[0]);
    expect(e.origin).toEqual(origin.key);
    expect(e.clock).toHaveLength(1);
    expect(e.clock[0][1]).toBe(2n);
    expect(await verifyBatch([e])).toBe(true);
    await wal.close();
  });

  it('gossips an own batch before it applies it; what arrives meanwhile and sorts after it waits for it', async () => {
    const { state, wal, pipeline, net } = await receiver();
    const published = await watch(net, topic);
    // another origin's buy that sorts after our sell (a later Lamport time) and crosses it
    const other = keyPairOf('ingress late buyer');
    const otherOrigin = new Origin({ key: other.key, engine: Engine.create(wasm), signer: createSigner(other.seed) });
    const later = encodeBatch(otherOrigin.sign([otherOrigin.create('BTC-USD', 'alice', place(1000n), 5n, [])]));
    // the moment the sell is gossiped: how much is applied, and the buy arrives
    const transport = net.node('receiver')!;
    const publish = transport.publish.bind(transport);
    const appliedAtPublish: number[] = [];
    let verdict: Promise<string> | null = null;
    transport.publish = (t, data) => {
      appliedAtPublish.push(state.eventCount);
      verdict ??= pipeline.receive(topic, later, 'watcher');
      return publish(t, data);
    };
    const sell = await pipeline.submit('BTC-USD', 'bob', place(1000n, C.SIDE_SELL));
    await pipeline.idle();
    expect(appliedAtPublish).toEqual([0]); // out before it applied here
    expect(await verdict).toBe('accept');
    if (!sell.ok) throw new Error('the sell was refused');
    expect(sell.trades).toEqual([]); // the buy sorts after it: the sell rested first
    // the buy waited for the sell instead of being applied and rolled back a moment later
    expect(pipeline.applier.stats.rollbacks).toBe(0);
    expect(state.eventCount).toBe(2);
    const trades = state.recentTrades(0, 10);
    expect(trades).toHaveLength(1);
    expect(trades[0].makerOrderId).toBe(sell.order.id); // the sell made it, the buy took it
    while (await net.step());
    expect(published).toHaveLength(1);
    await wal.close();
  });

  it('a checkpoint taken while an own batch waits to apply does not cover it, though a batch logged with it is durable', async () => {
    // real files, but a log write can be held back: the writes of three batches then line up
    let gate: Promise<void> = Promise.resolve();
    let release = () => {};
    const fs: FileSystem = {
      ...nodeFileSystem,
      async openAppend(path) {
        const handle = await nodeFileSystem.openAppend(path);
        return {
          durableWrites: handle.durableWrites,
          write: async (bytes) => {
            await gate;
            await handle.write(bytes);
          },
          sync: () => handle.sync(),
          close: () => handle.close(),
        };
      },
    };
    const { wal, pipeline, net } = await receiver(fs);
    const send = sender('ingress checkpoint peer');
    gate = new Promise((resolve) => {
      release = resolve;
    });
    // log record 1: a received batch, its write held at the gate
    expect(await pipeline.receive(topic, send([place(800n)]), 'p')).toBe('accept');
    // record 2: an own batch, queued behind it; record 3: another received one, behind that
    const own = pipeline.submit('BTC-USD', 'bob', place(1200n, C.SIDE_SELL));
    await new Promise((resolve) => setImmediate(resolve)); // the pipeline hands the own batch to the log
    expect(await pipeline.receive(topic, send([place(801n)]), 'p')).toBe('accept');
    // records 2 and 3 go to the disk in one write: once durable, the own batch is gossiped and
    // waits for the next check phase to apply, while record 3's durability has been noted
    const transport = net.node('receiver')!;
    const publish = transport.publish.bind(transport);
    let covered = Number.NaN;
    transport.publish = (t, data) => {
      setImmediate(() => {
        covered = pipeline.coveredWalSeq; // queued before the own batch's apply
      });
      return publish(t, data);
    };
    release();
    await own;
    await pipeline.idle();
    expect(covered).toBe(1); // not record 2, whose envelope was not in the state yet
    expect(pipeline.coveredWalSeq).toBe(3);
    await wal.close();
  });

  it('checks one signature per batch: a root already verified is not verified again', async () => {
    const envs = decodeBatch(sender('ingress cache')([place(1n), place(2n)]));
    const cache = new Set<string>();
    expect(await verifyBatch(envs.slice(0, 1), cache)).toBe(true);
    expect(cache.size).toBe(1);
    expect(await verifyBatch(envs.slice(1), cache)).toBe(true); // same root: from the cache
    expect(cache.size).toBe(1);
  });
});
