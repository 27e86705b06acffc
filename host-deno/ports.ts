// Deno's ports: Deno.serve for HTTP (the app's direct routes answered before Hono, see
// host-common/api/direct-fetch.ts), Hono's Deno WebSocket helper, and Deno.args / Deno.env /
// Deno.addSignalListener for the process. Files go through node:fs (host-common/fs-node.ts),
// which Deno runs through its Node compatibility: one implementation on every runtime, with
// O_DSYNC log writes, which Deno's own file API cannot ask for.

import nodeProcess from 'node:process';
import { getConnInfo, upgradeWebSocket } from 'hono/deno';
import { directFetch } from '../host-common/api/direct-fetch.ts';
import { nodeFileSystem } from '../host-common/fs-node.ts';
import type { Host, HttpServer } from '../host-common/ports.ts';

const encoder = new TextEncoder();

function writeLine(stream: { writeSync(p: Uint8Array): number }, line: string): void {
  const bytes = encoder.encode(`${line}\n`);
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

export function denoHost(): Host {
  return {
    fs: nodeFileSystem,
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
