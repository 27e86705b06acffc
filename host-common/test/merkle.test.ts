// The batch tree: every leaf's proof leads to the root for every batch size, proofs have
// exactly proofLength hashes, and any change to a leaf, its place or a sibling leads elsewhere.

import { describe, expect, it } from 'vitest';
import { hex } from '../wire/envelope.ts';
import { sha256 } from '../wire/hash.ts';
import { batchMessage, batchTree, HASH_BYTES, MAX_BATCH, proofLength, rootOf } from '../wire/merkle.ts';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => sha256(`leaf ${i}`));

describe('batch Merkle tree', () => {
  it('every proof leads to the root, for sizes 1..70 and the largest batch', () => {
    for (const n of [...Array.from({ length: 70 }, (_, i) => i + 1), MAX_BATCH - 1, MAX_BATCH]) {
      const ls = leaves(n);
      const tree = batchTree(ls);
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        expect(proof.length).toBe(proofLength(i, n) * HASH_BYTES);
        expect(hex(rootOf(ls[i], i, n, proof))).toBe(hex(tree.root));
      }
    }
  });

  it('a batch of one is its leaf; two leaves hash with the inner-node prefix', () => {
    const [a, b] = leaves(2);
    expect(hex(batchTree([a]).root)).toBe(hex(a));
    expect(hex(batchTree([a, b]).root)).toBe(hex(sha256(Uint8Array.of(1, ...a, ...b))));
    expect(proofLength(0, 1)).toBe(0);
    expect(proofLength(4, 5)).toBe(1); // the odd last leaf moves up twice unchanged
    expect(proofLength(0, MAX_BATCH)).toBe(10);
  });

  it('a changed leaf, index or sibling does not lead to the root', () => {
    const ls = leaves(13);
    const tree = batchTree(ls);
    const root = hex(tree.root);
    for (let i = 0; i < 13; i++) {
      const proof = tree.proof(i);
      expect(hex(rootOf(sha256('other'), i, 13, proof))).not.toBe(root);
      const j = i ^ 1;
      if (j < 13 && proofLength(j, 13) === proofLength(i, 13)) expect(hex(rootOf(ls[i], j, 13, proof))).not.toBe(root);
      for (let k = 0; k < proof.length; k += HASH_BYTES) {
        const bad = proof.slice();
        bad[k] ^= 0x80;
        expect(hex(rootOf(ls[i], i, 13, bad))).not.toBe(root);
      }
    }
  });

  it('refuses empty and oversized batches; the signed message names the count', () => {
    expect(() => batchTree([])).toThrow(RangeError);
    expect(() => batchTree(leaves(MAX_BATCH + 1))).toThrow(RangeError);
    const root = batchTree(leaves(3)).root;
    expect(hex(batchMessage(3, root))).not.toBe(hex(batchMessage(4, root)));
    expect(new TextDecoder().decode(batchMessage(3, root).subarray(0, 26))).toBe('meshbook/envelope-batch/v1');
  });
});
