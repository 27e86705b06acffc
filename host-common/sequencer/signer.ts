// Signing envelopes with the node's ed25519 key, off the main thread. Requests made in the
// same tick go to the signing thread as one message and come back as one: the main thread
// pays a few microseconds per envelope instead of a whole signature. node:worker_threads
// and node:crypto exist on Node, Deno and Bun alike. Where a worker cannot start, signing
// falls back to the calling thread.
//
// Why not WebCrypto: measured on Node 24, crypto.subtle.sign('Ed25519') costs the main
// thread ~54 µs per signature (more than signing synchronously, ~30 µs), and it resolves
// one promise per signature.

import { Buffer } from 'node:buffer';
import { createPrivateKey, sign as signSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Signer {
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** PKCS#8 wrapping of a raw ed25519 seed (RFC 8410): a fixed 16-byte prefix. */
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

export function pkcs8Of(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(48);
  out.set(PKCS8_PREFIX, 0);
  out.set(seed, 16);
  return out;
}

/** Signs on the calling thread. */
export function localSigner(seed: Uint8Array): Signer {
  const key = createPrivateKey({ key: Buffer.from(pkcs8Of(seed)), format: 'der', type: 'pkcs8' });
  return {
    sign: (bytes) => {
      try {
        const s = signSync(null, bytes, key);
        return Promise.resolve(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    close: async () => {},
  };
}

interface Waiting {
  resolve: (sig: Uint8Array) => void;
  reject: (err: Error) => void;
}

/**
 * Batches of at most this many are signed on the calling thread: a round trip to the
 * worker costs the main thread ~40 µs (postMessage) and ~70 µs of CPU in all on a small VM,
 * more than signing one or two envelopes (~30 µs each); bigger batches go to the worker.
 */
const LOCAL_MAX = 2;

/** Signs on a worker thread, batching the requests of each tick; small batches stay local. */
export function workerSigner(seed: Uint8Array): Signer {
  const local = localSigner(seed);
  const worker = new Worker(new URL('./sign-worker.ts', import.meta.url), { workerData: { pkcs8: pkcs8Of(seed) } });
  worker.unref(); // never the reason a process stays alive
  let queue: { bytes: Uint8Array; w: Waiting }[] = [];
  let scheduled = false;
  let nextId = 1;
  let failure: Error | null = null;
  const inFlight = new Map<number, Waiting[]>();

  const failAll = (err: Error) => {
    failure ??= err;
    for (const ws of inFlight.values()) for (const w of ws) w.reject(failure);
    inFlight.clear();
    for (const q of queue) q.w.reject(failure);
    queue = [];
  };
  worker.on('message', (m: { id: number; signatures?: ArrayBuffer; error?: string }) => {
    const ws = inFlight.get(m.id);
    if (!ws) return;
    inFlight.delete(m.id);
    if (m.error !== undefined || !m.signatures) {
      const err = new Error(`signing failed: ${m.error}`);
      for (const w of ws) w.reject(err);
      return;
    }
    const sigs = new Uint8Array(m.signatures);
    for (let i = 0; i < ws.length; i++) ws[i].resolve(sigs.subarray(i * 64, i * 64 + 64));
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`the signing thread exited (code ${code})`)));

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    if (batch.length <= LOCAL_MAX) {
      for (const q of batch) local.sign(q.bytes).then(q.w.resolve, q.w.reject);
      return;
    }
    let size = 0;
    for (const q of batch) size += q.bytes.length;
    const bytes = new Uint8Array(size);
    const ends = new Uint32Array(batch.length);
    let off = 0;
    batch.forEach((q, i) => {
      bytes.set(q.bytes, off);
      off += q.bytes.length;
      ends[i] = off;
    });
    const id = nextId++;
    inFlight.set(id, batch.map((q) => q.w));
    worker.ref(); // keep the process up while signatures are owed
    worker.postMessage({ id, bytes: bytes.buffer, ends }, [bytes.buffer, ends.buffer]);
  };
  worker.on('message', () => {
    if (inFlight.size === 0) worker.unref();
  });

  return {
    sign(bytes) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        queue.push({ bytes, w: { resolve, reject } });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      failure ??= new Error('signer closed');
      await worker.terminate();
    },
  };
}

/** The worker signer, or the local one where a worker cannot start. */
export function createSigner(seed: Uint8Array, where: 'worker' | 'local' = 'worker'): Signer {
  if (where === 'local') return localSigner(seed);
  try {
    return workerSigner(seed);
  } catch {
    return localSigner(seed);
  }
}
