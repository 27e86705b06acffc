// The web page's routes: GET / and the page's scripts and stylesheets, from the strings of
// assets.gen.ts (see build.ts), with content types, caching and a strict
// Content-Security-Policy. The node's app mounts it with `app.route('/', webRoutes())`.

import { Hono } from 'hono';
import { WEB_ASSETS } from './assets.gen.ts';

export interface WebAsset {
  /** Content-Type. */
  type: string;
  /** A hash of the body: the ETag, and (first 8 digits) the `?v=` that index.html adds. */
  hash: string;
  body: string;
}

/**
 * Scripts and styles only from this node, no inline code, no plugins, no framing; fetches
 * and the WebSocket only back to this node ('self' covers ws: to the same host and port).
 * img data: is the empty favicon.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Does an If-None-Match header name this ETag? */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export function webRoutes(assets: Readonly<Record<string, WebAsset>> = WEB_ASSETS): Hono {
  const app = new Hono();
  for (const [path, asset] of Object.entries(assets)) {
    const etag = `"${asset.hash}"`;
    const version = asset.hash.slice(0, 8);
    app.get(path, (c) => {
      // Only a URL carrying this body's version may be kept without asking again; the page
      // itself and unversioned URLs (module imports) are revalidated, cheaply, by ETag.
      const immutable = path !== '/' && c.req.query('v') === version;
      const headers: Record<string, string> = {
        ...SECURITY_HEADERS,
        ETag: etag,
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      };
      if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
      return c.body(asset.body, 200, { ...headers, 'Content-Type': asset.type });
    });
  }
  return app;
}
