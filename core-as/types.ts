// The command and event shapes shared by the WASM binding (src/) and the reference
// matcher (reference/). Every integer that is 64 bits wide in the ABI is a bigint here,
// so nothing is rounded on the way in or out.

export interface Command {
  kind: number; //     CMD_*
  market: number; //   market index, 0..65535
  id: bigint; //       order id, u64; 0 is invalid
  owner: bigint; //    owner id, u64
  side: number; //     SIDE_* (place)
  type: number; //     TYPE_* (place)
  tif: number; //      TIF_* (place)
  flags: number; //    FLAG_* bits (place)
  stp: number; //      STP_* (place)
  price: bigint; //    ticks, i64 (place: limit price, 0 for market; amend: new price, 0 = keep)
  qty: bigint; //      lots, i64 (place: quantity; reduce: amount to take off; amend: new total, 0 = keep)
  time: bigint; //     i64 command time (expires good-till-time orders), 0 = none
  stopPrice: bigint; // i64 stop orders and OCO: trigger price
  display: bigint; //  i64 iceberg display quantity, 0 = not an iceberg
  expiresAt: bigint; // i64 good-till time, 0 = none
  ocoPrice: bigint; // i64 OCO: the stop leg's limit price, 0 = stop-market
}

export interface EngineEvent {
  kind: number; //     EV_*
  reason: number; //   REJ_* or DONE_* (0 otherwise)
  market: number;
  cmd: number; //      index of the command in its batch
  id: bigint; //       order id (taker for trades)
  other: bigint; //    maker id (trades), owner (accepted), 0 otherwise
  price: bigint;
  qty: bigint;
  remaining: bigint;
}

export interface Level {
  price: bigint;
  qty: bigint; //      total remaining at this level
  orders: number; //   how many orders rest at this level
}

export interface Depth {
  bids: Level[]; //    best (highest) first
  asks: Level[]; //    best (lowest) first
}

export interface OrderInfo {
  id: bigint;
  market: number;
  side: number;
  owner: bigint;
  price: bigint; //     its level's price; a pending stop: its limit price (0 for stop-market)
  remaining: bigint; // total: shown + hidden
  visible: bigint; //   the part in the book (depth); 0 for a pending stop
  pending: boolean; //  a stop order waiting for its trigger
}

export interface EngineOptions {
  markets?: number; //   how many markets, default 1
  maxOrders?: number; // resting orders across all markets, default 16M
}

/** What both the WASM engine and the reference matcher can do. */
export interface Book {
  execute(commands: Command[]): EngineEvent[];
  depth(market: number, levels: number): Depth;
  order(id: bigint): OrderInfo | null;
  bestBid(market: number): bigint | null;
  bestAsk(market: number): bigint | null;
  orderCount(): number;
  marketCount(): number;
  stateHash(): bigint;
  snapshot(): Uint8Array;
  restore(bytes: Uint8Array): void; // throws SnapshotError; state unchanged on error
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** Fills the fields a command kind does not use with zeros. */
export function command(fields: Partial<Command> & Pick<Command, 'kind'>): Command {
  return {
    market: 0,
    id: 0n,
    owner: 0n,
    side: 0,
    type: 0,
    tif: 0,
    flags: 0,
    stp: 0,
    price: 0n,
    qty: 0n,
    time: 0n,
    stopPrice: 0n,
    display: 0n,
    expiresAt: 0n,
    ocoPrice: 0n,
    ...fields,
  };
}
