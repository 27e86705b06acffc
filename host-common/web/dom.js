// Small helpers of the page: DOM building (text only, never HTML strings, so nothing the
// node or a peer sends can become markup), localStorage that may be disabled, formatting.

export const $ = (id) => document.getElementById(id);

/** The stored value, or null (also when storage is disabled). */
export function load(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Stores `value`, or removes the key when it is empty. */
export function save(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // storage disabled: the value lives for this page only
  }
}

/** An element: `class`, `text` and `data-*` props are handled, others set as properties. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
}

/** Decimals of a step such as "0.01" (2) or "1" (0). */
export const decimalsOf = (step) => (step.includes('.') ? step.length - step.indexOf('.') - 1 : 0);

const pad = (n) => String(n).padStart(2, '0');

/** HH:MM:SS in the browser's time zone (no Intl: it must not depend on the locale's name). */
export function clock(iso) {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The first `n` characters of a long id, with an ellipsis. */
export const short = (id, n = 8) => (id.length > n + 2 ? `${id.slice(0, n)}…` : id);
