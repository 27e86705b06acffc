// What a node knows, and the one deterministic way it changes: applying envelopes. The
// core (book + matcher) and the host's tables (orders, trades, level totals) move
// together; the same envelopes in the same order give the same state, whether they come
// from the API, from the log on restart, or (later) from the network.
//
// Envelopes are applied in batches, one engine.execute() per batch, but the outcome is
// defined one envelope at a time: wherever the host must decide something from the state
// the earlier commands of the batch leave behind (a reduce needs the order's remaining
// quantity; a client order id may have been taken or freed), the batch is cut first. So
// results never depend on how envelopes were batched.

import * as C from '../../core-as/codes.ts';
import { doneName } from '../../core-as/names.ts';
import type { Engine } from '../../core-as/src/engine.ts';
import { command, type Command, type EngineEvent } from '../../core-as/types.ts';
import { type ApiError, bookRejected, E } from '../api/errors.ts';
import type { Markets } from '../markets.ts';
import { type Envelope, hex, orderIdHex, orderIdOf } from '../sequencer/envelope.ts';
import { sha256 } from '../sequencer/hash.ts';
import { peerIdOf } from '../sequencer/identity.ts';
import { type CheckpointData, decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { LevelMirror, type TouchedLevels } from './levels.ts';
import { copyOrder, type OrderRecord, OrderTable } from './order-table.ts';
import { type TradeRecord, TradeRing } from './trades.ts';

export type Outcome = { ok: true; order: OrderRecord; trades: TradeRecord[] } | { ok: false; error: ApiError };

/** Who wants to hear about changes while live (WebSocket, SSE, metrics); null during replay. */
export interface StateObserver {
  /** Whether book deltas of this market are wanted (computing them costs a little). */
  wantsBook(market: number): boolean;
  order(o: OrderRecord): void;
  trade(t: TradeRecord): void;
  /** Changed levels: [price, new total] with total 0 for a level that is gone. */
  book(market: number, bids: [bigint, bigint][], asks: [bigint, bigint][]): void;
}

export interface NodeStateOptions {
  engine: Engine;
  markets: Markets;
  /** Finished orders remembered for queries, oldest forgotten first. */
  maxFinishedOrders?: number;
  /** Recent trades kept per market. */
  tradesPerMarket?: number;
  /** Told when an observer throws: the state is applied regardless, the push is lost. */
  onObserverError?: (err: unknown) => void;
}

interface Pending {
  env: number; //      index into the batch
  kind: number;
  id: bigint; //       order id the command is about
  owner: string;
  place?: Envelope; // for places: what the record is built from
  rec?: OrderRecord; // the record once accepted / found
  trades: TradeRecord[];
  seen: boolean; //    a terminal event (done / reduced / rejected) arrived
}

interface Change {
  orders: Set<OrderRecord>;
  levels: TouchedLevels;
}


export class NodeState {
  readonly markets: Markets;
  private engine: Engine;
  orders: OrderTable;
  private trades: TradeRing[];
  // level totals per market, mirrored from the core's events for book deltas
  private levels: LevelMirror;
  private readonly tradesPerMarket: number;
  private readonly ownerIds = new Map<string, bigint>();
  private readonly peerIds = new Map<string, string>();
  /** Envelopes applied so far (the book's eventCount). */
  eventCount = 0;
  /** The highest Lamport time applied. */
  lamport = 0n;
  /** Highest origin seq applied, per origin (hex public key). */
  originSeqs = new Map<string, bigint>();
  tradeCount = 0;
  observerErrors = 0;
  private readonly onObserverError: (err: unknown) => void;
  // While a checkpoint is being encoded in slices: the state each changed order had when it was taken.
  private cow: Map<OrderRecord, OrderRecord> | null = null;

  constructor(options: NodeStateOptions) {
    this.onObserverError = options.onObserverError ?? (() => {});
    this.engine = options.engine;
    this.markets = options.markets;
    this.orders = new OrderTable(options.maxFinishedOrders ?? 100_000);
    this.tradesPerMarket = options.tradesPerMarket ?? 1000;
    this.trades = this.markets.list.map(() => new TradeRing(this.tradesPerMarket));
    this.levels = new LevelMirror(this.markets.size);
  }

  /** The core's u64 owner id: the first 8 bytes of sha-256("name@peerId"). */
  ownerId(qualified: string): bigint {
    let id = this.ownerIds.get(qualified);
    if (id === undefined) {
      const h = sha256(qualified);
      id = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, false);
      this.ownerIds.set(qualified, id);
    }
    return id;
  }

  peerIdOf(origin: Uint8Array): string {
    const key = hex(origin);
    let p = this.peerIds.get(key);
    if (p === undefined) {
      p = peerIdOf(origin);
      this.peerIds.set(key, p);
    }
    return p;
  }

  qualifiedOwner(e: Envelope): string {
    return `${e.owner}@${this.peerIdOf(e.origin)}`;
  }

  stateHash(): bigint {
    return this.engine.stateHash();
  }

  depth(market: number, levels: number) {
    return this.engine.depth(market, levels);
  }

  recentTrades(market: number, limit: number): TradeRecord[] {
    return this.trades[market].newest(limit);
  }

  restingOrders(): number {
    return this.engine.orderCount();
  }

  /** Applies envelopes in order; one outcome per envelope. */
  apply(envs: readonly Envelope[], observer: StateObserver | null = null): Outcome[] {
    const outcomes: Outcome[] = new Array(envs.length);
    const change: Change | null = observer ? { orders: new Set(), levels: new Map() } : null;
    let cmds: Command[] = [];
    let pending: Pending[] = [];
    const reserved = new Set<string>();
    const flush = () => {
      if (cmds.length === 0) return;
      const events = this.engine.execute(cmds);
      this.process(events, pending, envs, outcomes, change, observer);
      cmds = [];
      pending = [];
      reserved.clear();
    };

    for (let i = 0; i < envs.length; i++) {
      const e = envs[i];
      this.eventCount++;
      if (e.lamport > this.lamport) this.lamport = e.lamport;
      const originKey = hex(e.origin);
      const last = this.originSeqs.get(originKey);
      if (last === undefined || e.seq > last) this.originSeqs.set(originKey, e.seq);

      const m = this.markets.get(e.market);
      if (!m) {
        outcomes[i] = { ok: false, error: E.marketNotFound(e.market) };
        continue;
      }
      const owner = this.qualifiedOwner(e);
      const ownerId = this.ownerId(owner);
      const b = e.body;
      if (b.kind === C.CMD_PLACE) {
        if (b.clientOrderId !== '') {
          const key = OrderTable.clientKey(owner, b.clientOrderId);
          if (reserved.has(key) || this.orders.hasClientKey(key)) {
            flush(); // decide on the state the earlier commands leave
            const taken = this.orders.byClientOrderId(owner, b.clientOrderId);
            if (taken !== undefined) {
              outcomes[i] = { ok: false, error: duplicateClientOrderId(b.clientOrderId, taken) };
              continue;
            }
          }
          reserved.add(key);
        }
        const id = orderIdOf(e.id);
        cmds.push(command({
          kind: C.CMD_PLACE, market: m.index, id, owner: ownerId, side: b.side, type: b.type,
          tif: b.tif, flags: b.flags, stp: b.stp, price: b.price, qty: b.quantity,
        }));
        pending.push({ env: i, kind: C.CMD_PLACE, id, owner, place: e, trades: [], seen: false });
      } else if (b.kind === C.CMD_CANCEL) {
        cmds.push(command({ kind: C.CMD_CANCEL, market: m.index, id: b.orderId, owner: ownerId }));
        pending.push({ env: i, kind: C.CMD_CANCEL, id: b.orderId, owner, trades: [], seen: false });
      } else {
        flush(); // the amount to take off depends on the remaining quantity now
        const rec = this.orders.get(b.orderId);
        const refused = this.refuseChange(rec, b.orderId, owner, m.index);
        if (refused) {
          outcomes[i] = { ok: false, error: refused };
          continue;
        }
        const r = rec!;
        if (b.quantity === r.remaining) {
          outcomes[i] = { ok: true, order: copyOrder(r), trades: [] }; // already there: a retried amend
          continue;
        }
        if (b.quantity > r.remaining) {
          outcomes[i] = { ok: false, error: { status: 422, code: 'not_supported', message: 'quantity is above the remaining quantity: increasing an order is not supported by this node yet', field: 'quantity' } };
          continue;
        }
        cmds.push(command({ kind: C.CMD_REDUCE, market: m.index, id: b.orderId, owner: ownerId, qty: r.remaining - b.quantity }));
        pending.push({ env: i, kind: C.CMD_REDUCE, id: b.orderId, owner, rec: r, trades: [], seen: false });
      }
    }
    flush();
    if (observer && change) this.safely(() => this.publish(change, observer));
    return outcomes;
  }

  /** Runs an observer call; what it throws must not stop the state (already changed) from moving on. */
  private safely(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.observerErrors++;
      this.onObserverError(err);
    }
  }

  /** Why an owner may not cancel or reduce this order now, or null. */
  refuseChange(rec: OrderRecord | undefined, id: bigint, owner: string, market: number): ApiError | null {
    if (!rec || rec.market !== market) return E.orderNotFound(orderIdHex(id));
    if (rec.owner !== owner) return E.forbidden();
    if (rec.status === 'filled' || rec.status === 'cancelled') return E.notOpen(rec.hex, rec.status);
    return null;
  }

  private process(events: EngineEvent[], pending: Pending[], envs: readonly Envelope[], outcomes: Outcome[], change: Change | null, observer: StateObserver | null): void {
    let j = 0;
    for (let c = 0; c < pending.length; c++) {
      const p = pending[c];
      const env = envs[p.env];
      const time = Number(env.time);
      while (j < events.length && events[j].cmd === c) {
        const ev = events[j++];
        switch (ev.kind) {
          case C.EV_ACCEPTED: {
            const b = env.body as Extract<Envelope['body'], { kind: 1 }>;
            const m = this.markets.get(env.market)!;
            const rec: OrderRecord = {
              id: p.id, hex: orderIdHex(p.id), market: m.index, owner: p.owner,
              clientOrderId: b.clientOrderId === '' ? null : b.clientOrderId,
              side: b.side, type: b.type, tif: b.tif, postOnly: (b.flags & C.FLAG_POST_ONLY) !== 0,
              price: b.price, quantity: b.quantity, filled: 0n, remaining: b.quantity,
              status: 'open', reason: null, createdAt: time, updatedAt: time, resting: false,
            };
            this.orders.add(rec);
            p.rec = rec;
            change?.orders.add(rec);
            break;
          }
          case C.EV_REJECTED:
            p.seen = true;
            outcomes[p.env] = { ok: false, error: this.rejection(p, ev.reason) };
            break;
          case C.EV_TRADE: {
            const taker = p.rec!;
            const maker = this.orders.get(ev.other)!;
            this.touch(taker);
            this.touch(maker);
            taker.filled += ev.qty;
            taker.remaining -= ev.qty;
            taker.status = 'partially_filled';
            taker.updatedAt = time;
            maker.filled += ev.qty;
            maker.remaining = ev.remaining;
            maker.status = 'partially_filled';
            maker.updatedAt = time;
            this.levels.add(maker.market, maker.side, maker.price, -ev.qty, change ? change.levels : null);
            const trade: TradeRecord = {
              id: `${taker.hex}-${p.trades.length + 1}`, market: taker.market, price: ev.price, quantity: ev.qty,
              takerSide: taker.side, takerOrderId: taker.id, makerOrderId: maker.id, time,
            };
            p.trades.push(trade);
            this.trades[taker.market].push(trade);
            this.tradeCount++;
            if (observer) this.safely(() => observer.trade(trade));
            change?.orders.add(maker);
            break;
          }
          case C.EV_DONE: {
            const rec = this.orders.get(ev.id)!;
            this.touch(rec);
            if (rec.resting) this.levels.add(rec.market, rec.side, rec.price, -ev.qty, change ? change.levels : null);
            rec.resting = false;
            rec.remaining = 0n;
            rec.status = ev.reason === C.DONE_FILLED ? 'filled' : 'cancelled';
            rec.reason = ev.reason === C.DONE_FILLED ? null : doneName(ev.reason);
            rec.updatedAt = time;
            this.orders.finish(rec);
            change?.orders.add(rec);
            if (rec.id === p.id) {
              p.seen = true;
              p.rec = rec;
            }
            break;
          }
          case C.EV_REDUCED: {
            const rec = p.rec!;
            this.touch(rec);
            rec.remaining = ev.remaining;
            rec.quantity -= ev.qty;
            rec.updatedAt = time;
            this.levels.add(rec.market, rec.side, rec.price, -ev.qty, change ? change.levels : null);
            change?.orders.add(rec);
            p.seen = true;
            break;
          }
        }
      }
      if (outcomes[p.env]) continue; // rejected
      if (p.kind === C.CMD_PLACE) {
        const rec = p.rec!;
        if (!p.seen) {
          // no done event: the rest of it rests in the book
          this.touch(rec);
          rec.resting = true;
          if (rec.filled === 0n) rec.status = 'open';
          this.levels.add(rec.market, rec.side, rec.price, rec.remaining, change ? change.levels : null);
        }
        outcomes[p.env] = { ok: true, order: copyOrder(rec), trades: p.trades };
      } else {
        const rec = p.rec ?? this.orders.get(p.id)!;
        outcomes[p.env] = { ok: true, order: copyOrder(rec), trades: [] };
      }
    }
  }

  /** The API error for a core reject of a pending command. */
  private rejection(p: Pending, reason: number): ApiError {
    if (p.kind !== C.CMD_PLACE && (reason === C.REJ_UNKNOWN_ORDER || reason === C.REJ_NOT_OWNER)) {
      // Not in the core: never existed, finished, or not this owner's. The table knows which.
      const rec = this.orders.get(p.id);
      const m = rec ? rec.market : -1;
      return this.refuseChange(rec, p.id, p.owner, m) ?? E.orderNotFound(orderIdHex(p.id));
    }
    return bookRejected(reason);
  }

  /** A level total as the mirror holds it (for tests: must equal the core's depth). */
  levelTotal(market: number, side: number, price: bigint): bigint {
    return this.levels.total(market, side, price);
  }

  private publish(change: Change, observer: StateObserver): void {
    for (const o of change.orders) observer.order(copyOrder(o));
    for (const [market, l] of change.levels) {
      if (!observer.wantsBook(market)) continue;
      const d = this.levels.delta(market, l);
      observer.book(market, d.bids, d.asks);
    }
  }

  // ---- checkpoints: the core's snapshot plus the host's tables ----

  /** The whole state as checkpoint bytes, at once. */
  checkpoint(): Uint8Array {
    const data = this.beginCheckpoint();
    try {
      return encodeCheckpoint(data);
    } finally {
      this.endCheckpoint();
    }
  }

  /**
   * Takes a checkpoint's worth of state now — the core's snapshot, the lists of orders and
   * trades — and keeps the orders' state as of now (copy-on-write) until endCheckpoint(), so
   * the encoding can run in slices between applied batches. The pause is the core snapshot
   * and copying a list of references, not the encoding.
   */
  beginCheckpoint(): CheckpointData {
    if (this.cow) throw new Error('a checkpoint is already being taken');
    const cow = new Map<OrderRecord, OrderRecord>();
    this.cow = cow;
    return {
      core: this.engine.snapshot(),
      eventCount: this.eventCount,
      lamport: this.lamport,
      originSeqs: new Map(this.originSeqs),
      tradeCount: this.tradeCount,
      markets: this.markets.fingerprint(),
      ...this.orders.entries(),
      trades: this.trades.map((r) => r.all()),
      view: (o) => cow.get(o) ?? o,
    };
  }

  endCheckpoint(): void {
    this.cow = null;
  }

  /** Before an order changes while a checkpoint is taken: keep what it was. */
  private touch(o: OrderRecord): void {
    if (this.cow !== null && !this.cow.has(o)) this.cow.set(o, copyOrder(o));
  }

  /** Replaces the whole state with a checkpoint's; throws (changing nothing) if it is bad. */
  restore(bytes: Uint8Array): void {
    const cp = decodeCheckpoint(bytes);
    if (cp.markets !== this.markets.fingerprint()) {
      throw new Error(`the snapshot was taken with markets ${cp.markets}, but the node is configured with ${this.markets.fingerprint()}`);
    }
    this.engine.restore(cp.core); // throws SnapshotError before changing anything
    this.orders = OrderTable.from(this.orders.maxFinished, cp.orders, cp.finished);
    this.trades = this.markets.list.map((_, i) => {
      const ring = new TradeRing(this.tradesPerMarket);
      for (const t of cp.trades[i] ?? []) ring.push(t);
      return ring;
    });
    this.levels = new LevelMirror(this.markets.size);
    for (const o of cp.orders) if (o.resting) this.levels.add(o.market, o.side, o.price, o.remaining, null);
    this.eventCount = cp.eventCount;
    this.lamport = cp.lamport;
    this.originSeqs = cp.originSeqs;
    this.tradeCount = cp.tradeCount;
  }
}

function duplicateClientOrderId(cid: string, taken: bigint): ApiError {
  return {
    status: 422,
    code: 'duplicate_client_order_id',
    message: `clientOrderId ${JSON.stringify(cid)} is already used by order ${orderIdHex(taken)}`,
    field: 'clientOrderId',
  };
}

