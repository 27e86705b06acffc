// Convergence between real node processes on 127.0.0.1 (libp2p: TCP, Noise, Yamux, gossipsub;
// mDNS and the DHT off): random concurrent orders on every node, many of them crossing orders
// of other nodes. After quiescence every node holds the same state hash, the same full book
// and the same trade log, every trade final — and equal to one fresh state that applied the
// union of the nodes' logs in the total order. A late joiner gets the whole book by sync; a
// node killed with SIGKILL and restarted (no --bootstrap: it redials its known peers) catches
// up; a network of a Node, a Deno and a Bun node converges.

import * as fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../core-as/src/engine.ts';
import { readWasm } from '../../../core-as/src/wasm.ts';
import { stateHashHex } from '../../api/format.ts';
import { parseConfig } from '../../config.ts';
import { nodeFileSystem } from '../../fs-node.ts';
import { Markets } from '../../markets.ts';
import { compareEnvelopes } from '../../pipeline/orderer.ts';
import { NodeState } from '../../state/node-state.ts';
import { Wal } from '../../store/wal.ts';
import { decodeEnvelope, type Envelope, hex } from '../../wire/envelope.ts';
import { rng } from './fuzz-gen.ts';
import { missing, type NodeProcess, type Runtime, startNodeProcess, tempDataDir } from './node-process.ts';

const MARKETS = ['BTC-USD', 'ETH-USD'];
const MARKETS_FLAG = 'BTC-USD:0.01:0.001,ETH-USD:0.01:0.001';
const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-9876543210' };
const ARGS = [
  '--log-level',
  process.env.CONV_LOG ?? 'warn',
  '--markets',
  MARKETS_FLAG,
  '--tokens',
  `alice:${TOKENS.alice},bob:${TOKENS.bob}`,
];

const running: NodeProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop('SIGKILL')));
  await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

interface Node extends NodeProcess {
  p2p: string[];
}

async function start(runtime: Runtime, dataDir: string, args: string[] = []): Promise<Node> {
  const node = await startNodeProcess(runtime, { dataDir, args: [...ARGS, ...args], timeoutMs: 60_000 });
  running.push(node);
  const listening = node.stdoutLines.map((l) => JSON.parse(l)).find((m) => m.event === 'listening');
  return Object.assign(node, { p2p: listening.p2p as string[] });
}

async function get(node: NodeProcess, route: string): Promise<any> {
  const res = await fetch(`${node.url}${route}`);
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Every trade of a market, following the Link header's pages. */
async function trades(node: NodeProcess, market: string): Promise<any[]> {
  const out: any[] = [];
  let url: string | null = `${node.url}/v1/markets/${market}/trades?limit=1000`;
  while (url) {
    const res: Response = await fetch(url);
    out.push(...(await res.json()));
    const next = res.headers.get('link')?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
    url = next ? new URL(next, node.url).toString() : null;
  }
  return out;
}

/** What must be equal everywhere: per market the whole book (state hash and event count included) and the trade log. */
async function view(node: NodeProcess) {
  const out: Record<string, unknown> = {};
  for (const m of MARKETS) {
    out[m] = { book: await get(node, `/v1/markets/${m}/book?depth=1000`), trades: await trades(node, m) };
  }
  return out;
}

/** Waits until every node shows the same view with every trade final, and returns it. */
async function converged(nodes: NodeProcess[], timeoutMs = 60_000) {
  let views: Record<string, any>[] = [];
  await waitFor(
    'the same book, trades and state hash on every node, every trade final',
    async () => {
      views = await Promise.all(nodes.map(view));
      const a = JSON.stringify(views[0]);
      const final = MARKETS.every((m) => views[0][m].trades.every((t: any) => t.status === 'final'));
      return final && views.every((v) => JSON.stringify(v) === a);
    },
    timeoutMs,
  ).catch((err) => {
    const sums = views.map((v) => MARKETS.map((m) => `${v[m]?.book?.stateHash}/${v[m]?.book?.eventCount}`).join(' '));
    throw new Error(`${err.message}\n${sums.join('\n')}\n${nodes.map((n) => n.stderr().slice(-2000)).join('\n')}`);
  });
  return views[0];
}

/** Random limit orders, near one price so that many cross; `who` alternates owners. */
async function trade(node: NodeProcess, seed: number, count: number): Promise<string[]> {
  const r = rng(seed);
  const ids: string[] = [];
  const post = async (i: number) => {
    const owner = i % 2 ? 'alice' : 'bob';
    const body = {
      market: MARKETS[Math.floor(r() * MARKETS.length)],
      side: r() < 0.5 ? 'buy' : 'sell',
      type: 'limit',
      price: (100 + Math.floor(r() * 6)).toFixed(2),
      quantity: (1 + Math.floor(r() * 5)).toString(),
    };
    const res = await fetch(`${node.url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS[owner]}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST /v1/orders: ${res.status} ${await res.text()}`);
    ids.push((await res.json()).order.id);
  };
  // a few at a time, so the node's batches and other nodes' gossip interleave
  for (let i = 0; i < count; i += 4) {
    await Promise.all([0, 1, 2, 3].filter((k) => i + k < count).map((k) => post(i + k)));
  }
  return ids;
}

/** The union of the nodes' logs applied to one fresh state in the total order: its state hash per market view. */
async function singleEngineHash(dataDirs: string[]): Promise<string> {
  const cfg = parseConfig(['--markets', MARKETS_FLAG], {});
  if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
  const markets = new Markets(cfg.config.markets);
  const byId = new Map<string, Envelope>();
  for (const dir of dataDirs) {
    const wal = await Wal.open({ fs: nodeFileSystem, dir: `${dir}/wal` });
    for await (const rec of wal.replay(0)) {
      const e = decodeEnvelope(rec.payload);
      byId.set(hex(e.id), e);
    }
    await wal.close();
  }
  const state = new NodeState({ engine: Engine.create(readWasm('release'), { markets: markets.size }), markets });
  const all = [...byId.values()].sort(compareEnvelopes);
  for (let i = 0; i < all.length; i += 1024) state.apply(all.slice(i, i + 1024));
  return stateHashHex(state.stateHash());
}

const members = async (node: NodeProcess) => (await get(node, '/v1/health')).network.members;

describe('convergence between node processes', () => {
  it('3 nodes, concurrent crossing orders on all three: the same book, trades and hash everywhere, all final, equal to one engine applying the union in total order', async () => {
    const dataDirs = await Promise.all([1, 2, 3].map((i) => tempDataDir(`conv-${i}`)));
    dirs.push(...dataDirs);
    const n1 = await start('node', dataDirs[0]);
    const n2 = await start('node', dataDirs[1], ['--bootstrap', n1.p2p[0]]);
    const n3 = await start('node', dataDirs[2], ['--bootstrap', n1.p2p[0]]);
    const nodes = [n1, n2, n3];
    await waitFor('every node sees 3 members', async () =>
      (await Promise.all(nodes.map(members))).every((m) => m === 3),
    );

    const placed = await Promise.all(nodes.map((n, i) => trade(n, 1000 + i, 60)));
    const result = await converged(nodes);
    const nodeOf = new Map<string, number>();
    placed.forEach((ids, i) => {
      for (const id of ids) nodeOf.set(id, i);
    });
    const all = MARKETS.flatMap((m) => (result[m] as any).trades);
    expect(all.length).toBeGreaterThan(20);
    const across = all.filter((t: any) => nodeOf.get(t.makerOrderId) !== nodeOf.get(t.takerOrderId));
    expect(across.length).toBeGreaterThan(5); // trades between orders of different nodes
    for (const m of MARKETS) expect((result[m] as any).book.eventCount).toBeGreaterThan(60);

    // stopped without a leave (SIGKILL), their logs hold exactly what they applied
    const hash = (result[MARKETS[0]] as any).book.stateHash;
    await Promise.all(running.splice(0).map((n) => n.stop('SIGKILL')));
    expect(await singleEngineHash(dataDirs)).toBe(hash);
  }, 180_000);

  it('a late joiner gets the whole book by sync; a node killed (SIGKILL) and restarted catches up', async () => {
    const dataDirs = await Promise.all([1, 2, 3, 4].map((i) => tempDataDir(`late-${i}`)));
    dirs.push(...dataDirs);
    const n1 = await start('node', dataDirs[0]);
    const n2 = await start('node', dataDirs[1], ['--bootstrap', n1.p2p[0]]);
    let n3 = await start('node', dataDirs[2], ['--bootstrap', n1.p2p[0]]);
    await waitFor('3 members', async () => (await Promise.all([n1, n2, n3].map(members))).every((m) => m === 3));
    await Promise.all([trade(n1, 1, 24), trade(n2, 2, 24), trade(n3, 3, 24)]);
    await converged([n1, n2, n3]);

    // n3 dies; the others go on trading; n3 comes back without --bootstrap
    await n3.stop('SIGKILL');
    running.splice(running.indexOf(n3), 1);
    await Promise.all([trade(n1, 4, 40), trade(n2, 5, 40)]);
    // a finality stall is expected meanwhile (n3 is a silent member): check books, not finality
    n3 = await start('node', dataDirs[2]);
    // a node that never saw any of it
    const n4 = await start('node', dataDirs[3], ['--bootstrap', n1.p2p[0]]);
    const book = async (n: NodeProcess) => {
      const b = await get(n, `/v1/markets/${MARKETS[0]}/book?depth=1000`);
      return `${b.stateHash}/${b.eventCount}`;
    };
    let hashes: string[] = [];
    await waitFor('the restarted node and the late joiner hold the same book as the others', async () => {
      hashes = await Promise.all([n1, n2, n3, n4].map(book));
      return hashes.every((h) => h === hashes[0]);
    }).catch((err) => {
      throw new Error(
        `${err.message}: ${hashes.join(' ')}\n${[n1, n2, n3, n4].map((n) => n.stderr().slice(-3000)).join('\n')}`,
      );
    });
    // what they lacked came by sync: gossip does not replay what was sent before they listened
    const synced = async (n: NodeProcess) =>
      Number((await (await fetch(`${n.url}/metrics`)).text()).match(/^meshbook_sync_envelopes_total (\d+)/m)?.[1]);
    expect(await synced(n3)).toBeGreaterThan(0);
    expect(await synced(n4)).toBeGreaterThan(100);
    await Promise.all([trade(n3, 6, 12), trade(n4, 7, 12)]);
    const result = await converged([n1, n2, n3, n4]);
    expect(MARKETS.flatMap((m) => (result[m] as any).trades).length).toBeGreaterThan(20);
  }, 240_000);

  it('one network of a Node, a Deno and a Bun node converges', async (ctx) => {
    const absent = (['node', 'deno', 'bun'] as Runtime[]).map(missing).filter(Boolean);
    if (absent.length > 0) ctx.skip(absent.join('; '));
    const dataDirs = await Promise.all([1, 2, 3].map((i) => tempDataDir(`mixed-${i}`)));
    dirs.push(...dataDirs);
    const n1 = await start('node', dataDirs[0]);
    const n2 = await start('deno', dataDirs[1], ['--bootstrap', n1.p2p[0]]);
    const n3 = await start('bun', dataDirs[2], ['--bootstrap', n1.p2p[0]]);
    const nodes = [n1, n2, n3];
    await waitFor('3 members', async () => (await Promise.all(nodes.map(members))).every((m) => m === 3));
    await Promise.all(nodes.map((n, i) => trade(n, 50 + i, 24)));
    const result = await converged(nodes);
    expect(MARKETS.flatMap((m) => (result[m] as any).trades).length).toBeGreaterThan(5);
  }, 180_000);
});
