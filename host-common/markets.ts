// The markets a node trades, as the core and the API see them: the core knows a market by
// its index (0..n-1, the order of --markets) and speaks integer ticks and lots; the API
// knows it by its id ("BTC-USD") and speaks decimal strings. This file holds the scales
// that turn one into the other on the way out; parsing the way in is api/validate.ts.

import type { MarketConfig } from './config.ts';

export interface Market {
  index: number;
  id: string;
  base: string;
  quote: string;
  tickSize: string; //    canonical decimal, "0.01"
  lotSize: string; //     "0.00000001"
  tickDecimals: number;
  lotDecimals: number;
  /** The tick size in units of 10^-tickDecimals ("0.05" → 5n): a price of n ticks is n × tickUnits of those. */
  tickUnits: bigint;
  lotUnits: bigint;
}

function units(text: string, decimals: number): bigint {
  const [int, frac = ''] = text.split('.');
  return BigInt(int + frac.padEnd(decimals, '0'));
}

/** A decimal string with exactly `decimals` places for `scaled` × 10^-decimals (scaled ≥ 0). */
export function formatScaled(scaled: bigint, decimals: number): string {
  const digits = scaled.toString();
  if (decimals === 0) return digits;
  const padded = digits.length <= decimals ? digits.padStart(decimals + 1, '0') : digits;
  return `${padded.slice(0, padded.length - decimals)}.${padded.slice(padded.length - decimals)}`;
}

export class Markets {
  readonly list: readonly Market[];
  private readonly byIdMap: Map<string, Market>;

  constructor(configs: readonly MarketConfig[]) {
    this.list = configs.map((m, index) => ({
      index,
      id: m.id,
      base: m.base,
      quote: m.quote,
      tickSize: m.tickSize,
      lotSize: m.lotSize,
      tickDecimals: m.tickDecimals,
      lotDecimals: m.lotDecimals,
      tickUnits: units(m.tickSize, m.tickDecimals),
      lotUnits: units(m.lotSize, m.lotDecimals),
    }));
    this.byIdMap = new Map(this.list.map((m) => [m.id, m]));
  }

  get(id: string): Market | undefined {
    return this.byIdMap.get(id);
  }

  at(index: number): Market {
    const m = this.list[index];
    if (!m) throw new RangeError(`no market at index ${index}`);
    return m;
  }

  get size(): number {
    return this.list.length;
  }

  /** "12.50" for 1250 ticks of 0.01. */
  price(m: Market, ticks: bigint): string {
    return formatScaled(ticks * m.tickUnits, m.tickDecimals);
  }

  /** "0.30000000" for 30000000 lots of 0.00000001. */
  quantity(m: Market, lots: bigint): string {
    return formatScaled(lots * m.lotUnits, m.lotDecimals);
  }

  /** The market list as stored in the data dir, to refuse a restart with different markets. */
  fingerprint(): string {
    return this.list.map((m) => `${m.id}:${m.tickSize}:${m.lotSize}`).join(',');
  }
}
