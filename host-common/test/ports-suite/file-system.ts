// The FileSystem port's contract (host-common/ports.ts) as checks any implementation must
// pass, in the manner of js-libp2p's compliance suites: each check takes the implementation
// and an empty directory, and throws to fail. The conformance suite runs them against each
// runtime's host (conformance/cases/file-system.ts); fs-node.test.ts runs them in vitest.

import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { FileSystem } from '../../ports.ts';

export interface FileSystemCheck {
  name: string;
  /** Only on this platform (e.g. Linux, for /proc): callers skip it elsewhere, saying so. */
  platform?: NodeJS.Platform;
  run(impl: FileSystem, dir: string): Promise<void>;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function expectEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

const mode = async (path: string) => (await fs.stat(path)).mode & 0o777;

export const fileSystemChecks: FileSystemCheck[] = [
  {
    name: 'reports missing files and directories as null / empty, and tolerates removing them',
    async run(impl, dir) {
      expectEqual(await impl.readFile(`${dir}/nope`), null, 'readFile of a missing file');
      expectEqual(await impl.list(`${dir}/nope`), [], 'list of a missing directory');
      await impl.remove(`${dir}/nope`);
    },
  },
  {
    name: 'mkdirp creates parents and is idempotent',
    async run(impl, dir) {
      await impl.mkdirp(`${dir}/a/b/c`);
      await impl.mkdirp(`${dir}/a/b/c`);
      expectEqual(await impl.list(`${dir}/a/b`), ['c'], 'list after mkdirp');
    },
  },
  {
    name: 'writeFileAtomic replaces the file, applies the mode exactly and leaves no temp file',
    async run(impl, dir) {
      const file = `${dir}/token`;
      await impl.writeFileAtomic(file, bytes('old'));
      await impl.writeFileAtomic(file, bytes('secret'), { mode: 0o600 });
      expectEqual(text(await impl.readFile(file)), 'secret', 'the replaced file');
      expectEqual(await mode(file), 0o600, 'its mode');
      expectEqual(await impl.list(dir), ['token'], 'the directory');
      await impl.chmod(file, 0o640);
      expectEqual(await mode(file), 0o640, 'the mode after chmod');
    },
  },
  {
    name: 'append handles append across reopenings; truncate cuts; syncDir syncs',
    async run(impl, dir) {
      const file = `${dir}/log`;
      for (const part of ['abc', 'def']) {
        const h = await impl.openAppend(file);
        await h.write(bytes(part));
        await h.sync();
        await h.close();
      }
      expectEqual(text(await impl.readFile(file)), 'abcdef', 'the appended file');
      await impl.truncate(file, 2);
      expectEqual(text(await impl.readFile(file)), 'ab', 'the truncated file');
      await impl.syncDir(dir);
    },
  },
  {
    name: 'append handles write with O_DSYNC: a write is durable when it resolves',
    platform: 'linux',
    async run(impl, dir) {
      const file = `${dir}/dsync-log`;
      const h = await impl.openAppend(file);
      try {
        expectEqual(h.durableWrites, true, 'durableWrites');
        // the descriptor open on the file, and its flags from /proc
        let flags: number | null = null;
        for (const fd of await fs.readdir('/proc/self/fd')) {
          const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
          if (target !== file) continue;
          const info = await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
          flags = Number.parseInt(/^flags:\s+([0-7]+)/m.exec(info)?.[1] ?? '0', 8);
        }
        if (flags === null) throw new Error('no descriptor is open on the log');
        expectEqual(flags & constants.O_DSYNC, constants.O_DSYNC, 'O_DSYNC on the descriptor');
        expectEqual(flags & constants.O_APPEND, constants.O_APPEND, 'O_APPEND on the descriptor');
      } finally {
        await h.close();
      }
    },
  },
  {
    name: 'readFile returns a plain Uint8Array of exactly the file',
    async run(impl, dir) {
      await fs.writeFile(`${dir}/f`, 'xyz');
      const b = await impl.readFile(`${dir}/f`);
      // not a Buffer: callers must not lean on Buffer methods
      expectEqual(b?.constructor === Uint8Array, true, 'a plain Uint8Array');
      expectEqual(b?.length, 3, 'its length');
    },
  },
];

/** Runs one check in a fresh temporary directory, removed afterwards. */
export async function runFileSystemCheck(check: FileSystemCheck, impl: FileSystem, tmpRoot: string): Promise<void> {
  const dir = await fs.mkdtemp(`${tmpRoot}/meshbook-fs-`);
  try {
    await check.run(impl, dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
