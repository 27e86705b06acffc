// The dial circuit breaker's states on a clock the test moves.

import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../net/circuit-breaker.ts';

describe('circuit breaker', () => {
  it('opens after the threshold of failures, lets one probe through after the cool-down, doubles it on a failed probe', () => {
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, maxOpenMs: 3000 });
    expect(b.state(0)).toBe('closed');
    for (let i = 0; i < 2; i++) {
      expect(b.tryAcquire(0)).toBe(true);
      b.failed(0);
      expect(b.state(0)).toBe('closed');
    }
    expect(b.tryAcquire(0)).toBe(true);
    b.failed(100);
    expect(b.state(100)).toBe('open');
    expect(b.tryAcquire(1099)).toBe(false);
    expect(b.state(1100)).toBe('half-open');
    expect(b.tryAcquire(1100)).toBe(true); // the probe
    expect(b.tryAcquire(1100)).toBe(false); // only one at a time
    b.failed(1200);
    expect(b.state(1200)).toBe('open');
    expect(b.coolDown()).toBe(2000);
    expect(b.state(3199)).toBe('open');
    expect(b.tryAcquire(3200)).toBe(true);
    b.failed(3200);
    expect(b.coolDown()).toBe(3000); // capped
    expect(b.tryAcquire(6200)).toBe(true);
    b.succeeded();
    expect(b.state(6200)).toBe('closed');
    b.failed(6300);
    expect(b.state(6300)).toBe('closed'); // the count starts again
  });
});
