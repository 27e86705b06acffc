// The event envelope: how every accepted command travels and is stored. The WAL holds
// envelopes, and the network will gossip the same bytes unchanged, so the encoding is
// canonical: one fixed binary layout, every field range-checked on decode, no trailing
// bytes. An envelope's id is the SHA-256 of its unsigned bytes (content addressing). The
// origin signs batches: one ed25519 signature covers every envelope of a group commit through
// a Merkle tree of their ids, and each envelope carries its path to the root (merkle.ts).
//
// Layout, version 3 (integers little-endian, like the core's records):
//
//   size   field
//   1      version = 3
//   1      kind: 1 place, 2 cancel, 3 reduce, 4 amend (= the core's CMD_*), 5 time, 6 join, 7 leave
//   1 + m  market id, ASCII, 1..33 bytes ("BTC-USD")
//   32     origin: the ed25519 public key of the node that created it (its peer id)
//   8      origin seq, u64 >= 1: consecutive per origin
//   8      Lamport time, u64 >= 1
//   8      origin wall-clock time, ms since 1970, 0..8.64e15 (JavaScript's Date range): createdAt, and the command's time in
//          the core (good-till-time orders expire by it, so every replica and every replay
//          expires them at the same point of the stream; never the local clock at apply time)
//   1 + o  owner name, ASCII [A-Za-z0-9_.-], 1..64 bytes; qualified as owner@<origin peer id>
//   1 + 16k vector clock (compact): k (node u64, counter u64) pairs, nodes ascending, counters >= 1
//   body   place:  side u8, type u8, tif u8, flags u8, stp u8, price i64 (ticks), quantity i64 (lots),
//                  1 + c client order id (0..64 bytes, 0 = none),
//                  extras u8 (bit 0 stopPrice, 1 display, 2 expiresAt, 3 ocoPrice), then one i64 > 0
//                  per set bit in bit order; a bit is set exactly when its value is not 0 (expiresAt
//                  in ms, within the Date range like the time above)
//          cancel: order id u64
//          reduce: order id u64, new remaining quantity i64 (lots); the API writes amend now, a
//                  reduce keeps its old meaning (never adds: a larger quantity is refused)
//          amend:  order id u64, new price i64 (ticks, 0 = keep), new remaining quantity i64 (lots,
//                  0 = keep); not both 0
//          time:   empty. The node's own clock event: good-till-time orders whose expiresAt its time
//                  reached expire (the core's time-only command). The owner is TIME_OWNER, unused.
//          join, leave: empty. The origin becomes a member of the market, or stops being one
//                  (pipeline/finality.ts); to the book they are time events. Owner TIME_OWNER.
//   ---    the unsigned bytes end here; the id is their SHA-256
//   32k    proof: the sibling hashes on the id's path to the batch's Merkle root, leaf first
//   2      index u16: the envelope's place in its batch, < count
//   2      count u16: the batch's size, 1..1024
//   1      k u8: how many siblings, exactly what (index, count) needs
//   64     ed25519 signature over "meshbook/envelope-batch/v1" || count u16 || root
//
// Only version 3 is read: bytes of another version are refused with a message that says so.
//
// Total order for the network: (Lamport, origin, origin seq).

import * as C from '../../core-as/codes.ts';
import { verifySignature } from '../identity/verifier.ts';
import { sha256 } from './hash.ts';
import { batchMessage, HASH_BYTES, MAX_BATCH, proofLength, rootOf } from './merkle.ts';
import { CLIENT_ORDER_ID, MARKET_ID, OWNER_NAME } from '../identifiers.ts';

export const ENVELOPE_VERSION = 3;
/** The kind of a time event: not a core command, it carries only its time. */
export const KIND_TIME = 5;
/** Membership events: the origin joins the market (on start) or leaves it (on graceful stop). */
export const KIND_JOIN = 6;
export const KIND_LEAVE = 7;
/** The owner name a time event carries: no owner acts in it. */
export const TIME_OWNER = 'node';
export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;
/** index u16, count u16, k u8: the fixed part of version 3's proof. */
const PROOF_FIXED_BYTES = 5;
/** The deepest proof: a full batch of MAX_BATCH leaves. */
const MAX_PROOF_HASHES = Math.ceil(Math.log2(MAX_BATCH));
// version, kind, market, origin, seq/lamport/time, owner, clock, the largest body (place), proof, signature
export const MAX_ENVELOPE_BYTES =
  2 +
  34 +
  32 +
  24 +
  65 +
  1 +
  255 * 16 +
  21 +
  65 +
  1 +
  4 * 8 +
  MAX_PROOF_HASHES * HASH_BYTES +
  PROOF_FIXED_BYTES +
  SIGNATURE_BYTES;
/** The place body's optional i64s, in the order of their extras bits. */
const EXTRAS = ['stopPrice', 'display', 'expiresAt', 'ocoPrice'] as const;

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
/** The last millisecond a JavaScript Date can show: times beyond it could not be formatted. */
export const MAX_TIME_MS = 8_640_000_000_000_000n;

export interface PlaceBody {
  kind: typeof C.CMD_PLACE;
  side: number;
  type: number;
  tif: number;
  flags: number;
  stp: number;
  price: bigint;
  quantity: bigint;
  clientOrderId: string; // "" for none
  // Advanced orders (absent = 0): the core's Command fields of the same names.
  stopPrice?: bigint; // ticks: stop orders, and an OCO's stop leg
  display?: bigint; //   lots: iceberg display quantity
  expiresAt?: bigint; // ms since 1970: good-till-time
  ocoPrice?: bigint; //  ticks: an OCO stop leg's limit price (0: stop-market)
}

export interface CancelBody {
  kind: typeof C.CMD_CANCEL;
  orderId: bigint;
}

export interface ReduceBody {
  kind: typeof C.CMD_REDUCE;
  orderId: bigint;
  /** The order's new remaining quantity, in lots (not the amount taken off). */
  quantity: bigint;
}

export interface AmendBody {
  kind: typeof C.CMD_AMEND;
  orderId: bigint;
  /** The new price in ticks; 0 keeps the price. */
  price: bigint;
  /** The new remaining quantity in lots (not a difference); 0 keeps it. */
  quantity: bigint;
}

/** A time event: good-till-time orders due by the envelope's time expire. */
export interface TimeBody {
  kind: typeof KIND_TIME;
}

/** A membership event: the origin joins or leaves the market; to the book, a time event. */
export interface MemberBody {
  kind: typeof KIND_JOIN | typeof KIND_LEAVE;
}

/** What an owner asks for. */
export type OrderBody = PlaceBody | CancelBody | ReduceBody | AmendBody;
export type Body = OrderBody | TimeBody | MemberBody;

/** Whether a body carries nothing but the envelope's time (time, join, leave). */
export function timeOnly(b: Body): b is TimeBody | MemberBody {
  return b.kind === KIND_TIME || b.kind === KIND_JOIN || b.kind === KIND_LEAVE;
}

export interface EnvelopeFields {
  market: string;
  origin: Uint8Array; // 32-byte ed25519 public key
  seq: bigint;
  lamport: bigint;
  time: bigint;
  owner: string;
  clock: [node: bigint, counter: bigint][];
  body: Body;
}

/** Where an envelope sits in the batch its signature covers. */
export interface BatchProof {
  index: number;
  count: number;
  /** The sibling hashes on the way to the root, 32 bytes each, leaf first. */
  siblings: Uint8Array;
}

export interface Envelope extends EnvelopeFields {
  /** SHA-256 of the unsigned bytes. */
  id: Uint8Array;
  signature: Uint8Array;
  /** Where it sits in the batch its signature covers. */
  proof: BatchProof;
  /** The signed wire bytes: unsigned bytes, proof, signature. */
  bytes: Uint8Array;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(`envelope: ${message}`);
    this.name = 'EnvelopeError';
  }
}

/** Writes an ASCII string (checked by the callers' patterns) at `at`. */
function putAscii(out: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
}

function bodySize(b: Body): number {
  if (timeOnly(b)) return 0;
  if (b.kind === C.CMD_PLACE)
    return 5 + 16 + 1 + b.clientOrderId.length + 1 + EXTRAS.filter((k) => (b[k] ?? 0n) !== 0n).length * 8;
  return b.kind === C.CMD_CANCEL ? 8 : b.kind === C.CMD_REDUCE ? 16 : 24;
}

/** The canonical unsigned bytes; throws EnvelopeError on a field out of range. */
export function encodeUnsigned(e: EnvelopeFields): Uint8Array {
  if (!MARKET_ID.test(e.market)) throw new EnvelopeError(`bad market id ${JSON.stringify(e.market)}`);
  if (!OWNER_NAME.test(e.owner)) throw new EnvelopeError(`bad owner ${JSON.stringify(e.owner)}`);
  if (e.origin.length !== PUBLIC_KEY_BYTES) throw new EnvelopeError('origin must be a 32-byte public key');
  if (e.clock.length > 255) throw new EnvelopeError('vector clock too long');
  const size = 2 + 1 + e.market.length + 32 + 24 + 1 + e.owner.length + 1 + e.clock.length * 16 + bodySize(e.body);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let p = 0;
  out[p++] = ENVELOPE_VERSION;
  out[p++] = e.body.kind;
  out[p++] = e.market.length;
  putAscii(out, p, e.market);
  p += e.market.length;
  out.set(e.origin, p);
  p += 32;
  if (e.seq < 1n || e.seq > U64_MAX || e.lamport < 1n || e.lamport > U64_MAX || e.time < 0n || e.time > MAX_TIME_MS) {
    throw new EnvelopeError('seq, lamport or time out of range');
  }
  dv.setBigUint64(p, e.seq, true);
  dv.setBigUint64(p + 8, e.lamport, true);
  dv.setBigInt64(p + 16, e.time, true);
  p += 24;
  out[p++] = e.owner.length;
  putAscii(out, p, e.owner);
  p += e.owner.length;
  out[p++] = e.clock.length;
  let prev = -1n;
  for (const [node, counter] of e.clock) {
    if (node <= prev || node > U64_MAX || counter < 1n || counter > U64_MAX)
      throw new EnvelopeError('vector clock not canonical');
    dv.setBigUint64(p, node, true);
    dv.setBigUint64(p + 8, counter, true);
    p += 16;
    prev = node;
  }
  const b = e.body;
  if (b.kind === C.CMD_PLACE) {
    if (!validPlace(b)) throw new EnvelopeError('place body out of range');
    out[p] = b.side;
    out[p + 1] = b.type;
    out[p + 2] = b.tif;
    out[p + 3] = b.flags;
    out[p + 4] = b.stp;
    dv.setBigInt64(p + 5, b.price, true);
    dv.setBigInt64(p + 13, b.quantity, true);
    out[p + 21] = b.clientOrderId.length;
    putAscii(out, p + 22, b.clientOrderId);
    p += 22 + b.clientOrderId.length;
    const mask = p++;
    EXTRAS.forEach((key, bit) => {
      const v = b[key] ?? 0n;
      if (v === 0n) return;
      out[mask] |= 1 << bit;
      dv.setBigInt64(p, v, true);
      p += 8;
    });
  } else if (!timeOnly(b)) {
    if (b.orderId < 1n || b.orderId > U64_MAX) throw new EnvelopeError('order id out of range');
    dv.setBigUint64(p, b.orderId, true);
    if (b.kind === C.CMD_REDUCE) {
      if (b.quantity < 1n || b.quantity > I64_MAX) throw new EnvelopeError('reduce quantity out of range');
      dv.setBigInt64(p + 8, b.quantity, true);
    }
    if (b.kind === C.CMD_AMEND) {
      if (!validAmend(b)) throw new EnvelopeError('amend body out of range');
      dv.setBigInt64(p + 8, b.price, true);
      dv.setBigInt64(p + 16, b.quantity, true);
    }
  }
  return out;
}

/** Ranges only: which combinations make an order is the core's business (its rejects are outcomes). */
function validPlace(b: PlaceBody): boolean {
  const extrasOk =
    EXTRAS.every((k) => b[k] === undefined || (b[k]! >= 0n && b[k]! <= I64_MAX)) && (b.expiresAt ?? 0n) <= MAX_TIME_MS;
  return (
    (b.side === C.SIDE_BUY || b.side === C.SIDE_SELL) &&
    b.type >= C.TYPE_LIMIT &&
    b.type <= C.TYPE_STOP_MARKET &&
    b.tif >= C.TIF_GTC &&
    b.tif <= C.TIF_FOK &&
    (b.flags & ~(C.FLAG_POST_ONLY | C.FLAG_OCO)) === 0 &&
    b.stp >= C.STP_CANCEL_RESTING &&
    b.stp <= C.STP_DECREMENT &&
    b.price >= 0n &&
    b.price <= I64_MAX &&
    b.quantity >= 1n &&
    b.quantity <= I64_MAX &&
    extrasOk &&
    (b.clientOrderId === '' || CLIENT_ORDER_ID.test(b.clientOrderId)) // '': none
  );
}

function validAmend(b: AmendBody): boolean {
  return (
    b.price >= 0n &&
    b.price <= I64_MAX &&
    b.quantity >= 0n &&
    b.quantity <= I64_MAX &&
    (b.price > 0n || b.quantity > 0n)
  );
}

const SINGLE: BatchProof = { index: 0, count: 1, siblings: new Uint8Array(0) };

/** Signed wire bytes: the unsigned bytes, the proof (a batch of one by default) and the batch's signature. */
export function seal(unsigned: Uint8Array, signature: Uint8Array, proof: BatchProof = SINGLE): Uint8Array {
  const out = new Uint8Array(sealedSize(unsigned, proof));
  sealInto(out, 0, unsigned, signature, proof);
  return out;
}

/** The length of seal()'s bytes. */
export function sealedSize(unsigned: Uint8Array, proof: BatchProof): number {
  return unsigned.length + proof.siblings.length + PROOF_FIXED_BYTES + SIGNATURE_BYTES;
}

/** seal() into `out` at `at` (a batch's envelopes can share one buffer); returns where it ends. */
export function sealInto(
  out: Uint8Array,
  at: number,
  unsigned: Uint8Array,
  signature: Uint8Array,
  proof: BatchProof,
): number {
  if (signature.length !== SIGNATURE_BYTES) throw new EnvelopeError('signature must be 64 bytes');
  const { index, count, siblings } = proof;
  if (
    count < 1 ||
    count > MAX_BATCH ||
    index < 0 ||
    index >= count ||
    siblings.length !== proofLength(index, count) * HASH_BYTES
  ) {
    throw new EnvelopeError('batch proof does not fit its index and count');
  }
  out.set(unsigned, at);
  let p = at + unsigned.length;
  out.set(siblings, p);
  p += siblings.length;
  out[p++] = index & 0xff;
  out[p++] = index >> 8;
  out[p++] = count & 0xff;
  out[p++] = count >> 8;
  out[p++] = siblings.length / HASH_BYTES;
  out.set(signature, p);
  return p + SIGNATURE_BYTES;
}

/** The message an envelope's signature covers: its batch's. */
export function signedMessage(e: Envelope): Uint8Array {
  return batchMessage(e.proof.count, rootOf(e.id, e.proof.index, e.proof.count, e.proof.siblings));
}

/**
 * Decodes signed wire bytes, checking every field; throws EnvelopeError on anything not
 * canonical. Does not verify the signature (see verifyEnvelope): the node's own log is
 * covered by checksums, while bytes from the network must be verified.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length > 0 && bytes[0] >= 1 && bytes[0] < ENVELOPE_VERSION) {
    throw new EnvelopeError(
      `version ${bytes[0]} is not read any more (this node reads version ${ENVELOPE_VERSION} only): the data was written by an older node`,
    );
  }
  if (
    bytes.length > MAX_ENVELOPE_BYTES ||
    bytes.length < 2 + 1 + 32 + 24 + 2 + 1 + PROOF_FIXED_BYTES + SIGNATURE_BYTES // a time event has no body
  ) {
    throw new EnvelopeError(`bad length ${bytes.length}`);
  }
  if (bytes[0] !== ENVELOPE_VERSION) throw new EnvelopeError(`unknown version ${bytes[0]}`);
  const n = bytes.length;
  const siblings = bytes[n - 65];
  const count = bytes[n - 67] | (bytes[n - 66] << 8);
  const index = bytes[n - 69] | (bytes[n - 68] << 8);
  if (count < 1 || count > MAX_BATCH || index >= count || siblings !== proofLength(index, count))
    throw new EnvelopeError('batch proof not canonical');
  const end = n - SIGNATURE_BYTES - PROOF_FIXED_BYTES - siblings * HASH_BYTES;
  if (end < 2) throw new EnvelopeError('truncated');
  const proof: BatchProof = { index, count, siblings: bytes.slice(end, end + siblings * HASH_BYTES) };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const need = (n: number) => {
    if (p + n > end) throw new EnvelopeError('truncated');
  };
  const str = (max: number, min: number): string => {
    need(1);
    const n = bytes[p++];
    if (n < min || n > max) throw new EnvelopeError('string length out of range');
    need(n);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[p + i]);
    p += n;
    return s;
  };
  need(2);
  p++; // the version, checked above
  const kind = bytes[p++];
  if (kind < C.CMD_PLACE || kind > KIND_LEAVE) throw new EnvelopeError(`unknown kind ${kind}`);
  const market = str(33, 1);
  if (!MARKET_ID.test(market)) throw new EnvelopeError('bad market id');
  need(32 + 24);
  const origin = bytes.slice(p, p + 32);
  p += 32;
  const seq = dv.getBigUint64(p, true);
  const lamport = dv.getBigUint64(p + 8, true);
  const time = dv.getBigInt64(p + 16, true);
  p += 24;
  if (seq < 1n || lamport < 1n || time < 0n || time > MAX_TIME_MS)
    throw new EnvelopeError('seq, lamport or time out of range');
  const owner = str(64, 1);
  if (!OWNER_NAME.test(owner)) throw new EnvelopeError('bad owner');
  need(1);
  const k = bytes[p++];
  need(k * 16);
  const clock: [bigint, bigint][] = [];
  for (let i = 0; i < k; i++) {
    const node = dv.getBigUint64(p, true);
    const counter = dv.getBigUint64(p + 8, true);
    if ((i > 0 && node <= clock[i - 1][0]) || counter < 1n) throw new EnvelopeError('vector clock not canonical');
    clock.push([node, counter]);
    p += 16;
  }
  let body: Body;
  if (kind === KIND_TIME || kind === KIND_JOIN || kind === KIND_LEAVE) {
    body = { kind } as TimeBody | MemberBody;
  } else if (kind === C.CMD_PLACE) {
    need(21);
    const place = {
      kind: C.CMD_PLACE,
      side: bytes[p],
      type: bytes[p + 1],
      tif: bytes[p + 2],
      flags: bytes[p + 3],
      stp: bytes[p + 4],
      price: dv.getBigInt64(p + 5, true),
      quantity: dv.getBigInt64(p + 13, true),
      clientOrderId: '',
    } as PlaceBody;
    p += 21;
    place.clientOrderId = str(64, 0);
    {
      need(1);
      const mask = bytes[p++];
      if (mask >> EXTRAS.length !== 0) throw new EnvelopeError('unknown place extras');
      for (let bit = 0; bit < EXTRAS.length; bit++) {
        if ((mask & (1 << bit)) === 0) continue;
        need(8);
        const v = dv.getBigInt64(p, true);
        if (v <= 0n) throw new EnvelopeError('place extra not canonical');
        place[EXTRAS[bit]] = v;
        p += 8;
      }
    }
    if (!validPlace(place)) throw new EnvelopeError('place body out of range');
    body = place;
  } else {
    need(kind === C.CMD_CANCEL ? 8 : kind === C.CMD_REDUCE ? 16 : 24);
    const orderId = dv.getBigUint64(p, true);
    if (orderId === 0n) throw new EnvelopeError('order id 0');
    if (kind === C.CMD_CANCEL) {
      body = { kind: C.CMD_CANCEL, orderId };
      p += 8;
    } else if (kind === C.CMD_REDUCE) {
      const quantity = dv.getBigInt64(p + 8, true);
      if (quantity < 1n) throw new EnvelopeError('reduce quantity out of range');
      body = { kind: C.CMD_REDUCE, orderId, quantity };
      p += 16;
    } else {
      const amend: AmendBody = {
        kind: C.CMD_AMEND,
        orderId,
        price: dv.getBigInt64(p + 8, true),
        quantity: dv.getBigInt64(p + 16, true),
      };
      if (!validAmend(amend)) throw new EnvelopeError('amend body out of range');
      body = amend;
      p += 24;
    }
  }
  if (p !== end) throw new EnvelopeError(`${end - p} trailing bytes`);
  const unsigned = bytes.subarray(0, end);
  return {
    market,
    origin,
    seq,
    lamport,
    time,
    owner,
    clock,
    body,
    id: sha256(unsigned),
    signature: bytes.slice(bytes.length - SIGNATURE_BYTES),
    proof,
    bytes,
  };
}

/** Checks an envelope's signature against its origin key (for bytes from the network). */
export async function verifyEnvelope(e: Envelope): Promise<boolean> {
  return verifySignature(e.origin, signedMessage(e), e.signature);
}

/** The core's u64 order id of a place envelope: the first 8 bytes of its id, big-endian (so its hex is the id's prefix). */
export function orderIdOf(id: Uint8Array): bigint {
  const n = new DataView(id.buffer, id.byteOffset, 8).getBigUint64(0, false);
  return n === 0n ? 1n : n; // 0 is not a valid order id; a 2^-64 chance, mapped deterministically
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** Keys (32 bytes: origins, signatures' halves) are hexed again and again on the hot path: once per array. */
const hexOfKey = new WeakMap<Uint8Array, string>();

/** Whether two byte strings are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(bytes: Uint8Array): string {
  if (bytes.length === PUBLIC_KEY_BYTES) {
    const known = hexOfKey.get(bytes);
    if (known !== undefined) return known;
  }
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_BYTE[bytes[i]];
  if (bytes.length === PUBLIC_KEY_BYTES) hexOfKey.set(bytes, s);
  return s;
}

/** An order id as the API shows it: 16 lowercase hex digits. */
export function orderIdHex(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

/**
 * The origin key and seq of an envelope's bytes, read from their fixed places without decoding
 * the rest; null when the bytes are too short to hold them. For bytes already checked (the log).
 */
export function originAndSeqOf(bytes: Uint8Array): { origin: Uint8Array; seq: bigint } | null {
  const at = 3 + (bytes[2] ?? 0); // version, kind, market length, market
  if (bytes.length < at + 40) return null;
  const seq = new DataView(bytes.buffer, bytes.byteOffset + at + 32, 8).getBigUint64(0, true);
  return { origin: bytes.subarray(at, at + 32), seq };
}
