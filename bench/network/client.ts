// Keep-alive HTTP connections to one node for the network bench (host-common/test/raw-http.ts
// underneath: far less CPU per request than fetch, which matters when the bench shares two
// cores with the nodes). A connection the node closed while idle (its keep-alive timeout) is
// dropped before use, never written to; at most `max` requests in flight, the rest wait.

import { RawConnection, type RawRequest, type RawResponse } from '../../host-common/test/raw-http.ts';

export class Client {
  private readonly host: string;
  private readonly port: number;
  private readonly max: number;
  private readonly free: RawConnection[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly all = new Set<RawConnection>();
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
    while (c?.closed) {
      this.all.delete(c);
      c = this.free.pop();
    }
    try {
      if (!c) {
        c = await RawConnection.connect(this.host, this.port);
        this.all.add(c);
      }
      return await c.request(r);
    } finally {
      if (c && !c.closed) this.free.push(c);
      else if (c) this.all.delete(c);
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
