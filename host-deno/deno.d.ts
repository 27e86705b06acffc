// Deno's globals (the `Deno` namespace) for the type checker, from @types/deno.
// tsconfig.json lists this file in "types", for two readers: `tsc -p .` over the repo, and
// Deno itself — Deno type-checks with the root tsconfig.json, whose "lib" replaces Deno's own
// libraries, so `deno test` (which checks types) learns its namespace from here as well.

/// <reference types="deno" />
