// One node per data dir: two processes appending to one log interleave their sequence
// numbers and leave a log nobody can read. A node holds its data dir from before it writes
// anything there until it has closed its log.
//
// On Linux the hold is a name in the kernel's abstract Unix socket namespace derived from the
// dir's real path (ProcessPort.claimName): claiming it is atomic, and the kernel frees it when
// the holder dies however it dies, so a SIGKILLed node leaves nothing that blocks the next
// start, a reused pid means nothing, and of two starts racing exactly one wins — on Node,
// Deno and Bun alike, with no extra permissions for Deno. `<data dir>/lock` then names the
// holder (pid, runtime, since) for the message a refused start prints.
//
// Where there is no such namespace the lock file itself is the lock: it appears complete or
// not at all (FileSystem.createExclusive) and names its holder's pid, start time and boot id
// (Linux /proc; elsewhere the pid alone, ProcessPort.isAlive). A dead holder — or a pid that
// now belongs to another process — is taken over, under a second short-lived lock
// (`lock.break`) so two starts that find the same dead holder cannot both remove it.
//
// Both forms hold for processes of one machine; a data dir on a file system shared between
// machines is not protected.

import type { FileSystem, NameClaim, ProcessPort } from './ports.ts';

export const LOCK_FILE = 'lock';
const BREAK_FILE = 'lock.break';

/** Who holds a data dir, as written in its lock file. */
export interface LockHolder {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), or null where unknown. */
  startTime: string | null;
  /** /proc/sys/kernel/random/boot_id, or null where unknown. */
  bootId: string | null;
  runtime: string;
  since: string;
}

/** The data dir is held by a live process. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly holder: LockHolder;
  constructor(dataDir: string, holder: LockHolder) {
    super(
      `the data dir ${dataDir} is in use by another meshbook process (${holder.pid > 0 ? `pid ${holder.pid}, ${holder.runtime}, since ${holder.since}` : 'its pid unknown'}); ` +
        'stop that node first, or give this one another --data-dir',
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

async function readText(fs: FileSystem, path: string): Promise<string | null> {
  try {
    const bytes = await fs.readFile(path);
    return bytes === null ? null : decoder.decode(bytes);
  } catch {
    return null; // e.g. no /proc on this system
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may itself hold spaces and parentheses). */
function procStat(text: string): string[] | null {
  const close = text.lastIndexOf(')');
  return close < 0 ? null : text.slice(close + 2).split(' ');
}

/** What this machine says about a pid: 'gone', the process's start time, or 'unknown' (no /proc). */
async function procIdentity(
  fs: FileSystem,
  pid: number,
): Promise<{ state: 'gone' } | { state: 'alive'; startTime: string } | { state: 'unknown' }> {
  const self = await readText(fs, '/proc/self/stat');
  if (self === null) return { state: 'unknown' };
  const text = await readText(fs, `/proc/${pid}/stat`);
  if (text === null) return { state: 'gone' };
  const fields = procStat(text);
  // field 3 is the state (Z: zombie, X: dead), field 22 the start time; fields[0] is field 3
  if (!fields || fields[0] === 'Z' || fields[0] === 'X') return { state: 'gone' };
  return { state: 'alive', startTime: fields[19] ?? '' };
}

async function bootId(fs: FileSystem): Promise<string | null> {
  return (await readText(fs, '/proc/sys/kernel/random/boot_id'))?.trim() || null;
}

async function describeSelf(fs: FileSystem, proc: ProcessPort): Promise<LockHolder> {
  const me = await procIdentity(fs, proc.pid);
  return {
    pid: proc.pid,
    startTime: me.state === 'alive' ? me.startTime : null,
    bootId: await bootId(fs),
    runtime: proc.runtime,
    since: new Date().toISOString(),
  };
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isSafeInteger(h.pid) || (h.pid as number) <= 0) return null;
    return {
      pid: h.pid as number,
      startTime: typeof h.startTime === 'string' ? h.startTime : null,
      bootId: typeof h.bootId === 'string' ? h.bootId : null,
      runtime: typeof h.runtime === 'string' ? h.runtime : 'unknown runtime',
      since: typeof h.since === 'string' ? h.since : 'an unknown time',
    };
  } catch {
    return null;
  }
}

/** Whether the process a lock file names still runs (and is the same process, not a reused pid). */
async function holderAlive(fs: FileSystem, proc: ProcessPort, holder: LockHolder): Promise<boolean> {
  // We have not taken the lock yet, so a lock naming our own pid was left by an earlier
  // process that had it (a container restarted with the same pid, say).
  if (holder.pid === proc.pid) return false;
  const boot = await bootId(fs);
  if (holder.bootId !== null && boot !== null && holder.bootId !== boot) return false; // written before a reboot
  const now = await procIdentity(fs, holder.pid);
  if (now.state === 'gone') return false;
  if (now.state === 'alive') return holder.startTime === null || holder.startTime === now.startTime;
  return proc.isAlive(holder.pid);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const unknownHolder = (): LockHolder => ({
  pid: 0,
  startTime: null,
  bootId: null,
  runtime: 'unknown runtime',
  since: 'an unknown time',
});

/** The kernel name of a data dir: one per real path, short enough for a socket address. */
async function claimNameOf(fs: FileSystem, dataDir: string): Promise<string> {
  const real = await fs.realPath(dataDir);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(real)));
  let hex = '';
  for (const b of digest.subarray(0, 16)) hex += b.toString(16).padStart(2, '0');
  return `meshbook-data-dir-${hex}`;
}

/** The holder a refused start names: the lock file may lag its claim by a moment. */
async function holderOf(fs: FileSystem, file: string): Promise<LockHolder> {
  for (let i = 0; i < 20; i++) {
    const holder = parseHolder((await readText(fs, file)) ?? '');
    if (holder) return holder;
    await pause(25);
  }
  return unknownHolder();
}

/**
 * Takes the data dir (which must exist) for this process, or throws DataDirLockedError
 * naming the live holder; a refused start writes nothing to the dir.
 */
export async function lockDataDir(fs: FileSystem, proc: ProcessPort, dataDir: string): Promise<DataDirLock> {
  const file = `${dataDir}/${LOCK_FILE}`;
  const claim: NameClaim | 'held' | 'unsupported' = await proc.claimName(await claimNameOf(fs, dataDir));
  if (claim === 'unsupported') return lockByFile(fs, proc, dataDir);
  if (claim === 'held') throw new DataDirLockedError(dataDir, await holderOf(fs, file));
  try {
    // ours alone now: whatever a dead holder left there is replaced
    await fs.writeFileAtomic(file, encoder.encode(`${JSON.stringify(await describeSelf(fs, proc))}\n`));
  } catch (err) {
    await claim.release();
    throw err;
  }
  return {
    file,
    release: async () => {
      await fs.remove(file);
      await claim.release();
    },
  };
}

/** The lock file as the lock, where the OS cannot hold a name for a process. */
async function lockByFile(fs: FileSystem, proc: ProcessPort, dataDir: string): Promise<DataDirLock> {
  const file = `${dataDir}/${LOCK_FILE}`;
  const breakFile = `${dataDir}/${BREAK_FILE}`;
  const me = await describeSelf(fs, proc);
  const mine = `${JSON.stringify(me)}\n`;
  const lock: DataDirLock = {
    file,
    release: async () => {
      if ((await readText(fs, file)) === mine) await fs.remove(file);
    },
  };

  for (let attempt = 0; attempt < 50; attempt++) {
    if (await fs.createExclusive(file, encoder.encode(mine))) return lock;
    const seen = await readText(fs, file);
    if (seen === null) continue; // released between our two steps: try again
    const holder = parseHolder(seen);
    if (holder && (await holderAlive(fs, proc, holder))) throw new DataDirLockedError(dataDir, holder);

    // A dead holder (or a file that names none): take it over under lock.break.
    if (!(await fs.createExclusive(breakFile, encoder.encode(mine)))) {
      const breaker = parseHolder((await readText(fs, breakFile)) ?? '');
      if (breaker && !(await holderAlive(fs, proc, breaker))) await fs.remove(breakFile); // died mid-takeover
      await pause(10 + attempt * 5);
      continue;
    }
    try {
      // Only takeovers remove someone else's lock and they are one at a time, so the file
      // is still the dead holder's if it still reads the same.
      if ((await readText(fs, file)) === seen) await fs.remove(file);
    } finally {
      await fs.remove(breakFile);
    }
  }
  throw new Error(`could not take the lock ${file}: it kept changing; is another node starting on ${dataDir}?`);
}
