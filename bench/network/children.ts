// The processes and temp dirs a network bench run owns, so that nothing outlives it: every
// child is registered the moment it is spawned (before it prints anything), every temp dir
// the moment it is made. On exit, SIGINT, SIGTERM or an uncaught error the children still
// alive get SIGKILL and the dirs are removed; only what this process started is touched.

import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Registers a child until it exits. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A fresh temp dir, removed by removeDir() or at exit at the latest. */
export async function tempDir(tag: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `meshbook-${tag}-`));
  dirs.add(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Kills what is still running and removes the dirs; synchronous, so it works in an exit handler. */
export function cleanUpNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Installs the handlers once per process. */
export function cleanUpOnExit(): void {
  process.once('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`bench network: ${signal}, killing ${children.size} child process(es)`);
      cleanUpNow();
      process.exit(130);
    });
  }
  process.once('uncaughtException', (err) => {
    console.error(err);
    cleanUpNow();
    process.exit(1);
  });
  process.once('unhandledRejection', (err) => {
    console.error(err);
    cleanUpNow();
    process.exit(1);
  });
}
