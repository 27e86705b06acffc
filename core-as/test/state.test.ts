// State hash, snapshot/restore and validate(): the hash depends on the logical state only,
// snapshots round-trip on the WASM core and the reference, and a bad snapshot changes nothing.
import { describe, expect, it } from 'vitest';
import * as C from '../codes.ts';
import { command, SnapshotError } from '../types.ts';
import { Engine } from '../src/engine.ts';
import { readWasm } from '../src/wasm.ts';
import { ReferenceBook } from '../reference/book.ts';
import { generateCommands, MIXES } from '../gen/commands.ts';

const wasm = readWasm('debug');
const place = (id: number, owner: number, side: number, price: number, qty: number) =>
  command({ kind: C.CMD_PLACE, id: BigInt(id), owner: BigInt(owner), side, price: BigInt(price), qty: BigInt(qty) });

function loaded(): Engine {
  const e = Engine.create(wasm, { markets: 2 });
  e.execute(generateCommands(42, 3000, MIXES.resting));
  return e;
}

describe('stateHash', () => {
  it('is the same for the same logical state reached by different histories', () => {
    const a = Engine.create(wasm);
    const b = Engine.create(wasm);
    a.execute([place(1, 1, 0, 100, 5), place(2, 1, 0, 101, 5)]);
    // b takes a detour: extra orders that leave no trace, other slot and level reuse
    b.execute([place(9, 3, 0, 50, 1), place(8, 3, 1, 500, 1), place(1, 1, 0, 100, 5)]);
    b.execute([
      command({ kind: C.CMD_CANCEL, id: 9n, owner: 3n }),
      command({ kind: C.CMD_CANCEL, id: 8n, owner: 3n }),
      place(2, 1, 0, 101, 5),
    ]);
    expect(b.stateHash()).toBe(a.stateHash());
  });

  it('changes with FIFO order, remaining, owner and market', () => {
    const base = [place(1, 1, 0, 100, 5), place(2, 2, 0, 100, 5)];
    const hash = (cmds: ReturnType<typeof place>[], markets = 1) => {
      const e = Engine.create(wasm, { markets });
      e.execute(cmds);
      return e.stateHash();
    };
    const h = hash(base);
    expect(hash([base[1], base[0]])).not.toBe(h);
    expect(hash([base[0], place(2, 2, 0, 100, 6)])).not.toBe(h);
    expect(hash([base[0], place(2, 3, 0, 100, 5)])).not.toBe(h);
    expect(hash(base, 2)).not.toBe(h);
  });

  it('agrees with the reference', () => {
    const cmds = generateCommands(7, 2000, MIXES.crossing);
    const e = Engine.create(wasm, { markets: 2 });
    const r = new ReferenceBook({ markets: 2 });
    e.execute(cmds);
    r.execute(cmds);
    expect(e.stateHash()).toBe(r.stateHash());
  });
});

describe('snapshot and restore', () => {
  it('round-trips: same hash, same snapshot bytes, same events afterwards', () => {
    const a = loaded();
    const snap = a.snapshot();
    const b = Engine.create(wasm);
    b.restore(snap);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.snapshot()).toEqual(snap);
    expect(b.validate()).toBeNull();
    const more = generateCommands(43, 2000, MIXES.crossing);
    expect(b.execute(more)).toEqual(a.execute(more));
    expect(b.stateHash()).toBe(a.stateHash());
  });

  it('restores into the reference and back', () => {
    const a = loaded();
    const r = new ReferenceBook();
    r.restore(a.snapshot());
    expect(r.stateHash()).toBe(a.stateHash());
    const more = generateCommands(44, 2000, MIXES.crossing);
    expect(r.execute(more)).toEqual(a.execute(more));
    const b = Engine.create(wasm);
    b.restore(r.snapshot());
    expect(b.stateHash()).toBe(a.stateHash());
  });

  it('keeps maxOrders and market count', () => {
    const a = Engine.create(wasm, { markets: 3, maxOrders: 5 });
    const b = Engine.create(wasm);
    b.restore(a.snapshot());
    expect(b.marketCount()).toBe(3);
    b.execute([1, 2, 3, 4, 5].map((i) => place(i, 1, 0, 100 + i, 1)));
    expect(b.execute([place(6, 1, 0, 50, 1)])[0].reason).toBe(C.REJ_CAPACITY);
  });

  function refusedWithoutChange(bytes: Uint8Array, message: RegExp): void {
    for (const book of [loaded(), new ReferenceBook({ markets: 2 })]) {
      if (book instanceof ReferenceBook) message = /snapshot: /;
      if (book instanceof ReferenceBook) book.execute(generateCommands(42, 3000, MIXES.resting));
      const before = book.stateHash();
      expect(() => book.restore(bytes)).toThrow(SnapshotError);
      expect(() => book.restore(bytes)).toThrow(message);
      expect(book.stateHash()).toBe(before);
      if (book instanceof Engine) expect(book.validate()).toBeNull();
    }
  }

  it('refuses a truncated snapshot, at every cut, and changes nothing', () => {
    const snap = loaded().snapshot();
    for (const cut of [0, 7, 8, 39, 40, snap.length >> 1, snap.length - 8, snap.length - 1]) {
      refusedWithoutChange(snap.subarray(0, cut), /length|checksum/);
    }
  });

  it('refuses flipped bits anywhere', () => {
    const snap = loaded().snapshot();
    for (const at of [0, 9, 17, 30, snap.length >> 1, snap.length - 3]) {
      const bad = snap.slice();
      bad[at] ^= 0x10;
      refusedWithoutChange(bad, /magic|version|checksum/);
    }
  });

  it('refuses well-checksummed snapshots with impossible content', () => {
    // craft the words, then seal them with a valid checksum, so only the structure checks can refuse
    const { encodeSnapshot } = awaitState();
    type Order = referenceState.LogicalOrder;
    type Stop = referenceState.LogicalStop;
    const order = (id: bigint, visible = 5n, more: Partial<Order> = {}): Order => ({
      id,
      owner: 1n,
      visible,
      hidden: 0n,
      display: 0n,
      expiresAt: 0n,
      postOnly: false,
      stp: 0,
      oco: false,
      stopPrice: 0n,
      ocoPrice: 0n,
      ...more,
    });
    const stop = (id: bigint, stopPrice: bigint, more: Partial<Stop> = {}): Stop => ({
      id,
      oco: false,
      owner: 1n,
      qty: 5n,
      type: C.TYPE_STOP_MARKET,
      tif: C.TIF_IOC,
      stp: 0,
      price: 0n,
      stopPrice,
      expiresAt: 0n,
      ...more,
    });
    const market = (
      bids: referenceState.LogicalLevel[],
      asks: referenceState.LogicalLevel[] = [],
      buyStops: Stop[] = [],
      sellStops: Stop[] = [],
      lastPrice = 0n,
    ) => ({ lastPrice, bids, asks, buyStops, sellStops });
    const one = (m: ReturnType<typeof market>, maxOrders = 10) => ({ maxOrders, markets: [m] });
    const oco = order(5n, 5n, { oco: true, stopPrice: 20n });
    const cases: [string, referenceState.LogicalState][] = [
      ['duplicate id', one(market([{ price: 10n, orders: [order(1n)] }], [{ price: 11n, orders: [order(1n)] }]))],
      ['crossed', one(market([{ price: 11n, orders: [order(1n)] }], [{ price: 11n, orders: [order(2n)] }]))],
      [
        'unsorted',
        one(
          market([
            { price: 10n, orders: [order(1n)] },
            { price: 12n, orders: [order(2n)] },
          ]),
        ),
      ],
      ['zero remaining', one(market([{ price: 10n, orders: [order(1n, 0n)] }]))],
      ['order id 0', one(market([{ price: 10n, orders: [order(0n)] }]))],
      ['too many orders', one(market([{ price: 10n, orders: [order(1n), order(2n)] }]), 1)],
      [
        'overflowing level',
        one(market([{ price: 1n, orders: [order(1n, 1n << 62n), order(2n, 1n << 62n), order(3n, 1n << 62n)] }])),
      ],
      ['empty level', one(market([{ price: 10n, orders: [] }]))],
      [
        'iceberg showing more than its display',
        one(market([{ price: 10n, orders: [order(1n, 5n, { display: 4n, hidden: 3n })] }])),
      ],
      ['OCO without its stop entry', one(market([{ price: 10n, orders: [oco] }]))],
      [
        'OCO stop entry naming no OCO',
        one(market([{ price: 10n, orders: [order(1n)] }], [], [stop(1n, 20n, { oco: true })])),
      ],
      [
        'OCO stop entry on the wrong side',
        one(market([{ price: 10n, orders: [oco] }], [], [], [stop(5n, 20n, { oco: true })])),
      ],
      ['stops out of trigger order', one(market([], [], [stop(1n, 30n), stop(2n, 20n)]))],
      ['a stop already past its trigger', one(market([], [], [stop(1n, 30n)], [], 35n))],
      ['stop-market with a price', one(market([], [], [stop(1n, 30n, { price: 5n })]))],
      ['stop that rests twice (duplicate id)', one(market([{ price: 10n, orders: [order(1n)] }], [], [stop(1n, 30n)]))],
    ];
    for (const [name, state] of cases) {
      expect(() => referenceState.decodeSnapshot(encodeSnapshot(state)), name).toThrow(SnapshotError);
      refusedWithoutChange(encodeSnapshot(state), /structure|duplicate|links/);
    }
  });
});

describe('validate', () => {
  it('holds after a long random run', () => {
    const e = Engine.create(wasm, { markets: 3 });
    e.execute(generateCommands(5, 20_000, MIXES.illegal));
    expect(e.validate()).toBeNull();
  });
});

describe('memory', () => {
  it('1M resting orders fit in under 100 MB of linear memory', () => {
    const e = Engine.create(readWasm('release'));
    const n = 1_000_000;
    const batch = 50_000;
    // records written directly: BigInt-free, so the test spends its time in the core
    const records = new Uint8Array(batch * C.CMD_SIZE);
    const view = new DataView(records.buffer);
    for (let start = 0; start < n; start += batch) {
      for (let k = 0; k < batch; k++) {
        const i = start + k;
        const at = k * C.CMD_SIZE;
        const sell = i & 1;
        view.setUint8(at + C.CMD_OFF_KIND, C.CMD_PLACE);
        view.setUint8(at + C.CMD_OFF_SIDE, sell);
        view.setUint32(at + C.CMD_OFF_ID, i + 1, true);
        view.setUint32(at + C.CMD_OFF_OWNER, (i % 50) + 1, true);
        view.setUint32(at + C.CMD_OFF_PRICE, sell ? 10_001 + (i % 5000) : 9_999 - (i % 5000), true);
        view.setUint32(at + C.CMD_OFF_QTY, 10, true);
      }
      e.executeRaw(records, batch);
    }
    expect(e.orderCount()).toBe(n);
    expect(e.validate()).toBeNull();
    const { linear } = e.memory();
    expect(linear).toBeLessThan(100_000_000);
  });
});

import * as referenceState from '../reference/state.ts';
function awaitState() {
  return referenceState;
}

describe('memory images', () => {
  it('an image taken into a lent buffer, after the book grew past it, rewinds to the state it was taken of', () => {
    for (const build of ['debug', 'release'] as const) {
      const e = Engine.create(readWasm(build), { markets: 2 });
      expect(e.imageable).toBe(true);
      e.execute(generateCommands(5, 500, MIXES.resting));
      const old = e.image();
      const oldBytes = old.memory.buffer.byteLength;
      // far more resting orders: linear memory grows past the old image's room
      e.execute(generateCommands(6, 20_000, MIXES.resting));
      expect(e.memory().linear).toBeGreaterThan(oldBytes);
      const image = e.image(old);
      // grown in place where the runtime has resizable buffers, else a fresh buffer
      if ((old.memory.buffer as ArrayBuffer).resizable) expect(image.memory.buffer).toBe(old.memory.buffer);
      const at = { snapshot: e.snapshot(), hash: e.stateHash() };
      e.execute(generateCommands(7, 3000, MIXES.crossing));
      expect(e.stateHash()).not.toBe(at.hash);
      e.rewindImage(image);
      expect(e.stateHash()).toBe(at.hash);
      expect(e.snapshot()).toEqual(at.snapshot);
      expect(e.validate()).toBeNull();
    }
  });
});
