// The core's own allocator. AssemblyScript's runtimes grow memory by doubling it, which
// would put a 1M-order book (~50 MB of structures) into 128 MB of linear memory. This one
// grows memory by exactly the pages it needs and recycles what is freed:
//   - large blocks (>= 16 KiB) are runs of whole 64 KiB pages; a freed run serves later
//     requests of its size or smaller (split), so a grown id table's old pages are reused;
//   - small blocks are power-of-two classes from 16 B to 16 KiB, carved from whole pages.
// Every block remembers its size in an 8-byte header, so free() needs only the pointer.
// Memory is zeroed when it first comes from memory.grow; reused blocks are not.

const PAGE: usize = 65536;
const HEADER: usize = 8;
const SMALL_CLASSES: i32 = 11; // 16 B .. 16 KiB, the size including the header
const LARGE_FROM: usize = 16384;
const MAX_RUNS: i32 = 256;

// free lists live in static memory: nothing here may allocate through the AS runtime
const smallFree: usize = memory.data(SMALL_CLASSES << 2); // head block per class
// free page runs: (address, pages) pairs, unordered
const runAt: usize = memory.data(MAX_RUNS << 2);
const runPages: usize = memory.data(MAX_RUNS << 2);
let runs: i32 = 0;

// @ts-ignore: decorator
@inline function slot(table: usize, i: i32): usize {
  return table + (<usize>i << 2);
}

/** Pages from memory.grow: at least a sixteenth of the memory so far at a time, since each
 * grow can cost the JS runtime a full GC (seen on Node); the rest becomes a free run. */
function grow(pages: i32): usize {
  const step = max(pages, memory.size() >> 4);
  let before = runs < MAX_RUNS ? memory.grow(step) : -1;
  if (before < 0) {
    before = memory.grow(pages);
    if (before < 0) unreachable(); // 4 GiB reached: the engine's order limit keeps us far below
    return <usize>before * PAGE;
  }
  if (step > pages) {
    store<usize>(slot(runAt, runs), <usize>(before + pages) * PAGE);
    store<i32>(slot(runPages, runs), step - pages);
    runs++;
  }
  return <usize>before * PAGE;
}

/** The pages from `firstPage` to the end of memory become a free run: the host put back a memory
 * image (a rollback) taken when memory was smaller, so nothing uses them any more. */
export function adoptPages(firstPage: i32): void {
  const pages = memory.size() - firstPage;
  if (pages <= 0 || runs >= MAX_RUNS) return;
  store<usize>(slot(runAt, runs), <usize>firstPage * PAGE);
  store<i32>(slot(runPages, runs), pages);
  runs++;
}

function takePages(pages: i32): usize {
  // an exact fit first, else the smallest run that is larger, split
  let best = -1;
  for (let i = 0; i < runs; i++) {
    const n = load<i32>(slot(runPages, i));
    if (n == pages) {
      best = i;
      break;
    }
    if (n > pages && (best < 0 || n < load<i32>(slot(runPages, best)))) best = i;
  }
  if (best < 0) return grow(pages);
  const at = load<usize>(slot(runAt, best));
  const left = load<i32>(slot(runPages, best)) - pages;
  if (left > 0) {
    store<usize>(slot(runAt, best), at + <usize>pages * PAGE);
    store<i32>(slot(runPages, best), left);
  } else {
    runs--;
    store<usize>(slot(runAt, best), load<usize>(slot(runAt, runs)));
    store<i32>(slot(runPages, best), load<i32>(slot(runPages, runs)));
  }
  return at;
}

function classOf(size: usize): i32 {
  // smallest c with (16 << c) >= size
  return size <= 16 ? 0 : <i32>(32 - clz<u32>(<u32>(size - 1))) - 4;
}

/** A block of at least bytes; its contents are unspecified. */
export function alloc(bytes: usize): usize {
  const size = bytes + HEADER;
  if (size < LARGE_FROM) {
    const c = classOf(size);
    let block = load<usize>(slot(smallFree, c));
    if (block != 0) {
      store<usize>(slot(smallFree, c), load<usize>(block));
    } else {
      // carve a fresh page into blocks of this class; keep all but the first
      const blockSize = (<usize>16) << c;
      const page = takePages(1);
      for (let at = page + blockSize; at + blockSize <= page + PAGE; at += blockSize) {
        store<usize>(at, load<usize>(slot(smallFree, c)));
        store<usize>(slot(smallFree, c), at);
      }
      block = page;
    }
    store<i32>(block, c, 4);
    store<i32>(block, 0);
    return block + HEADER;
  }
  const pages = <i32>((size + PAGE - 1) / PAGE);
  const block = takePages(pages);
  store<i32>(block, -pages, 4);
  return block + HEADER;
}

export function free(ptr: usize): void {
  if (ptr == 0) return;
  const block = ptr - HEADER;
  const tag = load<i32>(block, 4);
  if (tag >= 0) {
    store<usize>(block, load<usize>(slot(smallFree, tag)));
    store<usize>(slot(smallFree, tag), block);
  } else if (runs < MAX_RUNS) {
    store<usize>(slot(runAt, runs), block);
    store<i32>(slot(runPages, runs), -tag);
    runs++;
  } // else: too many loose runs to track; the pages stay unused
}

/** A block of at least bytes holding the first min(old, new) bytes of ptr's. */
export function realloc(ptr: usize, bytes: usize): usize {
  const fresh = alloc(bytes);
  if (ptr != 0) {
    const tag = load<i32>(ptr - HEADER, 4);
    const old = tag >= 0 ? ((<usize>16) << tag) - HEADER : <usize>(-tag) * PAGE - HEADER;
    memory.copy(fresh, ptr, old < bytes ? old : bytes);
    free(ptr);
  }
  return fresh;
}

/** Whole pages for blocks that live as long as the engine (order and level chunks). */
export function allocPages(pages: i32): usize {
  return takePages(pages);
}

export function zeroed(bytes: usize): usize {
  const p = alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}
