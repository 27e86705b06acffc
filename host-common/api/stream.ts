// Live streams: the WebSocket at /v1/stream (book, trades, own orders; the client sends
// {op: "subscribe", channel, market}) and server-sent events per market at
// /v1/markets/:market/events (the book and trades pushes, event name = channel). Both
// feed from the Hub; the runtime's WebSocket comes in through HttpPort.upgradeWebSocket.

import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Markets } from '../markets.ts';
import type { HttpPort } from '../ports.ts';
import type { AuthFailures } from './auth-failures.ts';
import type { Tokens } from './auth.ts';
import { E, errorBody } from './errors.ts';
import { errorResponse } from './http.ts';
import type { Channel, Hub, Subscriber } from './hub.ts';
import type { ApiEnv, Phase } from './middleware.ts';
import { parseMarketId, parseStreamMessage } from './validate.ts';

/** What the streams need of the node. */
export interface StreamDeps {
  hub: Hub;
  markets: Markets;
  tokens: Tokens;
  peerId: string;
  phase: () => Phase;
  upgradeWebSocket: HttpPort['upgradeWebSocket'];
  /** Failed authentications per client address (auth-failures.ts); none: not limited. */
  authFailures?: AuthFailures;
  /** The client's address behind a Hono context (HttpPort.clientAddress). */
  clientAddress?: HttpPort['clientAddress'];
  now?: () => number;
}

/** Subscriptions one WebSocket may hold. */
const MAX_SUBSCRIPTIONS = 64;
const SSE_KEEPALIVE_MS = 15_000;

/** A subscriber that lets this much pile up unread is cut off rather than growing the node's memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const MAX_PENDING_SSE_WRITES = 10_000;

interface WsLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  raw?: unknown;
}

/** Bytes queued on a WebSocket and not yet sent: ws and Deno say bufferedAmount, Bun getBufferedAmount(). */
function buffered(socket: WsLike): number {
  const raw = socket.raw as { bufferedAmount?: unknown; getBufferedAmount?: () => number } | undefined;
  if (!raw) return 0;
  if (typeof raw.bufferedAmount === 'number') return raw.bufferedAmount;
  if (typeof raw.getBufferedAmount === 'function') return raw.getBufferedAmount();
  return 0;
}

export function streamRoutes(app: Hono<ApiEnv>, deps: StreamDeps): void {
  const { hub, markets } = deps;

  const ws = deps.upgradeWebSocket((c: Context) => {
    // set by the route below before upgrading
    const headerOwner = (c as Context<ApiEnv>).get('streamOwner') ?? null;
    const address = deps.clientAddress?.(c) ?? 'unknown';
    let sub: Subscriber | null = null;
    const subs = new Map<string, { channel: Channel; market: number | null; owner: string | null }>();
    const reply = (socket: WsLike, value: unknown) => {
      try {
        socket.send(JSON.stringify(value));
      } catch {
        // the connection is going away; its close event cleans up
      }
    };
    return {
      onOpen(_evt: unknown, socket: WsLike) {
        sub = {
          send: (text) => {
            try {
              if (buffered(socket) > MAX_BUFFERED_BYTES) {
                socket.close(1008, 'too slow: pushes are not being read');
                return;
              }
              socket.send(text);
            } catch {
              // closed under us: dropped
            }
          },
          close: () => {
            try {
              socket.close(1001, 'node shutting down');
            } catch {
              // already closed
            }
          },
        };
      },
      onMessage(evt: { data: unknown }, socket: WsLike) {
        if (!sub) return;
        const r = parseStreamMessage(evt.data, markets);
        if (!r.ok) return reply(socket, errorBody(r.error));
        const { op, channel, market, token } = r.value;
        let owner: string | null = null;
        if (channel === 'orders') {
          // a token in a message is a guess like one in a header (auth-failures.ts)
          const blocked = token !== null ? (deps.authFailures?.blocked(address, deps.now?.() ?? Date.now()) ?? 0) : 0;
          if (blocked > 0) return reply(socket, errorBody(E.rateLimited(blocked)));
          const name = token !== null ? (deps.tokens.ownerOfToken(token)?.owner ?? null) : headerOwner;
          if (name === null && token !== null)
            deps.authFailures?.fail(address, deps.now?.() ?? Date.now(), '/v1/stream');
          if (name === null)
            return reply(
              socket,
              errorBody({
                ...E.unauthorized(),
                message:
                  'the orders channel needs a token: send it in the Authorization header of the upgrade or as "token"',
              }),
            );
          owner = `${name}@${deps.peerId}`;
        }
        const key = `${channel} ${market?.index ?? '*'} ${owner ?? ''}`;
        const marketId = market?.id ?? null;
        if (op === 'unsubscribe') {
          if (subs.delete(key)) hub.unsubscribe(sub, channel, market?.index ?? null, owner);
          return reply(socket, { op: 'unsubscribed', channel, market: marketId });
        }
        if (!subs.has(key)) {
          if (subs.size >= MAX_SUBSCRIPTIONS) {
            return reply(
              socket,
              errorBody({
                status: 400,
                code: 'too_many_subscriptions',
                message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`,
              }),
            );
          }
          subs.set(key, { channel, market: market?.index ?? null, owner });
          // ack first, so the book snapshot the hub sends comes after it
          reply(socket, { op: 'subscribed', channel, market: marketId });
          hub.subscribe(sub, channel, market?.index ?? null, owner);
          return;
        }
        reply(socket, { op: 'subscribed', channel, market: marketId });
      },
      onClose() {
        if (sub) hub.remove(sub);
        sub = null;
      },
      onError() {
        if (sub) hub.remove(sub);
        sub = null;
      },
    };
  });

  app.get('/v1/stream', async (c) => {
    if (deps.phase() !== 'ready')
      return errorResponse(c, E.notReady('the node is not serving streams right now'), { 'Retry-After': '1' });
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return errorResponse(
        c,
        {
          status: 426,
          code: 'upgrade_required',
          message: 'this is a WebSocket endpoint; connect with a WebSocket client',
        },
        { Upgrade: 'websocket' },
      );
    }
    const header = c.req.header('authorization');
    let owner: string | null = null;
    if (header !== undefined) {
      const address = deps.clientAddress?.(c) ?? 'unknown';
      const blocked = deps.authFailures?.blocked(address, deps.now?.() ?? Date.now()) ?? 0;
      if (blocked > 0) return errorResponse(c, E.rateLimited(blocked), { 'Retry-After': String(blocked) });
      const who = deps.tokens.ownerOf(header);
      if (!who) {
        deps.authFailures?.fail(address, deps.now?.() ?? Date.now(), '/v1/stream');
        return errorResponse(c, E.unauthorized());
      }
      owner = who.owner;
    }
    c.set('streamOwner', owner);
    const res = await ws(c, async () => {});
    return res ?? errorResponse(c, { status: 400, code: 'upgrade_failed', message: 'the WebSocket upgrade failed' });
  });

  app.get('/v1/markets/:market/events', (c) => {
    if (deps.phase() !== 'ready')
      return errorResponse(c, E.notReady('the node is not serving streams right now'), { 'Retry-After': '1' });
    const m = parseMarketId(c.req.param('market'), markets, 'market');
    if (!m.ok) return errorResponse(c, m.error);
    const market = m.value.index;
    return streamSSE(c, async (stream) => {
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      let pending = 0;
      const sub: Subscriber = {
        send: (text) => {
          if (pending > MAX_PENDING_SSE_WRITES) return end(); // a reader this slow is cut off
          // the channel is the event name; it is the first field of every push
          const channel = text.startsWith('{"channel":"book"') ? 'book' : 'trades';
          pending++;
          stream.writeSSE({ event: channel, data: text }).then(() => pending--, end);
        },
        close: () => end(),
      };
      stream.onAbort(() => end());
      const keepAlive = setInterval(() => {
        stream.write(': keep-alive\n\n').catch(end);
      }, SSE_KEEPALIVE_MS);
      hub.subscribe(sub, 'book', market, null);
      hub.subscribe(sub, 'trades', market, null);
      try {
        await ended;
      } finally {
        clearInterval(keepAlive);
        hub.remove(sub);
      }
    });
  });
}
