// The failed-authentication window by itself (api/auth-failures.ts): when it blocks, for
// how long, when it forgets, and what it logs. The process tests (process/auth-failures.test.ts)
// show it on both request paths of each runtime.

import { describe, expect, it } from 'vitest';
import { AuthFailures } from '../api/auth-failures.ts';
import { memoryLogger } from './helpers.ts';

describe('AuthFailures', () => {
  it('blocks an address after `limit` failures until the window that began with the first one has passed', () => {
    const f = new AuthFailures({ limit: 3, windowMs: 60_000, logger: memoryLogger() });
    expect(f.fail('10.0.0.1', 1_000, '/v1/orders')).toBe(0);
    expect(f.fail('10.0.0.1', 2_000, '/v1/orders')).toBe(0);
    expect(f.blocked('10.0.0.1', 2_000)).toBe(0);
    expect(f.fail('10.0.0.1', 3_000, '/v1/orders')).toBe(58); // the window began at 1 s
    expect(f.blocked('10.0.0.1', 30_500)).toBe(31);
    expect(f.blocked('10.0.0.2', 30_500)).toBe(0); // per address
    expect(f.blocked('10.0.0.1', 61_000)).toBe(0); // the window passed: a fresh start
    expect(f.fail('10.0.0.1', 61_000, '/v1/orders')).toBe(0);
  });

  it('limit 0 never blocks but still logs each failure, with the address and never a token', () => {
    const logger = memoryLogger();
    const f = new AuthFailures({ limit: 0, logger });
    for (let i = 0; i < 100; i++) expect(f.fail('10.0.0.1', i, '/v1/orders')).toBe(0);
    const failed = logger.entries.filter((l) => l.message === 'api: authentication failed');
    expect(failed.length).toBe(100);
    expect(failed[0]).toMatchObject({
      level: 'warn',
      fields: { address: '10.0.0.1', route: '/v1/orders', failures: 1 },
    });
  });

  it('remembers at most maxAddresses, forgetting finished windows first, then the oldest', () => {
    const f = new AuthFailures({ limit: 1, windowMs: 1_000, maxAddresses: 2, logger: memoryLogger() });
    f.fail('a', 0, '');
    f.fail('b', 500, '');
    f.fail('c', 1_200, ''); // a's window is over: a goes, b stays
    expect(f.blocked('b', 1_200)).toBe(1);
    f.fail('d', 1_300, ''); // full, nothing finished: the oldest (b) goes
    expect(f.blocked('b', 1_300)).toBe(0);
    expect([f.blocked('c', 1_300), f.blocked('d', 1_300)]).toEqual([1, 1]);
  });
});
