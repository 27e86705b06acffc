// The ports: what a host (Node, Deno, Bun) must hand to host-common. Each host adapts
// its runtime to these interfaces in host-<runtime>/ports.ts; host-common never
// imports a runtime API directly, so the same storage and node logic runs everywhere.
// Keep each port as small as the weakest runtime allows: every method here must be
// implementable with Deno.* file APIs as well as node:fs.

/** An open file that is only ever appended to (a WAL segment). */
export interface AppendHandle {
  /** Writes all of `bytes` at the end of the file (loops over short writes). */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes every byte written so far durable (fdatasync, or fsync where that is all there is). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Files, as the storage layer needs them. Paths are plain strings joined with "/".
 * Errors other than the "missing" cases documented below are thrown as they come
 * from the runtime: the caller decides what a failed disk means.
 */
export interface FileSystem {
  /** Creates `path` and its missing parents; succeeds if it already exists. */
  mkdirp(path: string): Promise<void>;
  /** The whole file, or null if it does not exist. */
  readFile(path: string): Promise<Uint8Array | null>;
  /**
   * Replaces `path` so that a crash leaves either the old or the new content, never a
   * mix: write a temporary file in the same directory, sync it, rename it over `path`,
   * then sync the directory where the runtime allows it. `mode` (e.g. 0o600) applies
   * to the new file.
   */
  writeFileAtomic(path: string, bytes: Uint8Array, options?: { mode?: number }): Promise<void>;
  /** Opens `path` for appending, creating it (empty) if missing. */
  openAppend(path: string): Promise<AppendHandle>;
  /** Cuts `path` to `length` bytes and makes the cut durable before resolving. */
  truncate(path: string, length: number): Promise<void>;
  /** Names (not paths) of the entries in `dir`; [] if `dir` does not exist. */
  list(dir: string): Promise<string[]>;
  /** Deletes a file; succeeds if it is already gone. */
  remove(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /**
   * Makes creations, renames and deletions in `dir` durable (fsync on the directory).
   * A no-op where the runtime or OS cannot open a directory for syncing.
   */
  syncDir(dir: string): Promise<void>;
}

/** Structured logging; `fields` are merged into the log line. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The directory part of a "/"-joined path ("." if none): where to syncDir() after creating it. */
export function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? '.' : i === 0 ? '/' : path.slice(0, i);
}

/** For components whose caller does not care about their logs (and for tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
