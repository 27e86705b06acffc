// Starting real node processes for the process-level tests: `node host-node/main.ts`,
// `deno run … host-deno/main.ts`, `bun host-bun/main.ts` from node_modules/.bin, on a free
// loopback port and a data dir, reading the one `listening` line to find the API.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export type Runtime = 'node' | 'deno' | 'bun';
export const RUNTIMES: Runtime[] = ['node', 'deno', 'bun'];
export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const DENO_PERMISSIONS = ['--allow-net', '--allow-read', '--allow-write', '--allow-env', '--allow-sys'];

export function binary(runtime: Runtime): string {
  return path.join(ROOT, 'node_modules/.bin', runtime);
}

/** Why this runtime cannot be tested here, or undefined. */
export function missing(runtime: Runtime): string | undefined {
  return existsSync(binary(runtime)) ? undefined : `no ${binary(runtime)} (run npm install)`;
}

/**
 * Extra flags for the node runtime's process, e.g. MESHBOOK_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * to profile a node under a test or bench (NODE_OPTIONS does not allow --cpu-prof).
 */
const nodeFlags = (process.env.MESHBOOK_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');

export function nodeCommand(runtime: Runtime, args: string[]): [string, string[]] {
  switch (runtime) {
    case 'node':
      return [binary('node'), [...nodeFlags, path.join(ROOT, 'host-node/main.ts'), ...args]];
    case 'deno':
      return [binary('deno'), ['run', ...DENO_PERMISSIONS, path.join(ROOT, 'host-deno/main.ts'), ...args]];
    case 'bun':
      return [binary('bun'), [path.join(ROOT, 'host-bun/main.ts'), ...args]];
  }
}

export async function tempDataDir(tag: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `meshbook-${tag}-`));
}

export interface NodeProcess {
  runtime: Runtime;
  url: string;
  peerId: string;
  dataDir: string;
  child: ChildProcess;
  stdoutLines: string[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }>;
}

export interface StartOptions {
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts a node and resolves once it printed `listening`; rejects with its stderr if it exits first. */
export function startNodeProcess(runtime: Runtime, options: StartOptions): Promise<NodeProcess> {
  const [bin, argv] = nodeCommand(runtime, [
    '--api-port',
    '0',
    '--p2p-host',
    '127.0.0.1',
    '--p2p-port',
    '0',
    // Tests and benches stay on loopback: no multicast (mDNS), no DHT unless a test asks for it.
    '--no-mdns',
    '--no-dht',
    '--data-dir',
    options.dataDir,
    '--log-level',
    'warn',
    ...(options.args ?? []),
  ]);
  const child = spawn(bin, argv, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  let stderr = '';
  let partial = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${runtime} node did not print "listening" within ${options.timeoutMs ?? 30000} ms; stderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        stdoutLines.push(line);
        let msg: { event?: string; api?: string; peerId?: string } = {};
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.event === 'listening') {
          clearTimeout(timer);
          resolve({
            runtime,
            url: msg.api!,
            peerId: msg.peerId!,
            dataDir: options.dataDir,
            child,
            stdoutLines,
            exited,
            stderr: () => stderr,
            stop: async (signal = 'SIGTERM') => {
              child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${runtime} node exited (code ${code}, signal ${signal}) before listening; stderr: ${stderr}`));
    });
  });
}

/** Runs a node that is expected to exit by itself (e.g. refuse to start); resolves with its output. */
export function runToExit(
  runtime: Runtime,
  args: string[],
  timeoutMs = 30000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [bin, argv] = nodeCommand(runtime, args);
  const child = spawn(bin, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
