// The applier: delivered envelopes into the state (NodeState), in the total order whatever
// order they were delivered in. An envelope that sorts after everything applied is applied
// at once; one that sorts before applied envelopes rolls the state back to the newest mark
// before it and replays from there, in the total order, with it in its place.
//
// Marks are taken every `markEvery` applied envelopes: the core's snapshot plus the position
// of the host tables' undo records (state/undo-log.ts), so going back costs the core's
// restore plus what changed since the mark, not a restore of everything. The newest
// `keepMarks` are kept; the oldest bounds how deep a rollback can reach, and the envelopes
// applied since it are kept to replay. With `sparseEvery`, the newest `recentMarks` stay dense
// and older ones are thinned: a late envelope is mostly a few deep and replays a few dozen
// envelopes, while the reach stays thousands deep.
//
// Observers hear the corrections, and only those: a trade a rollback removed is pushed as
// `reverted` unless the replay makes it again the same, a trade made differently is pushed as
// it is now, and each order the rollback or the replay touched is pushed once, as it is now.
//
// Finality (finality.ts) tells the applier how much of the total order is stable: settle(n)
// makes the first n applied envelopes final (their trades become `final`, and are pushed),
// drops the marks, undo records and kept envelopes before them, and from then on a rollback
// that would reach them is refused (it would break the promise that a final trade stays).
//
// After a restart the applier resumes from what recovery applied last (`resume`, store/
// recovery.ts): the marks recovery took among those envelopes are its first marks (the oldest
// before them), and they are its applied ones. What peers sent before a crash and this node
// lacked sorts among them, and rolls back to its place; one that sorts before even the state the
// applier began with cannot be placed in memory and stops the pipeline (RollbackTooDeepError),
// never applied out of the total order.
//
// On a node alone (markEvery 0) nothing can sort before what is applied: no marks, no undo
// records, and every trade is final at once.

import type { AppliedKey } from '../state/checkpoint.ts';
import type { Applied, NodeState, StateMark, StateObserver } from '../state/node-state.ts';
import type { OrderRecord } from '../state/order-table.ts';
import type { TradeRecord } from '../state/trades.ts';
import type { RecoveredTail } from '../store/recovery.ts';
import type { Envelope } from '../wire/envelope.ts';
import { compareEnvelopes, compareToKey } from './orderer.ts';

export interface ApplierOptions {
  state: NodeState;
  /** A mark every this many applied envelopes; 0: never roll back (a node alone). */
  markEvery?: number;
  /** Marks kept (at least 1): how far back a rollback reaches, in units of markEvery (of sparseEvery with it). */
  keepMarks?: number;
  /**
   * With it, the newest `recentMarks` marks stay markEvery apart and older ones are thinned to
   * one per sparseEvery envelopes, `keepMarks` of them: most late envelopes are a few deep, and
   * replay from a mark close behind them, while the reach stays deep at a few marks' memory.
   */
  sparseEvery?: number;
  recentMarks?: number;
  /**
   * Spaces marks by their cost too: a mark waits, past markEvery, until applying since the last
   * one took as long as that mark did. A mark copies the core's memory, so its cost grows with
   * the book (0.1 ms for 3 MB with the caches warm, ~1 ms under load, tens of ms for a million
   * orders) while applying an envelope does not; this keeps marks at most half of the apply
   * time, and a replay from the newest mark at most about one mark's cost.
   */
  balanceMarks?: boolean;
  /** Milliseconds, for balanceMarks; performance.now() by default. */
  clock?: () => number;
  /**
   * A restart's tail (store/recovery.ts): marks of the state within it (the first before it), and
   * its envelopes, applied since. They are kept as applied here, with those marks, so an envelope
   * arriving after the restart that sorts among them rolls back as it would have before.
   */
  resume?: RecoveredTail;
}

export interface RollbackStats {
  rollbacks: number;
  /** Envelopes replayed by all rollbacks. */
  replayed: number;
  /** The most envelopes one rollback went back past. */
  deepest: number;
  /** Time spent in rollbacks (restore, undo, replay), ms. */
  millis: number;
  /** The last rollback: envelopes it went back past, and its time (all, and going back without the replay), ms. */
  lastDepth: number;
  lastMillis: number;
  lastBackMillis: number;
  /** Marks taken, and the time they took (the core's snapshot), ms. */
  marks: number;
  markMillis: number;
}

export class FinalRollbackError extends Error {
  constructor(depth: number, settled: number) {
    super(
      `an envelope sorts ${depth} envelopes back, before envelope ${settled} that was already final: a member announced a delivered frontier it did not have`,
    );
    this.name = 'FinalRollbackError';
  }
}

export class RollbackTooDeepError extends Error {
  constructor(depth: number) {
    super(
      `an envelope sorts ${depth} envelopes back, before the oldest in-memory mark: restart the node to rebuild the state from its log`,
    );
    this.name = 'RollbackTooDeepError';
  }
}

interface Mark {
  /** Envelopes applied (since the applier began) when it was taken. */
  at: number;
  state: StateMark;
}

export class Applier {
  readonly state: NodeState;
  private readonly markEvery: number;
  private readonly keepMarks: number;
  private readonly sparseEvery: number;
  private readonly recentMarks: number;
  /** Applied since the oldest mark, in the total order; applied[0] is envelope number `base`. */
  private applied: Envelope[] = [];
  private base = 0;
  /** Envelope number base - 1, the last one no longer kept (undefined while base is 0). */
  private beforeBase: Envelope | undefined;
  /** The newest envelope in the state before the applier began (a restart's, or a checkpoint's), if any. */
  private readonly startKey: AppliedKey | null;
  private total = 0;
  /** The first `settled` envelopes applied are final; `finalLast` is the last of them. */
  private settled = 0;
  private finalLast: Envelope | undefined;
  private marks: Mark[] = [];
  private readonly balanceMarks: boolean;
  private readonly clock: () => number;
  /** What the last mark cost, and the time spent applying since, ms (balanceMarks). */
  private markMs = 0;
  private appliedMsSinceMark = 0;
  readonly stats: RollbackStats = {
    rollbacks: 0,
    replayed: 0,
    deepest: 0,
    millis: 0,
    lastDepth: 0,
    lastMillis: 0,
    lastBackMillis: 0,
    marks: 0,
    markMillis: 0,
  };

  constructor(options: ApplierOptions) {
    this.state = options.state;
    this.markEvery = options.markEvery ?? 0;
    this.keepMarks = Math.max(1, options.keepMarks ?? 8);
    this.sparseEvery = options.sparseEvery ?? 0;
    this.recentMarks = this.sparseEvery > 0 ? Math.max(1, options.recentMarks ?? 8) : 0;
    this.balanceMarks = options.balanceMarks ?? false;
    this.clock = options.clock ?? (() => performance.now());
    const resume = this.markEvery > 0 ? options.resume : undefined;
    this.startKey = resume ? resume.marks[0].mark.last : this.state.last;
    if (this.markEvery > 0) {
      this.state.enableRollback();
      if (resume) {
        for (const { at, mark } of resume.marks) this.marks.push({ at, state: mark });
        this.applied = resume.applied.slice();
        this.total = this.applied.length;
      }
      if (!resume || this.total > this.marks[this.marks.length - 1].at) this.takeMark();
    }
  }

  get rollsBack(): boolean {
    return this.markEvery > 0;
  }

  /** The newest envelope applied (the end of the total order so far), if still kept. */
  get last(): Envelope | undefined {
    return this.applied[this.applied.length - 1];
  }

  /** Whether `e` sorts before the end of the total order so far (a kept envelope's or, with none, the start's). */
  private beforeEnd(e: Envelope): boolean {
    const last = this.last;
    if (last !== undefined) return compareEnvelopes(e, last) < 0;
    return this.beforeStart(e);
  }

  /** Whether `e` sorts before the state the applier began with (nothing kept reaches there). */
  private beforeStart(e: Envelope): boolean {
    return this.base === 0 && this.startKey !== null && compareToKey(e, this.startKey) < 0;
  }

  /** Envelopes applied since the applier began. */
  get count(): number {
    return this.total;
  }

  /** The first envelope still kept (at() reaches it and those after). */
  get keptFrom(): number {
    return this.base;
  }

  /** How many of them are final. */
  get finalCount(): number {
    return this.settled;
  }

  /**
   * Whether `e` sorts before the end of the final prefix: applying it would take back final
   * trades, so it is refused (pipeline.ts) instead. No envelope of a member can (finality.ts);
   * one of an origin that traded unseen, or a forged clock, can.
   */
  beforeFinal(e: Envelope): boolean {
    return this.finalLast !== undefined && compareEnvelopes(e, this.finalLast) < 0;
  }

  /** Whether applying `e` now would roll back: it sorts before the last envelope applied (or the state begun with). */
  beforeLast(e: Envelope): boolean {
    return this.markEvery > 0 && this.beforeEnd(e);
  }

  /** The envelope applied as number `i` (from 0, since the applier began), while it is kept (i >= finalCount). */
  at(i: number): Envelope {
    return this.applied[i - this.base];
  }

  /**
   * The first `count` envelopes applied are stable: their trades become final (pushed to
   * `observer`), and the marks before the newest one at or before `count` are dropped.
   */
  settle(count: number, observer: StateObserver | null = null): void {
    if (count <= this.settled || this.markEvery === 0) return;
    if (count > this.total) throw new RangeError(`settle(${count}) past the ${this.total} envelopes applied`);
    this.settled = count;
    this.finalLast = this.at(count - 1);
    let k = 0;
    while (k + 1 < this.marks.length && this.marks[k + 1].at <= count) k++;
    if (k > 0) {
      for (const dropped of this.marks.splice(0, k)) this.state.recycle(dropped.state);
      const oldest = this.marks[0];
      this.state.release(oldest.state);
      this.dropBefore(oldest.at);
    }
    this.state.finalize(this.state.eventCount - (this.total - count), observer);
  }

  /** Applies delivered envelopes; one outcome per envelope, as it stands after this call. */
  apply(envs: readonly Envelope[], observer: StateObserver | null = null): Applied[] {
    if (envs.length === 0) return [];
    if (this.markEvery === 0) return this.state.apply(envs, observer);
    const sorted = envs.slice().sort(compareEnvelopes);
    const outcomes = new Map<Envelope, Applied>();
    if (!this.beforeEnd(sorted[0])) this.applyTail(sorted, observer, outcomes);
    else this.rollback(sorted, observer, outcomes);
    return envs.map((e) => outcomes.get(e)!);
  }

  /** Goes back to the newest mark before sorted[0] and replays the rest with `sorted` merged in. */
  private rollback(sorted: Envelope[], observer: StateObserver | null, outcomes: Map<Envelope, Applied>): void {
    const started = performance.now();
    const at = this.base + upperBound(this.applied, sorted[0]);
    const depth = this.total - at;
    if (at < this.settled) throw new FinalRollbackError(depth, this.settled);
    // before the state this applier began with: no mark reaches it
    if (at === 0 && this.beforeStart(sorted[0])) throw new RollbackTooDeepError(this.total + 1);
    // before the first envelope kept: its place is among those no longer kept
    if (at === this.base && this.beforeBase !== undefined && compareEnvelopes(sorted[0], this.beforeBase) < 0) {
      if (this.base <= this.settled) throw new FinalRollbackError(this.total - this.base + 1, this.settled);
      throw new RollbackTooDeepError(this.total - this.base + 1);
    }
    let k = this.marks.length - 1;
    while (k >= 0 && this.marks[k].at > at) k--;
    if (k < 0) throw new RollbackTooDeepError(depth);
    const mark = this.marks[k];
    for (const dropped of this.marks.splice(k + 1)) this.state.recycle(dropped.state);
    const undone = this.state.rollbackTo(mark.state);
    const back = performance.now() - started;
    const redo = this.applied.splice(mark.at - this.base);
    this.total = mark.at;
    this.appliedMsSinceMark = 0;
    // The newest mark at or before the final prefix's end may lie inside it: that part is
    // replayed unheard and made final again at once (its trades were final and stay so).
    const finalPart = Math.max(0, this.settled - mark.at);
    if (finalPart > 0) {
      this.applyTail(redo.slice(0, finalPart), null, outcomes, true);
      this.state.finalize(this.state.eventCount, null);
    }
    const replay = observer ? new Replay(observer, undone.trades, this.state) : null;
    this.applyTail(merge(finalPart > 0 ? redo.slice(finalPart) : redo, sorted), replay, outcomes, true);
    if (observer && replay) {
      replay.end();
      this.pushCurrent(undone.orders, observer, replay.orders);
    }
    const ms = performance.now() - started;
    this.stats.rollbacks++;
    this.stats.replayed += redo.length;
    this.stats.deepest = Math.max(this.stats.deepest, depth);
    this.stats.millis += ms;
    this.stats.lastDepth = depth;
    this.stats.lastMillis = ms;
    this.stats.lastBackMillis = back;
  }

  /**
   * Orders a rollback changed or its replay touched: each once, as it is now (a record the
   * replay made again is found by its id; one the table no longer holds, as the replay left it).
   */
  private pushCurrent(undone: Set<OrderRecord>, observer: StateObserver, replayed: Map<bigint, OrderRecord>): void {
    const ids = new Set<bigint>(replayed.keys());
    for (const o of undone) ids.add(o.id);
    for (const id of ids) {
      const now = this.state.orders.get(id) ?? replayed.get(id);
      if (now) safely(this.state, () => observer.order({ ...now }));
    }
  }

  /**
   * Applies envelopes that sort after everything applied, with a mark every markEvery. A
   * replay takes one mark at its end instead: a mark costs the core's snapshot (milliseconds
   * on a big book), which would cost a deep replay more than the replay itself.
   */
  private applyTail(
    list: Envelope[],
    observer: StateObserver | null,
    outcomes: Map<Envelope, Applied>,
    replay = false,
  ): void {
    if (replay) {
      for (let i = 0; i < list.length; i += 4096) this.applyChunk(list.slice(i, i + 4096), observer, outcomes);
      if (this.total - this.marks[this.marks.length - 1].at >= this.markEvery) this.takeMark();
      return;
    }
    for (let i = 0; i < list.length; ) {
      const sinceMark = this.total - this.marks[this.marks.length - 1].at;
      // past markEvery (a mark waiting for its cost to be earned): markEvery at a time
      const n = Math.min(sinceMark < this.markEvery ? this.markEvery - sinceMark : this.markEvery, list.length - i);
      this.applyChunk(list.slice(i, i + n), observer, outcomes);
      i += n;
      if (sinceMark + n >= this.markEvery && (!this.balanceMarks || this.appliedMsSinceMark >= this.markMs))
        this.takeMark();
    }
  }

  private applyChunk(chunk: Envelope[], observer: StateObserver | null, outcomes: Map<Envelope, Applied>): void {
    const started = this.balanceMarks ? this.clock() : 0;
    const out = this.state.apply(chunk, observer);
    if (this.balanceMarks) this.appliedMsSinceMark += this.clock() - started;
    for (let j = 0; j < chunk.length; j++) {
      outcomes.set(chunk[j], out[j]);
      this.applied.push(chunk[j]);
    }
    this.total += chunk.length;
  }

  private takeMark(): void {
    const started = this.clock();
    this.marks.push({ at: this.total, state: this.state.mark() });
    const cost = this.clock() - started;
    this.markMs = cost;
    this.appliedMsSinceMark = 0;
    this.stats.marks++;
    this.stats.markMillis += cost;
    if (this.sparseEvery > 0) this.thin();
    if (this.marks.length <= this.keepMarks + this.recentMarks) return;
    this.state.recycle(this.marks.shift()!.state);
    const oldest = this.marks[0];
    this.state.release(oldest.state);
    this.dropBefore(oldest.at);
  }

  /** Envelopes before number `at` are no longer kept (no mark before them is left). */
  private dropBefore(at: number): void {
    if (at <= this.base) return;
    this.beforeBase = this.applied[at - this.base - 1];
    this.applied.splice(0, at - this.base);
    this.base = at;
  }
  /** Marks older than the newest recentMarks: one per sparseEvery envelopes (the oldest stays: it bounds the reach). */
  private thin(): void {
    const end = this.marks.length - this.recentMarks;
    if (end <= 1) return;
    const kept: Mark[] = [this.marks[0]];
    for (let i = 1; i < end; i++) {
      const m = this.marks[i];
      if (m.at - kept[kept.length - 1].at >= this.sparseEvery) kept.push(m);
      else this.state.recycle(m.state);
    }
    if (kept.length < end) this.marks = kept.concat(this.marks.slice(end));
  }
}

/**
 * What observers hear of a replay: only what changed. A trade the replay makes again exactly
 * as the rollback took it back (most are: a late envelope rarely touches them) is not pushed
 * at all; one taken back and made differently is pushed `reverted` and then as it is now; one
 * not made again is pushed `reverted` at the end. Orders are pushed once each, after the replay.
 */
class Replay implements StateObserver {
  private readonly observer: StateObserver;
  private readonly undone: Map<string, TradeRecord>;
  private readonly state: NodeState;
  readonly orders = new Map<bigint, OrderRecord>();

  constructor(observer: StateObserver, undone: TradeRecord[], state: NodeState) {
    this.observer = observer;
    this.undone = new Map(undone.map((t) => [t.id, t]));
    this.state = state;
  }

  wantsBook(market: number): boolean {
    return this.observer.wantsBook(market);
  }

  book(market: number, bids: [bigint, bigint][], asks: [bigint, bigint][]): void {
    this.observer.book(market, bids, asks);
  }

  order(o: OrderRecord): void {
    this.orders.set(o.id, o);
  }

  trade(t: TradeRecord): void {
    const was = this.undone.get(t.id);
    if (was !== undefined) {
      this.undone.delete(t.id);
      if (sameTrade(was, t)) return;
      safely(this.state, () => this.observer.trade(was));
    }
    this.observer.trade(t);
  }

  /** The trades taken back and not made again: reverted. */
  end(): void {
    for (const t of this.undone.values()) safely(this.state, () => this.observer.trade(t));
    this.undone.clear();
  }
}

function sameTrade(a: TradeRecord, b: TradeRecord): boolean {
  return (
    a.market === b.market &&
    a.price === b.price &&
    a.quantity === b.quantity &&
    a.takerSide === b.takerSide &&
    a.takerOrderId === b.takerOrderId &&
    a.makerOrderId === b.makerOrderId &&
    a.time === b.time
  );
}

/** The index of the first envelope in `list` (total order) that sorts after `e`. */
function upperBound(list: Envelope[], e: Envelope): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareEnvelopes(list[mid], e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two lists in the total order, merged. */
function merge(a: Envelope[], b: Envelope[]): Envelope[] {
  const out: Envelope[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compareEnvelopes(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/** An observer's throw must not stop the state: it is counted and reported like NodeState's own pushes. */
function safely(state: NodeState, f: () => void): void {
  try {
    f();
  } catch (err) {
    state.observerFailed(err);
  }
}
