// The pipeline on its own, with a real engine, state and log: batches are as large as the
// load makes them and each has one signature; a failure answers every caller (a durable batch
// with its outcome, even when the batch behind it failed first) and refuses what follows.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { Engine } from '../../core-as/src/engine.ts';
import { readWasm } from '../../core-as/src/wasm.ts';
import { parseConfig } from '../config.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { Markets } from '../markets.ts';
import { decodeEnvelope, type PlaceBody } from '../wire/envelope.ts';
import { Origin } from '../pipeline/origin.ts';
import { Pipeline, PipelineFailedError } from '../pipeline/pipeline.ts';
import { createSigner, type Signer } from '../identity/signer.ts';
import { NodeState } from '../state/node-state.ts';
import { Wal } from '../store/wal.ts';
import { collect, memoryLogger, removeDir, tempDir } from './helpers.ts';

const cfg = parseConfig([], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const origin = new Uint8Array(32).fill(3);
const place = (i: number): PlaceBody => ({
  kind: C.CMD_PLACE,
  side: i % 2 ? C.SIDE_BUY : C.SIDE_SELL,
  type: C.TYPE_LIMIT,
  tif: C.TIF_GTC,
  flags: 0,
  stp: 0,
  price: 3_000_000n + BigInt(i % 2 ? -i : i),
  quantity: 1000n,
  clientOrderId: '',
});

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-seq-');
});
afterEach(async () => {
  await removeDir(dir);
});

async function setup(signer: Signer) {
  const engine = Engine.create(readWasm('release'), { markets: markets.size });
  const state = new NodeState({ engine, markets });
  const wal = await Wal.open({ fs: nodeFileSystem, dir: `${dir}/wal` });
  const seq = new Pipeline({
    engine,
    state,
    wal,
    origin: new Origin({ key: origin, engine, signer }),
    logger: memoryLogger(),
  });
  return { state, wal, seq };
}

describe('pipeline: own commands', () => {
  it('signs each batch once; a burst shares batches, a lone order is a batch of one', async () => {
    const real = createSigner(new Uint8Array(32).fill(5));
    let signatures = 0;
    const { state, wal, seq } = await setup({
      sign: (b) => {
        signatures++;
        return real.sign(b);
      },
    });
    const lone = await seq.submit('BTC-USD', 'alice', place(0));
    expect(lone.ok).toBe(true);
    expect(signatures).toBe(1);
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) => seq.submit('BTC-USD', 'alice', place(i + 1))),
    );
    expect(burst.every((o) => o.ok)).toBe(true);
    expect(signatures).toBeLessThan(20); // 200 orders: the first batch, then what queued behind it
    expect(state.eventCount).toBe(201);
    await seq.idle();
    const envs = (await collect(wal.replay(0))).map((r) => decodeEnvelope(r.payload));
    await wal.close();
    expect(envs.map((e) => e.seq)).toEqual(envs.map((_, i) => BigInt(i + 1)));
    expect(envs[0].proof).toMatchObject({ index: 0, count: 1 });
    expect(new Set(envs.map((e) => Buffer.from(e.signature).toString('hex'))).size).toBe(signatures);
  });

  it('a failed signature answers every caller, even behind a batch still being written, and refuses what follows', async () => {
    const real = createSigner(new Uint8Array(32).fill(5));
    let calls = 0;
    const { wal, seq } = await setup({
      sign: (b) => {
        if (++calls === 2) throw new Error('the key is gone');
        return real.sign(b);
      },
    });
    // the first wave is one batch; the second queues behind it and its signature fails when the first becomes durable
    const first = Array.from({ length: 10 }, (_, i) => seq.submit('BTC-USD', 'alice', place(i)));
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 10 }, (_, i) => seq.submit('BTC-USD', 'alice', place(100 + i)));
    const settled = await Promise.race([
      Promise.allSettled([...first, ...second]),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    expect(settled).not.toBe('hung');
    const results = settled as PromiseSettledResult<{ ok: boolean }>[];
    // the first wave was durable: it applied and got its outcomes
    for (const r of results.slice(0, 10)) expect(r).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    for (const r of results.slice(10)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PipelineFailedError);
    }
    expect(seq.failed).toBeInstanceOf(PipelineFailedError);
    await expect(seq.submit('BTC-USD', 'alice', place(999))).rejects.toBeInstanceOf(PipelineFailedError);
    await seq.idle(); // does not wait forever either
    await wal.close();
  });
});
