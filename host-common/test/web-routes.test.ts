// The web page's routes without a browser: what is served, with which content types,
// caching and Content-Security-Policy; that the page carries no inline code the policy
// would block; that assets.gen.ts is up to date with its sources; and that the same
// routes serve on Deno and Bun (web-smoke.ts).

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSETS_MODULE, renderAssetsModule } from '../web/build.ts';
import { CONTENT_SECURITY_POLICY, webRoutes } from '../web/routes.ts';

const root = path.resolve(import.meta.dirname, '../..');
const app = webRoutes();

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await app.request(url, { headers });
  return { res, body: await res.text() };
}

describe('web routes', () => {
  it('assets.gen.ts matches host-common/web and uplot (else: npm run build:web)', () => {
    expect(
      readFileSync(ASSETS_MODULE, 'utf8') === renderAssetsModule(),
      'host-common/web/assets.gen.ts is stale: run `npm run build:web`',
    ).toBe(true);
  });

  it('serves the page with a strict policy and no inline code', async () => {
    const { res, body } = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // every script comes from a file; no style attributes, no event-handler attributes
    const scripts = [...body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(3); // locale.js, uPlot, app.js
    for (const [, attrs, inner] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/[^"]+"/);
      expect(inner.trim()).toBe('');
    }
    expect(body).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="|https?:\/\//);
  });

  it('serves every file the page references, versioned and cacheable for good', async () => {
    const { body } = await get('/');
    const refs = [...body.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
    expect(refs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/app\.js\?v=[0-9a-f]{8}$/),
        expect.stringMatching(/^\/app\.css\?v=[0-9a-f]{8}$/),
        expect.stringMatching(/^\/vendor\/uplot\.min\.js\?v=[0-9a-f]{8}$/),
        expect.stringMatching(/^\/vendor\/uplot\.min\.css\?v=[0-9a-f]{8}$/),
      ]),
    );
    for (const ref of refs) {
      const { res, body: asset } = await get(ref);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toBe(
        ref.includes('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(res.headers.get('cache-control'), ref).toBe('public, max-age=31536000, immutable');
      expect(asset.length, ref).toBeGreaterThan(100);
    }
    // a wrong or missing version may be an old page: ask again every time
    expect((await get('/app.js?v=00000000')).res.headers.get('cache-control')).toBe('no-cache');
    expect((await get('/app.js')).res.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves every module the page imports, recursively', async () => {
    const seen = new Set<string>();
    const visit = async (p: string): Promise<void> => {
      if (seen.has(p)) return;
      seen.add(p);
      const { res, body } = await get(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toBe('text/javascript; charset=utf-8');
      for (const m of body.matchAll(/^import .* from '\.(\/[^']+)';$/gm)) await visit(m[1]);
    };
    await visit('/app.js');
    expect([...seen].sort()).toEqual(['/api.js', '/app.js', '/depth-chart.js', '/dom.js', '/node-status.js']);
  });

  it('answers 304 to a matching ETag', async () => {
    const first = await get('/app.css');
    const etag = first.res.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const again = await get('/app.css', { 'if-none-match': `W/"nope", ${etag}` });
    expect(again.res.status).toBe(304);
    expect(again.body).toBe('');
    expect((await get('/app.css', { 'if-none-match': '"other"' })).res.status).toBe(200);
  });

  it('leaves other paths to the app it is mounted in', async () => {
    expect((await get('/v1/health')).res.status).toBe(404);
    expect((await get('/node_modules/uplot/package.json')).res.status).toBe(404);
  });
});

describe('web routes on other runtimes', () => {
  const smoke = path.join(import.meta.dirname, 'web-smoke.ts');
  const runtimes = [
    { name: 'deno', bin: path.join(root, 'node_modules/.bin/deno'), args: ['run', '-A', smoke] },
    { name: 'bun', bin: path.join(root, 'node_modules/.bin/bun'), args: [smoke] },
  ];
  for (const rt of runtimes) {
    it.skipIf(!existsSync(rt.bin))(
      `serve the same files on ${rt.name} (skipped without node_modules/.bin/${rt.name})`,
      async () => {
        const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(rt.bin, rt.args, { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
        });
        expect(out.code, out.stderr).toBe(0);
        const line = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
        expect(line).toMatchObject({ ok: true, runtime: rt.name });
        expect(line.answers).toHaveLength(5);
      },
      90_000,
    );
  }
});
