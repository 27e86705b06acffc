// Test helpers shared by the host-common suites: temp directories, a logger that
// remembers what it was told, a FileSystem wrapper that counts and can delay or
// fail syncs while delegating every real operation to node:fs, and a watching peer on
// the in-memory network. No mocks: the bytes always land on a real disk.

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeFileSystem } from '../fs-node.ts';
import { publicKeyOf } from '../identity/signer.ts';
import type { MemoryNetwork } from '../net/memory-transport.ts';
import type { AppendHandle, FileSystem, Logger } from '../ports.ts';
import { sha256 } from '../wire/hash.ts';

export async function tempDir(prefix = 'meshbook-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export function memoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (message: string, fields?: Record<string, unknown>) => {
    entries.push({ level, message, fields });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface InstrumentedFs extends FileSystem {
  /** Completed sync() calls on append handles. */
  syncs: number;
  /** Bytes handed to write() on append handles. */
  written: number;
  /** Bytes that were written before the last completed sync() began. */
  synced: number;
  /** Replaces how each sync() behaves; call `real()` to do the actual fsync. */
  onSync: ((real: () => Promise<void>) => Promise<void>) | null;
}

/** A FileSystem that delegates to node:fs and observes the append handles. */
export function instrumentedFs(inner: FileSystem = nodeFileSystem): InstrumentedFs {
  const self: InstrumentedFs = {
    ...inner,
    syncs: 0,
    written: 0,
    synced: 0,
    onSync: null,
    async openAppend(p: string): Promise<AppendHandle> {
      const h = await inner.openAppend(p);
      return {
        async write(bytes) {
          await h.write(bytes);
          self.written += bytes.length;
        },
        async sync() {
          const covered = self.written;
          const real = () => h.sync();
          await (self.onSync ? self.onSync(real) : real());
          self.syncs++;
          self.synced = Math.max(self.synced, covered);
        },
        close: () => h.close(),
      };
    },
  };
  return self;
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export async function flipByte(file: string, offset: number): Promise<void> {
  const buf = await fs.readFile(file);
  buf[offset] ^= 0x5a;
  await fs.writeFile(file, buf);
}

/** A fixed ed25519 key pair for a test origin, derived from its name. */
export function keyPairOf(name: string): { seed: Uint8Array; key: Uint8Array } {
  const seed = sha256(name);
  return { seed, key: publicKeyOf(seed) };
}

/** A peer on `topic` of the in-memory network that keeps every gossip message it gets. */
export async function watch(net: MemoryNetwork, topic: string): Promise<Uint8Array[]> {
  const watcher = net.transport('watcher');
  const published: Uint8Array[] = [];
  watcher.onGossip((_t, d) => {
    published.push(d);
    return 'accept';
  });
  watcher.subscribe(topic);
  await watcher.start();
  return published;
}
