// Envelopes: canonical bytes round-trip, every non-canonical form refused, the id is the
// SHA-256 of the unsigned bytes, signatures verify; the identity's key file and peer id.

import * as fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { nodeFileSystem } from '../fs-node.ts';
import {
  decodeEnvelope,
  encodeUnsigned,
  type EnvelopeFields,
  EnvelopeError,
  hex,
  KIND_LEAVE,
  KIND_TIME,
  orderIdHex,
  orderIdOf,
  type PlaceBody,
  seal,
  verifyEnvelope,
} from '../wire/envelope.ts';
import { sha256 } from '../wire/hash.ts';
import { base58btc, loadOrCreateIdentity, peerIdOf } from '../identity/identity.ts';
import { createSigner } from '../identity/signer.ts';
import { batchMessage, batchTree, proofLength } from '../wire/merkle.ts';
import { memoryLogger, removeDir, tempDir } from './helpers.ts';

/** What follows the unsigned bytes of a batch of one: index, count, k, signature. */
const TRAILER = 5 + 64;
const origin = new Uint8Array(32).map((_, i) => i + 1);
const place: EnvelopeFields & { body: PlaceBody } = {
  market: 'BTC-USD',
  origin,
  seq: 7n,
  lamport: 42n,
  time: 1_760_000_000_000n,
  owner: 'alice',
  clock: [
    [1n, 3n],
    [9n, 1n],
  ],
  body: {
    kind: C.CMD_PLACE,
    side: C.SIDE_SELL,
    type: C.TYPE_LIMIT,
    tif: C.TIF_GTC,
    flags: C.FLAG_POST_ONLY,
    stp: 0,
    price: 12345n,
    quantity: 500n,
    clientOrderId: 'cid-1',
  },
};

describe('envelope encoding', () => {
  it('round-trips every kind, with the id = sha-256 of the unsigned bytes', () => {
    const sig = new Uint8Array(64).fill(7);
    const advanced = [
      {
        ...place.body,
        type: C.TYPE_STOP_LIMIT,
        flags: 0,
        stp: C.STP_DECREMENT,
        stopPrice: 12000n,
        expiresAt: 1_760_000_060_000n,
      },
      { ...place.body, type: C.TYPE_STOP_MARKET, tif: C.TIF_IOC, flags: 0, price: 0n, stopPrice: 12000n },
      { ...place.body, flags: C.FLAG_OCO, stopPrice: 12000n, ocoPrice: 11990n },
      { ...place.body, flags: 0, stp: C.STP_CANCEL_BOTH, display: 50n, expiresAt: 1n },
    ];
    const amends = [
      { kind: C.CMD_AMEND, orderId: 5n, price: 12350n, quantity: 0n },
      { kind: C.CMD_AMEND, orderId: 5n, price: 0n, quantity: 9n },
      { kind: C.CMD_AMEND, orderId: 5n, price: 1n, quantity: 2n },
    ];
    for (const body of [
      place.body,
      ...advanced,
      ...amends,
      { kind: C.CMD_CANCEL, orderId: 0xdeadbeefn },
      { kind: C.CMD_REDUCE, orderId: 5n, quantity: 3n },
      { kind: KIND_TIME },
    ] as const) {
      const fields = { ...place, body } as EnvelopeFields;
      const unsigned = encodeUnsigned(fields);
      const e = decodeEnvelope(seal(unsigned, sig));
      expect({ ...e, id: undefined, signature: undefined, proof: undefined, bytes: undefined }).toEqual({
        ...fields,
        id: undefined,
        signature: undefined,
        proof: undefined,
        bytes: undefined,
      });
      expect(e.proof).toEqual({ index: 0, count: 1, siblings: new Uint8Array(0) });
      expect(hex(e.id)).toBe(hex(sha256(unsigned)));
      expect(e.signature).toEqual(sig);
      expect(encodeUnsigned(e)).toEqual(unsigned); // canonical: decode then encode gives the same bytes
    }
  });

  it('refuses what is not canonical', () => {
    const good = seal(encodeUnsigned(place), new Uint8Array(64));
    const bad = (mutate: (b: Uint8Array) => Uint8Array) => () => decodeEnvelope(mutate(good.slice()));
    const withByte = (at: number, value: number) => (b: Uint8Array) => {
      b[at] = value;
      return b;
    };
    expect(bad(withByte(0, 4))).toThrow(EnvelopeError); // version
    expect(bad(withByte(0, 0))).toThrow(EnvelopeError);
    expect(bad(withByte(1, 9))).toThrow(EnvelopeError); // kind
    expect(bad(withByte(1, 0))).toThrow(EnvelopeError);
    expect(bad(withByte(1, KIND_LEAVE + 1))).toThrow(EnvelopeError); // kind
    const time = seal(encodeUnsigned({ ...place, body: { kind: KIND_TIME } }), new Uint8Array(64));
    const timeWithByte = new Uint8Array(time.length + 1);
    timeWithByte.set(time.subarray(0, time.length - TRAILER));
    timeWithByte.set(time.subarray(time.length - TRAILER), time.length - TRAILER + 1);
    expect(() => decodeEnvelope(timeWithByte)).toThrow(EnvelopeError); // a time event has no body
    expect(bad((b) => b.subarray(0, b.length - 1))).toThrow(EnvelopeError); // short
    expect(
      bad((b) => {
        const o = new Uint8Array(b.length + 1);
        o.set(b);
        return o;
      }),
    ).toThrow(EnvelopeError); // trailing byte
    expect(() => encodeUnsigned({ ...place, owner: 'a@b' })).toThrow(EnvelopeError);
    expect(() =>
      encodeUnsigned({
        ...place,
        clock: [
          [9n, 1n],
          [1n, 1n],
        ],
      }),
    ).toThrow(/not canonical/);
    expect(() => encodeUnsigned({ ...place, body: { ...place.body, side: 2 } as never })).toThrow(EnvelopeError);
    expect(() => encodeUnsigned({ ...place, seq: 0n })).toThrow(EnvelopeError);
    expect(() => encodeUnsigned({ ...place, time: 8_640_000_000_000_001n })).toThrow(EnvelopeError); // past what a Date can show
    expect(encodeUnsigned({ ...place, time: 8_640_000_000_000_000n }).length).toBeGreaterThan(0);
    // advanced fields: ranges, and one canonical form
    for (const body of [
      { ...place.body, type: 4 },
      { ...place.body, flags: 4 },
      { ...place.body, stp: 4 },
      { ...place.body, stopPrice: -1n },
      { ...place.body, display: 1n << 63n },
      { ...place.body, expiresAt: 8_640_000_000_000_001n },
      { kind: C.CMD_AMEND, orderId: 5n, price: 0n, quantity: 0n },
      { kind: C.CMD_AMEND, orderId: 5n, price: -1n, quantity: 1n },
      { kind: C.CMD_AMEND, orderId: 0n, price: 1n, quantity: 1n },
    ])
      expect(
        () => encodeUnsigned({ ...place, body } as EnvelopeFields),
        JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)),
      ).toThrow(EnvelopeError);
    const withStop = seal(
      encodeUnsigned({ ...place, body: { ...place.body, flags: 0, type: C.TYPE_STOP_LIMIT, stopPrice: 7n } }),
      new Uint8Array(64),
    );
    const at = withStop.length - TRAILER - 9; // the extras byte, then the stop price
    expect(withStop[at]).toBe(1);
    const mutated = (f: (b: Uint8Array) => void) => () => {
      const b = withStop.slice();
      f(b);
      return decodeEnvelope(b);
    };
    expect(mutated((b) => b.fill(0, at + 1, at + 9))).toThrow(/not canonical/); // a set bit with a 0 value
    expect(mutated((b) => (b[at] = 0x11))).toThrow(/extras/); // an unknown bit
    expect(mutated((b) => (b[at] = 3))).toThrow(EnvelopeError); // a bit with no value behind it
    const amend = seal(
      encodeUnsigned({ ...place, body: { kind: C.CMD_AMEND, orderId: 5n, price: 1n, quantity: 0n } }),
      new Uint8Array(64),
    );
    expect(() =>
      decodeEnvelope(Uint8Array.from(amend).fill(0, amend.length - TRAILER - 16, amend.length - TRAILER)),
    ).toThrow(/amend/); // price and quantity both 0
  });

  it('refuses older versions (1 and 2) with a message that says so', () => {
    for (const version of [1, 2]) {
      const old = seal(encodeUnsigned(place), new Uint8Array(64));
      old[0] = version;
      expect(() => decodeEnvelope(old)).toThrow(new RegExp(`version ${version} is not read any more`));
      // version 2's own layout (no proof after the unsigned bytes) is refused the same way
      const v2 = Uint8Array.of(...encodeUnsigned(place), ...new Uint8Array(64));
      v2[0] = version;
      expect(() => decodeEnvelope(v2)).toThrow(/reads version 3 only/);
    }
  });

  it('order ids are the first 8 bytes of the envelope id, shown as 16 hex digits', () => {
    const id = sha256('x');
    expect(orderIdHex(orderIdOf(id))).toBe(hex(id).slice(0, 16));
    expect(orderIdOf(new Uint8Array(32))).toBe(1n); // 0 is not a valid core id
  });
});

describe('identity and signing', () => {
  it('creates a 0600 libp2p key on first start, loads the same on the next; peer ids look like libp2p', async () => {
    const dir = await tempDir('meshbook-id-');
    try {
      const a = await loadOrCreateIdentity(nodeFileSystem, dir, memoryLogger());
      expect(a.created).toBe(true);
      expect(a.identity.peerId).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/);
      expect((await fs.stat(`${dir}/peer-key`)).mode & 0o777).toBe(0o600);
      const b = await loadOrCreateIdentity(nodeFileSystem, dir, memoryLogger());
      expect(b.created).toBe(false);
      expect(b.identity.peerId).toBe(a.identity.peerId);
      expect(peerIdOf(b.identity.publicKey)).toBe(a.identity.peerId);
      await fs.writeFile(`${dir}/peer-key`, 'garbage');
      await expect(loadOrCreateIdentity(nodeFileSystem, dir, memoryLogger())).rejects.toThrow(/not an ed25519 key/);
    } finally {
      await removeDir(dir);
    }
    expect(base58btc(new Uint8Array([0, 0, 1]))).toBe('112');
  });

  it('one signature covers a batch: every envelope verifies alone, a changed one does not', async () => {
    const dir = await tempDir('meshbook-sig-');
    try {
      const { identity } = await loadOrCreateIdentity(nodeFileSystem, dir, memoryLogger());
      const signer = createSigner(identity.seed);
      const fields = { ...place, origin: identity.publicKey };
      const unsigned = Array.from({ length: 7 }, (_, i) => encodeUnsigned({ ...fields, seq: BigInt(i + 1) }));
      const tree = batchTree(unsigned.map((u) => sha256(u)));
      const signature = signer.sign(batchMessage(7, tree.root));
      expect(hex(signer.sign(batchMessage(7, tree.root)))).toBe(hex(signature)); // ed25519 is deterministic
      const sealed = unsigned.map((u, i) => seal(u, signature, { index: i, count: 7, siblings: tree.proof(i) }));
      for (const [i, bytes] of sealed.entries()) {
        const e = decodeEnvelope(bytes);
        expect(e.seq).toBe(BigInt(i + 1));
        expect(e.proof).toMatchObject({ index: i, count: 7 });
        expect(hex(e.id)).toBe(hex(sha256(unsigned[i])));
        expect(await verifyEnvelope(e)).toBe(true);
      }
      // the same proof on other content, or a proof for another place in the batch, fails
      const forged = decodeEnvelope(
        seal(encodeUnsigned({ ...fields, seq: 1n, lamport: 43n }), signature, {
          index: 0,
          count: 7,
          siblings: tree.proof(0),
        }),
      );
      expect(await verifyEnvelope(forged)).toBe(false);
      const moved = decodeEnvelope(seal(unsigned[1], signature, { index: 0, count: 7, siblings: tree.proof(0) }));
      expect(await verifyEnvelope(moved)).toBe(false);
      // a signature over a batch of 7 is not one over a batch of 8 with the same root
      const recounted = decodeEnvelope(seal(unsigned[0], signature, { index: 0, count: 8, siblings: tree.proof(0) }));
      expect(await verifyEnvelope(recounted)).toBe(false);
    } finally {
      await removeDir(dir);
    }
  });

  it('refuses a proof that does not fit its index and count', () => {
    const unsigned = encodeUnsigned(place);
    const good = seal(unsigned, new Uint8Array(64), {
      index: 2,
      count: 5,
      siblings: new Uint8Array(32 * proofLength(2, 5)),
    });
    expect(decodeEnvelope(good).proof).toMatchObject({ index: 2, count: 5 });
    const n = good.length;
    const broken = (at: number, value: number) => {
      const b = good.slice();
      b[n - at] = value;
      return () => decodeEnvelope(b);
    };
    expect(broken(65, proofLength(2, 5) + 1)).toThrow(EnvelopeError); //  k too large
    expect(broken(69, 5)).toThrow(EnvelopeError); //                      index = count
    expect(broken(67, 0)).toThrow(EnvelopeError); //                       count 0
    expect(broken(66, 0x10)).toThrow(EnvelopeError); //                    count above 1024
    expect(() => seal(unsigned, new Uint8Array(64), { index: 0, count: 2, siblings: new Uint8Array(0) })).toThrow(
      EnvelopeError,
    );
  });
});
