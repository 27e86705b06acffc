// The page's two ways to the node: fetch for the REST routes and one WebSocket for the
// pushes (docs/api.md). Errors come back as values in the API's one error shape, never thrown,
// so the page can put `error.message` next to `error.field`.

/**
 * One REST call. Resolves to {ok: true, status, data} or {ok: false, status, error}, where
 * error is the API's {code, message, field?} (or one made up for a network failure).
 */
export async function api(method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, error: { code: 'unreachable', message: 'the node did not answer' } };
  }
  let json = null;
  try {
    json = await res.json();
  } catch {
    // not JSON: described below by the status alone
  }
  if (res.ok) return { ok: true, status: res.status, data: json };
  const error = json?.error
    ? { ...json.error }
    : { code: `http_${res.status}`, message: `the node answered ${res.status}` };
  const retry = res.headers.get('retry-after');
  if (retry && !/retry/i.test(error.message)) error.message += ` (retry after ${retry} s)`;
  return { ok: false, status: res.status, error };
}

/**
 * The live stream: one WebSocket to /v1/stream that (re)subscribes to `subscriptions` on
 * every open and reconnects with backoff when it drops. Changing the subscriptions opens a
 * new socket, so a book snapshot always starts a fresh book and no push of an old market
 * or token leaks into the new view.
 */
export class Stream {
  #socket = null;
  #subscriptions = [];
  #attempt = 0;
  #timer = 0;
  #generation = 0;

  /** onMessage(message) for every push; onState('connecting'|'live'|'down', detail?). */
  constructor({ onMessage, onState, onOpen }) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.onOpen = onOpen;
  }

  /** [{channel, market, token?}]: sent as {op: "subscribe", ...} on each open. */
  subscribe(subscriptions) {
    this.#subscriptions = subscriptions;
    this.#connect();
  }

  #connect() {
    const generation = ++this.#generation;
    clearTimeout(this.#timer);
    if (this.#socket) {
      this.#socket.onclose = null;
      this.#socket.close(1000, 'resubscribing');
    }
    this.onState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/v1/stream`);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      for (const s of this.#subscriptions) socket.send(JSON.stringify({ op: 'subscribe', ...s }));
      this.onState('live');
      this.onOpen?.();
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(message);
    };
    socket.onclose = () => {
      if (generation !== this.#generation) return;
      const wait = Math.min(10_000, 500 * 2 ** this.#attempt++);
      this.onState('down', `reconnecting in ${Math.round(wait / 1000)} s`);
      this.#timer = setTimeout(() => this.#connect(), wait);
    };
  }
}
