// Lamport and vector clocks, pure functions. Times and counters are i64 and never negative;
// a result that would pass i64 max is refused (-1), never wrapped.
// A vector clock is a list of (node u64, counter i64) pairs, sorted by node (unsigned,
// strictly ascending), every counter > 0: absent nodes count as 0, so the form is canonical.
import { I64_MAX } from './book';

export function lamportTick(t: i64): i64 {
  return t < 0 || t == I64_MAX ? -1 : t + 1;
}

/** On receiving a message stamped remote: max(local, remote) + 1. */
export function lamportMerge(local: i64, remote: i64): i64 {
  if (local < 0 || remote < 0) return -1;
  return lamportTick(local > remote ? local : remote);
}

// @ts-ignore: decorator
@inline function node(v: usize, i: i32): u64 {
  return load<u64>(v + (<usize>i << 4));
}
// @ts-ignore: decorator
@inline function counter(v: usize, i: i32): i64 {
  return load<i64>(v + (<usize>i << 4), 8);
}

export function vcValid(v: usize, n: i32): bool {
  if (n < 0) return false;
  for (let i = 0; i < n; i++) {
    if (counter(v, i) <= 0) return false;
    if (i > 0 && node(v, i - 1) >= node(v, i)) return false;
  }
  return true;
}

export const VC_EQUAL = 0;
export const VC_BEFORE = 1;
export const VC_AFTER = 2;
export const VC_CONCURRENT = 3;

/** How a relates to b, or -1 if either is not canonical. */
export function vcCompare(a: usize, an: i32, b: usize, bn: i32): i32 {
  if (!vcValid(a, an) || !vcValid(b, bn)) return -1;
  let less = false; // some entry of a is below b's
  let more = false; // some entry of a is above b's
  let i = 0;
  let j = 0;
  while (i < an || j < bn) {
    if (j >= bn || (i < an && node(a, i) < node(b, j))) { more = true; i++; }
    else if (i >= an || node(b, j) < node(a, i)) { less = true; j++; }
    else {
      const x = counter(a, i);
      const y = counter(b, j);
      if (x < y) less = true;
      else if (x > y) more = true;
      i++; j++;
    }
  }
  return less ? (more ? VC_CONCURRENT : VC_BEFORE) : (more ? VC_AFTER : VC_EQUAL);
}

/** Pointwise max into out (room for an + bn pairs); returns its length, or -1. */
export function vcMerge(a: usize, an: i32, b: usize, bn: i32, out: usize): i32 {
  if (!vcValid(a, an) || !vcValid(b, bn)) return -1;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < an || j < bn) {
    let nd: u64;
    let c: i64;
    if (j >= bn || (i < an && node(a, i) < node(b, j))) { nd = node(a, i); c = counter(a, i); i++; }
    else if (i >= an || node(b, j) < node(a, i)) { nd = node(b, j); c = counter(b, j); j++; }
    else { nd = node(a, i); c = max(counter(a, i), counter(b, j)); i++; j++; }
    store<u64>(out + (<usize>k << 4), nd);
    store<i64>(out + (<usize>k << 4), c, 8);
    k++;
  }
  return k;
}

/** a with node's counter incremented, into out (room for an + 1 pairs); its length, or -1. */
export function vcTick(a: usize, an: i32, nd: u64, out: usize): i32 {
  if (!vcValid(a, an)) return -1;
  let k = 0;
  let done = false;
  for (let i = 0; i <= an; i++) {
    if (!done && (i == an || node(a, i) >= nd)) {
      const present = i < an && node(a, i) == nd;
      const c: i64 = present ? counter(a, i) : 0;
      if (c == I64_MAX) return -1;
      store<u64>(out + (<usize>k << 4), nd);
      store<i64>(out + (<usize>k << 4), c + 1, 8);
      k++;
      done = true;
      if (present) continue;
    }
    if (i < an) {
      store<u64>(out + (<usize>k << 4), node(a, i));
      store<i64>(out + (<usize>k << 4), counter(a, i), 8);
      k++;
    }
  }
  return k;
}
