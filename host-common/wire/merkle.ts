// Batch signatures: one ed25519 signature covers every envelope of a group commit through a
// Merkle tree of their ids. Each envelope carries its own proof (its index, the batch's size
// and the sibling hashes on its path), so it stays verifiable alone, wherever it travels.
//
// Why: a signature costs ~30 µs of CPU on a small machine, more than all the rest of an
// order's path through the node; a batch of n envelopes pays it once, plus n - 1 hashes of
// 65 bytes. A receiver can verify a batch's signature once too, by caching roots.
//
// The tree: leaves are envelope ids (SHA-256 of the unsigned bytes, which begin with the
// envelope's version byte, never 0x01); an inner node is SHA-256(0x01 || left || right).
// Each level pairs neighbours left to right; an odd last node moves up unchanged. The
// signed message is BATCH_DOMAIN || count (u16 LE) || root, so a batch signature can never be
// taken for a version-2 envelope signature (which covers bytes starting with 0x02).

import { sha256 } from './hash.ts';

export const MAX_BATCH = 1024;
export const HASH_BYTES = 32;
const DOMAIN = new TextEncoder().encode('meshbook/envelope-batch/v1');

const pair = new Uint8Array(1 + 2 * HASH_BYTES);
pair[0] = 0x01;

function node(left: Uint8Array, right: Uint8Array): Uint8Array {
  pair.set(left, 1);
  pair.set(right, 1 + HASH_BYTES);
  return sha256(pair);
}

/** How many siblings the proof of leaf `index` in a batch of `count` has. */
export function proofLength(index: number, count: number): number {
  let k = 0;
  for (let i = index, s = count; s > 1; i >>= 1, s = (s + 1) >> 1) if ((i ^ 1) < s) k++;
  return k;
}

/** The tree's levels, leaves first, root last. */
function levels(leaves: readonly Uint8Array[]): Uint8Array[][] {
  const out = [leaves as Uint8Array[]];
  for (let level = leaves as Uint8Array[]; level.length > 1; ) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? node(level[i], level[i + 1]) : level[i]);
    out.push(up);
    level = up;
  }
  return out;
}

export interface BatchTree {
  root: Uint8Array;
  /** The siblings of leaf i on its way to the root, concatenated (proofLength × 32 bytes). */
  proof(i: number): Uint8Array;
}

export function batchTree(leaves: readonly Uint8Array[]): BatchTree {
  if (leaves.length < 1 || leaves.length > MAX_BATCH)
    throw new RangeError(`a batch holds 1..${MAX_BATCH} envelopes, not ${leaves.length}`);
  const tree = levels(leaves);
  return {
    root: tree[tree.length - 1][0],
    proof(index) {
      const out = new Uint8Array(proofLength(index, leaves.length) * HASH_BYTES);
      let k = 0;
      for (let h = 0, i = index; h < tree.length - 1; h++, i >>= 1) {
        const sib = i ^ 1;
        if (sib < tree[h].length) out.set(tree[h][sib], HASH_BYTES * k++);
      }
      return out;
    },
  };
}

/** The root a leaf's proof leads to; the caller has checked that `siblings` has proofLength(index, count) hashes. */
export function rootOf(leaf: Uint8Array, index: number, count: number, siblings: Uint8Array): Uint8Array {
  let h = leaf;
  let k = 0;
  for (let i = index, s = count; s > 1; i >>= 1, s = (s + 1) >> 1) {
    if ((i ^ 1) >= s) continue;
    const sib = siblings.subarray(HASH_BYTES * k, HASH_BYTES * ++k);
    h = i & 1 ? node(sib, h) : node(h, sib);
  }
  return h;
}

/** The bytes the origin signs for a batch. */
export function batchMessage(count: number, root: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + 2 + HASH_BYTES);
  out.set(DOMAIN, 0);
  out[DOMAIN.length] = count & 0xff;
  out[DOMAIN.length + 1] = count >> 8;
  out.set(root, DOMAIN.length + 2);
  return out;
}
