// meshbook's web page: the book ladder, depth chart, trade tape, peers and health of one
// node, live over its WebSocket, and order entry with the owner's token kept in this
// browser (localStorage). It is a client of the public API like any other: nothing here
// knows more than docs/api.md says. Prices and quantities stay the decimal strings the node
// sends; numbers are made from them only to sort levels and draw the chart.

import { api, Stream } from './api.js';
import { createDepthChart } from './depth-chart.js';
import { $, clock, decimalsOf, el, load, save, short } from './dom.js';
import { startStatusPolling } from './node-status.js';

const LADDER_ROWS = 14; //  levels shown per side
const CHART_LEVELS = 80; // levels per side in the depth chart
const TAPE_ROWS = 60;
const TOKEN_KEY = 'meshbook.token';
const MARKET_KEY = 'meshbook.market';
const OPEN = new Set(['open', 'partially_filled', 'pending']); // live orders: what GET /v1/orders?status=open lists
const TRADE_RANK = { tentative: 0, final: 1, reverted: 2 }; // a trade's status only moves up

const view = {
  markets: [],
  market: null, //  the chosen market object
  token: load(TOKEN_KEY) ?? '',
  bids: new Map(), // price string → quantity string
  asks: new Map(),
  changed: new Set(), // levels changed since the last paint, to flash them
  // the live event count (every book push carries it), and the state hash with the count it
  // belongs to (snapshots and GET …/book carry both; deltas only the count)
  bookInfo: { eventCount: null, stateHash: null, hashAt: null },
  trades: new Map(), // id → trade
  mine: new Map(), //   id → open order of this token's owner
  closed: new Set(), // ids seen filled/cancelled: a late REST answer must not bring them back
  dirty: new Set(),
};

// ---- painting: changes mark parts dirty; one animation frame paints them ----

let frame = 0;
function touch(...parts) {
  for (const p of parts) view.dirty.add(p);
  if (frame === 0) frame = requestAnimationFrame(paint);
}

function paint() {
  frame = 0;
  const dirty = new Set(view.dirty);
  view.dirty.clear();
  if (dirty.has('book')) paintBook();
  if (dirty.has('trades')) paintTrades();
  if (dirty.has('mine')) paintMine();
}

/** A side's levels as [price, qty] strings, best first. */
function sorted(side) {
  const rows = [...view[side].entries()];
  return rows.sort(side === 'bids' ? (a, b) => Number(b[0]) - Number(a[0]) : (a, b) => Number(a[0]) - Number(b[0]));
}

let chart = null;

function paintBook() {
  const bids = sorted('bids');
  const asks = sorted('asks');
  const shownBids = bids.slice(0, LADDER_ROWS);
  const shownAsks = asks.slice(0, LADDER_ROWS);
  const cum = (rows) => {
    let sum = 0;
    return rows.map(([, q]) => (sum += Number(q)));
  };
  const bidCum = cum(shownBids);
  const askCum = cum(shownAsks);
  const max = Math.max(bidCum.at(-1) ?? 0, askCum.at(-1) ?? 0) || 1;
  const qd = view.market ? decimalsOf(view.market.lotSize) : 8;
  const rows = (levels, totals) =>
    levels.map(([price, qty], i) => {
      const tr = el(
        'tr',
        { class: view.changed.has(price) ? 'level flash' : 'level', 'data-price': price },
        el('td', { text: price }),
        el('td', { text: qty }),
        el('td', { text: totals[i].toFixed(qd) }),
      );
      tr.style.setProperty('--depth', `${((totals[i] / max) * 100).toFixed(1)}%`);
      return tr;
    });
  // asks are listed from the highest shown down to the best, so the spread sits in the middle
  $('asks').replaceChildren(...rows(shownAsks, askCum).reverse());
  $('bids').replaceChildren(...rows(shownBids, bidCum));
  view.changed.clear();

  const bestBid = shownBids[0]?.[0];
  const bestAsk = shownAsks[0]?.[0];
  const pd = view.market ? decimalsOf(view.market.tickSize) : 2;
  if (bestBid !== undefined && bestAsk !== undefined) {
    const spread = Number(bestAsk) - Number(bestBid);
    const mid = (Number(bestAsk) + Number(bestBid)) / 2;
    $('spread').textContent = `spread ${spread.toFixed(pd)} (${((spread / mid) * 100).toFixed(3)}%)`;
  } else {
    $('spread').textContent = bids.length + asks.length === 0 ? 'empty book' : 'one-sided book';
  }
  const { eventCount, stateHash, hashAt } = view.bookInfo;
  // a hash is only ever shown beside the event count it was computed at
  const hash = !stateHash ? '' : hashAt === eventCount ? ` · hash ${stateHash.slice(0, 8)}` : '';
  $('book-meta').textContent =
    eventCount === null ? '' : `· ${bids.length}/${asks.length} levels · event ${eventCount}${hash}`;
  $('book-meta').title = stateHash ? `state hash ${stateHash} after event ${hashAt}` : '';
  const num = (rows) => rows.slice(0, CHART_LEVELS).map(([p, q]) => [Number(p), Number(q)]);
  chart?.update(num(bids), num(asks));
}

function paintTrades() {
  const list = [...view.trades.values()].sort((a, b) =>
    a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1,
  );
  for (const t of list.slice(TAPE_ROWS)) view.trades.delete(t.id);
  $('trades').replaceChildren(
    ...list.slice(0, TAPE_ROWS).map((t) =>
      el(
        'tr',
        {
          class: `${t.takerSide} ${t.status}`,
          'data-id': t.id,
          title: `trade ${t.id}: taker ${t.takerOrderId}, maker ${t.makerOrderId}`,
        },
        el('td', { text: clock(t.time) }),
        el('td', { text: t.price }),
        el('td', { text: t.quantity }),
        el('td', {}, el('span', { class: `status ${t.status}`, text: t.status })),
      ),
    ),
  );
}

const TYPE_LABELS = { limit: 'limit', market: 'market', stop_limit: 'stop limit', stop_market: 'stop market' };

function paintMine() {
  const list = [...view.mine.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  $('mine').replaceChildren(
    ...list.map((o) => {
      const cancel = el('button', {
        type: 'button',
        text: 'cancel',
        'data-cancel': o.id,
        title: `cancel order ${o.id}`,
      });
      const type = `${TYPE_LABELS[o.type] ?? o.type} ${o.timeInForce}${o.postOnly ? ' post' : ''}`;
      // a stop's trigger; an OCO's stop leg while it waits
      const trigger = o.stopPrice ?? (o.oco && o.oco.status === 'pending' ? o.oco.stopPrice : '–');
      return el(
        'tr',
        { 'data-id': o.id, class: o.status },
        el('td', { class: o.side, text: o.side }),
        el('td', { text: type }),
        el('td', { text: o.price ?? 'market' }),
        el('td', { text: trigger }),
        el('td', { text: o.remainingQuantity }),
        el('td', { text: o.filledQuantity }),
        el('td', { text: o.status.replace('_', ' ') }),
        el('td', {}, cancel, el('div', { class: 'row-error' })),
      );
    }),
  );
  $('mine-empty').textContent = !view.token ? 'set a token to see your orders' : list.length ? '' : 'no open orders';
}

// ---- state changes from the stream and from REST answers ----

function applyBook(data) {
  if (data.type === 'snapshot') {
    view.bids.clear();
    view.asks.clear();
  }
  for (const side of ['bids', 'asks']) {
    for (const [price, qty] of data[side] ?? []) {
      if (Number(qty) === 0) view[side].delete(price);
      else view[side].set(price, qty);
      if (data.type !== 'snapshot') view.changed.add(price);
    }
  }
  const info = view.bookInfo;
  if (data.stateHash)
    view.bookInfo = { eventCount: data.eventCount, stateHash: data.stateHash, hashAt: data.eventCount };
  else if (data.eventCount !== undefined && data.eventCount >= (info.eventCount ?? 0)) {
    view.bookInfo = { ...info, eventCount: data.eventCount };
    refreshHashSoon();
  }
  touch('book');
}

// Deltas carry no state hash (the node would have to walk its whole state for each): once the
// pushes pause, GET …/book?depth=1 gives the hash with the event count it belongs to.
const HASH_REFRESH_MS = 300;
let hashTimer = 0;
function refreshHashSoon() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(refreshHash, HASH_REFRESH_MS);
}

async function refreshHash() {
  const market = view.market?.id;
  if (!market) return;
  const r = await api('GET', `/v1/markets/${encodeURIComponent(market)}/book?depth=1`);
  if (!r.ok || market !== view.market?.id) return;
  const info = view.bookInfo;
  if (info.hashAt !== null && r.data.eventCount <= info.hashAt) return;
  view.bookInfo = {
    eventCount: Math.max(info.eventCount ?? 0, r.data.eventCount),
    stateHash: r.data.stateHash,
    hashAt: r.data.eventCount,
  };
  if (view.bookInfo.eventCount !== r.data.eventCount) refreshHashSoon(); // more came meanwhile
  touch('book');
}

function applyTrade(t) {
  if (!view.market || t.market !== view.market.id) return;
  const have = view.trades.get(t.id);
  if (have && (TRADE_RANK[have.status] ?? 0) > (TRADE_RANK[t.status] ?? 0)) return;
  view.trades.set(t.id, t);
  touch('trades');
}

/** Keeps the newest known version of an own order; only open ones are listed. */
function applyOrder(o) {
  if (!view.market || o.market !== view.market.id) return;
  if (view.closed.has(o.id)) return;
  const have = view.mine.get(o.id);
  if (have?.updatedAt && o.updatedAt && have.updatedAt > o.updatedAt) return;
  if (OPEN.has(o.status)) view.mine.set(o.id, o);
  else {
    if (have) noteEnded(o);
    view.mine.delete(o.id);
    view.closed.add(o.id);
  }
  touch('mine');
}

/** Says why an order left the list when its owner did not cancel it (and it did not fill). */
function noteEnded(o) {
  const why =
    o.status === 'expired'
      ? `expired at ${clock(o.expiresAt ?? o.updatedAt)} (good-till-time)`
      : o.cancelReason === 'self_trade'
        ? 'cancelled by self-trade prevention: an order of yours would have traded with it'
        : o.status === 'rejected'
          ? `rejected (${o.rejectReason})`
          : null;
  if (why) $('mine-note').textContent = `${o.side} ${o.price ?? ''} order ${short(o.id)}: ${why}`;
}

function onPush(message) {
  if (message.error) {
    if (message.error.code === 'unauthorized') setTokenStatus('the stream refused this token', 'bad');
    return;
  }
  // acks ({op: "subscribed", ...}) carry no data; pushes of another market are late ones
  if (!message.channel || !message.data || !view.market || message.market !== view.market.id) return;
  if (message.channel === 'book') applyBook(message.data);
  else if (message.channel === 'trades') applyTrade(message.data);
  else if (message.channel === 'orders') applyOrder(message.data);
}

const stream = new Stream({
  onMessage: onPush,
  onState: (state, detail) => {
    const conn = $('conn');
    conn.dataset.state = state;
    conn.textContent =
      state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : `offline${detail ? `, ${detail}` : ''}`;
  },
  // after (re)subscribing: fill what the pushes do not replay
  onOpen: () => {
    backfillTrades();
    loadMine();
  },
});

function resubscribe() {
  if (!view.market) return;
  const market = view.market.id;
  const subs = [
    { channel: 'book', market },
    { channel: 'trades', market },
  ];
  if (view.token) subs.push({ channel: 'orders', market, token: view.token });
  stream.subscribe(subs);
}

async function backfillTrades() {
  const market = view.market?.id;
  const r = await api('GET', `/v1/markets/${encodeURIComponent(market)}/trades?limit=${TAPE_ROWS}`);
  if (r.ok && market === view.market?.id) for (const t of r.data) applyTrade(t);
}

async function loadMine() {
  if (!view.token || !view.market) {
    touch('mine');
    return;
  }
  const { token } = view;
  const market = view.market.id;
  const r = await api('GET', `/v1/orders?market=${encodeURIComponent(market)}&status=open`, { token });
  if (market !== view.market?.id || token !== view.token) return; // answered for an older choice
  if (!r.ok) {
    setTokenStatus(r.status === 401 ? 'the node does not know this token' : r.error.message, 'bad');
    return;
  }
  setTokenStatus('token accepted', 'ok');
  for (const o of r.data) applyOrder(o);
}

function chooseMarket(id) {
  const market = view.markets.find((m) => m.id === id) ?? view.markets[0];
  if (!market) return;
  view.market = market;
  save(MARKET_KEY, market.id);
  $('market').value = market.id;
  view.bids.clear();
  view.asks.clear();
  view.trades.clear();
  view.mine.clear();
  view.closed.clear();
  view.bookInfo = { eventCount: null, stateHash: null, hashAt: null };
  $('mine-note').textContent = '';
  chart?.setPriceDecimals(decimalsOf(market.tickSize));
  $('price').placeholder = `step ${market.tickSize} ${market.quote}`;
  $('quantity').placeholder = `step ${market.lotSize} ${market.base}`;
  updateSubmitLabel();
  touch('book', 'trades', 'mine');
  resubscribe();
}

// ---- token ----

function setTokenStatus(text, kind = '') {
  const s = $('token-status');
  s.textContent = text;
  s.className = `hint ${kind}`;
}

function useToken(token) {
  view.token = token.trim();
  save(TOKEN_KEY, view.token);
  $('token').value = view.token;
  view.mine.clear();
  view.closed.clear();
  setTokenStatus(view.token ? 'checking…' : 'no token: you can watch the book but not trade');
  touch('mine');
  resubscribe();
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  useToken($('token').value);
});

// ---- order entry: the API validates; its message goes next to the field it names ----

const form = $('order-form');

function clearErrors() {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  $('order-result').textContent = '';
  $('order-result').className = 'result';
}

function showError(error) {
  const slot = error.field && form.querySelector(`.field-error[data-for="${CSS.escape(error.field)}"]`);
  if (slot) {
    slot.textContent = error.message;
    form.elements[error.field]?.setAttribute?.('aria-invalid', 'true');
    if (!(form.elements[error.field] instanceof RadioNodeList)) form.elements[error.field]?.focus?.();
  } else {
    $('order-result').textContent = `${error.message} (${error.code})`;
    $('order-result').className = 'result bad';
  }
}

function updateSubmitLabel() {
  const side = form.elements.side.value;
  const button = $('submit');
  button.textContent = `${side} ${view.market?.base ?? ''}`.trim();
  button.className = `submit ${side}`;
}

function syncType() {
  const market = form.elements.type.value === 'market';
  $('price').disabled = market;
  $('post-only').disabled = market;
  // a market order never rests: IOC or FOK only
  const gtc = $('tif').querySelector('option[value="GTC"]');
  gtc.disabled = market;
  gtc.hidden = market;
  if (market) {
    $('post-only').checked = false;
    if ($('tif').value === 'GTC') $('tif').value = 'IOC';
  }
}

for (const input of form.elements.side) input.addEventListener('change', updateSubmitLabel);
form.elements.type.addEventListener('change', syncType);
for (const input of form.querySelectorAll('input, select')) {
  input.addEventListener('input', () => {
    input.removeAttribute('aria-invalid');
    const slot = form.querySelector(`.field-error[data-for="${CSS.escape(input.name)}"]`);
    if (slot) slot.textContent = '';
  });
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  if (!view.market) return;
  if (!view.token) {
    showError({ code: 'no_token', message: 'set your token above first' });
    $('token').focus();
    return;
  }
  // an empty field is left out, so the node says it is required
  const body = {
    market: view.market.id,
    side: form.elements.side.value,
    type: form.elements.type.value,
    timeInForce: $('tif').value,
  };
  const quantity = $('quantity').value.trim();
  if (quantity !== '') body.quantity = quantity;
  const price = $('price').value.trim();
  if (body.type === 'limit' && price !== '') body.price = price;
  if ($('post-only').checked) body.postOnly = true;
  const button = $('submit');
  button.disabled = true;
  const r = await api('POST', '/v1/orders', { token: view.token, body });
  button.disabled = false;
  if (!r.ok) {
    if (r.status === 401) setTokenStatus('the node does not know this token', 'bad');
    showError(r.error);
    return;
  }
  const { order, trades, message } = r.data;
  applyOrder(order);
  for (const t of trades) applyTrade(t);
  const filled = trades.length ? `, ${trades.length} trade${trades.length > 1 ? 's' : ''}` : '';
  // the node's message says what a rule cancelled (FOK, IOC, self-trade prevention)
  const why = message ? ` — ${message}` : '';
  $('order-result').textContent = `${order.side} order ${order.id}: ${order.status.replace('_', ' ')}${filled}${why}`;
  $('order-result').className = order.status === 'cancelled' || message ? 'result warn' : 'result ok';
});

// clicking a level takes its price
for (const id of ['asks', 'bids']) {
  $(id).addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-price]');
    if (!row || form.elements.type.value === 'market') return;
    $('price').value = row.dataset.price;
    $('price').dispatchEvent(new Event('input'));
  });
}

$('mine').addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-cancel]');
  if (!button) return;
  button.disabled = true;
  const id = button.dataset.cancel;
  const r = await api('DELETE', `/v1/orders/${encodeURIComponent(id)}`, { token: view.token });
  if (r.ok) {
    applyOrder(r.data);
    return;
  }
  button.disabled = false;
  const slot = button.parentElement.querySelector('.row-error');
  if (slot) slot.textContent = r.error.message;
  if (r.status === 409) loadMine(); // filled or cancelled meanwhile: the list is stale
});

// ---- start ----

async function start() {
  // a token can come in the URL's fragment (never sent to the server): #token=...
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    view.token = fromUrl;
    save(TOKEN_KEY, fromUrl);
    history.replaceState(null, '', location.pathname + location.search);
  }
  $('token').value = view.token;
  setTokenStatus(view.token ? 'checking…' : 'no token: you can watch the book but not trade');
  updateSubmitLabel();
  syncType();
  chart = createDepthChart($('depth-chart'));
  startStatusPolling();

  let r = await api('GET', '/v1/markets');
  for (let wait = 500; !r.ok; wait = Math.min(wait * 2, 5000)) {
    $('spread').textContent = `waiting for the node: ${r.error.message}`;
    await new Promise((resolve) => setTimeout(resolve, wait));
    r = await api('GET', '/v1/markets');
  }
  view.markets = r.data;
  $('market').replaceChildren(...view.markets.map((m) => el('option', { value: m.id, text: m.id })));
  $('market').addEventListener('change', () => chooseMarket($('market').value));
  chooseMarket(load(MARKET_KEY) ?? view.markets[0]?.id);
}

start();
