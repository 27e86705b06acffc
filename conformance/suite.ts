// The conformance suite: every case, from every case module, in one list. Runners execute
// this list; they never choose cases themselves (a group filter exists for the runner
// self-test and for focused local runs, and it filters the same way on every runtime).
import type { Case } from './case.ts';
import { vectorCases } from './cases/vectors.ts';
import { differentialCases } from './cases/differential.ts';
import { snapshotCases } from './cases/snapshot.ts';
import { crossRuntimeCases } from './cases/cross-runtime.ts';
import { clockCases } from './cases/clocks.ts';
import { fileSystemCases } from './cases/file-system.ts';

export interface SuiteOptions {
  vectorsDir: string;
  /** Only these groups (e.g. ['vectors']); all when absent. */
  groups?: string[];
}

export function loadSuite(options: SuiteOptions): Case[] {
  const all = [
    ...vectorCases(options.vectorsDir),
    ...differentialCases,
    ...snapshotCases,
    ...crossRuntimeCases,
    ...clockCases,
    ...fileSystemCases,
  ];
  const names = new Set<string>();
  for (const c of all) {
    if (names.has(c.name)) throw new Error(`two conformance cases are named "${c.name}"`);
    names.add(c.name);
  }
  const groups = options.groups;
  if (!groups) return all;
  const known = new Set(all.map((c) => c.group));
  for (const g of groups)
    if (!known.has(g)) throw new Error(`no conformance group "${g}" (groups: ${[...known].join(', ')})`);
  return all.filter((c) => groups.includes(c.group));
}
