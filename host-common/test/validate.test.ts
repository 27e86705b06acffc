// The one validation module: decimal strings to integer ticks and lots, exactly; field-named
// errors; every rule of POST /v1/orders and PATCH, the query parameters and stream messages.

import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import { parseOrderId, parseAmount, parseIntParam, parseOrdersQuery, parseStreamMessage, validateAmend, validatePlace } from '../api/validate.ts';
import { parseConfig } from '../config.ts';
import { formatScaled, Markets } from '../markets.ts';

const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.00000001,ETH-USD:0.05:0.001,DOGE-USD:1:1'], {});
if (!cfg.ok || cfg.help) throw new Error('config');
const markets = new Markets(cfg.config.markets);
const btc = markets.get('BTC-USD')!;
const eth = markets.get('ETH-USD')!;
const doge = markets.get('DOGE-USD')!;
const step = (m: typeof btc) => ({ units: m.tickUnits, decimals: m.tickDecimals, text: m.tickSize });

function err(r: { ok: boolean; error?: { status: number; code: string; field?: string } }) {
  if (r.ok) throw new Error('expected an error');
  return r.error!;
}

describe('amounts: decimal string → ticks, exactly', () => {
  it('converts on the tick and refuses anything else, naming the field', () => {
    expect(parseAmount('12.50', 'price', step(btc), 'price')).toEqual({ ok: true, value: 1250n });
    expect(parseAmount('12.5', 'price', step(btc), 'price')).toEqual({ ok: true, value: 1250n });
    expect(parseAmount('12.500000', 'price', step(btc), 'price')).toEqual({ ok: true, value: 1250n }); // trailing zeros are fine
    expect(parseAmount('0.01', 'price', step(btc), 'price')).toEqual({ ok: true, value: 1n });
    expect(parseAmount('92233720368547758.07', 'price', step(btc), 'price')).toEqual({ ok: true, value: (1n << 63n) - 1n });
    expect(err(parseAmount('92233720368547758.08', 'price', step(btc), 'price'))).toMatchObject({ status: 400, code: 'out_of_range', field: 'price' });
    expect(err(parseAmount('12.345', 'price', step(btc), 'price'))).toMatchObject({ code: 'too_many_decimals', field: 'price' });
    expect(parseAmount('12.35', 'price', step(eth), 'price')).toEqual({ ok: true, value: 247n });
    expect(err(parseAmount('12.34', 'price', step(eth), 'price'))).toMatchObject({ code: 'not_a_multiple' });
    expect(parseAmount('7', 'price', step(doge), 'price')).toEqual({ ok: true, value: 7n });
    expect(err(parseAmount('7.5', 'price', step(doge), 'price'))).toMatchObject({ code: 'too_many_decimals' });
    for (const bad of ['0', '0.00', '-0', '-1']) expect(err(parseAmount(bad, 'price', step(btc), 'price')).code).toBe('not_positive');
    for (const bad of ['1e400', '0x10', '+1', ' 1', '1 ', '1.', '.5', 'NaN', 'Infinity', '１２', '1,5', '', '01.5', '00']) {
      expect(err(parseAmount(bad, 'price', step(btc), 'price')), bad).toMatchObject({ status: 400, code: 'invalid_decimal', field: 'price' });
    }
    for (const bad of [12.5, 1, true, null, undefined, [], {}]) expect(err(parseAmount(bad, 'price', step(btc), 'price')).status).toBe(400);
    expect(err(parseAmount('9'.repeat(65), 'price', step(btc), 'price')).code).toBe('out_of_range');
    expect(err(parseAmount('9'.repeat(41), 'price', step(btc), 'price')).code).toBe('out_of_range');
  });

  it('formats scaled integers back with the market decimals', () => {
    expect(formatScaled(1250n, 2)).toBe('12.50');
    expect(formatScaled(5n, 8)).toBe('0.00000005');
    expect(formatScaled(0n, 2)).toBe('0.00');
    expect(formatScaled(7n, 0)).toBe('7');
    expect(markets.price(eth, 247n)).toBe('12.35');
    expect(markets.quantity(btc, 30000000n)).toBe('0.30000000');
  });
});

describe('POST /v1/orders bodies', () => {
  const good = { market: 'BTC-USD', side: 'buy', type: 'limit', price: '100.25', quantity: '0.5' };

  it('a limit order: defaults GTC, not post-only', () => {
    expect(validatePlace(good, markets)).toEqual({
      ok: true,
      value: { market: btc, side: C.SIDE_BUY, type: C.TYPE_LIMIT, tif: C.TIF_GTC, postOnly: false, price: 10025n, quantity: 50000000n, clientOrderId: null },
    });
  });

  it('a market order: no price, IOC by default, FOK allowed, GTC refused', () => {
    const m = { market: 'BTC-USD', side: 'sell', type: 'market', quantity: '1' };
    expect(validatePlace(m, markets)).toMatchObject({ ok: true, value: { type: C.TYPE_MARKET, tif: C.TIF_IOC, price: 0n } });
    expect(validatePlace({ ...m, timeInForce: 'FOK' }, markets)).toMatchObject({ ok: true, value: { tif: C.TIF_FOK } });
    expect(err(validatePlace({ ...m, timeInForce: 'GTC' }, markets))).toMatchObject({ field: 'timeInForce' });
    expect(err(validatePlace({ ...m, price: '1' }, markets))).toMatchObject({ field: 'price' });
    expect(validatePlace({ ...m, price: null }, markets).ok).toBe(true); // null is absent
  });

  it('post-only needs a GTC limit order', () => {
    expect(validatePlace({ ...good, postOnly: true }, markets)).toMatchObject({ ok: true, value: { postOnly: true } });
    expect(err(validatePlace({ ...good, postOnly: true, timeInForce: 'IOC' }, markets))).toMatchObject({ field: 'postOnly' });
    expect(err(validatePlace({ ...good, postOnly: 'true' }, markets))).toMatchObject({ code: 'invalid_type', field: 'postOnly' });
  });

  it('names the field at fault', () => {
    const cases: [unknown, number, string, string | undefined][] = [
      [[], 400, 'invalid_body', undefined],
      [null, 400, 'invalid_body', undefined],
      ['x', 400, 'invalid_body', undefined],
      [{ ...good, extra: 1 }, 400, 'unknown_field', 'extra'],
      [{ ...good, market: undefined }, 400, 'missing_field', 'market'],
      [{ ...good, market: 'btc/usd' }, 400, 'invalid_value', 'market'],
      [{ ...good, market: 'ETH-BTC' }, 404, 'market_not_found', 'market'],
      [{ ...good, side: 'BUY' }, 400, 'invalid_value', 'side'],
      [{ ...good, side: 1 }, 400, 'invalid_type', 'side'],
      [{ ...good, type: 'stop_limit' }, 422, 'not_supported', 'type'],
      [{ ...good, stopPrice: '1' }, 422, 'not_supported', 'stopPrice'],
      [{ ...good, selfTradePrevention: 'cancel_both' }, 422, 'not_supported', 'selfTradePrevention'],
      [{ ...good, price: undefined }, 400, 'missing_field', 'price'],
      [{ ...good, quantity: '0.000000001' }, 400, 'too_many_decimals', 'quantity'],
      [{ ...good, price: '92233720368547758.07', quantity: '0.00000002' }, 400, 'out_of_range', 'quantity'],
      [{ ...good, clientOrderId: 'has space' }, 400, 'invalid_value', 'clientOrderId'],
      [{ ...good, clientOrderId: 7 }, 400, 'invalid_type', 'clientOrderId'],
      [JSON.parse('{"__proto__": {"x": 1}, "market": "BTC-USD"}'), 400, 'unknown_field', '__proto__'],
    ];
    for (const [body, status, code, field] of cases) {
      expect(err(validatePlace(body, markets)), JSON.stringify(body)).toMatchObject({ status, code, ...(field ? { field } : {}) });
    }
    expect(validatePlace({ ...good, selfTradePrevention: 'cancel_resting' }, markets).ok).toBe(true);
    expect(validatePlace({ ...good, clientOrderId: 'a-1:b_2/c.3' }, markets)).toMatchObject({ ok: true, value: { clientOrderId: 'a-1:b_2/c.3' } });
  });
});

describe('other inputs', () => {
  it('PATCH bodies: quantity only; price is not supported yet', () => {
    expect(validateAmend({ quantity: '0.1' }, btc)).toEqual({ ok: true, value: { quantity: 10000000n } });
    expect(err(validateAmend({}, btc))).toMatchObject({ code: 'missing_field', field: 'quantity' });
    expect(err(validateAmend({ price: '1', quantity: '1' }, btc))).toMatchObject({ status: 422, field: 'price' });
    expect(err(validateAmend({ quantity: '1', x: 1 }, btc))).toMatchObject({ code: 'unknown_field', field: 'x' });
  });

  it('order ids, integer query parameters, the orders query', () => {
    expect(parseOrderId('0123456789ABCDEF')).toEqual({ ok: true, value: { id: 0x0123456789abcdefn, hex: '0123456789abcdef' } });
    for (const bad of ['', '123', 'zzzzzzzzzzzzzzzz', '0123456789abcdef0']) expect(err(parseOrderId(bad)).field).toBe('id');
    expect(parseIntParam(undefined, 'depth', 50, 1, 1000)).toEqual({ ok: true, value: 50 });
    expect(parseIntParam('7', 'depth', 50, 1, 1000)).toEqual({ ok: true, value: 7 });
    for (const bad of ['0', '1001', '-1', '1e3', 'x', '1.5', '99999999']) expect(err(parseIntParam(bad, 'depth', 50, 1, 1000)).field).toBe('depth');
    expect(parseOrdersQuery({ status: 'open', market: 'ETH-USD', limit: '5' }, markets)).toEqual({ ok: true, value: { market: eth, status: 'open', limit: 5 } });
    expect(err(parseOrdersQuery({ status: 'rejected' }, markets)).field).toBe('status');
  });

  it('stream messages', () => {
    expect(parseStreamMessage('{"op":"subscribe","channel":"book","market":"BTC-USD"}', markets)).toEqual({ ok: true, value: { op: 'subscribe', channel: 'book', market: btc, token: null } });
    expect(parseStreamMessage('{"op":"subscribe","channel":"orders","token":"t"}', markets)).toMatchObject({ ok: true, value: { market: null, token: 't' } });
    expect(err(parseStreamMessage('{"op":"subscribe","channel":"book"}', markets)).field).toBe('market');
    expect(err(parseStreamMessage('{"op":"sub","channel":"book","market":"BTC-USD"}', markets)).field).toBe('op');
    expect(err(parseStreamMessage('nope', markets)).code).toBe('invalid_json');
    expect(err(parseStreamMessage(new ArrayBuffer(3), markets)).code).toBe('invalid_json');
    expect(err(parseStreamMessage('x'.repeat(5000), markets)).status).toBe(413);
  });
});
