// Small HTTP helpers of the API: error responses in the one shape, and reading a body under
// the size limit without ever holding more than the limit in memory.

import type { Context } from 'hono';
import { type ApiError, E, errorBody, fail, ok, type Result } from './errors.ts';

/** An answer before it is a Response: what the Hono routes and the hosts' direct routes share. */
export interface Answer {
  status: number;
  json: unknown;
  headers?: Record<string, string>;
}

/** An error in the one shape; a 401 says which scheme to use. */
export const errorAnswer = (e: ApiError, headers?: Record<string, string>): Answer => ({
  status: e.status,
  json: errorBody(e),
  headers: e.status === 401 ? { ...headers, 'WWW-Authenticate': 'Bearer' } : headers,
});

export const send = (c: Context, a: Answer): Response => c.json(a.json, a.status as 200, a.headers);

export function errorResponse(c: Context, e: ApiError, headers?: Record<string, string>): Response {
  return send(c, errorAnswer(e, headers));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array): Result<string> {
  try {
    return ok(utf8.decode(bytes));
  } catch {
    return fail(400, 'invalid_json', 'the body is not valid UTF-8');
  }
}

/** A body a host read itself (HttpPort.readBody, DirectRequest.body) as text, or the 413. */
export function bodyText(bytes: Uint8Array | 'too-large', limit: number): Result<string> {
  return bytes === 'too-large' ? { ok: false, error: E.tooLarge(limit) } : decode(bytes);
}

const PLAIN_LENGTH = /^[0-9]{1,15}$/;

/** A web Request whose body its Content-Length describes: a plain number, and not chunked. */
export function hasPlainBody(req: Request): boolean {
  const declared = req.headers.get('content-length');
  return declared !== null && PLAIN_LENGTH.test(declared) && !req.headers.has('transfer-encoding');
}

/**
 * The body as its plain Content-Length decides it: 'too-large' past `limit` (the body dropped
 * unread), else the bytes when not chunked; undefined when the length alone cannot decide
 * (none, not a plain number, or chunked: the caller counts while reading).
 */
export function declaredBody(req: Request, limit: number): Promise<Uint8Array | 'too-large'> | undefined {
  const declared = req.headers.get('content-length');
  if (declared === null || !PLAIN_LENGTH.test(declared)) return undefined;
  if (Number(declared) > limit)
    return (req.body?.cancel() ?? Promise.resolve()).then(
      () => 'too-large' as const,
      () => 'too-large' as const,
    );
  if (req.headers.has('transfer-encoding')) return undefined;
  return req.arrayBuffer().then((b) => new Uint8Array(b));
}

/**
 * The request body as text; 413 past `limit` bytes, whether or not Content-Length says so.
 * `fast` is the host's optional direct reader (HttpPort.readBody).
 */
export async function readBody(
  c: Context,
  limit: number,
  fast?: (c: unknown, limit: number) => Promise<Uint8Array | 'too-large'> | undefined,
): Promise<Result<string>> {
  const direct = fast?.(c, limit);
  if (direct) {
    return bodyText(await direct, limit);
  }
  const req = c.req.raw;
  const declared = req.headers.get('content-length');
  if (declared !== null && !PLAIN_LENGTH.test(declared))
    return fail(400, 'invalid_request', 'Content-Length is not a number');
  const known = declaredBody(req, limit);
  if (known) return bodyText(await known, limit);
  if (!req.body) return ok('');
  // No (trustworthy) length: count while reading and stop at the limit.
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, error: E.tooLarge(limit) };
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const ch of chunks) {
    all.set(ch, off);
    off += ch.length;
  }
  return decode(all);
}

/**
 * One page of a list, newest first: the first `limit` of `items` (fetched one longer), and
 * when there are more, `Link: <this request with before=<last id>>; rel="next"`.
 */
export function pageAnswer<T>(
  c: Context,
  items: T[],
  limit: number,
  idOf: (item: T) => string,
  format: (item: T) => unknown,
): Response {
  const shown = items.length > limit ? items.slice(0, limit) : items;
  if (items.length > limit) {
    const next = new URL(c.req.url);
    next.searchParams.set('before', idOf(shown[shown.length - 1]));
    next.searchParams.set('limit', String(limit));
    c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
  return c.json(shown.map(format));
}
