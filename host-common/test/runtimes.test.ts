// Runs wal-smoke.ts under Deno and Bun, so the storage layer is proven on every
// runtime the node ships for, not only on the Node that runs vitest.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const smoke = path.join(import.meta.dirname, 'wal-smoke.ts');

const runtimes: { name: string; bin: string; args: string[] }[] = [
  { name: 'deno', bin: path.join(root, 'node_modules/.bin/deno'), args: ['run', '-A', smoke] },
  { name: 'bun', bin: path.join(root, 'node_modules/.bin/bun'), args: [smoke] },
];

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: root, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('storage on other runtimes', () => {
  for (const rt of runtimes) {
    // A missing binary is reported as a skip with its reason, never silently absent.
    it.skipIf(!existsSync(rt.bin))(
      `WAL and snapshots work on ${rt.name} (skipped without node_modules/.bin/${rt.name})`,
      async () => {
        const r = await run(rt.bin, rt.args);
        expect(r.code, r.stderr).toBe(0);
        const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
        expect(line).toMatchObject({ ok: true, runtime: rt.name, appends: 2000 });
        expect(line.burstSyncs).toBeLessThan(200);
      },
      120_000,
    );
  }
});
