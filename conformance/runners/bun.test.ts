// The conformance suite on Bun (`npm run test:bun`): every case of the suite becomes one
// test, run or skipped with its reason; the last test prints the counts. Run it by path
// (bun test ./conformance/runners/bun.test.ts) so bun does not pick up the vitest files.
import { expect, test } from 'bun:test';
import { ConformanceRun } from './harness.ts';

// Full-size streams, as on Node (they take seconds); MESHBOOK_STREAM_SCALE shrinks them on a slow machine.
const conformance = new ConformanceRun('bun', Bun.version, 1);
const TIMEOUT = 600_000;

for (const c of conformance.cases) {
  const reason = conformance.skipReason(c);
  if (reason) test.skip(conformance.title(c, reason), () => {});
  else test(c.name, () => conformance.run(c), TIMEOUT);
}

test('every case ran or was skipped', () => {
  const s = conformance.finish();
  expect(s.passed + s.failed + s.skipped).toBe(conformance.cases.length);
});
