// Node.js's ports: @hono/node-server for HTTP, @hono/node-ws (ws) for WebSockets, node:fs
// for files, node:process for arguments, output and signals. Nothing else lives here.

import type { IncomingMessage, Server } from 'node:http';
import process from 'node:process';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import type { Hono } from 'hono';
import { nodeFileSystem } from '../host-common/fs-node.ts';
import { nodeProcessPort } from '../host-common/process-node.ts';
import type { FetchApp, Host, HttpServer } from '../host-common/ports.ts';

export function nodeHost(): Host {
  // node-ws needs the app to route upgrade requests through; the app exists only once the
  // node has built it, so hand it a forwarder bound in serve().
  let bound: FetchApp | null = null;
  const forward = { request: (...args: Parameters<FetchApp['request']>) => bound!.request(...args) } as unknown as Hono;
  const nodeWs = createNodeWebSocket({ app: forward });

  return {
    fs: nodeFileSystem,
    http: {
      upgradeWebSocket: nodeWs.upgradeWebSocket,
      serve: (app, { hostname, port }) =>
        new Promise<HttpServer>((resolve, reject) => {
          bound = app;
          const server = serve({ fetch: app.fetch, hostname, port }, (info) => {
            server.off('error', reject);
            resolve({ port: info.port, close: (graceMs) => closeServer(server as Server, nodeWs.wss.clients, graceMs) });
          }) as Server;
          server.once('error', reject);
          nodeWs.injectWebSocket(server);
        }),
      readBody: (c, limit) => {
        // @hono/node-server passes {incoming, outgoing} as the context's env; reading the
        // IncomingMessage directly skips building a web Request and ReadableStream.
        const incoming = (c as { env?: { incoming?: IncomingMessage } }).env?.incoming;
        return incoming && !incoming.readableDidRead ? readIncoming(incoming, limit) : undefined;
      },
    },
    process: nodeProcessPort('node', process.versions.node),
  };
}

function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large'> {
  const declared = Number(incoming.headers['content-length']);
  if (declared > limit) {
    incoming.resume(); // drain, so the connection can be reused
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    incoming.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => {
      if (over) return;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
    });
    incoming.on('error', reject);
  });
}

function closeServer(server: Server, sockets: Set<{ terminate(): void }>, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      for (const ws of sockets) ws.terminate();
      resolve();
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
