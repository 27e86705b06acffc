// A hostile peer on real libp2p (127.0.0.1): a bare network (no book) connected to node B only,
// B connected to node C. The attacker publishes, on B's market topic: a batch with a forged
// signature, bytes that are no batch, an envelope of a market B does not trade, and an envelope
// whose Lamport time is absurdly far ahead. B rejects them all: its state does not move, the
// attacker's gossipsub score on B falls below zero, and C — which only B could forward to —
// never sees one (C rejects nothing).
//
// A replay of a genuine batch is dropped: gossipsub's seen cache drops a copy of a message it
// has seen, and an envelope delivered already (a copy that arrives after sync brought it, or
// after the seen cache forgot it) is ignored without blame — honest peers send those too
// (gossip-ingress.test.ts). An envelope whose clock sorts it before trades already final is
// rejected: applying it would revert them.

import { afterEach, describe, expect, it } from 'vitest';
import * as C from '../../../core-as/codes.ts';
import { Engine } from '../../../core-as/src/engine.ts';
import { readWasm } from '../../../core-as/src/wasm.ts';
import { createSigner } from '../../identity/signer.ts';
import { marketTopic } from '../../net/transport.ts';
import { Origin } from '../../pipeline/origin.ts';
import { encodeBatch } from '../../wire/batch.ts';
import type { OrderBody } from '../../wire/envelope.ts';
import { keyPairOf, removeDir, tempDir } from '../helpers.ts';
import { type Harness, startInProcess } from '../node-harness.ts';
import { startNet, stopAll, waitFor } from './net-helpers.ts';

const TOPIC = marketTopic('BTC-USD');
const nodes: Harness[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await stopAll();
  await Promise.all(nodes.splice(0).map((h) => h.node.stop('test')));
  await Promise.all(dirs.splice(0).map(removeDir));
});

const place = (price: bigint): OrderBody => ({
  kind: C.CMD_PLACE,
  side: C.SIDE_BUY,
  type: C.TYPE_LIMIT,
  tif: C.TIF_GTC,
  flags: 0,
  stp: 0,
  price,
  quantity: 5n,
  clientOrderId: '',
});

/** Signed batches of one origin, as a node would publish them; `lamport` forces the Lamport time. */
function origin(name: string) {
  const { key, seed } = keyPairOf(name);
  const o = new Origin({ key, engine: Engine.create(readWasm('release')), signer: createSigner(seed) });
  return (market: string, body: OrderBody, lamport = 0n) =>
    encodeBatch(o.sign([o.create(market, 'mallory', body, lamport, [])]));
}

async function node(args: string[] = []): Promise<Harness> {
  const dir = await tempDir('meshbook-hostile-');
  dirs.push(dir);
  const h = await startInProcess(dir, { args });
  nodes.push(h);
  return h;
}

const book = async (h: Harness) => (await h.req('GET', '/v1/markets/BTC-USD/book', undefined, null)).json;
const pubsub = (h: Harness) => h.node.network.transport.libp2p.services.pubsub;
const equivocations = async (h: Harness) =>
  Number(/^meshbook_equivocations_total (\d+)$/m.exec(await (await h.app.request('/metrics')).text())?.[1]);

/** The attacker: a bare network dialing B, once each is in the other's mesh of the market's topic. */
async function attackerOf(b: Harness) {
  const attacker = await startNet({ bootstrap: [b.node.network.addrs()[0]] });
  await waitFor('the attacker in B’s mesh', () => pubsub(b).getMeshPeers(TOPIC).includes(attacker.peerId));
  await waitFor('B in the attacker’s mesh', () =>
    attacker.net.transport.libp2p.services.pubsub.getMeshPeers(TOPIC).includes(b.node.peerId),
  );
  return attacker;
}

describe('a hostile peer over gossip', () => {
  it('forged, bad bytes, unknown market and far-future: dropped, not forwarded, state unchanged, sender penalised', async () => {
    const b = await node();
    const addrB = b.node.network.addrs()[0];
    const c = await node(['--bootstrap', addrB]);
    const attacker = await attackerOf(b);
    await waitFor('B and C meshed', () => pubsub(b).getMeshPeers(TOPIC).includes(c.node.peerId));
    expect(c.node.network.connectedPeers()).not.toContain(attacker.peerId); // only B can forward to C

    const statsB = b.node.network.transport.stats;
    const statsC = c.node.network.transport.stats;
    const send = (data: Uint8Array) => attacker.net.transport.publish(TOPIC, data);
    const before = await book(b);
    const mallory = origin('hostile mallory');
    const forged = mallory('BTC-USD', place(100n));
    forged[forged.length - 1] ^= 1; // the signature's last byte
    await send(forged);
    await send(new Uint8Array([1, 0, 1, 0xff, 0xff, 1, 2, 3]));
    await send(origin('hostile stranger')('DOGE-USD', place(100n))); // a market B does not trade, on B's topic
    await send(origin('hostile clock')('BTC-USD', place(100n), 1n << 40n)); // Lamport time 2^40 + 1
    await waitFor('B rejected the four', () => statsB.rejected.verdict >= 4);
    await waitFor('the attacker’s score on B below zero', () => b.node.network.transport.score(attacker.peerId) < 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await book(b)).toEqual(before); // nothing applied, nothing logged
    expect(b.node.state().eventCount).toBe(before.eventCount);
    expect((await book(c)).stateHash).toBe(before.stateHash);
    expect(statsC.rejected.verdict).toBe(0); // no bad message was forwarded to C
  }, 60_000);

  it('a replayed batch, an equivocation and an envelope that sorts before final trades: not applied, not forwarded', async () => {
    const b = await node();
    const addrB = b.node.network.addrs()[0];
    const c = await node(['--bootstrap', addrB]);
    await waitFor('B and C meshed', () => pubsub(b).getMeshPeers(TOPIC).includes(c.node.peerId));
    const order = (side: string) => ({ market: 'BTC-USD', side, type: 'limit', price: '100', quantity: '0.01' });
    const trades = async (h: Harness) =>
      (await h.req('GET', '/v1/markets/BTC-USD/trades?limit=10', undefined, null)).json as { status: string }[];
    // a trade on B, final once C has delivered it too (before the attacker comes: a subscriber
    // that never reports stalls finality)
    expect((await b.req('POST', '/v1/orders', order('sell'))).status).toBe(201);
    expect((await b.req('POST', '/v1/orders', order('buy'), 'token-b-0123456789')).status).toBe(201);
    await waitFor('the trade final on B', async () => (await trades(b)).some((t) => t.status === 'final'));
    const attacker = await attackerOf(b);
    const send = (data: Uint8Array) => attacker.net.transport.publish(TOPIC, data);

    // genuine: accepted by B, forwarded to C; the same bytes again change nothing
    const mallory = origin('hostile replayer');
    const genuine = mallory('BTC-USD', place(90n), b.node.state().lamport);
    const events = b.node.state().eventCount;
    await send(genuine);
    await waitFor('the genuine batch applied on B and C', () =>
      [b, c].every((h) => h.node.state().eventCount === events + 1),
    );
    const after = { b: (await book(b)).stateHash, c: (await book(c)).stateHash };
    await send(genuine).catch(() => {}); // gossipsub may refuse to publish a duplicate at all
    // the same origin and seq, another order, validly signed: equivocation, kept out
    await send(origin('hostile replayer')('BTC-USD', place(80n), b.node.state().lamport));
    await waitFor('B counted the equivocation', async () => (await equivocations(b)) === 1);
    // clocked before everything: it would sort before the final trade
    const early = origin('hostile early')('BTC-USD', place(95n), 0n);
    await send(early);
    await waitFor('B rejected the early envelope', () => b.node.network.transport.stats.rejected.verdict >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await book(b)).stateHash).toBe(after.b);
    expect((await book(c)).stateHash).toBe(after.c);
    expect([b, c].map((h) => h.node.state().eventCount)).toEqual([events + 1, events + 1]);
    expect(c.node.network.transport.stats.rejected.verdict).toBe(0); // not forwarded to C
    expect(await equivocations(c)).toBe(0); // the second version did not reach C either
    expect((await trades(b)).every((t) => t.status === 'final')).toBe(true);
    await waitFor('the attacker’s score on B below zero', () => b.node.network.transport.score(attacker.peerId) < 0);
  }, 60_000);
});
