// The good-till-time orders a node holds, earliest expiry first: what tells the node when to
// send its next time event. A binary min-heap of (expiresAt, order id); an entry stays until it
// reaches the top, where the caller's check drops it if its order has ended since (lazy
// deletion: an order that fills or is cancelled costs nothing here).

interface Entry {
  at: number; // ms since 1970
  id: bigint;
}

export class ExpiryQueue {
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, id: bigint): void {
    const h = this.heap;
    h.push({ at, id });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  /** The earliest entry for which `live(id, at)` holds, dropping the ones before it that do not; null when none. */
  next(live: (id: bigint, at: number) => boolean): number | null {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (live(top.id, top.at)) return top.at;
      this.pop();
    }
    return null;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.id < b.id);
