// The few things a benchmark must ask its runtime and that differ between Node, Deno and Bun:
// its name and versions, forcing a full GC, and the JS heap in use. Nothing else in the
// bench looks at which runtime it is on.
import { cpus } from 'node:os';

interface Globals {
  Deno?: {
    version: { deno: string; v8: string; typescript: string };
    memoryUsage(): { heapUsed: number; rss: number };
  };
  Bun?: { version: string; revision: string; gc(force: boolean): void };
  process?: { versions: Record<string, string>; memoryUsage(): { heapUsed: number; rss: number } };
  gc?: () => void;
}
const g = globalThis as unknown as Globals;

export interface RuntimeInfo {
  runtime: 'node' | 'deno' | 'bun';
  version: string;
  engine: string; // JS engine and its version
  cpu: string;
  cores: number;
  gc: boolean; //    can the bench force a full collection (for heap deltas and quiet samples)?
}

export function runtimeInfo(): RuntimeInfo {
  const cpu = cpus();
  const machine = { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, gc: canCollect() };
  if (g.Bun)
    return {
      runtime: 'bun',
      version: g.Bun.version,
      engine: `JavaScriptCore (WebKit ${g.process?.versions.webkit ?? '?'})`,
      ...machine,
    };
  if (g.Deno) return { runtime: 'deno', version: g.Deno.version.deno, engine: `V8 ${g.Deno.version.v8}`, ...machine };
  return { runtime: 'node', version: g.process!.versions.node, engine: `V8 ${g.process!.versions.v8}`, ...machine };
}

function canCollect(): boolean {
  return typeof g.gc === 'function' || g.Bun !== undefined;
}

/** A full, synchronous collection when the runtime exposes one (node/deno: --expose-gc). */
export function collect(): void {
  if (typeof g.gc === 'function') g.gc();
  else g.Bun?.gc(true);
}

/** Bytes of JS heap in use. */
export function heapUsed(): number {
  return g.Deno ? g.Deno.memoryUsage().heapUsed : g.process!.memoryUsage().heapUsed;
}
