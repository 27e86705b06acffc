// Writes docs/screenshot.png: a real node with a few levels on each side and some trades,
// seen by the web page in the headless Chromium of the browser tests.
//
//   npm run screenshot

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, ROOT, startNodeProcess } from '../test/browser.ts';

const out = join(ROOT, 'docs/screenshot.png');
const tokens = { alice: 'alice-screenshot-token-0123456789', bob: 'bob-screenshot-token-0123456789' };
const node = await startNodeProcess(tokens);
const browser = await launchBrowser();
try {
  const place = async (owner: keyof typeof tokens, body: Record<string, unknown>) => {
    const res = await fetch(`${node.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[owner]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ market: 'BTC-USD', ...body }),
    });
    if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  };
  // a book around 64 200 with uneven sizes, then a few trades through it
  const bids = [
    [64195.5, 0.42],
    [64192, 0.8],
    [64190.25, 1.35],
    [64186, 0.6],
    [64181.5, 2.1],
    [64177, 1.2],
    [64170, 3.4],
    [64162.75, 2.5],
    [64155, 4.2],
  ];
  const asks = [
    [64204.25, 0.35],
    [64206, 0.95],
    [64209.5, 1.6],
    [64213, 0.7],
    [64218.75, 2.4],
    [64224, 1.1],
    [64231.5, 3.1],
    [64240, 2.2],
    [64252.25, 4.6],
  ];
  for (const [price, qty] of bids)
    await place('alice', { side: 'buy', type: 'limit', price: price.toFixed(2), quantity: qty.toFixed(8) });
  for (const [price, qty] of asks)
    await place('bob', { side: 'sell', type: 'limit', price: price.toFixed(2), quantity: qty.toFixed(8) });
  // five trades between the two owners (no owner trades with itself: self-trade prevention)
  await place('bob', { side: 'buy', type: 'limit', price: '64198.00', quantity: '0.15000000' });
  await place('alice', { side: 'sell', type: 'limit', price: '64198.00', quantity: '0.15000000' });
  await place('alice', { side: 'buy', type: 'market', quantity: '0.50000000', timeInForce: 'IOC' });
  await place('bob', { side: 'sell', type: 'market', quantity: '0.60000000', timeInForce: 'IOC' });

  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${node.url}/#token=${tokens.alice}`);
  await page.locator('#conn[data-state="live"]').waitFor();
  await page.locator('#trades tr').nth(4).waitFor();
  await page.locator('#mine tr').nth(3).waitFor();
  await page.fill('#price', '64190.00');
  await page.fill('#quantity', '0.25');
  await page.waitForTimeout(300); // one more frame for the chart
  await mkdir(join(ROOT, 'docs'), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await node.stop();
}
