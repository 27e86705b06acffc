// The node's health (header) and peers (panel). Neither has a push channel, so both are
// polled; a failed poll says why instead of keeping stale values.

import { api } from './api.js';
import { $, el, short } from './dom.js';

const POLL_MS = 5000;

function uptime(s) {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

async function pollHealth() {
  const r = await api('GET', '/v1/health');
  const items = r.ok
    ? [
        ['status', r.data.status, r.data.status === 'ok' ? '' : 'bad'],
        ['node', `${r.data.runtime} · v${r.data.version}`],
        ['peer', short(r.data.peerId ?? '', 12), '', r.data.peerId],
        ['uptime', uptime(r.data.uptimeSeconds ?? 0)],
        ...(r.data.eventCount !== undefined ? [['events', String(r.data.eventCount)]] : []),
        ['p2p', `${(r.data.p2pAddrs ?? []).length} addr`],
      ]
    : [['status', r.status === 0 ? 'unreachable' : r.error.message, 'bad']];
  $('health').replaceChildren(
    ...items.map(([k, v, cls = '', title = '']) =>
      el('div', {}, el('dt', { text: k }), el('dd', { text: v, class: cls, title })),
    ),
  );
}

async function pollPeers() {
  const r = await api('GET', '/v1/peers');
  const peers = r.ok ? r.data : [];
  $('peers').replaceChildren(
    ...peers.map((p) =>
      el(
        'tr',
        { title: (p.addrs ?? []).join('\n') },
        el('td', { class: `mono ${p.connected ? 'on' : 'off'}`, text: short(p.peerId, 16), title: p.peerId }),
        el('td', { text: (p.markets ?? []).join(', ') }),
        el('td', { text: String((p.addrs ?? []).length) }),
      ),
    ),
  );
  $('peers-empty').textContent = r.ok ? (peers.length ? '' : 'no peers yet') : `peers unavailable: ${r.error.message}`;
}

export function startStatusPolling() {
  const poll = () => {
    pollHealth();
    pollPeers();
  };
  poll();
  setInterval(poll, POLL_MS);
}
