// Seeded commands for tests of the pipeline: places of every order type (limit, IOC/FOK,
// market, stop-limit, stop-market, OCO, iceberg, good-till-time, post-only, self-trade
// modes), cancels, reduces and amends of orders placed before — by their owners, and now and
// then by someone else (refused). The same seed gives the same commands.

import * as C from '../../core-as/codes.ts';
import {
  type OrderBody as Body,
  encodeUnsigned,
  type Envelope,
  decodeEnvelope,
  orderIdOf,
  seal,
} from '../wire/envelope.ts';
import { type Rng, rng } from './process/fuzz-gen.ts';

export interface Command {
  market: string;
  owner: string;
  body: Body;
}

export const MARKETS = ['BTC-USD', 'ETH-USD'] as const;
const OWNERS = ['alice', 'bob', 'carol'];

export interface Placed {
  id: bigint;
  market: string;
  owner: string;
}

export class Workload {
  private readonly r: Rng;
  /** Orders placed so far (what cancels and amends may target). */
  readonly placed: Placed[] = [];

  constructor(seed: number) {
    this.r = rng(seed);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }

  /** The next command; `time` is the origin's clock, for good-till-time expiries. */
  next(time: number): Command {
    const r = this.r;
    const market = r() < 0.85 ? MARKETS[0] : MARKETS[1];
    if (r() < 0.62 || this.placed.length === 0) return { market, owner: this.pick(OWNERS), body: this.place(time) };
    const target = this.placed[Math.floor(r() * this.placed.length)];
    const owner = r() < 0.95 ? target.owner : 'mallory';
    const roll = r();
    let body: Body;
    if (roll < 0.55) body = { kind: C.CMD_CANCEL, orderId: target.id };
    else if (roll < 0.7) body = { kind: C.CMD_REDUCE, orderId: target.id, quantity: BigInt(this.int(1, 40)) };
    else {
      const price = r() < 0.6 ? BigInt(this.int(1000, 1019)) : 0n;
      const quantity = r() < 0.6 || price === 0n ? BigInt(this.int(1, 80)) : 0n;
      body = { kind: C.CMD_AMEND, orderId: target.id, price, quantity };
    }
    return { market: target.market, owner, body };
  }

  /** Notes an accepted place's id (its envelope's), so later commands can target it. */
  placedAs(c: Command, envelopeId: Uint8Array): void {
    if (c.body.kind === C.CMD_PLACE) this.placed.push({ id: orderIdOf(envelopeId), market: c.market, owner: c.owner });
  }

  private place(time: number): Body {
    const r = this.r;
    const side = r() < 0.5 ? C.SIDE_BUY : C.SIDE_SELL;
    const price = BigInt(this.int(1000, 1019));
    const quantity = BigInt(this.int(1, 60));
    const kind = this.pick(['limit', 'limit', 'limit', 'ioc', 'market', 'stop_limit', 'stop_market', 'oco', 'iceberg']);
    const body: Body & { kind: typeof C.CMD_PLACE } = {
      kind: C.CMD_PLACE,
      side,
      type: C.TYPE_LIMIT,
      tif: C.TIF_GTC,
      flags: 0,
      stp: r() < 0.3 ? this.int(0, 3) : 0,
      price,
      quantity,
      clientOrderId: r() < 0.05 ? `c${this.int(0, 9)}` : '',
    };
    const away = (d: number) => BigInt(side === C.SIDE_BUY ? Number(price) + d : Number(price) - d);
    if (kind === 'ioc') body.tif = this.pick([C.TIF_IOC, C.TIF_FOK]);
    if (kind === 'market')
      Object.assign(body, { type: C.TYPE_MARKET, tif: this.pick([C.TIF_IOC, C.TIF_FOK]), price: 0n });
    if (kind === 'stop_limit')
      Object.assign(body, {
        type: C.TYPE_STOP_LIMIT,
        tif: this.pick([C.TIF_GTC, C.TIF_GTC, C.TIF_IOC]),
        stopPrice: BigInt(this.int(1000, 1019)),
      });
    if (kind === 'stop_market')
      Object.assign(body, {
        type: C.TYPE_STOP_MARKET,
        tif: C.TIF_IOC,
        price: 0n,
        stopPrice: BigInt(this.int(1000, 1019)),
      });
    if (kind === 'oco')
      Object.assign(body, {
        flags: C.FLAG_OCO,
        stopPrice: away(this.int(1, 6)),
        ...(r() < 0.5 ? { ocoPrice: away(this.int(1, 8)) } : {}),
      });
    if (kind === 'iceberg') body.display = BigInt(Math.max(1, Math.ceil(Number(quantity) / this.int(1, 12))));
    if (body.tif === C.TIF_FOK) body.stp = 0;
    if ((kind === 'limit' || kind === 'stop_limit' || kind === 'iceberg') && r() < 0.3)
      body.expiresAt = BigInt(time + this.int(1, 400));
    if (kind === 'limit' && r() < 0.05) body.flags = C.FLAG_POST_ONLY;
    return body;
  }
}

/**
 * An unsigned-in-effect envelope (a zero signature: the applier does not verify) from
 * `origin`, for tests that feed the state or the applier directly.
 */
export function testEnvelope(origin: Uint8Array, seq: number, lamport: bigint, time: number, c: Command): Envelope {
  const fields = {
    market: c.market,
    origin,
    seq: BigInt(seq),
    lamport,
    time: BigInt(time),
    owner: c.owner,
    clock: [],
    body: c.body,
  };
  return decodeEnvelope(seal(encodeUnsigned(fields), new Uint8Array(64)));
}

/**
 * A history of `n` envelopes from `origins.length` origins, in the total order: each origin's
 * seqs count up, Lamport times rise (several origins may share one), times move forward.
 */
export function multiOriginHistory(seed: number, origins: Uint8Array[], n: number): Envelope[] {
  const w = new Workload(seed);
  const r = rng(seed ^ 0x5eed);
  const seqs = origins.map(() => 0);
  const out: Envelope[] = [];
  let lamport = 0n;
  let time = 1_760_000_000_000;
  while (out.length < n) {
    lamport++;
    time += Math.floor(r() * 30);
    // one to all origins create an event at this Lamport time
    for (let o = 0; o < origins.length && out.length < n; o++) {
      if (o > 0 && r() < 0.5) continue;
      const c = w.next(time);
      const e = testEnvelope(origins[o], ++seqs[o], lamport, time, c);
      w.placedAs(c, e.id);
      out.push(e);
    }
  }
  return out.sort((a, b) =>
    a.lamport !== b.lamport ? (a.lamport < b.lamport ? -1 : 1) : Buffer.compare(a.origin, b.origin),
  );
}
