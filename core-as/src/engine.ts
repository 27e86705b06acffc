// The typed binding of the WASM core. The same file runs on Node.js, Deno and Bun: it takes
// the module's bytes (or a compiled WebAssembly.Module) from the host and instantiates it
// through @assemblyscript/loader, which supplies the abort/trace imports. No runtime sniffing.
import { instantiateSync } from '@assemblyscript/loader';
import * as C from '../codes.ts';
import type { Book, Command, Depth, EngineEvent, EngineOptions, Level, OrderInfo } from '../types.ts';
import { SnapshotError } from '../types.ts';
import { type CoreImage, imageGlobals, withGlobalExports } from './image.ts';
import { encodeCommand, decodeEvents } from './records.ts';

export const MAX_ORDERS = 1 << 24;
const I32_MAX = 0x7fffffff;
const U64_MAX = (1n << 64n) - 1n;
const RESTORE_ERRORS = [
  '',
  'bad length',
  'bad magic',
  'unsupported version',
  'checksum mismatch',
  'bad structure',
  'duplicate order id',
  'broken OCO links',
];
const INVARIANTS = [
  '',
  'levels out of order',
  'level total differs from its orders',
  'level count differs from its orders',
  'broken order links',
  'bad order record',
  'id index inconsistent',
  'crossed book',
  'bad stop list',
  'bad expiry queue',
];

interface Exports {
  memory: WebAssembly.Memory;
  init(markets: number, maxOrders: number): number;
  execute(n: number): number;
  commandBuffer(n: number): number;
  eventBuffer(): number;
  getMarketCount(): number;
  getMaxOrders(): number;
  orderCount(): number;
  queryBuffer(): number;
  bestPrice(market: number, side: number): bigint;
  depth(market: number, side: number, n: number): number;
  depthBuffer(): number;
  findOrder(id: bigint): number;
  bookBytes(): number;
  scratchBuffer(bytes: number): number;
  releaseScratch(): void;
  adoptPages(firstPage: number): void;
  stateHash(): bigint;
  snapshot(): number;
  snapshotLength(): number;
  restore(ptr: number, len: number): number;
  validate(): number;
  lamportTick(t: bigint): bigint;
  lamportMerge(local: bigint, remote: bigint): bigint;
  vcCompare(a: number, an: number, b: number, bn: number): number;
  vcMerge(a: number, an: number, b: number, bn: number, out: number): number;
  vcTick(a: number, an: number, node: bigint, out: number): number;
}

/** A vector clock: (node, counter) pairs sorted by node, every counter > 0. */
export type VectorClock = [node: bigint, counter: bigint][];
export const ClockOrder = { equal: 0, before: 1, after: 2, concurrent: 3 } as const;
export type ClockRelation = keyof typeof ClockOrder;
const RELATIONS: ClockRelation[] = ['equal', 'before', 'after', 'concurrent'];

export class ClockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClockError';
  }
}

/** A Lamport time as the core takes it: an i64; anything else is refused, not wrapped. */
function i64Time(t: bigint): bigint {
  if (typeof t !== 'bigint' || t < -(1n << 63n) || t >= 1n << 63n)
    throw new ClockError(`lamport time out of range: ${t}`);
  return t;
}

function toBytes(b: BufferSource): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(b);
}

function instantiate(module: WebAssembly.Module): Exports {
  return instantiateSync(module, {}).exports as unknown as Exports;
}

export class Engine implements Book {
  private readonly module: WebAssembly.Module;
  private x: Exports;
  /** The instance's mutable globals, for images (empty when the module does not export them). */
  private globals: WebAssembly.Global[];

  private constructor(module: WebAssembly.Module, options: EngineOptions) {
    this.module = module;
    this.x = instantiate(module);
    this.globals = imageGlobals(this.x as unknown as Record<string, unknown>);
    const markets = options.markets ?? 1;
    const maxOrders = options.maxOrders ?? MAX_ORDERS;
    if (this.x.init(markets, maxOrders) !== 0)
      throw new RangeError(`bad engine shape: ${markets} markets, ${maxOrders} orders`);
  }

  /** Builds an engine from the .wasm bytes (or an already compiled module). */
  static create(wasm: BufferSource | WebAssembly.Module, options: EngineOptions = {}): Engine {
    const module =
      wasm instanceof WebAssembly.Module
        ? wasm
        : new WebAssembly.Module(withGlobalExports(toBytes(wasm)) as Uint8Array<ArrayBuffer>);
    return new Engine(module, options);
  }

  /** A new, empty engine from the same compiled module. */
  fork(options: EngineOptions = {}): Engine {
    return new Engine(this.module, options);
  }

  // ---- commands ----

  execute(commands: Command[]): EngineEvent[] {
    const n = commands.length;
    const ptr = this.x.commandBuffer(n);
    const view = new DataView(this.x.memory.buffer);
    for (let i = 0; i < n; i++) encodeCommand(view, ptr + i * C.CMD_SIZE, commands[i]);
    const count = this.x.execute(n);
    return decodeEvents(new DataView(this.x.memory.buffer), this.x.eventBuffer(), count);
  }

  /** The raw batch path: n command records in, the event records out (a view valid until the next call). */
  executeRaw(records: Uint8Array, n: number): Uint8Array {
    if (records.length < n * C.CMD_SIZE) throw new RangeError(`${n} commands need ${n * C.CMD_SIZE} bytes`);
    const ptr = this.x.commandBuffer(n);
    new Uint8Array(this.x.memory.buffer, ptr, n * C.CMD_SIZE).set(records.subarray(0, n * C.CMD_SIZE));
    const count = this.x.execute(n);
    return new Uint8Array(this.x.memory.buffer, this.x.eventBuffer(), count * C.EV_SIZE);
  }

  /** One command per call across the boundary: for measuring what the batch path saves. */
  executeOne(command: Command): number {
    const ptr = this.x.commandBuffer(1);
    encodeCommand(new DataView(this.x.memory.buffer), ptr, command);
    return this.x.execute(1);
  }

  // ---- queries ----

  /**
   * Up to `levels` levels of each side, best first. `levels` means what it means to the
   * reference (Array.prototype.slice's end): fractions truncate, NaN is 0, Infinity and
   * anything past the book's depth is every level, and a negative count leaves that many
   * levels off the far end. The core takes an i32, so counts are clamped here, never wrapped.
   */
  depth(market: number, levels: number): Depth {
    if (!this.isMarket(market)) return { bids: [], asks: [] };
    const counted = levels >= 0 ? Math.min(Math.trunc(levels), I32_MAX) : I32_MAX;
    const side = (s: number): Level[] => {
      const k = this.x.depth(market, s, counted);
      const view = new DataView(this.x.memory.buffer, this.x.depthBuffer(), k * 24);
      const out: Level[] = [];
      for (let i = 0; i < k; i++) {
        out.push({
          price: view.getBigInt64(i * 24, true),
          qty: view.getBigInt64(i * 24 + 8, true),
          orders: Number(view.getBigInt64(i * 24 + 16, true)),
        });
      }
      return levels >= 0 ? out : out.slice(0, levels); // NaN and negative counts, as slice() reads them
    };
    return { bids: side(C.SIDE_BUY), asks: side(C.SIDE_SELL) };
  }

  /** Is this a market index of this engine? (The core takes an i32: 2^32 would wrap to 0.) */
  private isMarket(market: number): boolean {
    return Number.isInteger(market) && market >= 0 && market < this.x.getMarketCount();
  }

  order(id: bigint): OrderInfo | null {
    if (typeof id !== 'bigint' || id <= 0n || id > U64_MAX || !this.x.findOrder(BigInt.asIntN(64, id))) return null;
    const view = new DataView(this.x.memory.buffer, this.x.queryBuffer(), 56);
    return {
      id,
      market: Number(view.getBigInt64(0, true)),
      side: Number(view.getBigInt64(8, true)),
      owner: view.getBigUint64(16, true),
      price: view.getBigInt64(24, true),
      remaining: view.getBigInt64(32, true),
      visible: view.getBigInt64(40, true),
      pending: view.getBigInt64(48, true) !== 0n,
    };
  }

  bestBid(market: number): bigint | null {
    if (!this.isMarket(market)) return null;
    const p = this.x.bestPrice(market, C.SIDE_BUY);
    return p === 0n ? null : p;
  }

  bestAsk(market: number): bigint | null {
    if (!this.isMarket(market)) return null;
    const p = this.x.bestPrice(market, C.SIDE_SELL);
    return p === 0n ? null : p;
  }

  orderCount(): number {
    return this.x.orderCount();
  }

  marketCount(): number {
    return this.x.getMarketCount();
  }

  /** Linear memory in bytes, and the part the book's structures hold. */
  memory(): { linear: number; book: number } {
    return { linear: this.x.memory.buffer.byteLength, book: this.x.bookBytes() };
  }

  // ---- state ----

  stateHash(): bigint {
    return BigInt.asUintN(64, this.x.stateHash());
  }

  snapshot(): Uint8Array {
    const ptr = this.x.snapshot();
    return new Uint8Array(this.x.memory.buffer, ptr, this.x.snapshotLength()).slice();
  }

  /** Replaces the state with a snapshot's. A bad snapshot throws SnapshotError and changes nothing. */
  restore(bytes: Uint8Array): void {
    // Restore into a fresh instance and swap only on success: the live one is never half-loaded.
    const fresh = instantiate(this.module);
    const ptr = fresh.scratchBuffer(Math.max(bytes.length, 1));
    new Uint8Array(fresh.memory.buffer, ptr, bytes.length).set(bytes);
    const code = fresh.restore(ptr, bytes.length);
    if (code !== 0) throw new SnapshotError(`snapshot: ${RESTORE_ERRORS[code] ?? `error ${code}`}`);
    fresh.releaseScratch();
    this.x = fresh;
    this.globals = imageGlobals(fresh as unknown as Record<string, unknown>);
  }

  /** Whether image() and rewindImage() work: the module exports its globals (see image.ts). */
  get imageable(): boolean {
    return this.globals.length > 0 && typeof this.x.adoptPages === 'function';
  }

  /**
   * The whole state as a memory image: a copy of linear memory and the globals (for in-memory
   * marks). `reuse`, an image no longer needed, lends its buffer. A buffer's first write to each
   * of its pages faults, which costs ~10× the copy, so a buffer is reused whenever it can be: a
   * fresh one has room for a quarter more memory, and where the runtime has resizable
   * ArrayBuffers it grows in place as the book grows, its old pages already touched.
   */
  image(reuse?: CoreImage): CoreImage {
    if (!this.imageable) throw new Error('this engine cannot take images: its module does not export its globals');
    const live = new Uint8Array(this.x.memory.buffer);
    const buffer = roomFor(reuse?.memory.buffer, live.length) ?? imageBuffer(live.length);
    const memory = new Uint8Array(buffer, 0, live.length);
    memory.set(live);
    return { memory, globals: this.globals.map((g) => g.value) };
  }

  /**
   * Goes back to an image this engine took: one copy. The allocator's own state goes back with
   * the image, and the memory grown since becomes one of its free runs.
   */
  rewindImage(image: CoreImage): void {
    const memory = this.x.memory;
    if (image.memory.length > memory.buffer.byteLength)
      memory.grow(Math.ceil((image.memory.length - memory.buffer.byteLength) / 65536));
    new Uint8Array(memory.buffer).set(image.memory);
    this.globals.forEach((g, i) => {
      g.value = image.globals[i];
    });
    // memory grown since the image: its pages go back to the allocator, not lost
    if (memory.buffer.byteLength > image.memory.length) this.x.adoptPages(image.memory.length / 65536);
  }

  /**
   * Goes back to a snapshot this engine took itself (a rollback to an in-memory mark): the
   * book is rebuilt in the running instance, without a new one. Bytes from anywhere else go
   * through restore(), which leaves the state untouched when they are bad.
   */
  rewind(bytes: Uint8Array): void {
    const ptr = this.x.scratchBuffer(Math.max(bytes.length, 1));
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    const code = this.x.restore(ptr, bytes.length);
    this.x.releaseScratch();
    if (code !== 0)
      throw new SnapshotError(`snapshot: ${RESTORE_ERRORS[code] ?? `error ${code}`} (the book is now empty)`);
  }

  /** null when every internal invariant holds, else which one broke. */
  validate(): string | null {
    const code = this.x.validate();
    return code === 0 ? null : (INVARIANTS[code] ?? `invariant ${code}`);
  }

  // ---- clocks ----

  lamportTick(t: bigint): bigint {
    return this.lamport(this.x.lamportTick(i64Time(t)), t);
  }

  lamportMerge(local: bigint, remote: bigint): bigint {
    return this.lamport(this.x.lamportMerge(i64Time(local), i64Time(remote)), remote);
  }

  private lamport(result: bigint, input: bigint): bigint {
    if (result < 0n) throw new ClockError(`lamport time out of range: ${input}`);
    return result;
  }

  vcCompare(a: VectorClock, b: VectorClock): ClockRelation {
    const [pa, pb] = this.writeClocks(a, b);
    const r = this.x.vcCompare(pa, a.length, pb, b.length);
    if (r < 0) throw new ClockError('vector clock not canonical');
    return RELATIONS[r];
  }

  vcMerge(a: VectorClock, b: VectorClock): VectorClock {
    const [pa, pb, out] = this.writeClocks(a, b);
    return this.readClock(out, this.x.vcMerge(pa, a.length, pb, b.length, out));
  }

  vcTick(a: VectorClock, node: bigint): VectorClock {
    if (typeof node !== 'bigint' || node < 0n || node >= 1n << 64n)
      throw new ClockError(`node id out of range: ${node}`);
    const [pa, , out] = this.writeClocks(a, []);
    return this.readClock(out, this.x.vcTick(pa, a.length, BigInt.asIntN(64, node), out));
  }

  /** Lays a and b out in scratch memory, with room after them for a result of |a| + |b| + 1 pairs. */
  private writeClocks(a: VectorClock, b: VectorClock): [number, number, number] {
    for (const [node, counter] of [...a, ...b]) {
      if (node < 0n || node >= 1n << 64n || counter < -(1n << 63n) || counter >= 1n << 63n)
        throw new ClockError('vector clock entry out of range');
    }
    const pairs = a.length + b.length;
    const base = this.x.scratchBuffer((pairs * 2 + 1) * 16);
    const view = new DataView(this.x.memory.buffer);
    [...a, ...b].forEach(([node, counter], i) => {
      view.setBigUint64(base + i * 16, node, true);
      view.setBigInt64(base + i * 16 + 8, counter, true);
    });
    return [base, base + a.length * 16, base + pairs * 16];
  }

  private readClock(ptr: number, n: number): VectorClock {
    if (n < 0) throw new ClockError('vector clock not canonical or counter out of range');
    const view = new DataView(this.x.memory.buffer);
    const out: VectorClock = [];
    for (let i = 0; i < n; i++)
      out.push([view.getBigUint64(ptr + i * 16, true), view.getBigInt64(ptr + i * 16 + 8, true)]);
    return out;
  }
}

/** How far an image buffer may grow in place (address space reserved, not memory used). */
const IMAGE_RESERVE = 1 << 30;

/** `bytes` and a quarter more, in whole 64 KiB pages: what an image buffer is given. */
const withRoom = (bytes: number) => Math.ceil((bytes * 1.25) / 65536) * 65536;

/** An image buffer for `bytes` of memory, with room to spare, resizable where it can be. */
function imageBuffer(bytes: number): ArrayBuffer {
  const size = withRoom(bytes);
  try {
    return new ArrayBuffer(size, { maxByteLength: Math.max(size, IMAGE_RESERVE) });
  } catch {
    return new ArrayBuffer(size); // no room to reserve, or no resizable buffers here
  }
}

/** `buffer` when it holds `bytes`, after growing it in place if it must and can; else null. */
function roomFor(buffer: ArrayBufferLike | undefined, bytes: number): ArrayBuffer | null {
  if (!(buffer instanceof ArrayBuffer)) return null;
  if (buffer.byteLength >= bytes) return buffer;
  if (!buffer.resizable || buffer.maxByteLength < bytes) return null;
  buffer.resize(Math.min(buffer.maxByteLength, withRoom(bytes)));
  return buffer;
}
