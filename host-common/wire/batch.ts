// A signed batch on the wire: what one gossip message carries. The envelopes of one group
// commit (of one market: a commit's envelopes go to their markets' topics) under the
// origin's one signature; each envelope keeps its Merkle path to the signed root, so the
// receiver checks the signature once per batch and every envelope on its own.
//
//   1      version = 1
//   2      n u16: envelopes, 1..MAX_BATCH
//   n ×    2 + len: u16 length, then the envelope's signed bytes (envelope.ts)
//
// decodeBatch checks the framing and each envelope's encoding, and that they form one batch
// (same origin, signature and count, distinct places in it); verifyBatch checks the one
// signature over their common root.

import { decodeEnvelope, type Envelope, hex, MAX_ENVELOPE_BYTES, sameBytes, verifyEnvelope } from './envelope.ts';
import { MAX_BATCH, rootOf } from './merkle.ts';

export const BATCH_VERSION = 1;

export class BatchError extends Error {
  constructor(message: string) {
    super(`batch: ${message}`);
    this.name = 'BatchError';
  }
}

/** The wire bytes of a batch of signed envelopes. */
export function encodeBatch(envelopes: readonly Uint8Array[]): Uint8Array {
  if (envelopes.length < 1 || envelopes.length > MAX_BATCH) throw new BatchError(`bad size ${envelopes.length}`);
  let size = 3;
  for (const e of envelopes) {
    if (e.length > MAX_ENVELOPE_BYTES) throw new BatchError('envelope too large');
    size += 2 + e.length;
  }
  const out = new Uint8Array(size);
  out[0] = BATCH_VERSION;
  out[1] = envelopes.length & 0xff;
  out[2] = envelopes.length >> 8;
  let p = 3;
  for (const e of envelopes) {
    out[p] = e.length & 0xff;
    out[p + 1] = e.length >> 8;
    out.set(e, p + 2);
    p += 2 + e.length;
  }
  return out;
}

/** The envelopes of a batch, each decoded and checked; throws BatchError (or EnvelopeError) on anything else. */
export function decodeBatch(bytes: Uint8Array): Envelope[] {
  if (bytes.length < 3) throw new BatchError('truncated');
  if (bytes[0] !== BATCH_VERSION) throw new BatchError(`unknown version ${bytes[0]}`);
  const n = bytes[1] | (bytes[2] << 8);
  if (n < 1 || n > MAX_BATCH) throw new BatchError(`bad size ${n}`);
  const out: Envelope[] = [];
  let p = 3;
  for (let i = 0; i < n; i++) {
    if (p + 2 > bytes.length) throw new BatchError('truncated');
    const len = bytes[p] | (bytes[p + 1] << 8);
    p += 2;
    if (p + len > bytes.length) throw new BatchError('truncated');
    out.push(decodeEnvelope(bytes.slice(p, p + len)));
    p += len;
  }
  if (p !== bytes.length) throw new BatchError(`${bytes.length - p} trailing bytes`);
  const first = out[0];
  const places = new Set<number>();
  for (const e of out) {
    if (!sameBytes(e.origin, first.origin)) throw new BatchError('envelopes of more than one origin');
    if (!sameBytes(e.signature, first.signature) || e.proof.count !== first.proof.count)
      throw new BatchError('envelopes of more than one signed batch');
    if (places.has(e.proof.index)) throw new BatchError('an envelope twice');
    places.add(e.proof.index);
  }
  return out;
}

/**
 * Whether a decoded batch is signed by its origin: every envelope's path leads to the same
 * root, and the signature over it verifies. `verified` remembers roots already checked (a
 * batch split over several markets' topics, or gossip's duplicates, is verified once).
 */
export async function verifyBatch(
  envelopes: readonly Envelope[],
  verified: Set<string> | null = null,
): Promise<boolean> {
  const first = envelopes[0];
  let root = '';
  for (const e of envelopes) {
    const r = hex(rootOf(e.id, e.proof.index, e.proof.count, e.proof.siblings));
    if (root !== '' && r !== root) return false;
    root = r;
  }
  const key = `${hex(first.origin)}:${root}:${hex(first.signature)}`;
  if (verified?.has(key)) return true;
  const ok = await verifyEnvelope(first);
  if (ok && verified) {
    if (verified.size >= 4096) verified.clear();
    verified.add(key);
  }
  return ok;
}
