// API cases: the live pushes — the WebSocket at /v1/stream (book snapshot + deltas, trades,
// own order updates, with the token in the subscribe message) and the per-market SSE stream.
import type { Case } from '../case.ts';
import {
  type Api,
  type ApiContext,
  call,
  clean,
  expectStatus,
  needsNode,
  norm,
  orderBody,
  placeOk,
  sameAmount,
  steps,
} from './api-client.ts';
import { preciseMs } from '../../host-common/api/format.ts';
import { check, checkEqual } from './check.ts';

const api = (name: string, run: (ctx: ApiContext) => Promise<void>): Case => ({
  name: `api: ${name}`,
  group: 'api',
  skip: needsNode,
  run,
});
const WAIT_MS = 5000;

/** Messages as they arrive, and a wait for the first one (from a position on) that matches. */
class Inbox {
  readonly items: any[] = [];
  private waiters: (() => void)[] = [];

  push(m: any): void {
    this.items.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  async next(what: string, match: (m: any) => boolean, from = 0): Promise<any> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.items.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${WAIT_MS} ms; got ${JSON.stringify(this.items).slice(0, 800)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

async function openSocket(a: Api): Promise<{ ws: WebSocket; inbox: Inbox }> {
  const ws = new WebSocket(`${a.base.replace(/^http/, 'ws')}/v1/stream`);
  const inbox = new Inbox();
  ws.onmessage = (e) => inbox.push(JSON.parse(String(e.data)));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('the WebSocket did not open'));
  });
  return { ws, inbox };
}

/** This process's clock, as the node reads its own (they share the machine's). */
const clockNow = () => performance.timeOrigin + performance.now();

/**
 * A push's `sentAt`: ISO-8601 UTC to the microsecond, taken while the change was applied, so
 * between the request sent and its answer received (20 ms of slack: two processes' clocks).
 */
function checkSentAt(m: any, from: number, to: number, what: string): void {
  const text = m.sentAt;
  const at = preciseMs(text); // NaN unless ISO-8601 UTC to the microsecond
  check(!Number.isNaN(at), `${what}: sentAt ${JSON.stringify(text)} is ISO-8601 to the microsecond`);
  check(
    at >= from - 20 && at <= to + 20,
    `${what}: sentAt ${text} lies ${(at - from).toFixed(3)} ms after the request was sent, and its answer came ${(to - from).toFixed(3)} ms after`,
  );
}

const isLevel = (rows: [string, string][], price: string, qty: string) =>
  rows.some(([p, q]) => sameAmount(p, price) && sameAmount(q, qty));

export const apiStreamCases: Case[] = [
  api('WebSocket: book snapshot and deltas, trades, and own order updates', (ctx) =>
    clean(ctx, async (a) => {
      const { ws, inbox } = await openSocket(a);
      try {
        const market = a.market.id;
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', market }));
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'trades', market }));
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'orders', market, token: a.tokens.alice }));
        for (const channel of ['book', 'trades', 'orders'])
          await inbox.next(`ack of ${channel}`, (m) => m.op === 'subscribed' && m.channel === channel);
        const snap = await inbox.next('book snapshot', (m) => m.channel === 'book' && m.data?.type === 'snapshot');
        checkEqual(snap.market, market, 'snapshot market');
        check(Array.isArray(snap.data.bids) && Array.isArray(snap.data.asks), 'snapshot sides');

        const mark = inbox.items.length;
        const px = steps(a.market.tickSize, 1_200_000);
        const makerSent = clockNow();
        const maker = (await placeOk(a, a.tokens.alice, { side: 'sell', ticks: 1_200_000, lots: 500 })).order;
        const makerAnswered = clockNow();
        const ask = await inbox.next(
          'delta with the new ask',
          (m) =>
            m.channel === 'book' && m.data?.type === 'delta' && isLevel(m.data.asks, px, steps(a.market.lotSize, 500)),
          mark,
        );
        const open = await inbox.next(
          'own order update (open)',
          (m) => m.channel === 'orders' && m.data?.id === maker.id,
          mark,
        );
        checkEqual(open.data.status, 'open', 'pushed status');
        checkEqual(open.market, market, 'pushed market');
        checkSentAt(ask, makerSent, makerAnswered, 'book delta');
        checkSentAt(open, makerSent, makerAnswered, 'order update');

        const mark2 = inbox.items.length;
        const takerSent = clockNow();
        const taker = (await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 1_200_000, lots: 200 })).order;
        const takerAnswered = clockNow();
        const trade = await inbox.next(
          'trade',
          (m) => m.channel === 'trades' && m.data?.takerOrderId === taker.id,
          mark2,
        );
        checkSentAt(trade, takerSent, takerAnswered, 'trade');
        check(
          sameAmount(trade.data.price, px) && sameAmount(trade.data.quantity, steps(a.market.lotSize, 200)),
          `trade ${JSON.stringify(trade.data)}`,
        );
        await inbox.next(
          'delta after the trade',
          (m) =>
            m.channel === 'book' && m.data?.type === 'delta' && isLevel(m.data.asks, px, steps(a.market.lotSize, 300)),
          mark2,
        );
        const part = await inbox.next(
          'own order update (partially filled)',
          (m) => m.channel === 'orders' && m.data?.id === maker.id && m.data.status === 'partially_filled',
          mark2,
        );
        check(sameAmount(part.data.filledQuantity, steps(a.market.lotSize, 200)), 'pushed filled quantity');
        check(
          !inbox.items.some((m) => m.channel === 'orders' && m.data?.id === taker.id),
          "bob's order is not pushed to alice",
        );

        const mark3 = inbox.items.length;
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'orders', market }));
        const unauth = await inbox.next('error for orders without a token', (m) => m.error, mark3);
        checkEqual(unauth.error.code, 'unauthorized', 'orders without a token');
        ws.send('not json');
        const bad = await inbox.next(
          'error for a malformed message',
          (m) => m.error && m.error.code !== 'unauthorized',
          mark3,
        );
        checkEqual(bad.error.code, 'invalid_json', 'malformed message');
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', market: 'NOPE-USD' }));
        await inbox.next('error for an unknown market', (m) => m.error?.code === 'market_not_found', mark3);
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'gossip', market }));
        await inbox.next('error for an unknown channel', (m) => m.error?.field === 'channel', mark3);
      } finally {
        ws.close();
      }
    }),
  ),

  api(
    'WebSocket: book deltas follow iceberg refills, moved orders and triggered stops; snapshot + deltas = the book',
    (ctx) =>
      clean(ctx, async (a) => {
        const { ws, inbox } = await openSocket(a);
        try {
          const market = a.market.id;
          const px = (t: number) => steps(a.market.tickSize, t);
          const q = (n: number) => steps(a.market.lotSize, n);
          ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', market }));
          const snap = await inbox.next('book snapshot', (m) => m.channel === 'book' && m.data?.type === 'snapshot');
          // the book as the pushes tell it, by price string
          const local = { bids: new Map<string, string>(), asks: new Map<string, string>() };
          const applyRows = (side: Map<string, string>, rows: [string, string][]) => {
            for (const [p, qty] of rows) sameAmount(qty, '0') ? side.delete(p) : side.set(p, qty);
          };
          applyRows(local.bids, snap.data.bids);
          applyRows(local.asks, snap.data.asks);
          let seen = inbox.items.indexOf(snap) + 1;
          const delta = async (what: string, side: 'bids' | 'asks', ticks: number, lots: number) => {
            const m = await inbox.next(
              what,
              (x) =>
                x.channel === 'book' &&
                x.data?.type === 'delta' &&
                (x.data[side] as [string, string][]).some(
                  ([p, qty]) => sameAmount(p, px(ticks)) && sameAmount(qty, q(lots)),
                ),
              seen,
            );
            seen = inbox.items.indexOf(m); // one delta may hold the next change too (a move: two levels)
          };
          const place = async (token: string, body: Record<string, unknown>) => {
            const r = await call(a, 'POST', '/v1/orders', { token, body });
            expectStatus(r, 201, `POST ${JSON.stringify(body)}`);
            return r.json.order;
          };

          const ice = await place(a.tokens.alice, {
            ...orderBody(a, { side: 'sell', ticks: 3_000_000, lots: 1000 }),
            displayQuantity: q(100),
          });
          await delta('the iceberg shows its slice', 'asks', 3_000_000, 100);
          await placeOk(a, a.tokens.bob, { side: 'buy', ticks: 3_000_000, lots: 150 });
          await delta('a slice filled, the next shown and partly filled', 'asks', 3_000_000, 50);
          const moved = await call(a, 'PATCH', `/v1/orders/${ice.id}`, {
            token: a.tokens.alice,
            body: { price: px(3_000_010) },
          });
          expectStatus(moved, 200, "PATCH the iceberg's price");
          await delta('the old level gone', 'asks', 3_000_000, 0);
          await delta('a moved iceberg shows a full slice at its new level', 'asks', 3_000_010, 100);
          // the last trade was at 3_000_000: a buy stop at or below it triggers at once, and its limit rests
          await place(a.tokens.alice, {
            ...orderBody(a, { side: 'buy', ticks: 2_999_000, lots: 70 }),
            type: 'stop_limit',
            stopPrice: px(2_999_500),
          });
          await delta('the triggered stop rests', 'bids', 2_999_000, 70);

          const book = await call(a, 'GET', `/v1/markets/${market}/book?depth=1000`);
          const last = await inbox.next(
            'the last delta',
            (x) => x.channel === 'book' && x.data?.type === 'delta' && x.data.eventCount >= book.json.eventCount,
          );
          for (const m of inbox.items.slice(inbox.items.indexOf(snap) + 1, inbox.items.indexOf(last) + 1)) {
            if (m.channel !== 'book' || m.data?.type !== 'delta') continue;
            applyRows(local.bids, m.data.bids);
            applyRows(local.asks, m.data.asks);
          }
          const key = (rows: [string, string][]) =>
            rows
              .map(([p, qty]) => `${norm(p)}:${norm(qty)}`)
              .sort()
              .join(' ');
          check(
            key([...local.bids]) === key(book.json.bids),
            `bids from the pushes ${key([...local.bids])} = the book ${key(book.json.bids)}`,
          );
          check(
            key([...local.asks]) === key(book.json.asks),
            `asks from the pushes ${key([...local.asks])} = the book ${key(book.json.asks)}`,
          );
        } finally {
          ws.close();
        }
      }),
  ),

  api('SSE: the market events stream pushes the book snapshot, deltas and trades', (ctx) =>
    clean(ctx, async (a) => {
      const abort = new AbortController();
      const res = await fetch(`${a.base}/v1/markets/${a.market.id}/events`, {
        signal: abort.signal,
        headers: { Accept: 'text/event-stream' },
      });
      checkEqual(res.status, 200, 'SSE status');
      check((res.headers.get('content-type') ?? '').startsWith('text/event-stream'), 'SSE content type');
      const inbox = new Inbox();
      const reader = res.body!.getReader();
      const pump = (async () => {
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          buf += dec.decode(value, { stream: true });
          for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const event = /^event: ?(.*)$/m.exec(frame)?.[1];
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.replace(/^data: ?/, ''))
              .join('\n');
            if (event && data) inbox.push({ event, ...JSON.parse(data) });
          }
        }
      })();
      try {
        const snap = await inbox.next('book snapshot event', (m) => m.event === 'book' && m.data?.type === 'snapshot');
        checkEqual(snap.market, a.market.id, 'snapshot market');
        const mark = inbox.items.length;
        const px = steps(a.market.tickSize, 1_300_000);
        await placeOk(a, a.tokens.alice, { side: 'buy', ticks: 1_300_000, lots: 100 });
        await inbox.next(
          'book delta event',
          (m) =>
            m.event === 'book' && m.data?.type === 'delta' && isLevel(m.data.bids, px, steps(a.market.lotSize, 100)),
          mark,
        );
        const taker = (await placeOk(a, a.tokens.bob, { side: 'sell', type: 'market', lots: 100 })).order;
        const t = await inbox.next(
          'trades event',
          (m) => m.event === 'trades' && m.data?.takerOrderId === taker.id,
          mark,
        );
        checkEqual(t.channel, 'trades', 'the data carries its channel');
        await inbox.next(
          'level removed',
          (m) => m.event === 'book' && m.data?.type === 'delta' && isLevel(m.data.bids, px, '0'),
          mark,
        );
      } finally {
        abort.abort();
        await pump.catch(() => {});
      }
    }),
  ),
];
