// The API's cross-cutting work as Hono middleware: timing and counting every request under
// its route's label, readiness (503 while the node replays its log or shuts down), and the
// caller of a request that needs a token (401 without one, 429 over its rate). Handlers read
// the caller with c.get('caller'). The access checks are plain functions too, for the direct
// routes that hosts answer without Hono (app.ts, DirectRoutes).

import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import type { HttpPort, Logger } from '../ports.ts';
import type { Tokens } from './auth.ts';
import type { AuthFailures } from './auth-failures.ts';
import { E } from './errors.ts';
import { type Answer, errorAnswer, errorResponse, send } from './http.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';

export type Phase = 'starting' | 'ready' | 'stopping';

export interface Caller {
  owner: string; //     the name, e.g. "alice"
  qualified: string; // alice@<peer id>
  token: string;
}

/** What handlers and middleware share through c.get / c.set. */
export interface ApiEnv {
  Variables: {
    /** The authenticated caller (set by Access.caller). */
    caller: Caller;
    /** The metric label, when it is not the matched route's path (405 answers). */
    route: string;
    /** The owner named by a WebSocket upgrade's Authorization header, or null (stream.ts). */
    streamOwner: string | null;
  };
}

/** Times every request and counts it by route (its path), method and status; unknown paths count as not_found. */
export function timing(metrics: Metrics): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    // only this middleware matched ("/*"): no route has the path
    const matched = matchedRoutes(c).length > 1 ? routePath(c, -1) : 'not_found';
    const route = c.get('route') ?? matched;
    metrics.request(route, c.req.method, c.res.status, (performance.now() - start) / 1000);
  };
}

/** The last resort for a handler that threw: logged with its route, answered 500 in the one error shape. */
export function internalError(logger: Logger): (err: Error, c: Context<ApiEnv>) => Response {
  return (err, c) => {
    logger.error('api: handler failed', { route: routePath(c, -1), error: err.message, stack: err.stack });
    return errorResponse(c, E.internal());
  };
}

export interface AccessDeps {
  phase: () => Phase;
  tokens: Tokens;
  limiter: RateLimiter;
  peerId: string;
  now: () => number;
  /** Failed authentications per client address (auth-failures.ts); none: not limited. */
  authFailures?: AuthFailures;
  /** The client's address behind a Hono context (HttpPort.clientAddress). */
  clientAddress?: HttpPort['clientAddress'];
}

/** Who sent a request, for counting failed authentications: the address, and the route for the log. */
export interface Client {
  address: string | undefined;
  route: string;
}

/** Who may do what, and when: readiness and the caller's token and rate. */
export class Access {
  private readonly deps: AccessDeps;

  constructor(deps: AccessDeps) {
    this.deps = deps;
  }

  /** The 503 while the node cannot serve it: reads are served while stopping, writes only when ready. */
  notReady(write: boolean): Answer | null {
    const phase = this.deps.phase();
    if (phase === 'ready' || (phase === 'stopping' && !write)) return null;
    const why = phase === 'starting' ? 'the node is still replaying its log' : 'the node is shutting down';
    return errorAnswer(E.notReady(why), { 'Retry-After': '1' });
  }

  /**
   * The caller of a request that needs a token: 401 without one, 429 over a limit (the token's
   * requests, or the failed authentications from the client's address).
   */
  callerOf(authorization: string | undefined, client?: Client): Caller | Answer {
    const address = client?.address ?? 'unknown';
    const blocked = this.deps.authFailures?.blocked(address, this.deps.now()) ?? 0;
    if (blocked > 0) return errorAnswer(E.rateLimited(blocked), { 'Retry-After': String(blocked) });
    const who = this.deps.tokens.ownerOf(authorization);
    if (!who) {
      if (authorization !== undefined) this.deps.authFailures?.fail(address, this.deps.now(), client?.route ?? '');
      return errorAnswer(E.unauthorized());
    }
    const wait = this.deps.limiter.take(who.token, this.deps.now());
    if (wait > 0) return errorAnswer(E.rateLimited(wait), { 'Retry-After': String(wait) });
    return { owner: who.owner, qualified: `${who.owner}@${this.deps.peerId}`, token: who.token };
  }

  /** The caller of a write: 503 while the node is not ready, then callerOf()'s answers. */
  writerOf(authorization: string | undefined, client?: Client): Caller | Answer {
    return this.notReady(true) ?? this.callerOf(authorization, client);
  }

  /** The client of a Hono request: its address and route. */
  clientOf(c: Context): Client {
    return { address: this.deps.clientAddress?.(c), route: c.req.routePath };
  }

  /** Middleware: 503 unless the node can serve a read (write false) or a write (write true). */
  ready(write: boolean): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      const down = this.notReady(write);
      if (down) return send(c, down);
      await next();
    };
  }

  /** Middleware: sets c.get('caller'), or answers 401 / 429. */
  readonly caller: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const who = this.callerOf(c.req.header('authorization'), this.clientOf(c));
    if ('status' in who) return send(c, who);
    c.set('caller', who);
    await next();
  };
}
