// The signing thread: ed25519 signatures take ~30-45 µs of CPU each, the largest single cost
// of an order on the request path, so they run here, off the thread that serves HTTP.
// Messages in: {id, bytes: ArrayBuffer, ends: Uint32Array} (several envelopes back to back);
// out: {id, signatures: ArrayBuffer} (64 bytes each, same order) or {id, error}.

import { Buffer } from 'node:buffer';
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const key = createPrivateKey({ key: Buffer.from(workerData.pkcs8 as Uint8Array), format: 'der', type: 'pkcs8' });

parentPort!.on('message', (m: { id: number; bytes: ArrayBuffer; ends: Uint32Array }) => {
  try {
    const all = new Uint8Array(m.bytes);
    const out = new Uint8Array(m.ends.length * 64);
    let start = 0;
    for (let i = 0; i < m.ends.length; i++) {
      out.set(sign(null, all.subarray(start, m.ends[i]), key), i * 64);
      start = m.ends[i];
    }
    parentPort!.postMessage({ id: m.id, signatures: out.buffer }, [out.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
