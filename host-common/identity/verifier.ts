// Checking an ed25519 signature against a peer's public key, on the calling thread (like
// signer.ts): a gossip batch costs one check, and the same few origins are heard again and
// again, so their key objects are kept (bounded: cleared when full).

import { Buffer } from 'node:buffer';
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

const SPKI_PREFIX = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const keys = new Map<string, KeyObject | null>();

function keyOf(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey).toString('hex');
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= 4096) keys.clear();
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch {
      key = null; // not an ed25519 public key
    }
    keys.set(id, key);
  }
  return key;
}

/** Whether `signature` is `publicKey`'s ed25519 signature of `message`; false for a key that is not one. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = keyOf(publicKey);
  if (key === null || publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
