// Node.js's ports: node:http with @hono/node-server's request listener for HTTP,
// @hono/node-ws (ws) for WebSockets, node:fs for files, node:process for arguments, output
// and signals. Nothing else lives here.
//
// The app's direct routes (POST /v1/orders) are answered straight from node:http's request
// and response: building a web Request, a Hono context and a web Response cost the main
// thread ~20 µs per request (measured: 12.8k vs 16.9k trivial JSON answers per second).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
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
          const listener = getRequestListener(app.fetch, { hostname });
          const direct = app.direct ?? {};
          const server = createServer((req, res) => {
            const route = direct[`${req.method} ${req.url}`];
            if (route) answerDirect(route, req, res);
            else void listener(req, res);
          });
          server.once('error', reject);
          server.listen(port, hostname, () => {
            server.off('error', reject);
            const address = server.address();
            resolve({
              port: typeof address === 'object' && address ? address.port : port,
              close: (graceMs) => closeServer(server, nodeWs.wss.clients, graceMs),
            });
          });
          nodeWs.injectWebSocket(server);
        }),
      clientAddress: (c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined; // not a request from node:http (app.request() in tests)
        }
      },
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

function answerDirect(route: NonNullable<FetchApp['direct']>[string], req: IncomingMessage, res: ServerResponse): void {
  route({
    header: (name) => headerOf(req, name),
    body: (limit) => readIncoming(req, limit),
    address: () => req.socket.remoteAddress,
  })
    .then((a) => {
      res.writeHead(a.status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(a.body),
        ...a.headers,
      });
      res.end(a.body);
    })
    .catch(() => {
      // the routes catch their own errors; this is the last resort, and it never throws
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end('{"error":{"code":"internal","message":"internal error; the node logged the details"}}');
    })
    .catch(() => res.destroy());
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
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
