// Browser-test harness: a real node as a child process (host-node/main.ts on a free port,
// in a temp data dir) and a headless Chromium that the npm package @sparticuz/chromium
// carries inside itself, driven by playwright-core. `npm install` is the whole set-up.
// Used by web.browser.test.ts and host-common/web/screenshot.ts.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import chromiumPkg from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface NodeProcess {
  url: string;
  tokens: Record<string, string>;
  /** Everything the node wrote to stderr so far (its JSON log): for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Node 24 from node_modules (runs .ts) when present, else the Node running this file. */
function nodeBinary(): string {
  const local = join(ROOT, 'node_modules/.bin/node');
  return existsSync(local) ? local : process.execPath;
}

/** Starts host-node/main.ts with the given owners' tokens; resolves once it prints `listening`. */
export async function startNodeProcess(tokens: Record<string, string>, timeoutMs = 20_000): Promise<NodeProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'meshbook-web-'));
  const args = [
    'host-node/main.ts',
    '--api-host',
    '127.0.0.1',
    '--api-port',
    '0',
    '--p2p-host',
    '127.0.0.1',
    '--p2p-port',
    '0',
    '--data-dir',
    dataDir,
    '--no-mdns',
    '--no-dht',
    '--log-level',
    'warn',
    '--tokens',
    Object.entries(tokens)
      .map(([owner, token]) => `${owner}:${token}`)
      .join(','),
  ];
  const child: ChildProcess = spawn(nodeBinary(), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the node printed no "listening" line in ${timeoutMs} ms`)),
        timeoutMs,
      );
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        for (const line of out.split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            const j = JSON.parse(line) as { event?: string; api?: string };
            if (j.event === 'listening' && j.api) {
              clearTimeout(timer);
              resolveUrl(j.api);
            }
          } catch {
            // a partial line: wait for the rest
          }
        }
      });
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the node exited with ${code} before listening`));
      });
    });
    return { url, tokens, log: () => stderr, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
}

/**
 * Flags of @sparticuz/chromium that would make the browser less strict than a user's: the
 * tests must see the Content-Security-Policy and same-origin rules enforced.
 */
const RELAXING_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content']);

/**
 * A headless Chromium; the first launch on a machine unpacks the binary into the temp dir (~3 s).
 * `env`: the browser's environment (e.g. a POSIX `LANG`), else this process's.
 */
export async function launchBrowser(options: { env?: Record<string, string | undefined> } = {}): Promise<Browser> {
  // No GPU emulation: the page needs no WebGL, and SwiftShader kept a core ~10% busy while
  // the page sat idle (measured: 450 ms of CPU in 4 s with it, 60 ms without).
  chromiumPkg.setGraphicsMode = false;
  return chromium.launch({
    executablePath: await chromiumPkg.executablePath(),
    // --no-sandbox is among the package's flags: needed when the tests run as root
    args: [...chromiumPkg.args.filter((a) => !RELAXING_FLAGS.has(a)), '--disable-gpu'],
    headless: true,
    timeout: 30_000,
    ...(options.env ? { env: definedOnly(options.env) } : {}),
  });
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
