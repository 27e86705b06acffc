// Node processes for the network bench: the runtime binary itself (so its pid is the node's,
// for /proc), on loopback, free ports, mDNS and the DHT off, registered for clean-up the moment
// it is spawned. Resolves once the node printed its `listening` line.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { nodeCommand, ROOT, type Runtime } from '../../host-common/test/process/node-process.ts';
import { track } from './children.ts';

export interface BenchNode {
  url: string;
  p2p: string[];
  peerId: string;
  pid: number;
  stderrTail(): string;
  /** SIGTERM (a graceful stop), SIGKILL if it takes longer than `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

const STDERR_KEPT = 16_384;

export async function startNode(runtime: Runtime, dataDir: string, args: string[], timeoutMs = 60_000) {
  await fs.mkdir(dataDir, { recursive: true });
  const [bin, argv] = nodeCommand(runtime, [
    ...['--api-host', '127.0.0.1', '--api-port', '0', '--p2p-host', '127.0.0.1', '--p2p-port', '0'],
    ...['--no-mdns', '--no-dht', '--data-dir', dataDir, '--log-level', 'warn', ...args],
  ]);
  const child = track(spawn(bin, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-STDERR_KEPT);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<BenchNode>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${runtime} node did not print "listening" within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        let msg: { event?: string; api?: string; p2p?: string[]; peerId?: string } = {};
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.event !== 'listening') continue;
        clearTimeout(timer);
        resolve({
          url: msg.api!,
          p2p: msg.p2p ?? [],
          peerId: msg.peerId!,
          pid: child.pid!,
          stderrTail: () => stderr,
          stop: async (graceMs = 10_000) => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(kill);
          },
        });
      }
    });
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${runtime} node exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr}`));
    });
  });
}
