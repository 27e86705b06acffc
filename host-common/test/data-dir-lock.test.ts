// The data dir lock by itself, with real files and real processes standing in as holders.
// The kernel-held name (Linux) is what every node uses here; the lock-file protocol is what
// a system without that namespace uses, so it is tested here by a process port that reports
// the namespace 'unsupported': a live holder refuses, a dead one or a reused pid is taken
// over, and of racing takeovers exactly one wins.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../data-dir-lock.ts';
import { nodeFileSystem } from '../fs-node.ts';
import type { ProcessPort } from '../ports.ts';
import { nodeProcessPort } from '../process-node.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A live process to stand in as a holder. */
function sleeper(): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** The node's process port, as if it were process `pid`, on a system without the kernel namespace. */
function portAs(pid: number, claims: 'real' | 'unsupported' = 'unsupported'): ProcessPort {
  const real = nodeProcessPort('node', process.versions.node);
  return { ...real, pid, claimName: claims === 'real' ? real.claimName : async () => 'unsupported' };
}

const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'meshbook-lock-'));

describe('the lock file, where the kernel cannot hold a name', () => {
  it('a live holder refuses others; its release frees the dir', async () => {
    const dir = await tempDir();
    const holder = sleeper();
    const lock = await lockDataDir(nodeFileSystem, portAs(holder.pid ?? -1), dir);
    const held = await lockDataDir(nodeFileSystem, portAs(process.pid), dir).catch((e) => e);
    expect(held).toBeInstanceOf(DataDirLockedError);
    expect((held as DataDirLockedError).holder.pid).toBe(holder.pid);
    expect((held as Error).message).toContain(
      `the data dir ${dir} is in use by another meshbook process (pid ${holder.pid}`,
    );
    await lock.release();
    const mine = await lockDataDir(nodeFileSystem, portAs(process.pid), dir);
    await mine.release();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('a holder that died is taken over', async () => {
    const dir = await tempDir();
    const holder = sleeper();
    await lockDataDir(nodeFileSystem, portAs(holder.pid ?? -1), dir); // never released: killed
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const lock = await lockDataDir(nodeFileSystem, portAs(process.pid), dir);
    expect(JSON.parse(await fs.readFile(lock.file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('a live pid with another start time (the pid was reused) is taken over', async () => {
    const dir = await tempDir();
    const other = sleeper();
    const bootId = (await fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim() || null;
    await fs.writeFile(
      path.join(dir, 'lock'),
      JSON.stringify({ pid: other.pid, startTime: '1', bootId, runtime: 'node', since: 'then' }),
    );
    const lock = await lockDataDir(nodeFileSystem, portAs(process.pid), dir);
    await lock.release();
  });

  it('of several starts racing over one dead holder, exactly one takes the dir', async () => {
    const dir = await tempDir();
    const dead = sleeper();
    await lockDataDir(nodeFileSystem, portAs(dead.pid ?? -1), dir);
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    const racers = [sleeper(), sleeper(), sleeper(), sleeper()];
    const results = await Promise.allSettled(racers.map((c) => lockDataDir(nodeFileSystem, portAs(c.pid ?? -1), dir)));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirLockedError);
    expect(await fs.readdir(dir)).toEqual(['lock']); // no lock.break or temporary file left
  });
});

describe('the kernel-held name', () => {
  it('is one per real path: another path to the same dir (a symbolic link) is refused', async () => {
    const dir = await tempDir();
    const link = `${dir}-link`;
    await fs.symlink(dir, link);
    const lock = await lockDataDir(nodeFileSystem, portAs(process.pid, 'real'), dir);
    try {
      await expect(lockDataDir(nodeFileSystem, portAs(process.pid, 'real'), link)).rejects.toBeInstanceOf(
        DataDirLockedError,
      );
    } finally {
      await lock.release();
    }
    const again = await lockDataDir(nodeFileSystem, portAs(process.pid, 'real'), link);
    await again.release();
    await fs.rm(link);
  });
});
