// Bun's ports: Bun.serve for HTTP (the app's direct routes answered before Hono, see
// host-common/api/direct-fetch.ts), Hono's Bun WebSocket helper, Bun.file for reading files
// (appending, fsync and renames go through node:fs, which Bun implements natively and its
// own file API does not cover), node:process for arguments, output and signals.

import { getConnInfo, upgradeWebSocket, websocket } from 'hono/bun';
import { directFetch } from '../host-common/api/direct-fetch.ts';
import { nodeFileSystem } from '../host-common/fs-node.ts';
import { nodeProcessPort } from '../host-common/process-node.ts';
import type { FileSystem, Host, HttpServer } from '../host-common/ports.ts';

const bunFileSystem: FileSystem = {
  ...nodeFileSystem,
  async readFile(path) {
    const f = Bun.file(path);
    try {
      return await f.bytes();
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return null;
      throw err;
    }
  },
};

/** The part of Bun's server the fetch handler is given that the host uses: the client's address. */
interface BunServer {
  requestIP(req: Request): { address: string } | null;
}

export function bunHost(): Host {
  return {
    fs: bunFileSystem,
    http: {
      upgradeWebSocket,
      clientAddress: (c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined; // not a request from Bun.serve (app.request() in tests)
        }
      },
      serve: async (app, { hostname, port }) => {
        const server = Bun.serve({
          hostname,
          port,
          fetch: directFetch(app, (req: Request, server?: BunServer) => server?.requestIP(req)?.address ?? undefined),
          websocket,
          idleTimeout: 60,
        });
        const closing: HttpServer = {
          port: server.port ?? port, // undefined only for a Unix socket, which the node never asks for

          close: async (graceMs) => {
            // stop(false) stops accepting and resolves once in-flight requests are done
            const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs));
            await Promise.race([Promise.resolve(server.stop(false)), timer]);
            await server.stop(true);
          },
        };
        return closing;
      },
    },
    process: nodeProcessPort('bun', Bun.version),
  };
}
