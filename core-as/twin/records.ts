// The twin's storage: the core's order, level and extension records (store.ts) with the same
// sizes and fields, in typed arrays instead of linear memory. Each pool is one ArrayBuffer
// seen as Int32Array and Float64Array, addressed by slot, recycled through a free list; it
// doubles when full, which replaces its views — so callers read `r.oi`/`r.of` again after
// anything that may allocate. i64 fields are doubles (exact below 2^53: the twin's limit);
// u64 ids and owners are two i32 halves, compared bit for bit.

// ---- orders: 48 bytes = 12 i32 = 6 f64 ----
export const ORDER_I32 = 12;
export const ORDER_F64 = 6;
export const O_ID_LO = 0; //     i32
export const O_ID_HI = 1; //     i32
export const O_OWNER_LO = 2; //  i32
export const O_OWNER_HI = 3; //  i32
export const O_REMAINING = 2; // f64 (i32 4-5): shown quantity; a pending stop: its quantity
export const O_PREV = 6; //      i32 slot in the level's FIFO, -1 at the head
export const O_NEXT = 7; //      i32 slot in the level's FIFO, -1 at the tail; free-list link
export const O_LEVEL = 8; //     i32 level slot, -1 for a pending stop
export const O_MARKET = 9; //    i32
export const O_EXT = 10; //      i32 extension slot, -1 for none
export const O_SIDE_FLAGS = 11; // i32: side in bits 0-7, OF_* flags in bits 8-15

export const OF_POST_ONLY = 1;
export const OF_PENDING = 2; // a stop order waiting for its trigger
export const OF_OCO = 4; //     a resting limit whose stop leg waits in the stop list
export const OF_STP_SHIFT = 4; // two bits: the order's self-trade prevention mode

// ---- levels: 40 bytes = 10 i32 = 5 f64 ----
export const LEVEL_I32 = 10;
export const LEVEL_F64 = 5;
export const L_PRICE = 0; //  f64
export const L_TOTAL = 1; //  f64 sum of its orders' shown quantity
export const L_HEAD = 4; //   i32 oldest order; free-list link
export const L_TAIL = 5; //   i32 newest order
export const L_COUNT = 6; //  i32 number of orders
export const L_HIDDEN = 4; // f64 (i32 8-9) sum of its icebergs' reserves

// ---- extensions: 48 bytes = 12 i32 = 6 f64 ----
export const EXT_I32 = 12;
export const EXT_F64 = 6;
export const X_HIDDEN = 0; //  f64 iceberg reserve; free-list link (as i32 0)
export const X_DISPLAY = 1; // f64 iceberg display size, 0 = none
export const X_EXPIRES = 2; // f64 good-till time, 0 = none
export const X_STOP = 3; //    f64 stop price (pending stop, OCO)
export const X_PRICE2 = 4; //  f64 pending stop: its limit price; OCO: the stop leg's limit price
export const X_TYPE = 10; //   i32 pending stop: TYPE_STOP_*
export const X_TIF = 11; //    i32 pending stop: time in force once triggered

/** One pool of fixed-size records. */
class Pool {
  i32: Int32Array;
  f64: Float64Array;
  private high = 0;
  private free = -1;
  private readonly ints: number;
  private readonly link: number;

  constructor(ints: number, link: number, capacity: number) {
    this.ints = ints;
    this.link = link;
    const buffer = new ArrayBuffer(capacity * ints * 4);
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  alloc(): number {
    const slot = this.free;
    if (slot >= 0) {
      this.free = this.i32[slot * this.ints + this.link];
      return slot;
    }
    if ((this.high + 1) * this.ints > this.i32.length) this.grow();
    return this.high++;
  }

  release(slot: number): void {
    this.i32[slot * this.ints + this.link] = this.free;
    this.free = slot;
  }

  reset(): void {
    this.high = 0;
    this.free = -1;
  }

  bytes(): number {
    return this.i32.byteLength;
  }

  private grow(): void {
    const buffer = new ArrayBuffer(this.i32.byteLength * 2);
    const i32 = new Int32Array(buffer);
    i32.set(this.i32);
    this.i32 = i32;
    this.f64 = new Float64Array(buffer);
  }
}

/** The three pools. */
export class Records {
  readonly orders = new Pool(ORDER_I32, O_NEXT, 1024);
  readonly levels = new Pool(LEVEL_I32, L_HEAD, 256);
  readonly exts = new Pool(EXT_I32, X_HIDDEN, 256);

  reset(): void {
    this.orders.reset();
    this.levels.reset();
    this.exts.reset();
  }

  bytes(): number {
    return this.orders.bytes() + this.levels.bytes() + this.exts.bytes();
  }
}

/**
 * A growable array of i32 slots: each side's price levels, each side's stop list and the
 * expiry queue, all sorted with the next one to use at the END, so taking it is O(1).
 */
export class SlotArray {
  data = new Int32Array(16);
  len = 0;

  last(): number {
    return this.len === 0 ? -1 : this.data[this.len - 1];
  }

  insert(pos: number, value: number): void {
    if (this.len === this.data.length) {
      const data = new Int32Array(this.data.length * 2);
      data.set(this.data);
      this.data = data;
    }
    const d = this.data;
    if (pos < this.len) d.copyWithin(pos + 1, pos, this.len);
    d[pos] = value;
    this.len++;
  }

  remove(pos: number): void {
    if (pos < this.len - 1) this.data.copyWithin(pos, pos + 1, this.len);
    this.len--;
  }

  clear(): void {
    this.len = 0;
  }
}

/** A side's level slots with their keys (price for bids, -price for asks) in step, as the core keeps them. */
export class LevelArray extends SlotArray {
  keys = new Float64Array(16);

  insertLevel(pos: number, level: number, key: number): void {
    this.insert(pos, level);
    if (this.keys.length < this.data.length) {
      const keys = new Float64Array(this.data.length);
      keys.set(this.keys);
      this.keys = keys;
    }
    const k = this.keys;
    if (pos < this.len - 1) k.copyWithin(pos + 1, pos, this.len - 1);
    k[pos] = key;
  }

  removeLevel(pos: number): void {
    if (pos < this.len - 1) this.keys.copyWithin(pos, pos + 1, this.len);
    this.remove(pos);
  }
}
