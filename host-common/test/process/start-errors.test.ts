// What a user sees when a start cannot go ahead, with real processes on each runtime: one
// line naming the option or path at fault in the user's terms (no EEXIST, no getaddrinfo),
// exit 1 (2 for a bad option); a generated token is shown by the first start that succeeds,
// not lost to one that failed; --version; tokens that are too short or owners given twice.

import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missing, RUNTIMES, runToExit, startNodeProcess, tempDataDir } from './node-process.ts';

const RAW = /EEXIST|ENOTDIR|ENOTFOUND|EADDRINUSE|getaddrinfo|os error|at .*\.ts:\d+/;

/** The single line after "meshbook: " on stderr (the JSON log lines aside). */
function userLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('meshbook: '));
  expect(lines.length, stderr).toBe(1);
  return lines[0];
}

// as root only a kernel file system refuses a mkdir: /sys, where it does here
const mkdirDenied = await fs.mkdir('/sys/meshbook-test').then(
  async () => {
    await fs.rmdir('/sys/meshbook-test');
    return false;
  },
  (e: NodeJS.ErrnoException) => e.code === 'EPERM' || e.code === 'EACCES',
);

for (const runtime of RUNTIMES) {
  const why = missing(runtime);
  describe.skipIf(why !== undefined)(`start errors on ${runtime}`, () => {
    it('--version prints the version; --help lists the exit codes', async () => {
      const v = await runToExit(runtime, ['--version']);
      expect([v.code, v.stdout.trim()]).toEqual([
        0,
        expect.stringMatching(/^meshbook 0\.1\.0 \((node|deno|bun) \S+\)$/),
      ]);
      const h = await runToExit(runtime, ['--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*bad option/);
    });

    it('a data dir that is a file: exit 1 naming --data-dir, nothing raw', async () => {
      const dir = await tempDataDir(`err-file-${runtime}`);
      const file = path.join(dir, 'not-a-dir');
      await fs.writeFile(file, 'x');
      const below = path.join(file, 'below');
      for (const [given, says] of [
        [file, `--data-dir ${file}: ${file} is a file, not a directory`],
        [below, `--data-dir ${below}: a part of ${below} is a file, not a directory`],
      ]) {
        const r = await runToExit(runtime, ['--api-port', '0', '--data-dir', given]);
        expect(r.code).toBe(1);
        const line = userLine(r.stderr);
        expect(line).toContain(says);
        expect(line).not.toMatch(RAW);
      }
      await fs.rm(dir, { recursive: true, force: true });
    });

    it.skipIf(!mkdirDenied)(
      'a data dir this user may not create: exit 1 naming --data-dir and the permission',
      async () => {
        const r = await runToExit(runtime, ['--api-port', '0', '--data-dir', '/sys/meshbook-test']);
        expect(r.code).toBe(1);
        expect(userLine(r.stderr)).toMatch(
          runtime === 'deno'
            ? /--data-dir \/sys\/meshbook-test: (permission denied to create|Deno's permissions do not allow)/
            : /--data-dir \/sys\/meshbook-test: permission denied to create \/sys\/meshbook-test/,
        );
      },
    );

    it('an --api-host that is not an address: 999.1.1.1 exits 2, an unknown name exits 1, both naming --api-host', async () => {
      const dir = await tempDataDir(`err-host-${runtime}`);
      const bad = await runToExit(runtime, ['--api-port', '0', '--data-dir', dir, '--api-host', '999.1.1.1']);
      expect(bad.code).toBe(2);
      expect(userLine(bad.stderr)).toMatch(/--api-host: "999.1.1.1" is not an IPv4 address/);
      const unknown = await runToExit(runtime, [
        '--api-port',
        '0',
        '--data-dir',
        dir,
        '--api-host',
        'no-such-host.invalid',
      ]);
      expect(unknown.code).toBe(1);
      const line = userLine(unknown.stderr);
      expect(line).toContain('--api-host no-such-host.invalid: cannot listen there');
      expect(line).not.toMatch(RAW);
      // the failed start showed no token and kept none
      expect(unknown.stdout).not.toContain('"token"');
      expect(await fs.readdir(dir)).not.toContain('token');
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('a port in use: exit 1 naming --api-port; the token is shown by the first start that succeeds', async () => {
      const dir = await tempDataDir(`err-port-${runtime}`);
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        const r = await runToExit(runtime, ['--api-port', String(port), '--data-dir', dir]);
        expect(r.code).toBe(1);
        const line = userLine(r.stderr);
        expect(line).toContain(`--api-port ${port}: the port is already in use on 127.0.0.1`);
        expect(line).not.toMatch(RAW);
        expect(r.stdout).not.toContain('"token"');
        expect(await fs.readdir(dir)).not.toContain('token');
      } finally {
        blocker.close();
      }
      const node = await startNodeProcess(runtime, { dataDir: dir });
      try {
        const shown = node.stdoutLines.map((l) => JSON.parse(l)).find((m) => m.event === 'token');
        expect(shown).toMatchObject({ owner: 'local', file: `${dir}/token` });
        expect((await fs.readFile(path.join(dir, 'token'), 'utf8')).trim()).toBe(shown.token);
        const mine = await fetch(`${node.url}/v1/orders`, { headers: { Authorization: `Bearer ${shown.token}` } });
        expect(mine.status).toBe(200);
      } finally {
        await node.stop();
      }
      // and only that once
      const again = await startNodeProcess(runtime, { dataDir: dir });
      await again.stop();
      expect(again.stdoutLines.join('\n')).not.toContain('"token"');
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('tokens shorter than 16 characters and owners given twice exit 2 before anything is written', async () => {
      const dir = path.join(await tempDataDir(`err-token-${runtime}`), 'data');
      const cases: [string[], RegExp][] = [
        [['--token', 'short'], /--token: token refused: it has 5 characters, at least 16/],
        [['--tokens', 'alice:abc'], /--tokens: token of owner alice refused: it has 3 characters/],
        [['--tokens', 'alice:alice-token-0123456789,alice:alice-token-9876543210'], /owner alice is listed twice/],
      ];
      for (const [args, message] of cases) {
        const r = await runToExit(runtime, ['--api-port', '0', '--data-dir', dir, ...args]);
        expect(r.code, r.stderr).toBe(2);
        expect(userLine(r.stderr)).toMatch(message);
        expect(r.stderr).not.toContain('alice-token');
      }
      await expect(fs.stat(dir)).rejects.toThrow(); // not even created
    });
  });
}
