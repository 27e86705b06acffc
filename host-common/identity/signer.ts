// Signing with the node's ed25519 key, on the calling thread. The pipeline's origin signs once per
// batch of envelopes (merkle.ts), not once per envelope, so a signature (~30 µs on a small
// machine) is a small share of a batch's cost and a worker thread would cost more than it
// saves: measured on Node 24, a round trip to a signing thread cost the main thread ~10 µs per
// envelope in postMessage alone. node:crypto's ed25519 exists on Node, Deno and Bun alike.

import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, sign as signSync } from 'node:crypto';

export interface Signer {
  sign(bytes: Uint8Array): Uint8Array;
}

/** PKCS#8 wrapping of a raw ed25519 seed (RFC 8410): a fixed 16-byte prefix. */
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

export function pkcs8Of(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(48);
  out.set(PKCS8_PREFIX, 0);
  out.set(seed, 16);
  return out;
}

/** The raw 32-byte ed25519 public key of a seed. */
export function publicKeyOf(seed: Uint8Array): Uint8Array {
  const key = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8Of(seed)), format: 'der', type: 'pkcs8' }));
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

export function createSigner(seed: Uint8Array): Signer {
  const key = createPrivateKey({ key: Buffer.from(pkcs8Of(seed)), format: 'der', type: 'pkcs8' });
  return {
    sign: (bytes) => {
      const s = signSync(null, bytes, key);
      return new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
    },
  };
}
