// A lean HTTP/1.1 client over one keep-alive TCP connection: it writes a request, reads
// exactly one response (Content-Length or chunked), and is ready for the next. The process
// tests (fuzz, durability) and bench/api use it because Node's http client and fetch cost
// more CPU per request than the node under test, which on a small machine would measure
// the client instead of the server; and because it sends what it is told, byte for byte.

import * as net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>; // lower-case names
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is; Content-Length is added unless `chunked` or a content-length header is given. */
  body?: string | Uint8Array;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');

export class RawConnection {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;
  private closedError: Error | null = null;
  private readonly host: string;

  private constructor(socket: net.Socket, host: string) {
    this.socket = socket;
    this.host = host;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.tryParse();
    });
    const onEnd = (err?: Error) => {
      this.closedError = err ?? new Error('connection closed');
      const w = this.waiting;
      this.waiting = null;
      w?.reject(this.closedError);
    };
    socket.on('error', onEnd);
    socket.on('close', () => onEnd());
  }

  static connect(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket, `${host}:${port}`));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  request(r: RawRequest): Promise<RawResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.waiting) return Promise.reject(new Error('one request at a time per connection'));
    const body =
      r.body === undefined ? undefined : typeof r.body === 'string' ? Buffer.from(r.body) : Buffer.from(r.body);
    let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: ${this.host}\r\n`;
    const names = new Set<string>();
    for (const [k, v] of Object.entries(r.headers ?? {})) {
      head += `${k}: ${v}\r\n`;
      names.add(k.toLowerCase());
    }
    let payload: Buffer | undefined = body;
    if (body !== undefined) {
      if (r.chunked) {
        head += 'Transfer-Encoding: chunked\r\n';
        payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
        if (body.length === 0) payload = Buffer.from('0\r\n\r\n');
      } else if (!names.has('content-length')) {
        head += `Content-Length: ${body.length}\r\n`;
      }
    }
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(payload ? Buffer.concat([Buffer.from(head), payload]) : head);
    });
  }

  private tryParse(): void {
    if (!this.waiting) return;
    const end = this.buf.indexOf(CRLF2);
    if (end < 0) return;
    const headText = this.buf.subarray(0, end).toString('latin1');
    const lines = headText.split('\r\n');
    const status = Number(lines[0].slice(9, 12));
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].indexOf(':');
      if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim();
    }
    const start = end + 4;
    let body: Buffer;
    let consumed: number;
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const parts: Buffer[] = [];
      let p = start;
      for (;;) {
        const lineEnd = this.buf.indexOf('\r\n', p);
        if (lineEnd < 0) return;
        const size = parseInt(this.buf.subarray(p, lineEnd).toString('latin1'), 16);
        if (size === 0) {
          const trailerEnd = this.buf.indexOf('\r\n', lineEnd + 2);
          if (trailerEnd < 0) return;
          consumed = trailerEnd + 2;
          break;
        }
        if (this.buf.length < lineEnd + 2 + size + 2) return;
        parts.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? (status === 204 || status === 304 ? 0 : NaN));
      if (Number.isNaN(length)) {
        // no length: the body runs to the end of the connection (not used by the node)
        return;
      }
      if (this.buf.length < start + length) return;
      body = this.buf.subarray(start, start + length);
      consumed = start + length;
    }
    const w = this.waiting;
    this.waiting = null;
    const text = body.toString('utf8');
    this.buf = this.buf.subarray(consumed);
    w.resolve({ status, headers, body: text });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** N keep-alive connections; `request` takes a free one (or waits), reconnecting closed ones. */
export class RawPool {
  private readonly host: string;
  private readonly port: number;
  private readonly free: RawConnection[] = [];
  private readonly queue: ((c: RawConnection) => void)[] = [];
  private readonly all = new Set<RawConnection>();
  private readonly size: number;

  constructor(url: string, size: number) {
    const u = new URL(url);
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port);
    this.size = size;
  }

  private async take(): Promise<RawConnection> {
    const c = this.free.pop();
    if (c) return c;
    if (this.all.size < this.size) {
      const n = await RawConnection.connect(this.host, this.port);
      this.all.add(n);
      return n;
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private give(c: RawConnection): void {
    if (c.closed) {
      this.all.delete(c);
      const next = this.queue.shift();
      if (next) this.take().then(next);
      return;
    }
    const next = this.queue.shift();
    if (next) next(c);
    else this.free.push(c);
  }

  async request(r: RawRequest): Promise<RawResponse> {
    const c = await this.take();
    try {
      return await c.request(r);
    } finally {
      this.give(c);
    }
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.free.length = 0;
  }
}
