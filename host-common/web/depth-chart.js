// The depth chart: cumulative quantity against price, bids left of the spread and asks
// right of it, drawn by uPlot (loaded before this module as the global `uPlot`). The book
// arrives as the ladder keeps it; this file only turns levels into uPlot's columns.

const BID = '#2ebd85';
const ASK = '#f0565b';
const AXIS = { stroke: '#8590a0', grid: { stroke: '#262d36', width: 1 }, ticks: { stroke: '#262d36', width: 1 } };

/**
 * uPlot's aligned columns for a book: one x column (prices, ascending) and one y column per
 * side, null where the other side's prices are. `bids` best (highest) first, `asks` best
 * (lowest) first, both as [price: number, quantity: number].
 */
export function depthColumns(bids, asks) {
  const xs = [];
  const bidY = [];
  const askY = [];
  const lo = bids.length ? bids[bids.length - 1][0] : asks.length ? asks[0][0] : 0;
  const hi = asks.length ? asks[asks.length - 1][0] : bids.length ? bids[0][0] : 0;
  // each side's total runs on a little past its last level, so the outermost step is seen
  const pad = Math.max((hi - lo) * 0.04, Math.abs(hi) * 1e-4, 1e-9);
  // bids: cumulative from the best bid outwards, then laid out by ascending price
  let sum = 0;
  const bidCum = bids.map(([p, q]) => {
    sum += q;
    return [p, sum];
  });
  if (bidCum.length) bidCum.push([lo - pad, sum]);
  for (let i = bidCum.length - 1; i >= 0; i--) {
    xs.push(bidCum[i][0]);
    bidY.push(bidCum[i][1]);
    askY.push(null);
  }
  sum = 0;
  for (const [p, q] of asks) {
    xs.push(p);
    bidY.push(null);
    sum += q;
    askY.push(sum);
  }
  if (asks.length) {
    xs.push(hi + pad);
    bidY.push(null);
    askY.push(sum);
  }
  return [xs, bidY, askY];
}

/** Creates the chart in `el`; returns {update(bids, asks)}, or null without uPlot. */
export function createDepthChart(el, { priceDecimals = 2 } = {}) {
  const uPlot = globalThis.uPlot;
  if (!uPlot) {
    el.textContent = 'chart library missing';
    return null;
  }
  const stepped = uPlot.paths.stepped;
  const fmtPrice = (v) => (v == null ? '–' : v.toFixed(priceDecimals));
  const fmtQty = (v) => (v == null ? '–' : String(+v.toPrecision(8)));
  const size = () => ({ width: Math.max(200, el.clientWidth), height: Math.max(150, el.clientHeight - 28) });
  const chart = new uPlot(
    {
      ...size(),
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...AXIS, values: (_u, ticks) => ticks.map(fmtPrice) },
        { ...AXIS, size: 56, values: (_u, ticks) => ticks.map(fmtQty) },
      ],
      series: [
        { label: 'price', value: (_u, v) => fmtPrice(v) },
        // depth at a price between two bid levels is the sum of the levels at or above it:
        // the step comes before the point (align -1); for asks, after it (align 1)
        {
          label: 'bids',
          stroke: BID,
          fill: 'rgba(46, 189, 133, .18)',
          width: 1.5,
          paths: stepped({ align: -1 }),
          points: { show: false },
          value: (_u, v) => fmtQty(v),
        },
        {
          label: 'asks',
          stroke: ASK,
          fill: 'rgba(240, 86, 91, .18)',
          width: 1.5,
          paths: stepped({ align: 1 }),
          points: { show: false },
          value: (_u, v) => fmtQty(v),
        },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { live: true },
    },
    [[], [], []],
    el,
  );
  new ResizeObserver(() => chart.setSize(size())).observe(el);
  return {
    update(bids, asks) {
      chart.setData(depthColumns(bids, asks));
    },
    setPriceDecimals(d) {
      priceDecimals = d;
    },
  };
}
