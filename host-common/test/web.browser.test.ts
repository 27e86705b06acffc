// The web page in a real browser against a real node: a headless Chromium (from the npm
// package @sparticuz/chromium, driven by playwright-core) loads http://<node>/, and two
// owners trade through the page's form. Everything between the click and the tape is the
// real thing: HTTP API, event pipeline, WASM book, WebSocket pushes. The browser runs under a
// POSIX locale (LANG=C.UTF-8, as on many servers and CI machines) and no page forces a locale.

import process from 'node:process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type NodeProcess, startNodeProcess } from './browser.ts';

const TOKENS = { alice: 'alice-web-test-token-0123456789', bob: 'bob-web-test-token-0123456789' };
const STEP = 10_000; // ms for any one thing to show up on a page

/** expect.poll with room for a loaded machine (vitest's default gives up after 1 s). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: STEP, interval: 50 });

let node: NodeProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

interface OpenPage {
  page: Page;
  /** Uncaught exceptions and console errors seen on the page. */
  problems: string[];
}

async function openPage(token?: string): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${node.url}/`);
  await page.locator('#conn[data-state="live"]').waitFor();
  await page.locator('#market option').first().waitFor({ state: 'attached' });
  if (token) {
    await page.fill('#token', token);
    await page.click('#token-save');
    await eventually(() => page.textContent('#token-status')).toBe('token accepted');
  }
  return { page, problems };
}

async function placeOrder(
  page: Page,
  o: { side: 'buy' | 'sell'; price?: string; quantity: string; type?: 'limit' | 'market'; tif?: string },
) {
  await page.click(`label.${o.side}`);
  await page.selectOption('#type', o.type ?? 'limit');
  if (o.price !== undefined) await page.fill('#price', o.price);
  await page.fill('#quantity', o.quantity);
  if (o.tif !== undefined) await page.selectOption('#tif', o.tif);
  await page.click('#submit');
}

/** The ladder as the page shows it: [price, quantity] per row, top to bottom. */
function ladder(page: Page, side: 'bids' | 'asks') {
  return page.$$eval(`#${side} tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)),
  );
}

/** Opaque pixels of the depth chart's canvas close to a colour: has uPlot drawn that side? */
function chartPixels(page: Page, side: 'bids' | 'asks') {
  const rgb = side === 'bids' ? [0x2e, 0xbd, 0x85] : [0xf0, 0x56, 0x5b]; // depth-chart.js's strokes
  return page.$eval(
    '#depth-chart canvas',
    (canvas, [r, g, b]) => {
      const d = (canvas as HTMLCanvasElement)
        .getContext('2d')!
        .getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 200 && Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24)
          n++;
      }
      return n;
    },
    rgb,
  );
}

/** The cells of the first row of "My open orders", without the cancel button's. */
function mineRow(page: Page) {
  return page.$$eval('#mine tr:first-child td', (tds) => tds.slice(0, 7).map((td) => td.textContent));
}

/** An order placed over the API, as a script would (the form offers limit and market only). */
async function apiPlace(token: string, body: Record<string, unknown>) {
  const r = await fetch(`${node.url}/v1/orders`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ market: 'BTC-USD', ...body }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { order: { id: string } }).order;
}

function tape(page: Page) {
  return page.$$eval('#trades tr', (rows) =>
    rows.map((r) => ({
      price: r.children[1].textContent,
      quantity: r.children[2].textContent,
      status: r.children[3].textContent,
      className: r.className,
    })),
  );
}

describe('the web page in a real browser', () => {
  beforeAll(async () => {
    [node, browser] = await Promise.all([
      startNodeProcess(TOKENS),
      launchBrowser({ env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: undefined } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await node?.stop();
  });

  it('loads from the node under its Content-Security-Policy, with health, peers and a chart', async () => {
    const { page, problems } = await openPage();
    // the browser reports a language tag Intl rejects; the page's fallback keeps uPlot working
    const reported = await page.evaluate(() =>
      Object.getOwnPropertyDescriptor(Navigator.prototype, 'language')?.get?.call(navigator),
    );
    expect(reported).toBe('en-US@posix');
    expect(await page.evaluate(() => navigator.language)).toBe('en-US');
    const res = await page.request.get(`${node.url}/`);
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
    await eventually(() => page.textContent('#health')).toContain('statusok');
    expect(await page.textContent('#health')).toContain('node · v');
    expect(await page.textContent('#peers-empty')).toBe('no peers yet');
    expect(await page.locator('#depth-chart canvas').count()).toBe(1);
    expect(await page.textContent('#mine-empty')).toBe('set a token to see your orders');
    expect(problems).toEqual([]);

    // the policy is enforced, not only sent: an injected inline script does not run
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.head.append(s);
      return (window as { __inline?: boolean }).__inline === true;
    });
    expect(ran).toBe(false);
  });

  it('a buy and a crossing sell placed through the form trade: the tape and the ladder update live', async () => {
    const alice = await openPage(TOKENS.alice);
    const bob = await openPage(TOKENS.bob);

    await placeOrder(alice.page, { side: 'buy', price: '100.00', quantity: '0.5' });
    await eventually(() => alice.page.textContent('#order-result')).toMatch(/^buy order [0-9a-f]{16}: open$/);
    await eventually(() => ladder(bob.page, 'bids')).toContainEqual(['100.00', '0.50000000']);
    await eventually(() => alice.page.$$eval('#mine tr', (rows) => rows.length)).toBe(1);
    expect(await bob.page.$$eval('#mine tr', (rows) => rows.length)).toBe(0); // alice's, not bob's

    await placeOrder(bob.page, { side: 'sell', price: '100.00', quantity: '0.2' });
    await eventually(() => bob.page.textContent('#order-result')).toMatch(/^sell order [0-9a-f]{16}: filled, 1 trade$/);

    const trade = { price: '100.00', quantity: '0.20000000', status: 'final', className: 'sell final' };
    for (const p of [alice.page, bob.page]) {
      await eventually(() => tape(p)).toEqual([trade]);
      await eventually(() => ladder(p, 'bids')).toEqual([['100.00', '0.30000000']]);
    }
    // alice's open order shows the fill, pushed on the orders channel
    await eventually(() => mineRow(alice.page)).toEqual([
      'buy',
      'limit GTC',
      '100.00',
      '–',
      '0.30000000',
      '0.20000000',
      'partially filled',
    ]);
    // the depth chart drew the bids and, with no asks left, nothing in the asks' colour
    await eventually(() => chartPixels(alice.page, 'bids')).toBeGreaterThan(50);
    expect(await chartPixels(alice.page, 'asks')).toBe(0);
    await eventually(() => alice.page.textContent('#book-meta')).toMatch(/1\/0 levels · event \d+ · hash [0-9a-f]{8}/);
    expect([...alice.problems, ...bob.problems]).toEqual([]);
  });

  it("shows the API's validation message next to the price and quantity fields", async () => {
    const { page, problems } = await openPage(TOKENS.bob);
    const before = await ladder(page, 'asks');

    await placeOrder(page, { side: 'sell', price: '12.345', quantity: '0.1' });
    await eventually(() => page.textContent('#price-error')).toBe(
      'price has more decimals than the price step 0.01 allows (2)',
    );
    expect(await page.getAttribute('#price', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#order-result')).toBe('');

    await placeOrder(page, { side: 'sell', price: 'abc', quantity: '0.1' });
    await eventually(() => page.textContent('#price-error')).toMatch(/^price must be a plain decimal string/);

    await placeOrder(page, { side: 'sell', price: '101.00', quantity: '0' });
    await eventually(() => page.textContent('#quantity-error')).toBe('quantity must be greater than zero');
    expect(await page.textContent('#price-error')).toBe('');

    // typing in the field clears its message; nothing reached the book
    await page.fill('#quantity', '0.1');
    expect(await page.textContent('#quantity-error')).toBe('');
    expect(await ladder(page, 'asks')).toEqual(before);
    expect(problems.filter((p) => !p.includes('400'))).toEqual([]); // the browser logs the 400s
  });

  it('cancels an own open order from the list', async () => {
    const alice = await openPage(TOKENS.alice);
    const watcher = await openPage();
    await eventually(() => alice.page.$$eval('#mine tr', (rows) => rows.length)).toBe(1);
    await eventually(() => ladder(watcher.page, 'bids')).toEqual([['100.00', '0.30000000']]);

    await alice.page.click('#mine button[data-cancel]');
    await eventually(() => alice.page.$$eval('#mine tr', (rows) => rows.length)).toBe(0);
    expect(await alice.page.textContent('#mine-empty')).toBe('no open orders');
    await eventually(() => ladder(watcher.page, 'bids')).toEqual([]);
    await eventually(() => watcher.page.textContent('#spread')).toBe('empty book');
    await eventually(() => chartPixels(watcher.page, 'bids')).toBe(0);
    expect([...alice.problems, ...watcher.problems]).toEqual([]);
  });

  it('marks tentative and reverted trades on the tape', async () => {
    // A single node's trades are final on arrival; a network's start tentative. Relay the
    // real stream and add pushes as a peer's trade would arrive: tentative, then reverted.
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP);
    let toPage: ((text: string) => void) | null = null;
    await page.routeWebSocket(/\/v1\/stream$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => ws.send(m));
      toPage = (text) => ws.send(text);
    });
    await page.goto(`${node.url}/`);
    await page.locator('#conn[data-state="live"]').waitFor();
    await eventually(() => toPage !== null).toBe(true);
    const trade = {
      id: 'peer-trade-1',
      market: 'BTC-USD',
      price: '99.00',
      quantity: '0.01000000',
      takerSide: 'buy',
      takerOrderId: '00000000000000aa',
      makerOrderId: '00000000000000bb',
      time: new Date().toISOString(),
    };
    const push = (status: string) =>
      toPage!(JSON.stringify({ channel: 'trades', market: 'BTC-USD', data: { ...trade, status } }));

    push('tentative');
    await eventually(() =>
      page
        .$eval('#trades tr[data-id="peer-trade-1"]', (r) => [r.className, r.children[3].textContent])
        .catch(() => null),
    ).toEqual(['buy tentative', 'tentative']);
    push('reverted');
    await eventually(() =>
      page.$eval('#trades tr[data-id="peer-trade-1"]', (r) => [r.className, r.children[3].textContent]),
    ).toEqual(['buy reverted', 'reverted']);
    push('tentative'); // a late, older status does not undo the reversal
    await page.waitForTimeout(100);
    expect(await page.$eval('#trades tr[data-id="peer-trade-1"] .status', (s) => s.textContent)).toBe('reverted');
    expect(
      await page.$eval('#trades tr[data-id="peer-trade-1"] td', (td) => getComputedStyle(td).textDecorationLine),
    ).toBe('line-through');
  });

  it('lists a pending stop-limit with its type, trigger price and status', async () => {
    const alice = await openPage(TOKENS.alice);
    const stop = await apiPlace(TOKENS.alice, {
      side: 'buy',
      type: 'stop_limit',
      stopPrice: '150.00',
      price: '151.00',
      quantity: '0.4',
    });
    await eventually(() => mineRow(alice.page)).toEqual([
      'buy',
      'stop limit GTC',
      '151.00',
      '150.00',
      '0.40000000',
      '0.00000000',
      'pending',
    ]);
    await alice.page.click(`#mine button[data-cancel="${stop.id}"]`);
    await eventually(() => alice.page.$$eval('#mine tr', (rows) => rows.length)).toBe(0);
    expect(alice.problems).toEqual([]);
  });

  it('pairs the event count in the header with the state hash of that same event', async () => {
    const { page, problems } = await openPage(TOKENS.bob);
    await placeOrder(page, { side: 'sell', price: '120.00', quantity: '0.1' }); // a delta: the count moves on
    await eventually(() => ladder(page, 'asks')).toEqual([['120.00', '0.10000000']]);
    const book = async () =>
      (await (await fetch(`${node.url}/v1/markets/BTC-USD/book?depth=1`)).json()) as {
        stateHash: string;
        eventCount: number;
      };
    const now = await book();
    await eventually(() => page.textContent('#book-meta')).toBe(
      `· 0/1 levels · event ${now.eventCount} · hash ${now.stateHash.slice(0, 8)}`,
    );
    expect(problems).toEqual([]);
  });

  it('says why an order was cancelled: FOK, self-trade prevention, and an expiry in the list', async () => {
    const bob = await openPage(TOKENS.bob);
    // FOK against 0.1 at 120.00: cannot fill 1 in full
    await placeOrder(bob.page, { side: 'buy', price: '120.00', quantity: '1', tif: 'FOK' });
    await eventually(() => bob.page.textContent('#order-result')).toMatch(
      /^buy order [0-9a-f]{16}: cancelled — FOK order could not fill in full/,
    );
    expect(await bob.page.getAttribute('#order-result', 'class')).toBe('result warn');
    // bob's market buy meets his own asks: self-trade prevention cancels them
    const ask = await apiPlace(TOKENS.bob, { side: 'sell', type: 'limit', price: '121.00', quantity: '0.1' });
    await eventually(() => mineRow(bob.page)).toContain('121.00');
    await placeOrder(bob.page, { side: 'buy', quantity: '0.1', type: 'market', tif: 'IOC' });
    await eventually(() => bob.page.textContent('#order-result')).toMatch(
      new RegExp(
        `^buy order [0-9a-f]{16}: cancelled — .*self-trade prevention cancelled your resting orders? .*${ask.id}`,
      ),
    );
    await eventually(() => bob.page.textContent('#mine-note')).toContain(
      'cancelled by self-trade prevention: an order of yours would have traded with it',
    );
    // a good-till-time order leaves the list by itself when its time comes
    await apiPlace(TOKENS.bob, {
      side: 'buy',
      type: 'limit',
      price: '90.00',
      quantity: '0.1',
      expiresAt: new Date(Date.now() + 1000).toISOString(),
    });
    await eventually(() => mineRow(bob.page)).toContain('90.00');
    await eventually(() => bob.page.textContent('#mine-note')).toMatch(
      /order [0-9a-f]{8}…: expired at .* \(good-till-time\)/,
    );
    expect(await bob.page.$$eval('#mine tr', (rows) => rows.length)).toBe(0);
    expect(bob.problems).toEqual([]);
  });

  it('offers only IOC and FOK for a market order, and says an empty quantity is required', async () => {
    const { page } = await openPage(TOKENS.bob);
    await page.selectOption('#type', 'market');
    expect(await page.inputValue('#tif')).toBe('IOC');
    expect(await page.$eval('#tif option[value="GTC"]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    await expect(page.selectOption('#tif', 'GTC', { timeout: 500 })).rejects.toThrow();
    await page.selectOption('#type', 'limit');
    expect(await page.$eval('#tif option[value="GTC"]', (o) => (o as HTMLOptionElement).disabled)).toBe(false);

    await page.fill('#price', '100.00');
    await page.fill('#quantity', '');
    await page.click('#submit');
    await eventually(() => page.textContent('#quantity-error')).toBe('quantity is required');
  });
});
