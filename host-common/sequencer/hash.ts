// SHA-256, synchronously. Envelope ids and owner ids are hashed on the request path, where
// crypto.subtle.digest's promise and thread hop cost 3-5x more than the hash itself;
// node:crypto's createHash exists on Node, Deno and Bun alike.

import { createHash } from 'node:crypto';

export function sha256(bytes: Uint8Array | string): Uint8Array {
  const d = createHash('sha256').update(bytes).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}
