// The README's commands for running a node without npm scripts (`npx node host-node/main.ts`,
// `npx deno run …`, `npx bun …`) work as printed after `npm install`, on a PATH that has none
// of the project's runtimes (only the machine's own Node and npx, which may be older than the
// node needs): each starts a node, and Ctrl-C (SIGINT to the process group, as a terminal
// sends it) stops it cleanly: the node writes its shutdown snapshot and exits.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDataDir } from './node-process.ts';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const COMMANDS = [...README.matchAll(/^npx (node|deno|bun) (.+main\.ts)$/gm)].map((m) => ({
  runtime: m[1],
  line: m[0],
}));

/** The PATH without the project's node_modules/.bin (where npm scripts put Node 24, Deno and Bun). */
const BARE_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.includes(`node_modules${path.sep}.bin`))
  .join(path.delimiter);
const npx = BARE_PATH.split(path.delimiter)
  .map((dir) => path.join(dir, 'npx'))
  .find((p) => existsSync(p));

describe.skipIf(npx === undefined)(`README's npx commands${npx ? '' : ' (skipped: no npx on the PATH)'}`, () => {
  it('names a command for each runtime', () => {
    expect(COMMANDS.map((c) => c.runtime).sort()).toEqual(['bun', 'deno', 'node']);
  });

  for (const { runtime, line } of COMMANDS) {
    it(`${line} starts a ${runtime} node and Ctrl-C stops it cleanly`, { timeout: 90_000 }, async () => {
      const dataDir = await tempDataDir(`readme-${runtime}`);
      try {
        const args = [
          ...line.split(' ').slice(1),
          '--api-port',
          '0',
          '--p2p-port',
          '0',
          '--data-dir',
          dataDir,
          '--no-mdns',
          '--no-dht',
          '--log-level',
          'warn',
        ];
        const child = spawn(npx as string, args, {
          cwd: ROOT,
          env: { ...process.env, PATH: BARE_PATH },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true, // its own process group, as a terminal's foreground job
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        const deadline = Date.now() + 60_000;
        while (!stdout.includes('"event":"listening"') && Date.now() < deadline && child.exitCode === null)
          await new Promise((r) => setTimeout(r, 100));
        const listening = stdout.split('\n').find((l) => l.includes('"event":"listening"'));
        if (!listening) {
          process.kill(-(child.pid as number), 'SIGKILL');
          throw new Error(`no "listening" line; stderr: ${stderr}`);
        }
        const { runtime: ran, api } = JSON.parse(listening);
        expect(ran).toBe(runtime);
        // one order, so the clean stop has a snapshot to write
        const token = (await fs.readFile(path.join(dataDir, 'token'), 'utf8')).trim();
        const placed = await fetch(`${api}/v1/orders`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
          body: JSON.stringify({ market: 'BTC-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '1' }),
        });
        expect(placed.status).toBe(201);
        process.kill(-(child.pid as number), 'SIGINT');
        await exited;
        // every process of the group has gone: the node too, not only npx
        const gone = async () => {
          try {
            process.kill(-(child.pid as number), 0);
            return false;
          } catch {
            return true;
          }
        };
        for (let i = 0; i < 100 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 50));
        expect(await gone()).toBe(true);
        expect((await fs.readdir(path.join(dataDir, 'snapshots'))).length, stderr).toBeGreaterThan(0);
      } finally {
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
