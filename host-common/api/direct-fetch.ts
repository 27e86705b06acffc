// The app's direct routes for hosts whose server hands over web Requests (Deno.serve,
// Bun.serve): a request for a direct route is answered by its plain function, without Hono's
// router and context; every other request, and any a direct route should not see (a
// Content-Length that is not a plain number, a chunked body), goes to the app. Node's host
// does the same from node:http's request and response (host-node/ports.ts).

import type { FetchApp } from '../ports.ts';
import { declaredBody, hasPlainBody } from './http.ts';

/** `addressOf` gives the client's IP address from what the server hands the fetch handler. */
export function directFetch<Rest extends unknown[]>(
  app: FetchApp,
  addressOf: (req: Request, ...rest: Rest) => string | undefined,
): (req: Request, ...rest: Rest) => Response | Promise<Response> {
  const direct = app.direct ?? {};
  return (req, ...rest) => {
    const route = direct[`${req.method} ${pathOf(req.url)}`];
    if (!route || !hasPlainBody(req)) return app.fetch(req, ...rest);
    return route({
      header: (name) => req.headers.get(name) ?? undefined,
      body: (limit) => declaredBody(req, limit)!, // always decided: the body is plain
      address: () => addressOf(req, ...rest),
    }).then(
      (a) => new Response(a.body, { status: a.status, headers: { 'Content-Type': 'application/json', ...a.headers } }),
    );
  };
}

/** "http://host:port/path?query" → "/path?query", as a request line carries it. */
function pathOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? '/' : url.slice(slash);
}
