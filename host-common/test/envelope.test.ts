// Envelopes: canonical bytes round-trip, every non-canonical form refused, the id is the
// SHA-256 of the unsigned bytes, signatures verify; the identity's key file and peer id.

import * as fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { nodeFileSystem } from '../fs-node.ts';
import { decodeEnvelope, encodeUnsigned, type EnvelopeFields, EnvelopeError, hex, orderIdHex, orderIdOf, seal, verifyEnvelope } from '../sequencer/envelope.ts';
import { sha256 } from '../sequencer/hash.ts';
import { base58btc, loadOrCreateIdentity, peerIdOf } from '../sequencer/identity.ts';
import { createSigner, localSigner } from '../sequencer/signer.ts';
import { memoryLogger, removeDir, tempDir } from './helpers.ts';

const origin = new Uint8Array(32).map((_, i) => i + 1);
const place: EnvelopeFields = {
  market: 'BTC-USD', origin, seq: 7n, lamport: 42n, time: 1_760_000_000_000n, owner: 'alice', clock: [[1n, 3n], [9n, 1n]],
  body: { kind: C.CMD_PLACE, side: C.SIDE_SELL, type: C.TYPE_LIMIT, tif: C.TIF_GTC, flags: C.FLAG_POST_ONLY, stp: 0, price: 12345n, quantity: 500n, clientOrderId: 'cid-1' },
};

describe('envelope encoding', () => {
  it('round-trips every kind, with the id = sha-256 of the unsigned bytes', () => {
    const sig = new Uint8Array(64).fill(7);
    for (const body of [place.body, { kind: C.CMD_CANCEL, orderId: 0xdeadbeefn }, { kind: C.CMD_REDUCE, orderId: 5n, quantity: 3n }] as const) {
      const fields = { ...place, body } as EnvelopeFields;
      const unsigned = encodeUnsigned(fields);
      const e = decodeEnvelope(seal(unsigned, sig));
      expect({ ...e, id: undefined, signature: undefined, bytes: undefined }).toEqual({ ...fields, id: undefined, signature: undefined, bytes: undefined });
      expect(hex(e.id)).toBe(hex(sha256(unsigned)));
      expect(e.signature).toEqual(sig);
      expect(encodeUnsigned(e)).toEqual(unsigned); // canonical: decode then encode gives the same bytes
    }
  });

  it('refuses what is not canonical', () => {
    const good = seal(encodeUnsigned(place), new Uint8Array(64));
    const bad = (mutate: (b: Uint8Array) => Uint8Array) => () => decodeEnvelope(mutate(good.slice()));
    expect(bad((b) => ((b[0] = 2), b))).toThrow(EnvelopeError); // version
    expect(bad((b) => ((b[1] = 9), b))).toThrow(EnvelopeError); // kind
    expect(bad((b) => b.subarray(0, b.length - 1))).toThrow(EnvelopeError); // short
    expect(bad((b) => { const o = new Uint8Array(b.length + 1); o.set(b); return o; })).toThrow(EnvelopeError); // trailing byte
    expect(() => encodeUnsigned({ ...place, owner: 'a@b' })).toThrow(EnvelopeError);
    expect(() => encodeUnsigned({ ...place, clock: [[9n, 1n], [1n, 1n]] })).toThrow(/not canonical/);
    expect(() => encodeUnsigned({ ...place, body: { ...place.body, side: 2 } as never })).toThrow(EnvelopeError);
    expect(() => encodeUnsigned({ ...place, seq: 0n })).toThrow(EnvelopeError);
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

  it('signatures from the worker and from the calling thread are the same and verify', async () => {
    const dir = await tempDir('meshbook-sig-');
    try {
      const { identity } = await loadOrCreateIdentity(nodeFileSystem, dir, memoryLogger());
      const fields = { ...place, origin: identity.publicKey };
      const unsigned = encodeUnsigned(fields);
      const worker = createSigner(identity.seed);
      const local = localSigner(identity.seed);
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => worker.sign(encodeUnsigned({ ...fields, seq: BigInt(i + 1) }))));
      expect(many).toHaveLength(50);
      const [w, l] = await Promise.all([worker.sign(unsigned), local.sign(unsigned)]);
      expect(hex(w)).toBe(hex(l)); // ed25519 is deterministic
      const e = decodeEnvelope(seal(unsigned, w));
      expect(await verifyEnvelope(e)).toBe(true);
      const forged = decodeEnvelope(seal(encodeUnsigned({ ...fields, lamport: 43n }), w));
      expect(await verifyEnvelope(forged)).toBe(false);
      await worker.close();
      await expect(worker.sign(unsigned)).rejects.toThrow();
    } finally {
      await removeDir(dir);
    }
  });
});
