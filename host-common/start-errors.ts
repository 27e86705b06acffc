// What a failed start tells the user: the system's errors (EEXIST from mkdir, getaddrinfo
// ENOTFOUND, EADDRINUSE, ...) said in terms of the option or path at fault and what to do.
// The codes are the same on Node, Deno and Bun (Deno and Bun set `code` like Node), with
// two exceptions handled below: Deno's failed name lookup has no code, and Bun reports a
// host it cannot bind as EADDRINUSE.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Config } from './config.ts';
import { DataDirLockedError } from './data-dir-lock.ts';
import { WalCorruptError } from './store/wal-format.ts';

/** A start failure whose message is already in the user's terms. */
export class StartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartError';
  }
}

const codeOf = (err: unknown): string => String((err as { code?: unknown })?.code ?? '');
const messageOf = (err: unknown): string => (err as Error)?.message ?? String(err);

/** Errors of the file system around the data dir, by code. */
export function fileProblem(err: unknown, dataDir: string, what: string): StartError | null {
  const path = (err as { path?: string })?.path ?? dataDir;
  const at = `--data-dir ${dataDir}`;
  // Deno's own permission system refuses before the OS is asked (NotCapable, no code)
  if ((err as Error)?.name === 'NotCapable') {
    return new StartError(`${at}: Deno's permissions do not allow using it: ${messageOf(err)}`, { cause: err });
  }
  switch (codeOf(err)) {
    case 'EEXIST':
      return new StartError(`${at}: ${path} is a file, not a directory; give a directory path`, { cause: err });
    case 'ENOTDIR':
      return new StartError(`${at}: a part of ${path} is a file, not a directory; give a directory path`, {
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new StartError(`${at}: permission denied to ${what} ${path}; give a directory this user can write`, {
        cause: err,
      });
    case 'EROFS':
      return new StartError(`${at}: ${path} is on a read-only file system`, { cause: err });
    case 'ENOSPC':
      return new StartError(`${at}: no space left on the device holding ${path}`, { cause: err });
    default:
      return null;
  }
}

function unresolvableHost(host: string, err: unknown): StartError {
  return new StartError(
    `--api-host ${host}: cannot listen there: the name does not resolve, or it is not an address of this machine (e.g. 127.0.0.1, ::1, 0.0.0.0)`,
    { cause: err },
  );
}

/**
 * Resolves a host name before the listener is asked to bind it: each runtime words a failed
 * lookup inside bind differently (Bun has answered ENOTTY), a failed lookup here is one answer.
 */
export async function checkApiHost(host: string): Promise<void> {
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return;
  try {
    await lookup(host);
  } catch (err) {
    throw unresolvableHost(host, err);
  }
}

/** Errors of binding the API's listener. */
export function listenProblem(err: unknown, host: string, port: number): StartError {
  const code = codeOf(err);
  const message = messageOf(err);
  const unresolvable = unresolvableHost(host, err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /lookup address|getaddrinfo/i.test(message)) return unresolvable;
  // Bun says EADDRINUSE for any failed bind; with port 0 the port cannot have been the problem
  if (code === 'EADDRINUSE' && port === 0) return unresolvable;
  switch (code) {
    case 'EADDRINUSE':
      return new StartError(
        `--api-port ${port}: the port is already in use on ${host}; stop what uses it, or pick another port (--api-port 0 picks a free one)`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
      return new StartError(
        `--api-host ${host}: not an address of this machine; use one of its own addresses (e.g. 127.0.0.1, ::1, 0.0.0.0)`,
        { cause: err },
      );
    case 'EACCES':
    case 'EPERM':
      return new StartError(
        `--api-port ${port}: permission denied to listen on ${host}:${port} (ports below 1024 need privileges)`,
        { cause: err },
      );
    default:
      return new StartError(`--api-host ${host} --api-port ${port}: cannot listen: ${message}`, { cause: err });
  }
}

/** The command that cuts a damaged log back to its valid records. */
export function repairCommand(dataDir: string): string {
  return `npm run repair -- --data-dir ${/^[\w./-]+$/.test(dataDir) ? dataDir : JSON.stringify(dataDir)}`;
}

/** The one line a failed start prints after "meshbook: cannot start: ". */
export function describeStartFailure(err: unknown, config: Pick<Config, 'dataDir'>): string {
  if (err instanceof StartError || err instanceof DataDirLockedError) return err.message;
  if (err instanceof WalCorruptError || /write-ahead log/.test(messageOf(err))) {
    return (
      `${messageOf(err)}. To start again with every record before the damage, run \`${repairCommand(config.dataDir)}\` ` +
      '(it copies the data dir aside first and reports what it drops)'
    );
  }
  return fileProblem(err, config.dataDir, 'use')?.message ?? messageOf(err);
}
