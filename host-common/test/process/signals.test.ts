// What a service manager does: start the node with `npm start` (start:deno, start:bun) and
// send SIGTERM or SIGINT to the pid it started — npm's. The node must stop cleanly (exit 0,
// its lock released) and free its port within a bound; npm must not be left behind either.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { missing, ROOT, RUNTIMES, type Runtime, tempDataDir } from './node-process.ts';

const SCRIPTS: Record<Runtime, string> = { node: 'start', deno: 'start:deno', bun: 'start:bun' };
const BOUND_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now() - t0;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

// npm itself: the one that ran `npm test`, else the npm on the PATH
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];

for (const runtime of RUNTIMES) {
  const why = missing(runtime);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it.skipIf(why !== undefined)(`${signal} to the pid of \`npm run ${SCRIPTS[runtime]}\` stops the node`, async () => {
      const dataDir = await tempDataDir(`signal-${runtime}`);
      const child = spawn(
        npm[0],
        [
          ...npm.slice(1),
          'run',
          '--silent',
          SCRIPTS[runtime],
          '--',
          '--api-port',
          '0',
          '--data-dir',
          dataDir,
          '--token',
          'signal-token-0123456789',
          '--log-level',
          'warn',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d));
      child.stderr?.on('data', (d: Buffer) => (err += d));
      let nodePid = 0;
      const npmExit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitUntil('the listening line', () => out.includes('"listening"'), 60_000).catch((e) => {
          throw new Error(`${e.message}; stderr: ${err}`);
        });
        const listening = JSON.parse(out.split('\n').find((l) => l.includes('"listening"')) ?? '{}');
        const port = Number(new URL(listening.api).port);
        nodePid = listening.pid;
        expect(alive(nodePid)).toBe(true);
        expect(await portFree(port)).toBe(false);

        child.kill(signal); // to npm's pid, as systemd or a container runtime would
        const ms = await waitUntil('the node exits', () => !alive(nodePid), BOUND_MS);
        expect(await portFree(port)).toBe(true);
        expect(await npmExit).toBe(0); // npm reports the node's clean exit
        // a clean stop: the lock is released
        expect(await fs.readdir(dataDir)).not.toContain('lock');
        console.log(`${runtime} ${signal}: node exited ${Math.round(ms)} ms after the signal to npm`);
      } finally {
        child.kill('SIGKILL');
        if (nodePid > 0 && alive(nodePid)) process.kill(nodePid, 'SIGKILL'); // what a lost signal leaves behind
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });
  }
}

it('the start scripts exec the runtime, so the pid npm starts is the node', async () => {
  const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8'));
  for (const script of Object.values(SCRIPTS)) expect(pkg.scripts[script]).toMatch(/&& exec (node|deno|bun) /);
});
