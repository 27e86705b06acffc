// Deno's ports: Deno.serve for HTTP (the app's direct routes answered before Hono, see
// host-common/api/direct-fetch.ts), Hono's Deno WebSocket helper, Deno's file APIs, and
// Deno.args / Deno.env / Deno.addSignalListener for the process.

import nodeProcess from 'node:process';
import { getConnInfo, upgradeWebSocket } from 'hono/deno';
import { directFetch } from '../host-common/api/direct-fetch.ts';
import type { AppendHandle, FileSystem, Host, HttpServer } from '../host-common/ports.ts';
import { parentDir } from '../host-common/ports.ts';

const isNotFound = (err: unknown) => err instanceof Deno.errors.NotFound;

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

let tmpCounter = 0;

const denoFileSystem: FileSystem = {
  async mkdirp(path) {
    await Deno.mkdir(path, { recursive: true });
  },
  async readFile(path) {
    try {
      return await Deno.readFile(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  async writeFileAtomic(path, bytes, options) {
    const tmp = `${path}.${Deno.pid}-${++tmpCounter}.tmp`;
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: options?.mode ?? 0o644 });
    try {
      if (options?.mode !== undefined) await Deno.chmod(tmp, options.mode); // the umask filtered open()'s mode
      await writeAll(file, bytes);
      await file.sync();
    } catch (err) {
      file.close();
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    file.close();
    try {
      await Deno.rename(tmp, path);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    await denoFileSystem.syncDir(parentDir(path));
  },
  realPath: (path) => Deno.realPath(path),
  async createExclusive(path, bytes) {
    const tmp = `${path}.${Deno.pid}-${++tmpCounter}.tmp`;
    await Deno.writeFile(tmp, bytes, { mode: 0o644 });
    try {
      await Deno.link(tmp, path); // fails with AlreadyExists instead of replacing, unlike rename
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      throw err;
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
  },
  async openAppend(path): Promise<AppendHandle> {
    const file = await Deno.open(path, { append: true, create: true });
    return {
      write: (bytes) => writeAll(file, bytes),
      sync: () => file.syncData(),
      close: async () => file.close(),
    };
  },
  async truncate(path, length) {
    const file = await Deno.open(path, { read: true, write: true });
    try {
      await file.truncate(length);
      await file.sync();
    } finally {
      file.close();
    }
  },
  async list(dir) {
    try {
      const names: string[] = [];
      for await (const e of Deno.readDir(dir)) names.push(e.name);
      return names;
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  },
  async remove(path) {
    try {
      await Deno.remove(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
  async chmod(path, mode) {
    await Deno.chmod(path, mode);
  },
  async syncDir(dir) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(dir, { read: true });
    } catch {
      return; // cannot open a directory here (e.g. Windows): the rename is as durable as it gets
    }
    try {
      await file.sync();
    } catch {
      // some file systems refuse fsync on a directory
    } finally {
      file.close();
    }
  },
};

const encoder = new TextEncoder();

function writeLine(stream: { writeSync(p: Uint8Array): number }, line: string): void {
  const bytes = encoder.encode(`${line}\n`);
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

export function denoHost(): Host {
  return {
    fs: denoFileSystem,
    http: {
      upgradeWebSocket,
      clientAddress: (c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined; // not a request from Deno.serve (app.request() in tests)
        }
      },
      serve: (app, { hostname, port }) =>
        new Promise<HttpServer>((resolve, reject) => {
          try {
            const server = Deno.serve(
              {
                hostname,
                port,
                onListen: (addr) => {
                  resolve({
                    port: (addr as Deno.NetAddr).port,
                    close: async (graceMs) => {
                      // shutdown() stops accepting and waits for requests in flight
                      const timer = new Promise<void>((r) => setTimeout(r, graceMs));
                      await Promise.race([server.shutdown(), timer]);
                    },
                  });
                },
                onError: () =>
                  new Response(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }), {
                    status: 500,
                    headers: { 'content-type': 'application/json' },
                  }),
              },
              directFetch(app, (_req, info?: Deno.ServeHandlerInfo) => (info?.remoteAddr as Deno.NetAddr)?.hostname),
            );
          } catch (err) {
            reject(err);
          }
        }),
    },
    process: {
      runtime: 'deno',
      runtimeVersion: Deno.version.deno,
      pid: Deno.pid,
      isAlive: (pid) => {
        // Deno.kill has no signal 0; Deno's node:process does
        try {
          nodeProcess.kill(pid, 0);
          return true;
        } catch (err) {
          return (err as { code?: string }).code === 'EPERM';
        }
      },
      claimName: async (name) => {
        try {
          const listener = Deno.listen({ transport: 'unix', path: `\0${name}` });
          listener.unref(); // holding the name must not keep the process alive
          return { release: async () => listener.close() };
        } catch (err) {
          if (err instanceof Deno.errors.AddrInUse) return 'held';
          if (Deno.build.os !== 'linux') return 'unsupported';
          throw err;
        }
      },
      args: Deno.args,
      env: Deno.env.toObject(),
      stdout: (line) => writeLine(Deno.stdout, line),
      stderr: (line) => writeLine(Deno.stderr, line),
      onSignal: (signals, handler) => {
        for (const s of signals) Deno.addSignalListener(s, () => handler(s));
      },
      exit: (code) => Deno.exit(code),
    },
  };
}
