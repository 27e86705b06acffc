// The node wired in-process for tests: startNode with a host whose HTTP port only hands the
// app back, so requests go through app.request(). Real engine, real files in a temp dir; the
// clock may be the test's own (advanced orders expire by the envelopes' times).

import type { Hono } from 'hono';
import { parseConfig } from '../config.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { nodeProcessPort } from '../process-node.ts';
import { type NodeParts, type RunningNode, startNode } from '../node.ts';
import type { FileSystem, Host } from '../ports.ts';
import type { Clock } from '../pipeline/origin.ts';
import { memoryLogger } from './helpers.ts';

export interface Reply {
  status: number;
  json: any;
  headers: Headers;
}

export interface Harness {
  node: RunningNode;
  app: Hono;
  stdout: string[];
  req(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply>;
}

export interface HarnessOptions {
  args?: string[];
  fs?: FileSystem;
  /** Runs once the app exists, before the node recovered (it answers 503 then). */
  onServe?: (app: Hono) => Promise<void>;
  parts?: NodeParts;
}

/** Owners: `local` (token token-a-0123456789), bob (token-b-0123456789), carol (token-c-0123456789). */
export async function startInProcess(dir: string, options: HarnessOptions = {}): Promise<Harness> {
  let app: Hono | null = null;
  const stdout: string[] = [];
  const host: Host = {
    fs: options.fs ?? nodeFileSystem,
    http: {
      upgradeWebSocket: () => () => new Response(null, { status: 400 }),
      serve: async (a) => {
        app = a as unknown as Hono;
        await options.onServe?.(app);
        return { port: 1, close: async () => {} };
      },
    },
    process: {
      runtime: 'node',
      runtimeVersion: 'test',
      pid: process.pid,
      isAlive: () => true,
      claimName: nodeProcessPort('node', 'test').claimName,
      args: [],
      env: {},
      stdout: (l) => stdout.push(l),
      stderr: () => {},
      onSignal: () => {},
      exit: (code) => {
        throw new Error(`exit ${code}`);
      },
    },
  };
  const parsed = parseConfig(
    [
      '--data-dir',
      dir,
      '--token',
      'token-a-0123456789',
      '--tokens',
      'bob:token-b-0123456789,carol:token-c-0123456789',
      '--rate-limit',
      '0',
      // The node's network on loopback only, with a free port, no multicast (mDNS) and no DHT.
      '--p2p-host',
      '127.0.0.1',
      '--p2p-port',
      '0',
      '--no-mdns',
      '--no-dht',
      ...(options.args ?? []),
    ],
    {},
  );
  if (!parsed.ok || parsed.help || 'version' in parsed) throw new Error('config');
  const node = await startNode(host, parsed.config, memoryLogger(), options.parts);
  const req = async (method: string, path: string, body?: unknown, token: string | null = 'token-a-0123456789') => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await app!.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return { node, app: app!, stdout, req };
}

/** A clock that moves only when told. */
export function manualClock(start: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = start;
  return { now: () => now, set: (ms) => (now = ms), advance: (ms) => (now += ms) };
}
