// The libp2p transport between real libp2p nodes on 127.0.0.1: connecting by bootstrap,
// gossip on a market topic, the receiver's verdict (an accepted message is forwarded, a
// rejected one is not and costs its sender score), the size cap and per-peer rate limit,
// and request/response exchanges with their error and timeout paths.

import { afterEach, describe, expect, it } from 'vitest';
import { RemoteError } from '../../net/request-response.ts';
import { marketTopic, type Verdict } from '../../net/transport.ts';
import { bytes, sleep, startNet, stopAll, type TestNet, text, waitFor } from './net-helpers.ts';

const TOPIC = marketTopic('BTC-USD');

afterEach(() => stopAll());

function connected(a: TestNet, b: TestNet): boolean {
  return a.net.connectedPeers().includes(b.peerId);
}

/** Waits until `from` forwards gossip of TOPIC to `to` (`to` is in `from`'s mesh). */
async function meshed(from: TestNet, to: TestNet): Promise<void> {
  await waitFor(`${to.peerId} in the mesh of ${from.peerId}`, () =>
    from.net.transport.libp2p.services.pubsub.getMeshPeers(TOPIC).includes(to.peerId),
  );
}

function collect(t: TestNet, verdict: (data: string) => Verdict = () => 'accept') {
  const got: { data: string; from: string; topic: string }[] = [];
  t.net.transport.onGossip((topic, data, from) => {
    got.push({ topic, data: text(data), from });
    return verdict(text(data));
  });
  return got;
}

describe('libp2p transport: gossip', () => {
  it('two nodes connect by bootstrap; bytes published on a market topic reach the subscriber, never the publisher', async () => {
    const a = await startNet();
    const b = await startNet({ bootstrap: [a.addr] });
    expect(a.addr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${a.peerId}$`));
    const gotA = collect(a);
    const gotB = collect(b);
    await waitFor('b subscribed on a', () => a.net.transport.subscribers(TOPIC).includes(b.peerId));
    await waitFor('a subscribed on b', () => b.net.transport.subscribers(TOPIC).includes(a.peerId));
    expect(connected(a, b) && connected(b, a)).toBe(true);

    await b.net.transport.publish(TOPIC, bytes('batch-1'));
    await waitFor('a got batch-1', () => gotA.length === 1);
    expect(gotA[0]).toEqual({ topic: TOPIC, data: 'batch-1', from: b.peerId });
    expect(gotB).toEqual([]);
    expect(b.net.transport.stats.messagesOut).toBe(1);
    expect(a.net.transport.stats.accepted).toBe(1);
    // The peer book learnt the peer's market from its subscription.
    expect(a.net.peers()).toMatchObject([
      { peerId: b.peerId, connected: true, markets: ['BTC-USD'], member: false, breaker: 'closed' },
    ]);
  }, 20_000);

  it('an accepted message is forwarded; a rejected one is not forwarded and lowers its sender’s score', async () => {
    // A line: a — b — c. Only b can carry a's messages to c.
    const b = await startNet();
    const a = await startNet({ bootstrap: [b.addr] });
    const c = await startNet({ bootstrap: [b.addr] });
    collect(a);
    const gotB = collect(b, (d) => (d.startsWith('ok') ? 'accept' : 'reject'));
    const gotC = collect(c);
    await meshed(a, b);
    await meshed(b, c);
    expect(connected(a, c)).toBe(false);

    await a.net.transport.publish(TOPIC, bytes('ok-1'));
    await waitFor('c got ok-1 through b', () => gotC.some((m) => m.data === 'ok-1'));
    expect(gotC.find((m) => m.data === 'ok-1')?.from).toBe(b.peerId);
    expect(b.net.transport.score(a.peerId)).toBeGreaterThanOrEqual(0);

    await a.net.transport.publish(TOPIC, bytes('forged-1'));
    await waitFor('b rejected forged-1', () => b.net.transport.stats.rejected.verdict === 1);
    await waitFor('a’s score on b below zero', () => b.net.transport.score(a.peerId) < 0);
    // The next good message still goes through, on the same path and after the bad one.
    await a.net.transport.publish(TOPIC, bytes('ok-2'));
    await waitFor('c got ok-2', () => gotC.some((m) => m.data === 'ok-2'));
    expect(gotB.map((m) => m.data)).toEqual(['ok-1', 'forged-1', 'ok-2']);
    expect(gotC.map((m) => m.data)).toEqual(['ok-1', 'ok-2']);
  }, 30_000);

  it('cuts oversize messages before the handler and rejects a peer’s messages beyond its rate', async () => {
    const a = await startNet({ tuning: { gossip: { maxMessageBytes: 1000, messagesPerSecondPerPeer: 20 } } });
    const b = await startNet({ bootstrap: [a.addr] });
    const c = await startNet({ bootstrap: [a.addr] });
    const gotA = collect(a);
    await waitFor('b subscribed on a', () => b.net.transport.subscribers(TOPIC).includes(a.peerId));
    await waitFor('c subscribed on a', () => c.net.transport.subscribers(TOPIC).includes(a.peerId));

    await b.net.transport.publish(TOPIC, new Uint8Array(1500).fill(7));
    await waitFor('a rejected the oversize message', () => a.net.transport.stats.rejected.oversize === 1);
    // Far past the cap: gossipsub drops it (and b's stream) before decoding; a carries on.
    await b.net.transport.publish(TOPIC, new Uint8Array(400_000).fill(8));
    await sleep(300);
    await c.net.transport.publish(TOPIC, bytes('small-1'));
    await waitFor('a got small-1 from c', () => gotA.some((m) => m.data === 'small-1' && m.from === c.peerId));
    expect(gotA.every((m) => m.data.length < 1000)).toBe(true);

    const before = gotA.length;
    const floodStart = Date.now();
    for (let i = 0; i < 200; i++) await c.net.transport.publish(TOPIC, bytes(`flood-${i}`));
    await waitFor('a rate-limited c', () => a.net.transport.stats.rejected.rate_limited > 100);
    await sleep(200);
    const handled = gotA.length - before;
    expect(handled).toBeGreaterThan(0);
    // 20 a second: at most 20 per one-second window the flood (and its delivery) touched.
    expect(handled).toBeLessThanOrEqual(20 * (Math.ceil((Date.now() - floodStart) / 1000) + 1));
    // gossipsub caches scores for a moment.
    await waitFor('c’s score on a below zero', () => a.net.transport.score(c.peerId) < 0, 3_000);
    const rejected = a.net.metrics().filter((m) => m.name === 'meshbook_gossip_messages_rejected_total');
    expect(rejected.find((m) => m.labels?.reason === 'rate_limited')?.value).toBeGreaterThan(100);
    expect(rejected.find((m) => m.labels?.reason === 'oversize')?.value).toBe(1);
  }, 30_000);
});

describe('libp2p transport: request/response', () => {
  it('round trip, the handler’s error, an unknown protocol, an oversize request and a timeout', async () => {
    const a = await startNet({
      tuning: { exchange: { maxBytes: 4096, timeoutMs: 5_000, requestsPerSecondPerPeer: 10 } },
    });
    const b = await startNet({ bootstrap: [a.addr], tuning: { exchange: { maxBytes: 4096, timeoutMs: 600 } } });
    a.net.transport.handle('/meshbook/test/echo/1', async (data, from) =>
      bytes(`${from === b.peerId ? 'b' : '?'}:${text(data).split('').reverse().join('')}`),
    );
    a.net.transport.handle('/meshbook/test/fail/1', async () => {
      throw new Error('no such range');
    });
    a.net.transport.handle('/meshbook/test/slow/1', async () => {
      await sleep(3_000);
      return bytes('late');
    });
    await waitFor('connected', () => connected(b, a));

    expect(text(await b.net.transport.request(a.peerId, '/meshbook/test/echo/1', bytes('sync')))).toBe('b:cnys');
    await expect(b.net.transport.request(a.peerId, '/meshbook/test/fail/1', bytes('x'))).rejects.toThrow(
      new RemoteError('no such range'),
    );
    await expect(b.net.transport.request(a.peerId, '/meshbook/test/none/1', bytes('x'))).rejects.toThrow();
    await expect(b.net.transport.request(a.peerId, '/meshbook/test/echo/1', new Uint8Array(5000))).rejects.toThrow(
      /over the limit/,
    );
    const t0 = Date.now();
    await expect(b.net.transport.request(a.peerId, '/meshbook/test/slow/1', bytes('x'))).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(2_000);
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(new Error('caller gave up')), 100);
    await expect(
      b.net.transport.request(a.peerId, '/meshbook/test/slow/1', bytes('x'), { signal: aborted.signal }),
    ).rejects.toThrow();
    // Beyond its request rate a peer is answered with an error, and the handler is not called.
    let served = 0;
    a.net.transport.handle('/meshbook/test/count/1', async () => bytes(String(++served)));
    const burst = await Promise.allSettled(
      Array.from({ length: 15 }, () => b.net.transport.request(a.peerId, '/meshbook/test/count/1', bytes('x'))),
    );
    const refused = burst.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/too many requests/);
    expect(served).toBe(15 - refused.length);
    expect(a.net.transport.stats.requestsRefused).toBe(refused.length);
    await sleep(1100);
    // After all that the connection still serves.
    expect(text(await b.net.transport.request(a.peerId, '/meshbook/test/echo/1', bytes('ab')))).toBe('b:ba');
    expect(b.net.transport.stats.requestFailures).toBe(5 + refused.length);
  }, 30_000);
});
