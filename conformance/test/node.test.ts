// The conformance suite on Node.js, under vitest (`npm run test:node`). Every case of the
// suite becomes one test, run or skipped with its reason; the last test prints the counts.
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { ConformanceRun } from '../runners/harness.ts';
import { differentialExecuted } from '../cases/differential.ts';

const conformance = new ConformanceRun('node', process.versions.node, 1);

describe(`conformance on node ${process.versions.node}`, () => {
  for (const c of conformance.cases) {
    const reason = conformance.skipReason(c);
    if (reason) it.skip(conformance.title(c, reason), () => {});
    else it(c.name, () => conformance.run(c));
  }

  it('every case ran or was skipped', () => {
    const s = conformance.finish();
    expect(s.passed + s.failed + s.skipped).toBe(conformance.cases.length);
  });

  const fullSize = conformance.cases.some((c) => c.group === 'differential') && !process.env.MESHBOOK_STREAM_SCALE;
  it.runIf(fullSize)('ran at least 100k differential commands through each build', () => {
    expect(differentialExecuted.debug).toBeGreaterThanOrEqual(100_000);
    expect(differentialExecuted.release).toBeGreaterThanOrEqual(100_000);
  });
});
