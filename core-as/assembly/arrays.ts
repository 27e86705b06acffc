// Growable arrays of i32 slots, kept in a 16-byte header (data pointer, length, capacity).
// They hold each side's price levels, each side's stop list and the expiry queue, all in
// sorted order with the next one to use at the END, so taking it is O(1). The same header
// with i64 elements holds each side's level keys (see book.ts): the `64` functions.
import { alloc, free, realloc } from './mem';

const A_PTR: usize = 0;
const A_LEN: usize = 4;
const A_CAP: usize = 8;
export const ARRAY_HEADER: usize = 16;

export function arrayInit(a: usize): void {
  store<usize>(a, alloc(16 << 2), A_PTR);
  store<i32>(a, 0, A_LEN);
  store<i32>(a, 16, A_CAP);
}

export function arrayFree(a: usize): void {
  free(load<usize>(a, A_PTR));
}

// @ts-ignore: decorator
@inline export function arrayLen(a: usize): i32 {
  return load<i32>(a, A_LEN);
}

// @ts-ignore: decorator
@inline export function arrayGet(a: usize, i: i32): i32 {
  return load<i32>(load<usize>(a, A_PTR) + (<usize>i << 2));
}

/** The last element (the next one to use), or -1. */
// @ts-ignore: decorator
@inline export function arrayLast(a: usize): i32 {
  const len = load<i32>(a, A_LEN);
  return len == 0 ? -1 : load<i32>(load<usize>(a, A_PTR) + (<usize>(len - 1) << 2));
}

export function arrayInsert(a: usize, pos: i32, value: i32): void {
  const len = load<i32>(a, A_LEN);
  let cap = load<i32>(a, A_CAP);
  let data = load<usize>(a, A_PTR);
  if (len == cap) {
    cap <<= 1;
    data = realloc(data, <usize>cap << 2);
    store<usize>(a, data, A_PTR);
    store<i32>(a, cap, A_CAP);
  }
  const at = data + (<usize>pos << 2);
  memory.copy(at + 4, at, <usize>(len - pos) << 2);
  store<i32>(at, value);
  store<i32>(a, len + 1, A_LEN);
}

export function arrayRemove(a: usize, pos: i32): void {
  const len = load<i32>(a, A_LEN);
  const at = load<usize>(a, A_PTR) + (<usize>pos << 2);
  memory.copy(at, at + 4, <usize>(len - pos - 1) << 2);
  store<i32>(a, len - 1, A_LEN);
}

// ---- the same, with i64 elements ----

export function arrayInit64(a: usize): void {
  store<usize>(a, alloc(16 << 3), A_PTR);
  store<i32>(a, 0, A_LEN);
  store<i32>(a, 16, A_CAP);
}

/** The elements, contiguous: valid until the next insert. */
// @ts-ignore: decorator
@inline export function arrayData(a: usize): usize {
  return load<usize>(a, A_PTR);
}

export function arrayInsert64(a: usize, pos: i32, value: i64): void {
  const len = load<i32>(a, A_LEN);
  let cap = load<i32>(a, A_CAP);
  let data = load<usize>(a, A_PTR);
  if (len == cap) {
    cap <<= 1;
    data = realloc(data, <usize>cap << 3);
    store<usize>(a, data, A_PTR);
    store<i32>(a, cap, A_CAP);
  }
  const at = data + (<usize>pos << 3);
  memory.copy(at + 8, at, <usize>(len - pos) << 3);
  store<i64>(at, value);
  store<i32>(a, len + 1, A_LEN);
}

export function arrayRemove64(a: usize, pos: i32): void {
  const len = load<i32>(a, A_LEN);
  const at = load<usize>(a, A_PTR) + (<usize>pos << 3);
  memory.copy(at, at + 8, <usize>(len - pos - 1) << 3);
  store<i32>(a, len - 1, A_LEN);
}
