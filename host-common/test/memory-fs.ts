// A FileSystem (ports.ts) in memory, for tests that run many nodes at once (the simulation):
// every write is "durable" when it resolves, and a crash is afterCrash(). Paths are
// plain "/"-joined strings; directories exist once created or once a file is in them.

import type { AppendHandle, FileSystem } from '../ports.ts';

export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Uint8Array>();
  private readonly dirs = new Set<string>();
  /** How many turns of the event loop an append waits before it is "on disk" (a slow disk; none by default). */
  private readonly writeDelay: () => number;

  constructor(options: { writeDelay?: () => number } = {}) {
    this.writeDelay = options.writeDelay ?? (() => 0);
  }

  /** Appends on their way to the disk, oldest first. */
  private readonly writing: { path: string; bytes: Uint8Array }[] = [];

  /**
   * What a crash leaves on the disk: a file system of its own holding what is written now and,
   * with `torn`, a part of the oldest append still on its way to each file (the fraction it
   * gives: none, some records, a record cut anywhere). Writes still on their way land in this
   * one, which the restarted node no longer reads.
   */
  afterCrash(torn?: () => number): MemoryFileSystem {
    const fs = new MemoryFileSystem({ writeDelay: this.writeDelay });
    for (const [path, bytes] of this.files) fs.files.set(path, bytes.slice());
    for (const dir of this.dirs) fs.dirs.add(dir);
    const cut = new Set<string>();
    for (const w of torn ? this.writing : []) {
      if (cut.has(w.path)) continue;
      cut.add(w.path);
      const part = w.bytes.subarray(0, Math.floor(torn!() * w.bytes.length));
      const old = fs.files.get(w.path) ?? new Uint8Array(0);
      const next = new Uint8Array(old.length + part.length);
      next.set(old);
      next.set(part, old.length);
      fs.files.set(w.path, next);
    }
    return fs;
  }

  async mkdirp(path: string): Promise<void> {
    let p = path.replace(/\/+$/, '');
    while (p !== '' && p !== '.' && !this.dirs.has(p)) {
      this.dirs.add(p);
      p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    }
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    const f = this.files.get(path);
    return f ? f.slice() : null;
  }

  async writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
    this.files.set(path, bytes.slice());
  }

  async createExclusive(path: string, bytes: Uint8Array): Promise<boolean> {
    if (this.files.has(path)) return false;
    this.files.set(path, bytes.slice());
    return true;
  }

  async realPath(path: string): Promise<string> {
    return path;
  }

  async openAppend(path: string): Promise<AppendHandle> {
    if (!this.files.has(path)) this.files.set(path, new Uint8Array(0));
    const files = this.files;
    const delay = this.writeDelay;
    const writing = this.writing;
    return {
      durableWrites: true,
      async write(bytes: Uint8Array) {
        const w = { path, bytes };
        writing.push(w);
        for (let turns = delay(); turns > 0; turns--) await new Promise((resolve) => setImmediate(resolve));
        writing.splice(writing.indexOf(w), 1);
        const old = files.get(path) ?? new Uint8Array(0);
        const next = new Uint8Array(old.length + bytes.length);
        next.set(old);
        next.set(bytes, old.length);
        files.set(path, next);
      },
      async sync() {},
      async close() {},
    };
  }

  async truncate(path: string, length: number): Promise<void> {
    const f = this.files.get(path);
    if (f) this.files.set(path, f.slice(0, length));
  }

  async list(dir: string): Promise<string[]> {
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) names.add(p.slice(prefix.length));
    }
    return [...names].sort();
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }

  async chmod(): Promise<void> {}

  async syncDir(): Promise<void> {}
}
