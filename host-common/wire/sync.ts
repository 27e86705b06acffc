// The sync protocol on the wire: what a node asks a peer to catch up (pipeline/sync.ts), over
// one libp2p request/response exchange each. Two questions:
//
//   status  "what have you delivered?"
//     request   1  tag 0x53 ('S')
//     answer    1  tag 0x73 ('s')
//               8  state hash u64 (the core's, of the delivered set)
//               8  events applied u64
//               4  n u32: origins, 0..MAX_ORIGINS
//               n× 32 origin key, 8 highest contiguous seq delivered u64 >= 1; keys ascending
//
//   range   "send me these envelopes of one origin"
//     request   1  tag 0x52 ('R'), 32 origin key, 8 from u64 >= 1, 8 to u64 >= from
//     answer    1  tag 0x72 ('r'), 4 n u32 (0..MAX_RANGE), then n× (4 length u32, the
//               envelope's signed bytes as logged, envelope.ts): consecutive seqs from `from`,
//               as many as the server has and fit in one page
//
// Integers little-endian, like envelopes. Every decoder checks the layout and refuses trailing
// bytes; what an answer's envelopes are worth (signature, origin, seqs) the caller checks.

import { MAX_ENVELOPE_BYTES, PUBLIC_KEY_BYTES } from './envelope.ts';

const STATUS = 0x53;
const STATUS_ANSWER = 0x73;
const RANGE = 0x52;
const RANGE_ANSWER = 0x72;
/** The most origins a status answer names. */
export const MAX_ORIGINS = 65_536;
/** The most envelopes in one range answer. */
export const MAX_RANGE = 4096;
/** A range answer stops adding envelopes past this many bytes (it always holds at least one). */
export const RANGE_PAGE_BYTES = 1024 * 1024;
const U64_MAX = (1n << 64n) - 1n;

export class SyncWireError extends Error {
  constructor(message: string) {
    super(`sync: ${message}`);
    this.name = 'SyncWireError';
  }
}

export interface Status {
  stateHash: bigint;
  events: bigint;
  /** origin key (hex) → highest contiguous seq delivered; ascending by key. */
  frontier: [origin: Uint8Array, seq: bigint][];
}

export interface RangeRequest {
  origin: Uint8Array;
  from: bigint;
  to: bigint;
}

export type SyncRequest = { kind: 'status' } | ({ kind: 'range' } & RangeRequest);

class Reader {
  private p = 0;
  private readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.p + n > this.bytes.length) throw new SyncWireError('truncated');
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.p++];
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.p, true);
    this.p += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.p, true);
    this.p += 8;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.p, this.p + n);
    this.p += n;
    return out;
  }
  end(): void {
    if (this.p !== this.bytes.length) throw new SyncWireError(`${this.bytes.length - this.p} trailing bytes`);
  }
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function encodeStatusRequest(): Uint8Array {
  return Uint8Array.of(STATUS);
}

export function encodeRangeRequest(r: RangeRequest): Uint8Array {
  if (r.origin.length !== PUBLIC_KEY_BYTES) throw new SyncWireError('origin key must be 32 bytes');
  if (r.from < 1n || r.to < r.from || r.to > U64_MAX) throw new SyncWireError(`bad range ${r.from}..${r.to}`);
  const out = new Uint8Array(1 + 32 + 16);
  const dv = new DataView(out.buffer);
  out[0] = RANGE;
  out.set(r.origin, 1);
  dv.setBigUint64(33, r.from, true);
  dv.setBigUint64(41, r.to, true);
  return out;
}

export function decodeRequest(bytes: Uint8Array): SyncRequest {
  const r = new Reader(bytes);
  const tag = r.u8();
  if (tag === STATUS) {
    r.end();
    return { kind: 'status' };
  }
  if (tag !== RANGE) throw new SyncWireError(`unknown request ${tag}`);
  const origin = r.take(PUBLIC_KEY_BYTES);
  const from = r.u64();
  const to = r.u64();
  r.end();
  if (from < 1n || to < from) throw new SyncWireError(`bad range ${from}..${to}`);
  return { kind: 'range', origin, from, to };
}

export function encodeStatus(s: Status): Uint8Array {
  if (s.frontier.length > MAX_ORIGINS) throw new SyncWireError('too many origins');
  const frontier = [...s.frontier].sort((a, b) => compareKeys(a[0], b[0]));
  const out = new Uint8Array(1 + 8 + 8 + 4 + frontier.length * 40);
  const dv = new DataView(out.buffer);
  out[0] = STATUS_ANSWER;
  dv.setBigUint64(1, s.stateHash, true);
  dv.setBigUint64(9, s.events, true);
  dv.setUint32(17, frontier.length, true);
  let p = 21;
  for (const [origin, seq] of frontier) {
    out.set(origin, p);
    dv.setBigUint64(p + 32, seq, true);
    p += 40;
  }
  return out;
}

export function decodeStatus(bytes: Uint8Array): Status {
  const r = new Reader(bytes);
  if (r.u8() !== STATUS_ANSWER) throw new SyncWireError('not a status answer');
  const stateHash = r.u64();
  const events = r.u64();
  const n = r.u32();
  if (n > MAX_ORIGINS) throw new SyncWireError(`${n} origins`);
  r.need(n * 40);
  const frontier: Status['frontier'] = [];
  for (let i = 0; i < n; i++) {
    const origin = r.take(PUBLIC_KEY_BYTES);
    const seq = r.u64();
    if (seq < 1n) throw new SyncWireError('a frontier seq of 0');
    if (i > 0 && compareKeys(frontier[i - 1][0], origin) >= 0) throw new SyncWireError('origins not ascending');
    frontier.push([origin, seq]);
  }
  r.end();
  return { stateHash, events, frontier };
}

/** A range answer: the envelopes as given, as many as fit in one page (at least the first). */
export function encodeRange(envelopes: readonly Uint8Array[]): Uint8Array {
  let size = 5;
  let n = 0;
  for (const e of envelopes) {
    if (n === MAX_RANGE || (n > 0 && size + 4 + e.length > RANGE_PAGE_BYTES)) break;
    size += 4 + e.length;
    n++;
  }
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out[0] = RANGE_ANSWER;
  dv.setUint32(1, n, true);
  let p = 5;
  for (let i = 0; i < n; i++) {
    dv.setUint32(p, envelopes[i].length, true);
    out.set(envelopes[i], p + 4);
    p += 4 + envelopes[i].length;
  }
  return out;
}

export function decodeRange(bytes: Uint8Array): Uint8Array[] {
  const r = new Reader(bytes);
  if (r.u8() !== RANGE_ANSWER) throw new SyncWireError('not a range answer');
  const n = r.u32();
  if (n > MAX_RANGE) throw new SyncWireError(`${n} envelopes`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.u32();
    if (len > MAX_ENVELOPE_BYTES) throw new SyncWireError(`an envelope of ${len} bytes`);
    out.push(r.take(len));
  }
  r.end();
  return out;
}
