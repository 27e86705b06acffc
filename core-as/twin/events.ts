// The twin's event records: the core's 48-byte layout (codes.ts EV_OFF_*), written into an
// Int32Array, so both engines' output decodes with the same code (src/records.ts). i64
// fields come from doubles, u64 ids from their two i32 halves.
const TWO_32 = 4294967296;
export const EVENT_I32 = 12;

export class EventSink {
  i32 = new Int32Array(4096 * EVENT_I32);
  count = 0;
  cmd = 0; // index of the command being executed in its batch

  /** One event; price, qty and remaining are integers within ±2^53. */
  emit(
    kind: number,
    reason: number,
    market: number,
    idLo: number,
    idHi: number,
    otherLo: number,
    otherHi: number,
    price: number,
    qty: number,
    remaining: number,
  ): void {
    if ((this.count + 1) * EVENT_I32 > this.i32.length) this.grow();
    const a = this.i32;
    const e = this.count * EVENT_I32;
    a[e] = kind | (reason << 8) | (market << 16);
    a[e + 1] = this.cmd;
    a[e + 2] = idLo;
    a[e + 3] = idHi;
    a[e + 4] = otherLo;
    a[e + 5] = otherHi;
    put64(a, e + 6, price);
    put64(a, e + 8, qty);
    put64(a, e + 10, remaining);
    this.count++;
  }

  /** The events of the last batch as bytes (a view, valid until the next batch). */
  bytes(): Uint8Array {
    return new Uint8Array(this.i32.buffer, 0, this.count * EVENT_I32 * 4);
  }

  private grow(): void {
    const a = new Int32Array(this.i32.length * 2);
    a.set(this.i32);
    this.i32 = a;
  }
}

function put64(a: Int32Array, i: number, v: number): void {
  if (v >= 0 && v <= 0x7fffffff) {
    a[i] = v;
    a[i + 1] = 0;
  } else {
    const hi = Math.floor(v / TWO_32);
    a[i] = v - hi * TWO_32; // ToInt32 keeps the low 32 bits
    a[i + 1] = hi;
  }
}

/** An i64 field of a record (two i32 halves) as a double: exact within ±2^53, else rounded. */
export function get64(a: Int32Array, i: number): number {
  return a[i + 1] * TWO_32 + (a[i] >>> 0);
}
