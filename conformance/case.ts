// The case interface: what every runtime's runner executes. A case is data plus a function
// (in the manner of js-libp2p's compliance suites): the runners only register cases with
// their own test framework, count them and report; the checks live in the cases.
export type Runtime = 'node' | 'deno' | 'bun';
export const RUNTIMES: readonly Runtime[] = ['node', 'deno', 'bun'];

export interface CaseContext {
  runtime: Runtime;
  /** The built core, read once by the runner: core-as/build/{debug,release}.wasm. */
  wasm: { debug: Uint8Array; release: Uint8Array };
  /**
   * Size of the seeded streams: 1 is full size (Node: at least 100k differential commands).
   * A runner may run smaller streams, never a different list of cases.
   */
  scale: number;
  /** Base seed of the seeded streams (MESHBOOK_SEED). */
  seed: number;
  /** The folder of JSON vectors (MESHBOOK_VECTORS overrides conformance/vectors). */
  vectorsDir: string;
  /**
   * API cases: the base URL of the node under test, e.g. http://127.0.0.1:8080
   * (MESHBOOK_BASE_URL). The same API case runs against a node of each runtime by running
   * the suite once per base URL. Absent: API cases report themselves skipped.
   */
  baseUrl?: string;
}

export interface Case {
  /** Unique within the suite and the same on every runtime: it is how results are compared. */
  name: string;
  /** vectors, differential, snapshot, cross-runtime, clocks; later api, network. */
  group: string;
  /** Why this case cannot run in this context (e.g. on this runtime), or undefined to run it. */
  skip?: (ctx: CaseContext) => string | undefined;
  /** Throws (any Error) to fail. */
  run(ctx: CaseContext): void | Promise<void>;
}

/** A skip rule for cases that talk to a running node over HTTP: they need ctx.baseUrl. */
export function needsBaseUrl(ctx: CaseContext): string | undefined {
  return ctx.baseUrl ? undefined : 'no node under test: set MESHBOOK_BASE_URL';
}
