// The dial circuit breaker of one peer: failing dials trip it open, and while it is open
// nothing dials the peer (the peer manager skips it and the connection gater refuses every
// other dial libp2p would make). After a cool-down it lets one probe through (half-open): a
// success closes it, a failure opens it again for twice as long (capped).

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failed dials that open the breaker. */
  failureThreshold: number;
  /** First cool-down once open, in ms; doubles on each failed probe. */
  openMs: number;
  /** Longest cool-down, in ms. */
  maxOpenMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 3, openMs: 5_000, maxOpenMs: 5 * 60_000 };

export class CircuitBreaker {
  private failures = 0;
  private trips = 0;
  private openedAt = 0;
  private probing = false;
  private readonly options: BreakerOptions;

  constructor(options: BreakerOptions = DEFAULT_BREAKER) {
    this.options = options;
  }

  /** The state at `now`: an open breaker whose cool-down has passed is half-open. */
  state(now: number): BreakerState {
    if (this.trips === 0) return 'closed';
    return now - this.openedAt >= this.coolDown() ? 'half-open' : 'open';
  }

  /** Whether a dial may start now; a half-open breaker lets exactly one probe in flight. */
  tryAcquire(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.trips = 0;
    this.probing = false;
  }

  failed(now: number): void {
    this.probing = false;
    this.failures++;
    if (this.trips > 0 || this.failures >= this.options.failureThreshold) {
      this.trips++;
      this.openedAt = now;
    }
  }

  /** The current cool-down, in ms. */
  coolDown(): number {
    return Math.min(this.options.openMs * 2 ** Math.max(0, this.trips - 1), this.options.maxOpenMs);
  }
}
