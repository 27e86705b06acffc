// Seeded generators of command streams, shared by the differential tests, the conformance
// suite and the benchmarks. Same seed, same stream, on every runtime. The generator keeps
// its own list of ids it placed (it does not look at any book), so a stream is a pure
// function of (seed, count, mix).
import * as C from '../codes.ts';
import type { Command } from '../types.ts';
import { command } from '../types.ts';

export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);
export const U64_MAX = (1n << 64n) - 1n;

/** sfc32: small, fast, good enough for test streams; deterministic across runtimes. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }

  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A u64 as bigint. */
  u64(): bigint {
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }
}

/** The shape of a stream: how often each kind of command comes, and where prices fall. */
export interface Mix {
  name: string;
  markets: number; //     commands go to markets [0, markets)
  owners: number; //      distinct owners (few owners: many self-trade cases)
  place: number; //       weights of command kinds
  cancel: number;
  reduce: number;
  market: number; //      share of places that are market orders
  ioc: number; //         share of limit places that are IOC
  fok: number; //         share of places that are FOK
  postOnly: number; //    share of GTC limit places that are post-only
  spread: number; //      prices fall within mid ± spread ticks
  cross: number; //       share of places priced through the mid (aggressive)
  maxQty: number;
  illegal: number; //     share of commands with an illegal or extreme field
  amend: number; //       weight of amend commands (exchange-core's "move")
  stop: number; //        share of places that are stop-limit / stop-market orders
  oco: number; //         share of GTC limit places that are OCO
  iceberg: number; //     share of GTC limit places that are icebergs
  gtt: number; //         share of GTC limits and stops with an expiry (commands then carry a time)
  stpModes: number; //    share of places with a self-trade prevention mode other than cancel-resting
}

const ADVANCED = { amend: 2, stop: 0.08, oco: 0.05, iceberg: 0.08, gtt: 0.1, stpModes: 0.3 };

export const MIXES: Record<string, Mix> = {
  crossing: {
    name: 'crossing',
    markets: 2,
    owners: 6,
    place: 8,
    cancel: 1,
    reduce: 1,
    market: 0.1,
    ioc: 0.15,
    fok: 0.1,
    postOnly: 0.1,
    spread: 20,
    cross: 0.6,
    maxQty: 50,
    illegal: 0.03,
    ...ADVANCED,
  },
  resting: {
    name: 'resting',
    markets: 2,
    owners: 20,
    place: 8,
    cancel: 2,
    reduce: 1,
    market: 0.02,
    ioc: 0.05,
    fok: 0.03,
    postOnly: 0.2,
    spread: 400,
    cross: 0.1,
    maxQty: 1000,
    illegal: 0.03,
    ...ADVANCED,
  },
  illegal: {
    name: 'illegal',
    markets: 3,
    owners: 4,
    place: 6,
    cancel: 2,
    reduce: 2,
    market: 0.2,
    ioc: 0.2,
    fok: 0.2,
    postOnly: 0.2,
    spread: 10,
    cross: 0.5,
    maxQty: 20,
    illegal: 0.5,
    ...ADVANCED,
  },
  // Stops, OCOs, icebergs, expiries and amends dense enough to cascade.
  advanced: {
    name: 'advanced',
    markets: 2,
    owners: 8,
    place: 6,
    cancel: 1,
    reduce: 1,
    market: 0.08,
    ioc: 0.1,
    fok: 0.05,
    postOnly: 0.1,
    spread: 15,
    cross: 0.45,
    maxQty: 40,
    illegal: 0.02,
    amend: 3,
    stop: 0.25,
    oco: 0.15,
    iceberg: 0.2,
    gtt: 0.25,
    stpModes: 0.5,
  },
  // The plain order types only, as in the first version of the core.
  basic: {
    name: 'basic',
    markets: 2,
    owners: 6,
    place: 8,
    cancel: 1,
    reduce: 1,
    market: 0.1,
    ioc: 0.15,
    fok: 0.1,
    postOnly: 0.1,
    spread: 20,
    cross: 0.6,
    maxQty: 50,
    illegal: 0.03,
    amend: 0,
    stop: 0,
    oco: 0,
    iceberg: 0,
    gtt: 0,
    stpModes: 0,
  },
  // In the spirit of exchange-core's benchmark, where most operations move an order's price:
  // per 100 commands about 40 amends, 27 places (near the touch), 20 cancels, 7 reduces and
  // a few market/IOC orders; no illegal commands.
  realistic: {
    name: 'realistic',
    markets: 1,
    owners: 1000,
    place: 4,
    cancel: 3,
    reduce: 1,
    market: 0.03,
    ioc: 0.07,
    fok: 0.01,
    postOnly: 0.05,
    spread: 50,
    cross: 0.15,
    maxQty: 100,
    illegal: 0,
    amend: 6,
    stop: 0,
    oco: 0,
    iceberg: 0,
    gtt: 0,
    stpModes: 0,
  },
};

const EXTREME_PRICES = [
  0n,
  -1n,
  1n,
  2n,
  I64_MAX,
  I64_MAX - 1n,
  I64_MIN,
  1n << 62n,
  1n << 32n,
  3037000499n,
  3037000500n,
];
const EXTREME_QTYS = [
  0n,
  -1n,
  1n,
  I64_MAX,
  I64_MAX - 1n,
  I64_MIN,
  (1n << 62n) + 1n,
  1n << 32n,
  3037000499n,
  3037000500n,
];

/** Generates commands one at a time; remembers the ids it placed to cancel and reduce them. */
export class CommandGenerator {
  private readonly rng: Rng;
  private readonly mix: Mix;
  private nextId = 1n;
  private time = 1_000n;
  private readonly placed: { id: bigint; owner: bigint; market: number; side: number }[] = [];
  private readonly mid: bigint;

  constructor(seed: number, mix: Mix, mid = 10_000n) {
    this.rng = new Rng(seed);
    this.mix = mix;
    this.mid = mid;
  }

  next(): Command {
    const r = this.rng;
    const m = this.mix;
    const total = m.place + m.cancel + m.reduce + m.amend;
    const roll = r.int(total);
    const kind =
      roll < m.place || this.placed.length === 0
        ? C.CMD_PLACE
        : roll < m.place + m.cancel
          ? C.CMD_CANCEL
          : roll < m.place + m.cancel + m.reduce
            ? C.CMD_REDUCE
            : C.CMD_AMEND;
    const c = kind === C.CMD_PLACE ? this.place() : kind === C.CMD_AMEND ? this.amend() : this.cancelOrReduce(kind);
    if (m.gtt > 0) {
      this.time += BigInt(1 + r.int(3));
      c.time = this.time;
    }
    if (r.chance(m.illegal)) this.corrupt(c);
    return c;
  }

  take(n: number): Command[] {
    const out: Command[] = [];
    for (let i = 0; i < n; i++) out.push(this.next());
    return out;
  }

  private owner(): bigint {
    return BigInt(1 + this.rng.int(this.mix.owners));
  }

  private place(): Command {
    const r = this.rng;
    const m = this.mix;
    const side = r.int(2);
    const isMarket = r.chance(m.market);
    const tif = r.chance(m.fok) ? C.TIF_FOK : isMarket || r.chance(m.ioc) ? C.TIF_IOC : C.TIF_GTC;
    const offset = BigInt(1 + r.int(m.spread));
    // aggressive orders are priced through the mid, passive ones away from it
    const aggressive = r.chance(m.cross);
    const up = (side === C.SIDE_BUY) === aggressive;
    const price = isMarket ? 0n : up ? this.mid + offset : this.mid - offset;
    let flags = !isMarket && tif === C.TIF_GTC && r.chance(m.postOnly) ? C.FLAG_POST_ONLY : 0;
    const id = this.nextId++;
    const owner = this.owner();
    const market = r.int(m.markets);
    const qty = BigInt(1 + r.int(m.maxQty));
    const c = command({
      kind: C.CMD_PLACE,
      market,
      id,
      owner,
      side,
      type: isMarket ? C.TYPE_MARKET : C.TYPE_LIMIT,
      tif,
      flags,
      price: isMarket ? 0n : price > 0n ? price : 1n,
      qty,
    });
    if (tif !== C.TIF_FOK && r.chance(m.stpModes)) c.stp = 1 + r.int(3);
    const stopSide = side === C.SIDE_BUY ? 1n : -1n; // buy stops sit above the mid, sell stops below
    if (r.chance(m.stop)) {
      // a stop-limit or stop-market, triggered when the last trade reaches its stop price
      c.type = isMarket ? C.TYPE_STOP_MARKET : C.TYPE_STOP_LIMIT;
      c.stopPrice = this.mid + stopSide * BigInt(r.int(m.spread + 1));
      if (c.stopPrice <= 0n) c.stopPrice = 1n;
      c.flags = 0;
    } else if (!isMarket && tif === C.TIF_GTC) {
      if (r.chance(m.oco)) {
        // limit on the passive side, stop beyond it
        flags &= ~C.FLAG_POST_ONLY;
        c.flags = flags | C.FLAG_OCO;
        c.price = side === C.SIDE_BUY ? this.mid - offset : this.mid + offset;
        c.stopPrice = c.price + stopSide * BigInt(1 + r.int(m.spread));
        if (c.stopPrice <= 0n) c.stopPrice = 1n;
        c.ocoPrice = r.chance(0.5) ? 0n : c.stopPrice + stopSide * BigInt(r.int(5));
      } else if (r.chance(m.iceberg)) {
        c.display = BigInt(1 + r.int(Number(qty)));
      }
    }
    if (m.gtt > 0 && (c.type === C.TYPE_LIMIT ? c.tif === C.TIF_GTC : c.type !== C.TYPE_MARKET) && r.chance(m.gtt)) {
      c.expiresAt = this.time + BigInt(5 + r.int(400));
    }
    if (
      c.type !== C.TYPE_MARKET &&
      (c.tif === C.TIF_GTC || c.type === C.TYPE_STOP_MARKET || c.type === C.TYPE_STOP_LIMIT)
    ) {
      this.placed.push({ id, owner, market, side });
      if (this.placed.length > 4096) this.placed.splice(0, 1024);
    }
    return c;
  }

  /** An order this generator placed; recent ones are the likeliest to still rest. */
  private target(): number {
    const r = this.rng;
    return this.placed.length - 1 - Math.min(this.placed.length - 1, r.int(r.chance(0.7) ? 64 : this.placed.length));
  }

  private cancelOrReduce(kind: number): Command {
    const r = this.rng;
    const i = this.target();
    const target = this.placed[i];
    if (kind === C.CMD_CANCEL && r.chance(0.9)) this.placed.splice(i, 1); // mostly not cancelled twice
    return command({
      kind,
      market: target.market,
      id: target.id,
      owner: target.owner,
      qty: kind === C.CMD_REDUCE ? BigInt(1 + r.int(this.mix.maxQty)) : 0n,
    });
  }

  /** Moves an order's price near the touch (most amends), or changes its quantity. */
  private amend(): Command {
    const r = this.rng;
    const target = this.placed[this.target()];
    const c = command({ kind: C.CMD_AMEND, market: target.market, id: target.id, owner: target.owner });
    const move = r.chance(0.75);
    // moves stay on the passive side of the mid, but for the aggressive share of the mix
    const offset = BigInt(1 + r.int(this.mix.spread));
    const up = (target.side === C.SIDE_SELL) !== r.chance(this.mix.cross);
    c.price = move ? (up ? this.mid + offset : this.mid - offset) : 0n;
    if (c.price < 0n) c.price = 1n;
    c.qty = !move || r.chance(0.3) ? BigInt(1 + r.int(this.mix.maxQty)) : 0n;
    return c;
  }

  /** Makes one field illegal or extreme. */
  private corrupt(c: Command): void {
    const r = this.rng;
    switch (r.int(22)) {
      case 0:
        c.kind = r.pick([0, 5, 7, 255]);
        break;
      case 1:
        c.market = r.pick([this.mix.markets, this.mix.markets + 1, 65535]);
        break;
      case 2:
        c.id = r.pick([0n, U64_MAX, 1n << 63n]);
        break;
      case 3:
        c.id = this.placed.length > 0 ? r.pick(this.placed).id : 1n;
        break; // duplicate or stale id
      case 4:
        c.side = r.pick([2, 3, 255]);
        break;
      case 5:
        c.type = r.pick([4, 9, 255]);
        break;
      case 6:
        c.tif = r.pick([3, 4, 255]);
        break;
      case 7:
        c.flags = r.pick([4, 5, 128, 255]);
        break;
      case 8:
        c.stp = r.pick([4, 5, 255]);
        break;
      case 9:
        c.price = r.pick(EXTREME_PRICES);
        break;
      case 10:
        c.qty = r.pick(EXTREME_QTYS);
        break;
      case 11:
        c.price = r.pick(EXTREME_PRICES);
        c.qty = r.pick(EXTREME_QTYS);
        break;
      case 12:
        c.owner = r.chance(0.5) ? U64_MAX : this.owner();
        break; // someone else's cancel
      case 13:
        c.flags = C.FLAG_POST_ONLY;
        c.type = r.int(2);
        c.tif = r.int(3);
        break;
      case 14:
        c.type = C.TYPE_MARKET;
        c.tif = r.int(3);
        c.price = r.pick([0n, 0n, 5n]);
        break;
      // large quantities at one price: level totals near the i64 limit
      case 15:
        c.kind = C.CMD_PLACE;
        c.type = C.TYPE_LIMIT;
        c.tif = C.TIF_GTC;
        c.flags = 0;
        c.stp = 0;
        c.price = 1n;
        c.qty = I64_MAX / 3n + BigInt(r.int(1000));
        break;
      case 16:
        c.stopPrice = r.pick(EXTREME_PRICES);
        break;
      case 17:
        c.display = r.pick([-1n, 0n, 1n, c.qty, c.qty + 1n, I64_MAX]);
        break;
      case 18:
        c.expiresAt = r.pick([-1n, 1n, c.time, c.time + 1n, I64_MAX]);
        break;
      case 19:
        c.ocoPrice = r.pick(EXTREME_PRICES);
        c.flags |= r.int(2) * C.FLAG_OCO;
        break;
      case 20:
        c.type = r.pick([C.TYPE_STOP_LIMIT, C.TYPE_STOP_MARKET]);
        c.tif = r.int(3);
        c.stp = r.int(4);
        break;
      case 21:
        c.time = r.pick([0n, -1n, I64_MAX, c.time + 10_000n]);
        break; // expires much at once
    }
  }
}

export function generateCommands(seed: number, count: number, mix: Mix): Command[] {
  return new CommandGenerator(seed, mix).take(count);
}
