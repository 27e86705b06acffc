// Anti-entropy without heartbeats: an envelope held back after a gap makes sync ask its origin
// for what lies before it, once the gap has stayed open for the grace time (gossip reorders
// too). A busy origin sends few heartbeats (its envelopes carry its reports), so the gap itself
// must be enough. Two real pipelines on the in-memory transport, sync over its requests.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { peerIdOf } from '../identity/identity.ts';
import { createSigner } from '../identity/signer.ts';
import { Markets } from '../markets.ts';
import { MemoryNetwork } from '../net/memory-transport.ts';
import { marketTopic } from '../net/transport.ts';
import { Origin } from '../pipeline/origin.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { Sync } from '../pipeline/sync.ts';
import { NodeState } from '../state/node-state.ts';
import { Wal } from '../store/wal.ts';
import { hex } from '../wire/envelope.ts';
import { keyPairOf, memoryLogger } from './helpers.ts';
import { MemoryFileSystem } from './memory-fs.ts';

const wasm = readWasm('release');
const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.001'], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const topic = marketTopic('BTC-USD');
const GRACE = 1000;

async function peer(net: MemoryNetwork, name: string, clock: { ms: number }) {
  const { key, seed } = keyPairOf(name);
  const engine = Engine.create(wasm, { markets: markets.size });
  const state = new NodeState({ engine, markets });
  const wal = await Wal.open({ fs: new MemoryFileSystem(), dir: '/wal' });
  const transport = net.transport(peerIdOf(key));
  const origin = new Origin({ key, engine, signer: createSigner(seed) });
  let sync: Sync | null = null;
  const pipeline = new Pipeline({
    engine,
    state,
    wal,
    origin,
    logger: memoryLogger(),
    transport,
    onHeld: (o, seq) => sync?.gap(o, seq),
  });
  sync = new Sync({ transport, pipeline, state, logger: memoryLogger(), now: () => clock.ms, graceMs: GRACE });
  sync.serve();
  await transport.start();
  return { key, state, pipeline, sync, transport };
}

describe('sync after a gap', () => {
  it('an envelope held after a gap that gossip does not fill: its origin is asked after the grace time', async () => {
    const net = new MemoryNetwork(7);
    const clock = { ms: 0 };
    const a = await peer(net, 'gap origin', clock);
    const b = await peer(net, 'gap receiver', clock);
    // a's gossip, caught on its way out: b gets only what the test hands it
    const sent: Uint8Array[] = [];
    a.transport.publish = async (_topic, data) => {
      sent.push(data);
    };
    // three time events: any envelope will do
    for (let i = 0; i < 3; i++) await a.pipeline.submitTime('BTC-USD');
    expect(sent.length).toBe(3);
    const from = peerIdOf(a.key);
    expect(await b.pipeline.receive(topic, sent[0], from)).toBe('accept');
    expect(await b.pipeline.receive(topic, sent[2], from)).toBe('accept'); // the second was lost
    await b.pipeline.idle();
    expect(b.pipeline.orderer.holding).toBe(1);
    b.sync.tick(); // within the grace time: gossip may still bring it
    expect(b.sync.busy).toBe(false);
    clock.ms += GRACE;
    b.sync.tick();
    expect(b.sync.busy).toBe(true);
    while (b.sync.busy) await new Promise((resolve) => setTimeout(resolve, 1));
    await b.pipeline.idle();
    expect(b.pipeline.orderer.holding).toBe(0);
    expect(b.pipeline.orderer.delivered(hex(a.key))).toBe(3n);
    expect(b.state.stateHash()).toBe(a.state.stateHash());
  });
});
