// Where the built module lives, and reading it. node:fs works on Node, Deno and Bun alike;
// hosts may also read the bytes themselves and pass them to Engine.create.
import { readFileSync } from 'node:fs';

export type Target = 'release' | 'debug';

export function wasmUrl(target: Target = 'release'): URL {
  return new URL(`../build/${target}.wasm`, import.meta.url);
}

export function readWasm(target: Target = 'release'): Uint8Array<ArrayBuffer> {
  return readFileSync(wasmUrl(target));
}
