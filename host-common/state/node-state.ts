// What a node knows, and the one deterministic way it changes: applying envelopes. The
// core (book + matcher) and the host's tables (orders, trades, level totals) move
// together; the same envelopes in the same order give the same state, whether they come
// from the API, from the log on restart, or from the network (the pipeline applies them all in
// the total order, and goes back to a mark — mark(), rollbackTo() — when one arrives late).
//
// Envelopes are applied in batches, one engine.execute() per batch, but the outcome is
// defined one envelope at a time: wherever the host must decide something from the state
// the earlier commands of the batch leave behind (an amend needs the order's price and
// remaining quantity; a client order id may have been taken or freed), the batch is cut
// first. So results never depend on how envelopes were batched.
//
// Every envelope is exactly one core command carrying the envelope's origin time, so
// good-till-time orders expire at the same point of the stream on every replica and every
// replay: the command itself, or — when the host decides the outcome alone (a duplicate
// client order id, a change the order table refuses, a no-op) — a bare time command, a command
// of kind 0 that the core refuses (unknown_command) after expiring what its time reached.
// A time envelope (the node's own clock event, sent when a good-till-time order is due) is
// such a tick and nothing else.

import * as C from '../../core-as/codes.ts';
import type { Engine } from '../../core-as/src/engine.ts';
import type { CoreImage } from '../../core-as/src/image.ts';
import { command, type Command } from '../../core-as/types.ts';
import type { Markets } from '../markets.ts';
import { type Envelope, hex, orderIdOf, timeOnly } from '../wire/envelope.ts';
import { sha256 } from '../wire/hash.ts';
import { peerIdOf } from '../identity/identity.ts';
import { type AppliedKey, type CheckpointData, decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { applyEvents, type Change, type Pending, refuseChange, type Tables, TIME } from './events.ts';
import { LevelMirror } from './levels.ts';
import { copyOrder, type OrderRecord, OrderTable } from './order-table.ts';
import type { Refusal } from './refusal.ts';
import { type TradeRecord, TradeRing, type TradeStatus } from './trades.ts';
import { type Applied, TIME_APPLIED } from './outcome.ts';
import { UndoLog } from './undo-log.ts';

export type { Applied, Outcome, TimeOutcome } from './outcome.ts';

/** Images of dropped marks kept for the next marks to copy into (a buffer already written to costs no page faults). */
const SPARE_IMAGES = 4;

/** Who wants to hear about changes while live (WebSocket, SSE, metrics); null during replay. */
export interface StateObserver {
  /** Whether book deltas of this market are wanted (computing them costs a little). */
  wantsBook(market: number): boolean;
  order(o: OrderRecord): void;
  trade(t: TradeRecord): void;
  /** Changed levels: [price, new total] with total 0 for a level that is gone. */
  book(market: number, bids: [bigint, bigint][], asks: [bigint, bigint][]): void;
}

/** A point the state can go back to: the core's snapshot and where the host tables' undo records stood. */
export interface StateMark {
  /** The core's memory image (one copy back), or its snapshot where images are not available. */
  readonly core: CoreImage | Uint8Array;
  readonly undo: number;
  readonly eventCount: number;
  readonly lamport: bigint;
  readonly originSeqs: Map<string, bigint>;
  readonly last: AppliedKey | null;
  readonly tradeCount: number;
  readonly finishedTotal: number;
}

/** What a rollback took back: the trades it removed (now `reverted`) and the orders whose state changed. */
export interface Undone {
  trades: TradeRecord[];
  orders: Set<OrderRecord>;
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
  // peer id → owner name → "name@peerId"
  private readonly qualifiedNames = new Map<string, Map<string, string>>();
  // the last origin key seen and its hex (envelopes never change their origin array)
  private lastOrigin: Uint8Array | null = null;
  private lastOriginHex = '';
  /** Envelopes applied so far (the book's eventCount). */
  eventCount = 0;
  /** The highest Lamport time applied. */
  lamport = 0n;
  /** Highest origin seq applied, per origin (hex public key). */
  originSeqs = new Map<string, bigint>();
  /** The newest envelope applied (the end of the total order so far), null before any. */
  last: AppliedKey | null = null;
  tradeCount = 0;
  observerErrors = 0;
  private readonly onObserverError: (err: unknown) => void;
  // While a checkpoint is being encoded in slices: the state each changed order had when it was taken.
  private cow: Map<OrderRecord, OrderRecord> | null = null;
  // While a rollback may happen: how the host tables go back (null on a node alone: nothing rolls back).
  private undo: UndoLog | null = null;
  // images of marks no longer needed, whose buffers the next marks reuse
  private spareImages: CoreImage[] = [];
  /** What new trades are: final at once on a node alone; tentative when a rollback may remove them. */
  tradeStatus: TradeStatus = 'final';
  // While rollback is enabled: the tentative trades in the order they were made, each with the
  // number (eventCount) of the envelope that made it; finalize() makes a prefix of them final.
  private tentative: { trade: TradeRecord; event: number }[] = [];
  private tentativeFrom = 0;

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

  /** The hex of an origin key; an origin's own envelopes share one key array, so the last one is kept. */
  private originHex(origin: Uint8Array): string {
    if (origin !== this.lastOrigin) {
      this.lastOriginHex = hex(origin);
      this.lastOrigin = origin;
    }
    return this.lastOriginHex;
  }
  peerIdOf(origin: Uint8Array): string {
    const key = this.originHex(origin);
    let p = this.peerIds.get(key);
    if (p === undefined) {
      p = peerIdOf(origin);
      this.peerIds.set(key, p);
    }
    return p;
  }

  /** "name@peerId"; one string per owner, kept (its hash too: it keys ownerIds and the order table). */
  qualifiedOwner(e: Envelope): string {
    const peer = this.peerIdOf(e.origin);
    let names = this.qualifiedNames.get(peer);
    if (names === undefined) {
      names = new Map();
      this.qualifiedNames.set(peer, names);
    }
    let q = names.get(e.owner);
    if (q === undefined) {
      q = `${e.owner}@${peer}`;
      names.set(e.owner, q);
    }
    return q;
  }

  stateHash(): bigint {
    return this.engine.stateHash();
  }

  depth(market: number, levels: number) {
    return this.engine.depth(market, levels);
  }

  /** The market's trades, newest first; `before`: only those older than that trade (TradeRing.newest). */
  recentTrades(market: number, limit: number, before: string | null = null): TradeRecord[] {
    return this.trades[market].newest(limit, before);
  }

  restingOrders(): number {
    return this.engine.orderCount();
  }

  /** Applies envelopes in order; one outcome per envelope. */
  apply(envs: readonly Envelope[], observer: StateObserver | null = null): Applied[] {
    const outcomes: Applied[] = new Array(envs.length);
    const change: Change | null = observer ? { orders: new Set(), levels: new Map() } : null;
    let cmds: Command[] = [];
    let pending: Pending[] = [];
    const reserved = new Set<string>();
    const before = this.eventCount;
    const flush = () => {
      if (cmds.length === 0) return;
      const events = this.engine.execute(cmds);
      applyEvents(this.tables(observer, before), events, pending, envs, outcomes, change);
      cmds = [];
      pending = [];
      reserved.clear();
    };

    for (let i = 0; i < envs.length; i++) {
      const e = envs[i];
      this.eventCount++;
      if (e.lamport > this.lamport) this.lamport = e.lamport;
      const originKey = this.originHex(e.origin);
      const last = this.originSeqs.get(originKey);
      if (last === undefined || e.seq > last) this.originSeqs.set(originKey, e.seq);
      const time = e.time;
      /** The host decides this envelope's outcome; the core still sees its time. */
      const decided = (outcome: Applied) => {
        outcomes[i] = outcome;
        cmds.push(command({ kind: TIME, time }));
        pending.push({ env: i, kind: TIME, id: 0n, owner: '', trades: [] });
      };
      if (timeOnly(e.body)) {
        decided(TIME_APPLIED); // a time event, or a membership one (the book sees only its time)
        continue;
      }

      const m = this.markets.get(e.market);
      if (!m) {
        decided({ ok: false, refusal: { reason: 'unknown_market', market: e.market } });
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
              decided({
                ok: false,
                refusal: { reason: 'client_order_id_taken', clientOrderId: b.clientOrderId, order: taken },
              });
              continue;
            }
          }
          reserved.add(key);
        }
        const id = orderIdOf(e.id);
        cmds.push(
          command({
            kind: C.CMD_PLACE,
            market: m.index,
            id,
            owner: ownerId,
            side: b.side,
            type: b.type,
            tif: b.tif,
            flags: b.flags,
            stp: b.stp,
            price: b.price,
            qty: b.quantity,
            time,
            stopPrice: b.stopPrice ?? 0n,
            display: b.display ?? 0n,
            expiresAt: b.expiresAt ?? 0n,
            ocoPrice: b.ocoPrice ?? 0n,
          }),
        );
        pending.push({ env: i, kind: C.CMD_PLACE, id, owner, trades: [] });
      } else if (b.kind === C.CMD_CANCEL) {
        cmds.push(command({ kind: C.CMD_CANCEL, market: m.index, id: b.orderId, owner: ownerId, time }));
        pending.push({ env: i, kind: C.CMD_CANCEL, id: b.orderId, owner, trades: [] });
      } else {
        flush(); // what to ask the core depends on the order's price and remaining quantity now
        const rec = this.orders.get(b.orderId);
        const refused = this.refuseChange(rec, b.orderId, owner, m.index);
        if (refused) {
          decided({ ok: false, refusal: refused });
          continue;
        }
        const r = rec!;
        const price = b.kind === C.CMD_AMEND && b.price !== 0n ? b.price : r.price;
        const qty = b.quantity !== 0n ? b.quantity : r.remaining;
        if (price === r.price && qty === r.remaining) {
          decided({ ok: true, order: copyOrder(r), trades: [] }); // already there: a retried change
          continue;
        }
        if (b.kind === C.CMD_REDUCE && qty > r.remaining) {
          // a reduce (version-1 envelopes) never adds: replay gives what it gave then
          decided({ ok: false, refusal: { reason: 'reduce_above_remaining' } });
          continue;
        }
        // Lowering the quantity at the same price is a reduce (it keeps the place, and works on a
        // pending stop too); anything else is the core's atomic amend (0 = keep).
        const cmd =
          price === r.price && qty < r.remaining
            ? command({
                kind: C.CMD_REDUCE,
                market: m.index,
                id: b.orderId,
                owner: ownerId,
                qty: r.remaining - qty,
                time,
              })
            : command({
                kind: C.CMD_AMEND,
                market: m.index,
                id: b.orderId,
                owner: ownerId,
                price: price !== r.price ? price : 0n,
                qty: qty !== r.remaining ? qty : 0n,
                time,
              });
        cmds.push(cmd);
        pending.push({ env: i, kind: cmd.kind, id: b.orderId, owner, rec: r, trades: [] });
      }
    }
    flush();
    const e = envs[envs.length - 1];
    if (e) this.last = { lamport: e.lamport, origin: this.originHex(e.origin), seq: e.seq };
    if (observer && change) this.safely(() => this.publish(change, observer));
    return outcomes;
  }

  /** Counts and reports an observer's throw (for pushes made outside apply, e.g. a rollback's corrections). */
  observerFailed(err: unknown): void {
    this.observerErrors++;
    this.onObserverError(err);
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

  /** Why an owner may not cancel or change this order now, or null. */
  refuseChange(rec: OrderRecord | undefined, id: bigint, owner: string, market: number): Refusal | null {
    return refuseChange(rec, id, owner, market);
  }

  /** The tables the events change, as they are now (a restore replaces them); `before`: eventCount before the batch. */
  private tables(observer: StateObserver | null, before: number): Tables {
    return {
      markets: this.markets,
      orders: this.orders,
      levels: this.levels,
      tradeStatus: this.tradeStatus,
      touch: (o) => this.touch(o),
      trade: (t, env) => {
        const overwritten = this.trades[t.market].push(t);
        this.undo?.push({ kind: 'trade', trade: t, overwritten });
        if (t.status === 'tentative') this.tentative.push({ trade: t, event: before + env + 1 });
        this.tradeCount++;
        if (observer) this.safely(() => observer.trade(t));
      },
    };
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
      last: this.last,
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
    this.undo?.fields(o);
  }

  // ---- rollback: in-memory marks, undo records for the host tables ----

  /** Starts recording undo records (and keeps finished orders a rollback could bring back). New trades are tentative. */
  enableRollback(): void {
    if (this.undo) return;
    this.undo = new UndoLog();
    this.attachUndo();
    this.tradeStatus = 'tentative';
  }

  get rollbackEnabled(): boolean {
    return this.undo !== null;
  }

  private attachUndo(): void {
    this.orders.undo = this.undo;
    this.levels.undo = this.undo;
  }

  /** A point to come back to: the core's snapshot (a copy) and the undo log's position. */
  mark(): StateMark {
    if (!this.undo) throw new Error('rollback is not enabled');
    return {
      core: this.engine.imageable ? this.engine.image(this.spareImages.pop()) : this.engine.snapshot(),
      undo: this.undo.mark(),
      eventCount: this.eventCount,
      lamport: this.lamport,
      originSeqs: new Map(this.originSeqs),
      last: this.last,
      tradeCount: this.tradeCount,
      finishedTotal: this.orders.finishedTotal,
    };
  }

  /** A mark that will not be gone back to: its image's buffer serves the next mark. */
  recycle(m: StateMark): void {
    if (!(m.core instanceof Uint8Array) && this.spareImages.length < SPARE_IMAGES) this.spareImages.push(m.core);
  }

  /** Nothing will go back before `m` any more: drop older undo records, let older finished orders be forgotten. */
  release(m: StateMark): void {
    this.undo?.dropBefore(m.undo);
    this.orders.pinFinished(m.finishedTotal);
  }

  /**
   * The envelopes up to number `event` (eventCount) are stable (pipeline/finality.ts): no
   * rollback will reach them, so the trades they made become final, and are pushed as such.
   */
  finalize(event: number, observer: StateObserver | null = null): number {
    let n = 0;
    while (this.tentativeFrom < this.tentative.length && this.tentative[this.tentativeFrom].event <= event) {
      const t = this.tentative[this.tentativeFrom++].trade;
      t.status = 'final';
      n++;
      if (observer) this.safely(() => observer.trade({ ...t }));
    }
    if (this.tentativeFrom > 1024 && this.tentativeFrom * 2 > this.tentative.length) {
      this.tentative = this.tentative.slice(this.tentativeFrom);
      this.tentativeFrom = 0;
    }
    return n;
  }

  /** Trades made and not final yet (while rollback is enabled). */
  get tentativeTrades(): number {
    return this.tentative.length - this.tentativeFrom;
  }

  /** Goes back to `m`: the core from its snapshot, the host tables by their undo records. */
  rollbackTo(m: StateMark): Undone {
    if (!this.undo) throw new Error('rollback is not enabled');
    if (m.core instanceof Uint8Array) this.engine.rewind(m.core);
    else this.engine.rewindImage(m.core);
    const undone: Undone = { trades: [], orders: new Set() };
    const reopened: OrderRecord[] = [];
    this.orders.undo = null;
    this.levels.undo = null;
    try {
      for (const e of this.undo.takeBack(m.undo)) {
        switch (e.kind) {
          case 'fields':
            // a checkpoint being encoded in slices keeps seeing the order as it was taken
            if (this.cow !== null && !this.cow.has(e.order)) this.cow.set(e.order, copyOrder(e.order));
            Object.assign(e.order, e.was);
            undone.orders.add(e.order);
            break;
          case 'added':
            this.orders.unadd(e.order);
            undone.orders.add(e.order);
            break;
          case 'finished':
            this.orders.unfinish(e.order);
            reopened.push(e.order);
            break;
          case 'level':
            this.levels.add(e.market, e.side, e.price, -e.delta, null);
            break;
          case 'trade':
            this.trades[e.trade.market].unpush(e.overwritten);
            // a final trade is only taken back to be made again, the same, by the replay of
            // the final prefix (Applier.rollback): it is not reverted
            if (e.trade.status !== 'final') undone.trades.push({ ...e.trade, status: 'reverted' });
            break;
        }
      }
    } finally {
      this.attachUndo();
    }
    this.orders.reopen(reopened);
    while (this.tentative.length > this.tentativeFrom && this.tentative[this.tentative.length - 1].event > m.eventCount)
      this.tentative.pop();
    this.eventCount = m.eventCount;
    this.lamport = m.lamport;
    this.originSeqs = new Map(m.originSeqs);
    this.last = m.last;
    this.tradeCount = m.tradeCount;
    return undone;
  }

  /** Replaces the whole state with a checkpoint's; throws (changing nothing) if it is bad. */
  restore(bytes: Uint8Array): void {
    const cp = decodeCheckpoint(bytes);
    if (cp.markets !== this.markets.fingerprint()) {
      throw new Error(
        `the snapshot was taken with markets ${cp.markets}, but the node is configured with ${this.markets.fingerprint()}`,
      );
    }
    this.engine.restore(cp.core); // throws SnapshotError before changing anything
    this.orders = OrderTable.from(this.orders.maxFinished, cp.orders, cp.finished);
    this.trades = this.markets.list.map((_, i) => {
      const ring = new TradeRing(this.tradesPerMarket);
      for (const t of cp.trades[i] ?? []) ring.push(t);
      return ring;
    });
    this.levels = new LevelMirror(this.markets.size);
    if (this.undo) {
      this.undo = new UndoLog();
      this.attachUndo();
    }
    for (const o of cp.orders) if (o.resting) this.levels.add(o.market, o.side, o.price, o.visible, null);
    this.eventCount = cp.eventCount;
    this.lamport = cp.lamport;
    this.originSeqs = cp.originSeqs;
    this.last = cp.last;
    this.tradeCount = cp.tradeCount;
  }
}
