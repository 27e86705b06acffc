// The ports: what a host (Node, Deno, Bun) must hand to host-common. Each host adapts
// its runtime to these interfaces in host-<runtime>/ports.ts; host-common never
// imports a runtime API directly, so the same storage and node logic runs everywhere.
// Keep each port as small as the weakest runtime allows: every method here must be
// implementable with Deno.* file APIs as well as node:fs.

import type { Context } from 'hono';

/** An open file that is only ever appended to (a WAL segment). */
export interface AppendHandle {
  /** Writes all of `bytes` at the end of the file (loops over short writes). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * True when every write() is already durable when it resolves (the file was opened with
   * O_DSYNC): one trip to the disk instead of write + sync. sync() still works.
   */
  readonly durableWrites?: boolean;
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
  /**
   * Creates `path` holding `bytes`, unless it exists: false then, and nothing changed. The file
   * appears with all of its content or not at all (written aside, then hard-linked into place),
   * so of two processes racing for one path exactly one gets true, and a reader never sees it half
   * written. Used for the data dir's lock.
   */
  createExclusive(path: string, bytes: Uint8Array): Promise<boolean>;
  /** The canonical absolute path of an existing `path` (symbolic links resolved). */
  realPath(path: string): Promise<string>;
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

// ---- serving, WebSocket, process: what each host adapts for the node (host-<runtime>/ports.ts) ----

/** Which runtime a host adapts; reported by /v1/health. */
export type RuntimeName = 'node' | 'deno' | 'bun';

/** A running HTTP server. */
export interface HttpServer {
  /** The port actually bound (the one chosen when 0 was asked for). */
  readonly port: number;
  /**
   * Stops accepting connections, lets requests in flight finish and then closes the
   * remaining (idle keep-alive, WebSocket) connections; resolves once the listener is
   * gone or after `graceMs`, whichever is first.
   */
  close(graceMs: number): Promise<void>;
}

/** Anything with Hono's fetch signature; a host passes the runtime's second argument through. */
export interface FetchApp {
  fetch(request: Request, ...rest: unknown[]): Response | Promise<Response>;
  request(input: string | Request | URL, init?: RequestInit, env?: unknown): Response | Promise<Response>;
  /** Routes a host may answer without building a web Request and Response (optional). */
  direct?: DirectRoutes;
}

/** A request as a direct route sees it. */
export interface DirectRequest {
  /** A header by its lower-case name. */
  header(name: string): string | undefined;
  /** The whole body; 'too-large' (and nothing kept) past `limit` bytes. */
  body(limit: number): Promise<Uint8Array | 'too-large'>;
  /** The client's IP address (failed authentications are counted per address). */
  address?(): string | undefined;
}

/** A JSON answer; the host adds Content-Type: application/json and Content-Length. */
export interface DirectResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * Hot routes as plain functions, keyed by "METHOD /path" (exact path, no query string): a host
 * whose server can answer more cheaply than through web Requests and Responses (Node's
 * node:http) calls them for exactly these requests, and passes everything else to fetch. The
 * answers are the same as the app's routes give, with the same metrics.
 */
export type DirectRoutes = Record<string, (req: DirectRequest) => Promise<DirectResponse>>;

/**
 * HTTP and WebSocket of one runtime. `upgradeWebSocket` is the runtime's Hono helper
 * (hono/ws's UpgradeWebSocket); the app uses it to define the /v1/stream route, so it
 * must exist before the app does, and `serve` wires the app into the runtime's server.
 */
export interface HttpPort {
  // The helper's type differs in its generic parameters per runtime; the app only calls it.
  // biome-ignore lint/suspicious/noExplicitAny: one type for three runtimes' differently typed helpers
  readonly upgradeWebSocket: (createEvents: (c: any) => any, options?: any) => any;
  serve(app: FetchApp, options: { hostname: string; port: number }): Promise<HttpServer>;
  /**
   * Optional fast path: reads the body of the request behind a Hono context straight from
   * the runtime (e.g. Node's IncomingMessage, skipping the web ReadableStream wrapper),
   * stopping past `limit` bytes. Returns undefined when it cannot, and the app falls back
   * to the standard Request body.
   */
  readBody?(c: unknown, limit: number): Promise<Uint8Array | 'too-large'> | undefined;
  /** The client's IP address behind a Hono context (the adapter's getConnInfo), or undefined. */
  clientAddress?(c: Context): string | undefined;
}

/** The process a node runs in: arguments, environment, output, signals and exit. */
export interface ProcessPort {
  readonly runtime: RuntimeName;
  /** The runtime's version, e.g. "24.21.0". */
  readonly runtimeVersion: string;
  /** This process's id. */
  readonly pid: number;
  /**
   * Whether a process with this id exists (signal 0: it may belong to another user). The data
   * dir lock asks it only where /proc cannot tell (not Linux).
   */
  isAlive(pid: number): boolean;
  /**
   * Claims `name` for as long as this process lives: the kernel frees it when the process ends,
   * however it ends (SIGKILL included). A listening Unix socket in Linux's abstract namespace.
   * 'held' when a live process has it; 'unsupported' where the OS has no such namespace.
   */
  claimName(name: string): Promise<NameClaim | 'held' | 'unsupported'>;
  /** Command-line arguments after the script. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes one line (a newline is added) to standard output / standard error. */
  stdout(line: string): void;
  stderr(line: string): void;
  /** Calls `handler` on each of the signals (SIGINT, SIGTERM); later signals are passed on too. */
  onSignal(signals: readonly ('SIGINT' | 'SIGTERM')[], handler: (signal: string) => void): void;
  exit(code: number): never;
}

/** A name claimed by ProcessPort.claimName. */
export interface NameClaim {
  release(): Promise<void>;
}

/** Everything a host hands to host-common's node. */
export interface Host {
  fs: FileSystem;
  http: HttpPort;
  process: ProcessPort;
}
