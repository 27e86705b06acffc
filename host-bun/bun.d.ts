// Bun's globals (`Bun`, the `bun:test` module) for `tsc -p .`, from @types/bun. Bun does not
// check types itself. Kept out of tsconfig.json's "types" on purpose: Deno type-checks with
// that list, and Bun's declarations of Node's URL types clash with Deno's.

/// <reference types="bun" />
