// Durability against real node processes of each runtime: orders sent concurrently, the node
// killed with SIGKILL at a random moment, restarted on the same data dir — every order that
// got a 2xx must be there in the state its last 2xx gave it (or, if a later command on it
// was in flight, in the state that command gives). Then: a torn log tail is cut with a
// warning and loses nothing acknowledged; a corrupted record in the middle stops the start
// with an error naming the file and the byte offset.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CMD_AMEND, CMD_CANCEL, CMD_PLACE, CMD_REDUCE } from '../../../core-as/codes.ts';
import { nodeFileSystem } from '../../fs-node.ts';
import { Wal } from '../../store/wal.ts';
import { decodeEnvelope, KIND_JOIN, KIND_LEAVE } from '../../wire/envelope.ts';
import { collect } from '../helpers.ts';
import { RawPool } from '../raw-http.ts';
import { rng } from './fuzz-gen.ts';
import { missing, type NodeProcess, RUNTIMES, runToExit, startNodeProcess, tempDataDir } from './node-process.ts';

const SEED = Number(process.env.MESHBOOK_DURABILITY_SEED ?? Date.now() % 1_000_000);
const TOKEN = 'durable-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const ARGS = ['--token', TOKEN, '--rate-limit', '0', '--snapshot-every', '150'];

interface Known {
  id: string;
  /** The order as the last 2xx about it showed it. */
  acked: any;
  /** A command on it that was sent and not answered when the node died. */
  inFlight: 'cancel' | { reduceTo: string } | { moveTo: string } | null;
}

const view = (o: any) => ({
  status: o.status,
  quantity: o.quantity,
  filledQuantity: o.filledQuantity,
  remainingQuantity: o.remainingQuantity,
  price: o.price,
  side: o.side,
  type: o.type,
  stopPrice: o.stopPrice,
  oco: o.oco,
  displayQuantity: o.displayQuantity,
  expiresAt: o.expiresAt,
});

async function post(pool: RawPool, body: unknown) {
  const r = await pool.request({ method: 'POST', path: '/v1/orders', headers: AUTH, body: JSON.stringify(body) });
  return { status: r.status, json: JSON.parse(r.body) };
}

async function walSegments(dataDir: string): Promise<string[]> {
  return (await fs.readdir(path.join(dataDir, 'wal')))
    .filter((f) => f.endsWith('.wal'))
    .sort()
    .map((f) => path.join(dataDir, 'wal', f));
}

/** Byte offsets of the records in a segment (20-byte header, payload length at byte 8). */
function recordOffsets(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let p = 0; p + 20 <= bytes.length; p += 20 + dv.getUint32(p + 8, true)) out.push(p);
  return out;
}

/** The kinds of the envelopes in a stopped node's log, in order (the log holds them all: one segment). */
async function loggedKinds(dataDir: string): Promise<number[]> {
  const wal = await Wal.open({ fs: nodeFileSystem, dir: path.join(dataDir, 'wal') });
  try {
    expect(wal.firstSeq).toBe(1);
    return (await collect(wal.replay())).map((r) => decodeEnvelope(r.payload).body.kind);
  } finally {
    await wal.close();
  }
}
const isCommand = (kind: number) => [CMD_PLACE, CMD_CANCEL, CMD_REDUCE, CMD_AMEND].includes(kind);

for (const runtime of RUNTIMES) {
  const why = missing(runtime);
  describe.skipIf(why !== undefined)(`durability on ${runtime}`, () => {
    it(`SIGKILL at a random moment loses no acknowledged order (seed ${SEED}); torn tail cut; corrupt middle refused`, async () => {
      const r = rng(SEED + runtime.length);
      const dataDir = await tempDataDir(`durable-${runtime}`);
      let node: NodeProcess | null = await startNodeProcess(runtime, { dataDir, args: ARGS });
      try {
        let pool = new RawPool(node.url, 12);
        const known = new Map<string, Known>();

        // 1. trades, all acknowledged before the storm
        const tradeIds: string[] = [];
        for (let i = 0; i < 10; i++) {
          const maker = await post(pool, {
            market: 'BTC-USD',
            side: 'sell',
            type: 'limit',
            price: '150.00',
            quantity: '0.3',
          });
          expect(maker.status).toBe(201);
          const taker = await post(pool, {
            market: 'BTC-USD',
            side: 'buy',
            type: 'limit',
            price: '150.00',
            quantity: '0.2',
          });
          expect(taker.status).toBe(201);
          tradeIds.push(...taker.json.trades.map((t: any) => t.id));
          for (const o of [maker.json.order, taker.json.order]) known.set(o.id, { id: o.id, acked: o, inFlight: null });
        }
        // advanced orders that stay as they are through the storm (which trades nothing): a pending
        // stop, an iceberg, a good-till-time order and an OCO
        for (const body of [
          { side: 'buy', type: 'stop_limit', price: '500.00', stopPrice: '450.00', quantity: '1' },
          { side: 'sell', type: 'limit', price: '300.00', quantity: '5', displayQuantity: '0.5' },
          {
            side: 'buy',
            type: 'limit',
            price: '5.00',
            quantity: '1',
            expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
          { side: 'sell', type: 'limit', price: '310.00', quantity: '1', oco: { stopPrice: '5.00', price: '4.00' } },
        ]) {
          const res = await post(pool, { market: 'BTC-USD', ...body });
          expect(res.status, JSON.stringify(res.json)).toBe(201);
          known.set(res.json.order.id, { id: res.json.order.id, acked: res.json.order, inFlight: null });
        }
        // the makers were only partly filled by their own taker; refresh what they look like now
        for (const k of known.values()) {
          const g = await pool.request({ method: 'GET', path: `/v1/orders/${k.id}`, headers: AUTH });
          k.acked = JSON.parse(g.body);
        }

        // 2. the storm: clients place resting orders (buys below 100, sells above 200, so none
        // trade), reduce and cancel their own, until the node is killed
        let alive = true;
        const storm = Array.from({ length: 12 }, async (_, c) => {
          const mine: Known[] = [];
          while (alive) {
            const roll = r();
            try {
              if (mine.length === 0 || roll < 0.6) {
                const side = r() < 0.5 ? 'buy' : 'sell';
                const price =
                  side === 'buy'
                    ? `${10 + Math.floor(r() * 80)}.${String(Math.floor(r() * 100)).padStart(2, '0')}`
                    : `${201 + Math.floor(r() * 80)}.00`;
                const res = await post(pool, {
                  market: 'BTC-USD',
                  side,
                  type: 'limit',
                  price,
                  quantity: `${1 + Math.floor(r() * 9)}.5`,
                  clientOrderId: `c${c}-${mine.length}`,
                });
                if (res.status !== 201) throw new Error(`place answered ${res.status}`);
                const k: Known = { id: res.json.order.id, acked: res.json.order, inFlight: null };
                mine.push(k);
                known.set(k.id, k);
              } else {
                const k = mine[Math.floor(r() * mine.length)];
                if (k.acked.status !== 'open') continue;
                if (roll < 0.75) {
                  k.inFlight = { reduceTo: '0.5' };
                  const res = await pool.request({
                    method: 'PATCH',
                    path: `/v1/orders/${k.id}`,
                    headers: AUTH,
                    body: JSON.stringify({ quantity: '0.5' }),
                  });
                  if (res.status !== 200) throw new Error(`reduce answered ${res.status}`);
                  k.acked = JSON.parse(res.body);
                } else if (roll < 0.85) {
                  // a move within its side's range: it goes to the back of another level, trading nothing
                  const moveTo =
                    k.acked.side === 'buy' ? `${10 + Math.floor(r() * 80)}.00` : `${201 + Math.floor(r() * 80)}.00`;
                  k.inFlight = { moveTo };
                  const res = await pool.request({
                    method: 'PATCH',
                    path: `/v1/orders/${k.id}`,
                    headers: AUTH,
                    body: JSON.stringify({ price: moveTo }),
                  });
                  if (res.status !== 200) throw new Error(`move answered ${res.status}`);
                  k.acked = JSON.parse(res.body);
                } else {
                  k.inFlight = 'cancel';
                  const res = await pool.request({ method: 'DELETE', path: `/v1/orders/${k.id}`, headers: AUTH });
                  if (res.status !== 200) throw new Error(`cancel answered ${res.status}`);
                  k.acked = JSON.parse(res.body);
                }
                k.inFlight = null;
              }
            } catch (err) {
              if (alive) throw err;
              return; // the node is gone: what was in flight stays marked
            }
          }
        });
        const killAfter = 300 + Math.floor(r() * 900);
        await new Promise((res) => setTimeout(res, killAfter));
        alive = false;
        node.child.kill('SIGKILL');
        await node.exited;
        await Promise.all(storm);
        pool.close();
        const acked = [...known.values()];
        expect(acked.length).toBeGreaterThan(30);

        // 3. restart on the same data dir: every acknowledged order as acknowledged
        node = await startNodeProcess(runtime, { dataDir, args: ARGS });
        pool = new RawPool(node.url, 4);
        const check = async () => {
          for (const k of acked) {
            const g = await pool.request({ method: 'GET', path: `/v1/orders/${k.id}`, headers: AUTH });
            expect(g.status, `order ${k.id} after the restart`).toBe(200);
            const got = view(JSON.parse(g.body));
            const want = view(k.acked);
            if (k.inFlight === null) {
              expect(got, `order ${k.id}`).toEqual(want);
            } else if (JSON.stringify(got) !== JSON.stringify(want)) {
              // the unanswered command became durable before the kill: its effect shows
              if (k.inFlight === 'cancel') expect(got.status).toBe('cancelled');
              else if ('moveTo' in k.inFlight) expect(Number(got.price)).toBe(Number(k.inFlight.moveTo));
              else expect(Number(got.remainingQuantity)).toBe(Number(k.inFlight.reduceTo));
            }
          }
          const trades = JSON.parse(
            (await pool.request({ method: 'GET', path: '/v1/markets/BTC-USD/trades?limit=1000' })).body,
          );
          const ids = new Set(trades.map((t: any) => t.id));
          for (const id of tradeIds) expect(ids.has(id), `trade ${id}`).toBe(true);
        };
        await check();
        const hashAfterKill = JSON.parse(
          (await pool.request({ method: 'GET', path: '/v1/markets/BTC-USD/book' })).body,
        );

        // 4. a graceful stop (snapshot) and a start give the same state
        pool.close();
        expect((await node.stop('SIGTERM')).code).toBe(0);
        node = null;
        // the log: the join of the first start, the commands, the leave of this stop — the start
        // after the kill logged no join (the log still said it was a member), and every logged
        // event was applied after the kill
        const kindsAtStop = await loggedKinds(dataDir);
        expect(kindsAtStop[0]).toBe(KIND_JOIN);
        expect(kindsAtStop.at(-1)).toBe(KIND_LEAVE);
        expect(kindsAtStop.slice(1, -1).every(isCommand)).toBe(true);
        expect(hashAfterKill.eventCount).toBe(kindsAtStop.length - 1);
        const segments = await walSegments(dataDir);
        const last = segments[segments.length - 1];
        const lastBytes = new Uint8Array(await fs.readFile(last));
        const offsets = recordOffsets(lastBytes);
        expect(offsets.length).toBeGreaterThan(3);

        // 5. a torn tail: half of a copy of the last record appended, as a crash mid-write leaves it
        const tail = lastBytes.subarray(offsets[offsets.length - 1]);
        await fs.appendFile(last, tail.subarray(0, Math.max(1, Math.floor(tail.length / 2))));
        node = await startNodeProcess(runtime, { dataDir, args: ARGS });
        expect(node.stderr()).toMatch(/torn tail truncated/);
        pool = new RawPool(node.url, 4);
        const afterTorn = JSON.parse((await pool.request({ method: 'GET', path: '/v1/markets/BTC-USD/book' })).body);
        // the same state; two events more: the leave of the graceful stop and the join of this start
        expect(afterTorn.stateHash).toBe(hashAfterKill.stateHash);
        expect(afterTorn.eventCount).toBe(hashAfterKill.eventCount + 2);
        await check();
        pool.close();
        expect((await node.stop('SIGTERM')).code).toBe(0);
        node = null;
        // the torn bytes are gone: the log as it was, then only this start's join and this stop's leave
        const afterBytes = new Uint8Array(await fs.readFile(last));
        expect(Buffer.compare(afterBytes.subarray(0, lastBytes.length), lastBytes)).toBe(0);
        expect(recordOffsets(afterBytes).slice(offsets.length)[0]).toBe(lastBytes.length);
        expect(await loggedKinds(dataDir)).toEqual([...kindsAtStop, KIND_JOIN, KIND_LEAVE]);

        // 6. a corrupt record in the middle: the start stops, naming the file and the offset
        const victim = offsets[Math.floor(offsets.length / 2)];
        const bytes = new Uint8Array(await fs.readFile(last));
        bytes[victim + 24] ^= 0x5a; // inside the payload: the checksum no longer matches
        await fs.writeFile(last, bytes);
        const refused = await runToExit(runtime, ['--api-port', '0', '--data-dir', dataDir, ...ARGS]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(last);
        expect(refused.stderr).toContain(`offset ${victim}`);
        expect(refused.stdout).not.toContain('"listening"');
      } finally {
        if (node) await node.stop('SIGKILL');
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
