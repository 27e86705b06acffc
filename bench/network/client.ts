// Keep-alive HTTP connections to one node for the network bench (host-common/test/raw-http.ts
// underneath: far less CPU per request than fetch, which matters when the bench shares two
// cores with the nodes). A connection the node closed while idle (its keep-alive timeout) is
// dropped before use, never written to; so is one idle for IDLE_MS, shorter than the node's
// keep-alive timeout (Node's 5 s), so that a request never races the node's close of an idle
// connection (the node would reset it unread: a POST lost on the bench's side). At most `max`
// requests in flight, the rest wait.

import { RawConnection, type RawRequest, type RawResponse } from '../../host-common/test/raw-http.ts';

const IDLE_MS = 3000;

export class Client {
  private readonly host: string;
  private readonly port: number;
  private readonly max: number;
  private readonly free: RawConnection[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly all = new Set<RawConnection>();
  /** When each free connection was last handed back. */
  private readonly freeSince = new Map<RawConnection, number>();
  private busy = 0;

  constructor(url: string, max: number) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.max = max;
  }

  async request(r: RawRequest): Promise<RawResponse> {
    if (this.busy >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy++;
    let c = this.free.pop();
    const now = performance.now();
    while (c && (c.closed || now - this.freeSince.get(c)! > IDLE_MS)) {
      this.all.delete(c);
      this.freeSince.delete(c);
      c.close();
      c = this.free.pop();
    }
    try {
      if (!c) {
        c = await RawConnection.connect(this.host, this.port);
        this.all.add(c);
      }
      return await c.request(r);
    } finally {
      if (c && !c.closed) {
        this.free.push(c);
        this.freeSince.set(c, performance.now());
      } else if (c) this.all.delete(c);
      this.busy--;
      this.waiting.shift()?.();
    }
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.free.length = 0;
  }
}
