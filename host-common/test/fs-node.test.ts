// The node:fs FileSystem port against its contract in ports.ts. The host adapters
// (Deno, Bun) should pass the same cases.

import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import process from 'node:process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileSystem as nfs } from '../fs-node.ts';
import { bytes, removeDir, tempDir, text } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('meshbook-fs-');
});
afterEach(async () => {
  await removeDir(dir);
});

describe('nodeFileSystem', () => {
  it('reports missing files and directories as null / empty, and tolerates removing them', async () => {
    expect(await nfs.readFile(`${dir}/nope`)).toBeNull();
    expect(await nfs.list(`${dir}/nope`)).toEqual([]);
    await nfs.remove(`${dir}/nope`);
  });

  it('mkdirp creates parents and is idempotent', async () => {
    await nfs.mkdirp(`${dir}/a/b/c`);
    await nfs.mkdirp(`${dir}/a/b/c`);
    expect(await nfs.list(`${dir}/a/b`)).toEqual(['c']);
  });

  it('writeFileAtomic replaces the file, applies the mode exactly and leaves no temp file', async () => {
    const file = `${dir}/token`;
    await nfs.writeFileAtomic(file, bytes('old'));
    await nfs.writeFileAtomic(file, bytes('secret'), { mode: 0o600 });
    expect(text((await nfs.readFile(file))!)).toBe('secret');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await nfs.list(dir)).toEqual(['token']);
    await nfs.chmod(file, 0o640);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o640);
  });

  it('append handles append across reopenings; truncate cuts', async () => {
    const file = `${dir}/log`;
    let h = await nfs.openAppend(file);
    await h.write(bytes('abc'));
    await h.sync();
    await h.close();
    h = await nfs.openAppend(file);
    await h.write(bytes('def'));
    await h.sync();
    await h.close();
    expect(text((await nfs.readFile(file))!)).toBe('abcdef');
    await nfs.truncate(file, 2);
    expect(text((await nfs.readFile(file))!)).toBe('ab');
    await nfs.syncDir(dir);
  });

  it.runIf(process.platform === 'linux')(
    'append handles write with O_DSYNC: a write is durable when it resolves',
    async () => {
      const file = `${dir}/dsync-log`;
      const h = await nfs.openAppend(file);
      try {
        expect(h.durableWrites).toBe(true);
        // find the descriptor open on the file and read its flags from /proc
        let flags: number | null = null;
        for (const fd of await fs.readdir('/proc/self/fd')) {
          const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
          if (target === file)
            flags = parseInt(/^flags:\s+([0-7]+)/m.exec(await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
        }
        expect(flags).not.toBeNull();
        expect(flags! & constants.O_DSYNC).toBe(constants.O_DSYNC);
        expect(flags! & constants.O_APPEND).toBe(constants.O_APPEND);
      } finally {
        await h.close();
      }
    },
  );

  it('readFile returns a plain Uint8Array view of exactly the file', async () => {
    await fs.writeFile(`${dir}/f`, 'xyz');
    const b = (await nfs.readFile(`${dir}/f`))!;
    expect(b.constructor).toBe(Uint8Array); // not a Buffer: callers must not lean on Buffer methods
    expect(b.length).toBe(3);
  });
});
