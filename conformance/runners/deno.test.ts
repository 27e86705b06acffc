// The conformance suite on Deno (`npm run test:deno`): every case of the suite becomes one
// Deno.test, run or ignored with its reason; the last test prints the counts.
import { ConformanceRun } from './harness.ts';

// Full-size streams, as on Node (they take seconds); MESHBOOK_STREAM_SCALE shrinks them on a slow machine.
const conformance = new ConformanceRun('deno', Deno.version.deno, 1);

for (const c of conformance.cases) {
  const reason = conformance.skipReason(c);
  Deno.test({ name: conformance.title(c, reason), ignore: reason !== undefined, fn: () => conformance.run(c) });
}

Deno.test('every case ran or was skipped', () => {
  const s = conformance.finish();
  if (s.passed + s.failed + s.skipped !== conformance.cases.length) throw new Error('case counts do not add up');
});
