// One node per data dir, with real processes on each runtime: a second start on a held dir
// exits 1 at once naming the dir and the holder's pid and writes nothing; a holder killed
// with SIGKILL does not block the next start; a lock naming a live process that is not its
// writer (a reused pid) does not either; of two starts racing for a fresh dir, one wins.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  missing,
  nodeCommand,
  ROOT,
  RUNTIMES,
  runToExit,
  type Runtime,
  startNodeProcess,
  tempDataDir,
} from './node-process.ts';

const ARGS = ['--token', 'lock-test-token-0123456789', '--log-level', 'warn'];

/** Every file under `dir` with its bytes, to show that a refused start changed nothing. */
async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, p)] = (await fs.readFile(p)).toString('base64');
  }
  return out;
}

const other = (runtime: Runtime): Runtime => RUNTIMES[(RUNTIMES.indexOf(runtime) + 1) % RUNTIMES.length];

for (const runtime of RUNTIMES) {
  const why = missing(runtime) ?? missing(other(runtime));
  describe.skipIf(why !== undefined)(`data dir lock on ${runtime}`, () => {
    it(`a second start (${runtime}, then ${other(runtime)}) on a held dir exits 1 at once, naming the dir and pid, writing nothing`, async () => {
      const dataDir = await tempDataDir(`lock-${runtime}`);
      const holder = await startNodeProcess(runtime, { dataDir, args: ARGS });
      try {
        const before = await snapshotDir(dataDir);
        expect(Object.keys(before)).toContain('lock');
        for (const second of [runtime, other(runtime)]) {
          const t0 = performance.now();
          const r = await runToExit(second, ['--api-port', '0', '--data-dir', dataDir, ...ARGS]);
          const ms = performance.now() - t0;
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).toContain(
            `the data dir ${dataDir} is in use by another meshbook process (pid ${holder.child.pid}`,
          );
          expect(r.stdout).not.toContain('"listening"');
          expect(ms).toBeLessThan(15_000); // refused at start, not after a timeout
          expect(await snapshotDir(dataDir)).toEqual(before);
        }
        // the holder is untouched and still answers
        expect((await fetch(`${holder.url}/v1/health`)).status).toBe(200);
      } finally {
        await holder.stop();
      }
      // a clean stop removes the lock
      expect(await fs.readdir(dataDir)).not.toContain('lock');
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('a lock left by a holder killed with SIGKILL does not block the next start', async () => {
      const dataDir = await tempDataDir(`lock-kill-${runtime}`);
      const first = await startNodeProcess(runtime, { dataDir, args: ARGS });
      const placed = await fetch(`${first.url}/v1/orders`, {
        method: 'POST',
        headers: { Authorization: 'Bearer lock-test-token-0123456789', 'Content-Type': 'application/json' },
        body: JSON.stringify({ market: 'BTC-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '1' }),
      });
      expect(placed.status).toBe(201);
      await first.stop('SIGKILL');
      const stale = JSON.parse(await fs.readFile(path.join(dataDir, 'lock'), 'utf8'));
      expect(stale.pid).toBe(first.child.pid);
      const second = await startNodeProcess(runtime, { dataDir, args: ARGS });
      try {
        const lock = JSON.parse(await fs.readFile(path.join(dataDir, 'lock'), 'utf8'));
        expect(lock.pid).toBe(second.child.pid);
        const orders = await fetch(`${second.url}/v1/orders`, {
          headers: { Authorization: 'Bearer lock-test-token-0123456789' },
        });
        expect((await orders.json()).length).toBe(1);
      } finally {
        await second.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });

    it('a lock file naming a live process that does not hold the dir (a reused pid) does not block', async () => {
      const dataDir = await tempDataDir(`lock-reuse-${runtime}`);
      // this test's own process is alive, but it never wrote this lock: its start time differs
      const bootId = (await fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim() || null;
      await fs.writeFile(
        path.join(dataDir, 'lock'),
        JSON.stringify({ pid: process.pid, startTime: '1', bootId, runtime: 'node', since: 'then' }),
      );
      const node = await startNodeProcess(runtime, { dataDir, args: ARGS });
      await node.stop();
      expect(await fs.readdir(dataDir)).not.toContain('lock');
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('of two starts racing for one fresh dir, exactly one listens and the other exits 1', async () => {
      const dataDir = await tempDataDir(`lock-race-${runtime}`);
      const starts = [runtime, other(runtime)].map((rt) => {
        const [bin, argv] = nodeCommand(rt, ['--api-port', '0', '--data-dir', dataDir, ...ARGS]);
        const child = spawn(bin, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout?.on('data', (d: Buffer) => (out += d));
        child.stderr?.on('data', (d: Buffer) => (err += d));
        const listening = new Promise<boolean>((resolve) => {
          child.stdout?.on('data', () => out.includes('"listening"') && resolve(true));
          child.on('exit', () => resolve(false));
        });
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        return { child, listening, exited, err: () => err };
      });
      try {
        const outcomes = await Promise.all(starts.map((s) => s.listening));
        expect(outcomes.filter(Boolean).length, starts.map((s) => s.err()).join('\n')).toBe(1);
        const loser = starts[outcomes.indexOf(false)];
        expect(await loser.exited).toBe(1);
        expect(loser.err()).toContain('is in use by another meshbook process');
      } finally {
        for (const s of starts) s.child.kill('SIGTERM');
        await Promise.all(starts.map((s) => s.exited));
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });
  });
}
