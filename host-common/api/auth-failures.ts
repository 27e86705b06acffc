// Failed authentications per client address: without a limit anyone can try tokens at
// full speed. After `limit` failures within `windowMs` of the first one, the address gets
// 429 with Retry-After until that window has passed — on every authenticated route, even
// with a then-correct token, so a guess that happens to hit is not told apart from a miss.
// Each failure is logged (warn: the address, the route; never the token); requests refused
// while the address is blocked are not logged one by one, only the block itself.
//
// A failure is a request that presented credentials (an Authorization header, a stream's
// token) that name no owner. A request without any is not a guess and is not counted: the
// web page asks before the user has pasted a token.

import type { Logger } from '../ports.ts';

export interface AuthFailureOptions {
  /** Failures allowed per window; 0 turns the limit off (failures are still logged). */
  limit: number;
  windowMs?: number;
  /** Addresses remembered at most; past it, finished windows are forgotten first, then the oldest. */
  maxAddresses?: number;
  logger: Logger;
}

interface Window {
  start: number;
  failures: number;
}

export class AuthFailures {
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly logger: Logger;
  private readonly windows = new Map<string, Window>();

  constructor(options: AuthFailureOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 100_000;
    this.logger = options.logger;
  }

  /** Whole seconds `address` must wait before it may authenticate again; 0 when it may now. */
  blocked(address: string, nowMs: number): number {
    if (this.limit <= 0) return 0;
    const w = this.current(address, nowMs);
    return w && w.failures >= this.limit ? this.secondsLeft(w, nowMs) : 0;
  }

  /** Counts a failed authentication; returns blocked()'s answer after it. */
  fail(address: string, nowMs: number, route: string): number {
    let w = this.current(address, nowMs);
    if (!w) {
      this.forgetIfFull(nowMs);
      w = { start: nowMs, failures: 0 };
      this.windows.set(address, w);
    }
    w.failures++;
    this.logger.warn('api: authentication failed', { address, route, failures: w.failures });
    if (this.limit > 0 && w.failures === this.limit) {
      this.logger.warn('api: too many failed authentications, refusing the address for a while', {
        address,
        failures: w.failures,
        retryAfterSeconds: this.secondsLeft(w, nowMs),
      });
    }
    return this.blocked(address, nowMs);
  }

  private current(address: string, nowMs: number): Window | undefined {
    const w = this.windows.get(address);
    if (w && nowMs - w.start >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private secondsLeft(w: Window, nowMs: number): number {
    return Math.max(1, Math.ceil((w.start + this.windowMs - nowMs) / 1000));
  }

  private forgetIfFull(nowMs: number): void {
    if (this.windows.size < this.maxAddresses) return;
    for (const [address, w] of this.windows) if (nowMs - w.start >= this.windowMs) this.windows.delete(address);
    // still full: the oldest windows go (a Map iterates in insertion order)
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.maxAddresses) break;
      this.windows.delete(address);
    }
  }
}
