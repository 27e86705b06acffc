// The way out of a damaged log, with real processes: a record in the middle of the log is
// damaged, the start refuses naming the file and offset and the repair command; `npm run
// repair` copies the dir aside, cuts the log at the damage and lists what it dropped; the
// node then starts with exactly the orders placed before the damaged record.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { CMD_PLACE } from '../../../core-as/codes.ts';
import { decodeEnvelope, KIND_JOIN, KIND_LEAVE } from '../../wire/envelope.ts';
import { missing, ROOT, runToExit, startNodeProcess, tempDataDir } from './node-process.ts';

const TOKEN = 'repair-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const ARGS = ['--token', TOKEN, '--rate-limit', '0'];
const ORDERS = 20;
const DAMAGED = 13; // the order whose record's bytes are damaged
const RECORD = DAMAGED + 1; // its record: the node's join of its market on start is record 1

/** Byte offsets of the records in a segment (20-byte header, payload length at byte 8). */
function recordOffsets(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let p = 0; p + 20 <= bytes.length; p += 20 + dv.getUint32(p + 8, true)) out.push(p);
  return out;
}

/** The kinds of the envelopes in a segment, in order. */
function kindsOf(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return recordOffsets(bytes).map(
    (p) => decodeEnvelope(bytes.subarray(p + 20, p + 20 + dv.getUint32(p + 8, true))).body.kind,
  );
}

const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];

it.skipIf(missing('node') !== undefined)(
  'a log damaged mid-file: the start refuses with the repair hint; repair keeps the records before the damage',
  async () => {
    const parent = await tempDataDir('repair');
    const dataDir = path.join(parent, 'data');
    await fs.mkdir(dataDir);
    const node = await startNodeProcess('node', { dataDir, args: ARGS });
    const ids: string[] = [];
    try {
      for (let i = 0; i < ORDERS; i++) {
        const r = await fetch(`${node.url}/v1/orders`, {
          method: 'POST',
          headers: AUTH,
          body: JSON.stringify({
            market: 'BTC-USD',
            side: 'buy',
            type: 'limit',
            price: `${100 + i}.00`,
            quantity: '1',
          }),
        });
        expect(r.status).toBe(201);
        ids.push((await r.json()).order.id);
      }
    } finally {
      await node.stop(); // a clean stop also writes a snapshot of all 20: repair must drop it
    }
    const segment = path.join(dataDir, 'wal', (await fs.readdir(path.join(dataDir, 'wal'))).sort()[0]);
    const bytes = await fs.readFile(segment);
    const offsets = recordOffsets(bytes);
    // the join on start, the orders, the leave of the clean stop
    expect(kindsOf(bytes)).toEqual([KIND_JOIN, ...Array(ORDERS).fill(CMD_PLACE), KIND_LEAVE]);
    const at = offsets[RECORD - 1];
    bytes[at + 30] ^= 0xff; // a flipped byte in the payload of record 14 (order 13): its checksum fails
    await fs.writeFile(segment, bytes);

    const refused = await runToExit('node', ['--api-port', '0', '--data-dir', dataDir, ...ARGS]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`at byte offset ${at}`);
    expect(refused.stderr).toContain(`npm run repair -- --data-dir ${dataDir}`);

    const repair = spawnSync(npm[0], [...npm.slice(1), 'run', '--silent', 'repair', '--', '--data-dir', dataDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(repair.status, repair.stderr).toBe(0);
    const report = repair.stdout;
    expect(report).toContain(`damage: wal/${path.basename(segment)} at byte offset ${at}: checksum mismatch`);
    expect(report).toContain(`kept: records 1..${RECORD - 1} (${RECORD - 1} records)`);
    // the intact records after the damage: the later orders and the leave
    expect(report).toMatch(
      new RegExp(
        `dropped: wal/${path.basename(segment)} from byte offset ${at}: ${bytes.length - at} bytes, ${offsets.length - RECORD} intact records`,
      ),
    );
    expect(report).toMatch(/dropped: snapshots\/snap-\d+\.snap \(a state past the kept records\)/);
    // the copy aside holds the dir as it was, damage included
    const copy = /copied the data dir, as it was, to (\S+)/.exec(report)?.[1] ?? '';
    expect(path.dirname(copy)).toBe(parent);
    expect(await fs.readFile(path.join(copy, 'wal', path.basename(segment)))).toEqual(bytes);
    expect((await fs.stat(segment)).size).toBe(at);

    const again = await startNodeProcess('node', { dataDir, args: ARGS });
    try {
      const list = await (await fetch(`${again.url}/v1/orders?status=all&limit=100`, { headers: AUTH })).json();
      expect(list.map((o: { id: string }) => o.id).sort()).toEqual(ids.slice(0, DAMAGED - 1).sort());
      // and the log goes on from there
      const r = await fetch(`${again.url}/v1/orders`, {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify({ market: 'BTC-USD', side: 'sell', type: 'limit', price: '500.00', quantity: '1' }),
      });
      expect(r.status).toBe(201);
    } finally {
      await again.stop();
    }
    // the kept records, the new order, the leave of the stop: no join on that start, as the kept
    // log (join, no leave) still says this node is a member
    const kept = await fs.readFile(segment);
    expect(kindsOf(kept)).toEqual([KIND_JOIN, ...Array(DAMAGED - 1).fill(CMD_PLACE), CMD_PLACE, KIND_LEAVE]);
    const twice = spawnSync(npm[0], [...npm.slice(1), 'run', '--silent', 'repair', '--', '--data-dir', dataDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect([twice.status, twice.stdout]).toEqual([
      0,
      expect.stringContaining(`the log is intact (records 1..${RECORD + 1}); nothing to repair`),
    ]);
    await fs.rm(parent, { recursive: true, force: true });
  },
);
