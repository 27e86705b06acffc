// A memory image of the core: its whole linear memory and its mutable globals, so the host can
// take the engine back to an earlier state with one copy instead of a rebuild of the book
// (a rollback to an in-memory mark). The globals (the allocator's and the book's pointers and
// counters) are not in memory, and the module does not export them; withGlobalExports()
// rewrites the module's bytes to export every mutable global it defines, under IMAGE_PREFIX,
// without changing anything else. The export section is the only one rewritten.

export const IMAGE_PREFIX = '__image_global_';

class Reader {
  p = 0;
  readonly b: Uint8Array;
  constructor(b: Uint8Array) {
    this.b = b;
  }
  byte(): number {
    if (this.p >= this.b.length) throw new Error('wasm: truncated');
    return this.b[this.p++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return result;
      shift += 7;
    }
  }
  /** Skips a signed LEB128 (any width). */
  sleb(): void {
    while (this.byte() & 0x80);
  }
  skip(n: number): void {
    this.p += n;
  }
  name(): void {
    this.skip(this.u32());
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
  /** A constant expression, up to and including its `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42) this.sleb();
      else if (op === 0x43) this.skip(4);
      else if (op === 0x44) this.skip(8);
      else if (op === 0x23 || op === 0xd2) this.u32();
      else if (op === 0xd0) this.byte();
      else throw new Error(`wasm: unexpected opcode 0x${op.toString(16)} in a global's initialiser`);
    }
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let x = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) x |= 0x80;
    out.push(x);
  } while (n > 0);
  return out;
}

/** The module's bytes with every mutable global it defines exported as IMAGE_PREFIX + index. */
export function withGlobalExports(wasm: Uint8Array): Uint8Array {
  const r = new Reader(wasm);
  r.skip(8); // magic, version
  let importedGlobals = 0;
  const mutable: number[] = [];
  let exportsAt = -1;
  let exportsEnd = -1;
  while (r.p < wasm.length) {
    const id = r.byte();
    const size = r.u32();
    const start = r.p;
    if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) r.u32();
        else if (kind === 1) {
          r.byte();
          r.limits();
        } else if (kind === 2) r.limits();
        else if (kind === 3) {
          r.skip(2);
          importedGlobals++;
        } else r.u32(); // a tag
      }
    } else if (id === 6) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        r.byte(); // value type
        if (r.byte() === 1) mutable.push(importedGlobals + i);
        r.constExpr();
      }
    } else if (id === 7) {
      exportsAt = start - 1 - leb(size).length;
      exportsEnd = start + size;
    }
    r.p = start + size;
  }
  if (exportsAt < 0) throw new Error('wasm: no export section');
  const er = new Reader(wasm);
  er.p = exportsAt + 1;
  er.u32();
  const count = er.u32();
  const entries = wasm.subarray(er.p, exportsEnd);
  const added: number[] = [];
  for (const g of mutable) {
    const name = new TextEncoder().encode(`${IMAGE_PREFIX}${g}`);
    added.push(...leb(name.length), ...name, 3, ...leb(g));
  }
  const body = [...leb(count + mutable.length), ...entries, ...added];
  const section = [7, ...leb(body.length), ...body];
  const out = new Uint8Array(exportsAt + section.length + (wasm.length - exportsEnd));
  out.set(wasm.subarray(0, exportsAt), 0);
  out.set(section, exportsAt);
  out.set(wasm.subarray(exportsEnd), exportsAt + section.length);
  return out;
}

/** An image: the linear memory's bytes and the mutable globals' values, in export order. */
export interface CoreImage {
  memory: Uint8Array;
  globals: (number | bigint)[];
}

/** The image-able globals of an instance's exports (none when the module was not rewritten). */
export function imageGlobals(exports: Record<string, unknown>): WebAssembly.Global[] {
  return Object.keys(exports)
    .filter((k) => k.startsWith(IMAGE_PREFIX))
    .map((k) => exports[k] as WebAssembly.Global);
}
