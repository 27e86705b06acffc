// Deno's ports: Deno.serve for HTTP (the app's direct routes answered before Hono, see
// host-common/api/direct-fetch.ts), Hono's Deno WebSocket helper, and Deno.args / Deno.env /
// Deno.addSignalListener for the process. Files go through node:fs (host-common/fs-node.ts),
// which Deno runs through its Node compatibility: one implementation on every runtime, with
// O_DSYNC log writes, which Deno's own file API cannot ask for.

import { upgradeWebSocket } from 'hono/deno';
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
              directFetch(app),
            );
          } catch (err) {
            reject(err);
          }
        }),
    },
    process: {
      runtime: 'deno',
      runtimeVersion: Deno.version.deno,
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
