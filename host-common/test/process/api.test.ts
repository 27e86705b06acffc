// The API conformance cases (conformance/cases/api-*.ts) against a real node process of each
// runtime on a free loopback port: every route, every error status, WebSocket and SSE
// pushes, auth and ownership. Plus what needs its own node: the per-token rate limit,
// --help, a bad flag, the generated token and graceful shutdown.

import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCases } from '../../../conformance/cases/api-cases.ts';
import type { ApiContext } from '../../../conformance/cases/api-client.ts';
import { missing, RUNTIMES, type NodeProcess, runToExit, startNodeProcess, tempDataDir } from './node-process.ts';
import { RawConnection } from '../raw-http.ts';

const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-9876543210' };

for (const runtime of RUNTIMES) {
  const why = missing(runtime);
  describe.skipIf(why !== undefined)(`API on ${runtime}${why ? ` (skipped: ${why})` : ''}`, () => {
    let node: NodeProcess;
    let dataDir: string;
    const ctx = (): ApiContext => ({ runtime, baseUrl: node.url, tokens: TOKENS }) as ApiContext;

    beforeAll(async () => {
      dataDir = await tempDataDir(`api-${runtime}`);
      node = await startNodeProcess(runtime, {
        dataDir,
        args: ['--tokens', `alice:${TOKENS.alice},bob:${TOKENS.bob}`],
      });
    });
    afterAll(async () => {
      if (node) {
        const exit = await node.stop('SIGTERM');
        expect(exit.code, node.stderr()).toBe(0); // graceful shutdown exits 0
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    for (const c of apiCases) {
      it(c.name, async () => {
        expect(c.skip?.(ctx())).toBeUndefined();
        await c.run(ctx());
      });
    }

    it('zero configuration generated a token for "local", printed once, kept in the data dir (0600)', async () => {
      const printed = node.stdoutLines.map((l) => JSON.parse(l)).filter((m) => m.event === 'token');
      expect(printed).toHaveLength(1);
      const file = `${dataDir}/token`;
      expect((await fs.readFile(file, 'utf8')).trim()).toBe(printed[0].token);
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      expect((await fs.stat(`${dataDir}/peer-key`)).mode & 0o777).toBe(0o600);
      const r = await fetch(`${node.url}/v1/orders`, { headers: { Authorization: `Bearer ${printed[0].token}` } });
      expect(r.status).toBe(200);
      const listening = node.stdoutLines.map((l) => JSON.parse(l)).filter((m) => m.event === 'listening');
      expect(listening).toHaveLength(1);
      expect(listening[0]).toMatchObject({ runtime, peerId: node.peerId });
    });
  });

  describe.skipIf(why !== undefined)(`process behaviour on ${runtime}`, () => {
    it('over the per-token rate limit the API answers 429 with Retry-After', async () => {
      const dataDir = await tempDataDir(`rate-${runtime}`);
      const node = await startNodeProcess(runtime, {
        dataDir,
        args: ['--rate-limit', '5', '--token', 'rate-token-0123456789'],
      });
      try {
        const u = new URL(node.url);
        const c = await RawConnection.connect(u.hostname, Number(u.port));
        const statuses: number[] = [];
        let limited: Awaited<ReturnType<typeof c.request>> | null = null;
        for (let i = 0; i < 30; i++) {
          const r = await c.request({
            method: 'GET',
            path: '/v1/orders',
            headers: { Authorization: 'Bearer rate-token-0123456789' },
          });
          statuses.push(r.status);
          if (r.status === 429) limited ??= r;
        }
        c.close();
        expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
        expect(limited, `statuses ${statuses}`).not.toBeNull();
        expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(limited!.body).error.code).toBe('rate_limited');
      } finally {
        await node.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    });

    it('--help lists every option; a bad flag exits 2 naming it', async () => {
      const help = await runToExit(runtime, ['--help']);
      expect(help.code).toBe(0);
      for (const flag of [
        '--api-host',
        '--api-port',
        '--p2p-port',
        '--data-dir',
        '--bootstrap',
        '--mdns',
        '--dht',
        '--markets',
        '--token',
        '--tokens',
        '--log-level',
        '--rate-limit',
        '--body-limit',
        '--snapshot-every',
      ]) {
        expect(help.stdout).toContain(flag);
      }
      expect(help.stdout).toContain('MESHBOOK_API_PORT');
      const bad = await runToExit(runtime, ['--api-prot', '1']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--api-prot');
      expect(bad.stderr).toContain('did you mean --api-port');
    });
  });
}
