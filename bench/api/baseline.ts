// The API bench's peer: the least an HTTP server on this machine can do for an order — Node's
// node:http reads the body, parses the JSON and answers 201 with a small JSON body. No
// validation, no envelope, no log, no fsync, no book. Measured with the same client and
// connections as the node, in the same run, it shows what the machine allows at that moment
// (this VM's speed varies by up to 2x between minutes), so the node's figure can be read
// as a share of it.
//
//   node bench/api/baseline.ts   → prints {"port": n} and serves until killed

import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let status = 201;
    let body: string;
    try {
      const order = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      body = JSON.stringify({ order: { ...order, status: 'open' }, trades: [] });
    } catch {
      status = 400;
      body = '{"error":{"code":"invalid_json","message":"the body is not valid JSON"}}';
    }
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
