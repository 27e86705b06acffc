// A heartbeat on the wire: what a member announces on a market's topic, periodically, so the
// others can tell which envelopes every member has delivered (finality, pipeline/finality.ts).
// It is signed with the node's key, like its batches, and carries:
//
//   1      tag = 0x48 ('H'): a batch's first byte is its version (1), so the two never collide
//   1      version = 1
//   32     origin: the member's ed25519 public key
//   8      own seq u64: the highest seq the member has created; its envelopes after it are
//          created after this frontier was delivered, so they sort after everything in it
//   1 + m  market id, ASCII (the topic's market)
//   2      k u16: frontier entries, 0..MAX_FRONTIER
//   16k    (node u64, seq u64): the member's delivered frontier — the highest contiguous seq
//          per origin, the origin named as in vector clocks (the first 8 bytes of its key) —
//          nodes ascending, seqs >= 1
//   64     ed25519 signature over "meshbook/heartbeat/v1" || everything before it
//
// Integers little-endian, like envelopes. decodeHeartbeat checks the layout; verifyHeartbeat
// the signature.

import { verifySignature } from '../identity/verifier.ts';
import { MARKET_ID } from '../identifiers.ts';
import { hex, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './envelope.ts';

export const HEARTBEAT_TAG = 0x48;
export const HEARTBEAT_VERSION = 1;
/** The most origins one frontier may name. */
export const MAX_FRONTIER = 4096;
const DOMAIN = new TextEncoder().encode('meshbook/heartbeat/v1');

export interface Heartbeat {
  origin: Uint8Array;
  ownSeq: bigint;
  market: string;
  /** node (first 8 bytes of an origin key, big-endian) → highest contiguous seq delivered. */
  frontier: [node: bigint, seq: bigint][];
  signature: Uint8Array;
  /** The signed bytes (everything before the signature). */
  signed: Uint8Array;
}

export class HeartbeatError extends Error {
  constructor(message: string) {
    super(`heartbeat: ${message}`);
    this.name = 'HeartbeatError';
  }
}

/** Whether gossip bytes are a heartbeat (else they are a batch). */
export function isHeartbeat(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === HEARTBEAT_TAG;
}

function message(signed: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + signed.length);
  out.set(DOMAIN);
  out.set(signed, DOMAIN.length);
  return out;
}

/** The signed wire bytes of a heartbeat; `frontier` ascending by node. */
export function encodeHeartbeat(
  fields: { origin: Uint8Array; ownSeq: bigint; market: string; frontier: readonly [bigint, bigint][] },
  sign: (message: Uint8Array) => Uint8Array,
): Uint8Array {
  const { origin, ownSeq, market, frontier } = fields;
  if (origin.length !== PUBLIC_KEY_BYTES) throw new HeartbeatError('bad origin key');
  if (!MARKET_ID.test(market) || market.length > 33) throw new HeartbeatError('bad market id');
  if (frontier.length > MAX_FRONTIER) throw new HeartbeatError('frontier too large');
  const size = 2 + 32 + 8 + 1 + market.length + 2 + 16 * frontier.length;
  const out = new Uint8Array(size + SIGNATURE_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = HEARTBEAT_TAG;
  out[1] = HEARTBEAT_VERSION;
  out.set(origin, 2);
  dv.setBigUint64(34, ownSeq, true);
  let p = 42;
  out[p++] = market.length;
  for (let i = 0; i < market.length; i++) out[p++] = market.charCodeAt(i);
  dv.setUint16(p, frontier.length, true);
  p += 2;
  for (const [node, seq] of frontier) {
    dv.setBigUint64(p, node, true);
    dv.setBigUint64(p + 8, seq, true);
    p += 16;
  }
  const signature = sign(message(out.subarray(0, size)));
  if (signature.length !== SIGNATURE_BYTES) throw new HeartbeatError('bad signature length');
  out.set(signature, size);
  return out;
}

/** A heartbeat's fields, its layout checked; throws HeartbeatError on anything else. */
export function decodeHeartbeat(bytes: Uint8Array): Heartbeat {
  const fixed = 2 + 32 + 8 + 1;
  if (bytes.length < fixed + 1 + 2 + SIGNATURE_BYTES) throw new HeartbeatError('truncated');
  if (bytes[0] !== HEARTBEAT_TAG) throw new HeartbeatError('not a heartbeat');
  if (bytes[1] !== HEARTBEAT_VERSION) throw new HeartbeatError(`unknown version ${bytes[1]}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const origin = bytes.slice(2, 34);
  const ownSeq = dv.getBigUint64(34, true);
  const m = bytes[42];
  let p = 43;
  if (m < 1 || m > 33 || p + m + 2 > bytes.length) throw new HeartbeatError('bad market id');
  let market = '';
  for (let i = 0; i < m; i++) market += String.fromCharCode(bytes[p + i]);
  if (!MARKET_ID.test(market)) throw new HeartbeatError('bad market id');
  p += m;
  const k = dv.getUint16(p, true);
  p += 2;
  if (k > MAX_FRONTIER) throw new HeartbeatError('frontier too large');
  if (bytes.length !== p + 16 * k + SIGNATURE_BYTES) throw new HeartbeatError('bad length');
  const frontier: [bigint, bigint][] = [];
  for (let i = 0; i < k; i++) {
    const node = dv.getBigUint64(p, true);
    const seq = dv.getBigUint64(p + 8, true);
    if ((i > 0 && node <= frontier[i - 1][0]) || seq < 1n) throw new HeartbeatError('frontier not canonical');
    frontier.push([node, seq]);
    p += 16;
  }
  return { origin, ownSeq, market, frontier, signature: bytes.slice(p), signed: bytes.subarray(0, p) };
}

/**
 * Whether the heartbeat is signed by its origin. `verified` remembers heartbeats already
 * checked, by their signed bytes (the origin's key among them) and signature.
 */
export function verifyHeartbeat(h: Heartbeat, verified: Set<string> | null = null): boolean {
  const key = verified ? `${hex(h.signed)}:${hex(h.signature)}` : '';
  if (verified?.has(key)) return true;
  const ok = verifySignature(h.origin, message(h.signed), h.signature);
  if (ok && verified) {
    if (verified.size >= 4096) verified.clear();
    verified.add(key);
  }
  return ok;
}
