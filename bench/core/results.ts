// The shape of the results: what bench/core/main.ts prints for one runtime, and what
// bench/run.ts gathers into bench/results/core.json.
import type { Measurement } from './measure.ts';
import type { MemoryReport } from './memory.ts';
import type { RuntimeInfo } from './runtime.ts';
import type { StreamSpec } from './streams.ts';

export interface SuiteResult {
  id: string;
  title: string;
  stream: StreamSpec;
  truth: { hash: string; orders: number; events: number }; // the reference's final state
  measurements: Measurement[];
}

export interface RuntimeResult {
  runtime: RuntimeInfo;
  profile: 'full' | 'quick';
  seconds: number;
  memory: MemoryReport | null; // null when only some suites ran (--suite)
  suites: SuiteResult[];
  loadAverage: [start: number, end: number]; // 1-minute load average of the machine: other work running beside the bench
  sink: number;
}

export interface RuntimeRun extends RuntimeResult {
  wallSeconds: number; // including start-up and stream generation
  command: string;
}

export interface CoreResults {
  generatedAt: string;
  profile: 'full' | 'quick';
  command: string;
  totalSeconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string };
  core: { commit: string; coreAsDirty: boolean; releaseWasmSha256: string };
  packages: Record<string, string>;
  runs: RuntimeRun[];
}
