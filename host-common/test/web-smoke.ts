// Serves the web page's routes through app.request() on whichever runtime runs this file
// and prints one JSON line; web-routes.test.ts runs it on Deno and Bun, so the page is
// proven to ship the same way on every runtime the node does.
import { webRoutes } from '../web/routes.ts';

const app = webRoutes();
const paths = ['/', '/app.js', '/app.css', '/vendor/uplot.min.js', '/vendor/uplot.min.css'];
const answers = [];
for (const path of paths) {
  const res = await app.request(path);
  const body = await res.text();
  answers.push({
    path,
    status: res.status,
    type: res.headers.get('content-type'),
    csp: res.headers.get('content-security-policy') !== null,
    bytes: body.length,
  });
}
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
console.log(JSON.stringify({ ok: answers.every((a) => a.status === 200 && a.csp && a.bytes > 0), runtime, answers }));
