// How to run a TypeScript file on each runtime from any other: the binaries npm installs
// under node_modules/.bin (Node 24, Deno, Bun), and the flags each needs. Deno finds
// @assemblyscript/loader through the root package.json and node_modules (its "manual"
// node_modules mode, the default when a package.json is present; named here explicitly).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../case.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function binary(runtime: Runtime): string {
  return `${ROOT}node_modules/.bin/${runtime}`;
}

/** Why a runtime cannot be started from here, or undefined when it can. */
export function missing(runtime: Runtime): string | undefined {
  return existsSync(binary(runtime))
    ? undefined
    : `${runtime} is not installed (no ${binary(runtime)}; run npm install)`;
}

/** What a script run by another runtime needs on Deno: read the sources, the .wasm and the environment. */
export const DENO_FLAGS = ['--node-modules-dir=manual', '--allow-read', '--allow-env'];

/** argv that runs a script (path from the repository root) on a runtime. */
export function scriptCommand(runtime: Runtime, script: string, args: string[] = []): string[] {
  const file = `${ROOT}${script}`;
  switch (runtime) {
    case 'node':
      return [binary('node'), file, ...args];
    case 'deno':
      return [binary('deno'), 'run', ...DENO_FLAGS, file, ...args];
    case 'bun':
      return [binary('bun'), file, ...args];
  }
}
