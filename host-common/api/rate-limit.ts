// A token bucket per API token: `rate` requests per second on average, bursts up to
// `burst`. Over the limit the API answers 429 with Retry-After (docs/api.md).

export class RateLimiter {
  readonly rate: number;
  readonly burst: number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** rate 0 turns limiting off. */
  constructor(rate: number, burst = rate) {
    this.rate = rate;
    this.burst = Math.max(1, burst);
  }

  /** 0 when the request (worth `cost` requests, e.g. a batch) may go ahead, else the whole seconds to wait. */
  take(key: string, nowMs: number, cost = 1): number {
    if (this.rate <= 0) return 0;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: nowMs };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.rate);
    b.at = nowMs;
    const need = Math.min(cost, this.burst);
    if (b.tokens >= need) {
      b.tokens -= need;
      return 0;
    }
    return Math.max(1, Math.ceil((need - b.tokens) / this.rate));
  }
}
