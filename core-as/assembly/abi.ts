// The batch ABI: the host writes fixed-layout command records into a buffer the core owns,
// calls execute(n) once, and reads the event records the core wrote. Layouts: ../codes.ts.
import { alloc, free, realloc } from './mem';
import {
  EV_SIZE, EV_OFF_KIND, EV_OFF_REASON, EV_OFF_MARKET, EV_OFF_CMD, EV_OFF_ID, EV_OFF_OTHER,
  EV_OFF_PRICE, EV_OFF_QTY, EV_OFF_REMAINING, CMD_SIZE,
} from '../codes';

let cmdBuf: usize = 0;
let cmdCap: i32 = 0;

let evBuf: usize = 0;
let evCap: i32 = 0;
let evCount: i32 = 0;

/** The index, within its batch, of the command being executed. */
export let currentCmd: u32 = 0;

export function commandBuffer(n: i32): usize {
  if (n > cmdCap) {
    if (cmdBuf != 0) free(cmdBuf);
    cmdCap = max(n, 256);
    cmdBuf = alloc(<usize>cmdCap * CMD_SIZE);
  }
  return cmdBuf;
}

export function commandAt(i: i32): usize {
  return cmdBuf + <usize>i * CMD_SIZE;
}

export function resetEvents(): void {
  evCount = 0;
}

export function eventCount(): i32 {
  return evCount;
}

export function eventBuffer(): usize {
  return evBuf;
}

export function emit(kind: i32, reason: i32, market: i32, id: u64, other: u64, price: i64, qty: i64, remaining: i64): void {
  if (evCount == evCap) {
    evCap = evCap == 0 ? 4096 : evCap << 1;
    evBuf = evBuf == 0 ? alloc(<usize>evCap * EV_SIZE) : realloc(evBuf, <usize>evCap * EV_SIZE);
  }
  const e = evBuf + <usize>evCount * EV_SIZE;
  store<u8>(e, <u8>kind, EV_OFF_KIND);
  store<u8>(e, <u8>reason, EV_OFF_REASON);
  store<u16>(e, <u16>market, EV_OFF_MARKET);
  store<u32>(e, currentCmd, EV_OFF_CMD);
  store<u64>(e, id, EV_OFF_ID);
  store<u64>(e, other, EV_OFF_OTHER);
  store<i64>(e, price, EV_OFF_PRICE);
  store<i64>(e, qty, EV_OFF_QTY);
  store<i64>(e, remaining, EV_OFF_REMAINING);
  evCount++;
}

export function setCurrentCmd(i: u32): void {
  currentCmd = i;
}
