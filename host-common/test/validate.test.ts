// The one validation module: decimal strings to integer ticks and lots, exactly; field-named
// errors; every rule of POST /v1/orders and PATCH, the query parameters and stream messages.

import { describe, expect, it } from 'vitest';
import * as C from '../../core-as/codes.ts';
import {
  parseOrderId,
  parseAmount,
  parseIntParam,
  parseOrdersQuery,
  parseStreamMessage,
  parseTime,
  validateAmend,
  validateBatch,
  validatePlace,
} from '../api/validate.ts';
import { parseConfig } from '../config.ts';
import { formatScaled, Markets } from '../markets.ts';

const cfg = parseConfig(['--markets', 'BTC-USD:0.01:0.00000001,ETH-USD:0.05:0.001,DOGE-USD:1:1'], {});
if (!cfg.ok || cfg.help || !('config' in cfg)) throw new Error('config');
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
    expect(parseAmount('92233720368547758.07', 'price', step(btc), 'price')).toEqual({
      ok: true,
      value: (1n << 63n) - 1n,
    });
    expect(err(parseAmount('92233720368547758.08', 'price', step(btc), 'price'))).toMatchObject({
      status: 400,
      code: 'out_of_range',
      field: 'price',
    });
    expect(err(parseAmount('12.345', 'price', step(btc), 'price'))).toMatchObject({
      code: 'too_many_decimals',
      field: 'price',
    });
    expect(parseAmount('12.35', 'price', step(eth), 'price')).toEqual({ ok: true, value: 247n });
    expect(err(parseAmount('12.34', 'price', step(eth), 'price'))).toMatchObject({ code: 'not_a_multiple' });
    expect(parseAmount('7', 'price', step(doge), 'price')).toEqual({ ok: true, value: 7n });
    expect(err(parseAmount('7.5', 'price', step(doge), 'price'))).toMatchObject({ code: 'too_many_decimals' });
    for (const bad of ['0', '0.00', '-0', '-1'])
      expect(err(parseAmount(bad, 'price', step(btc), 'price')).code).toBe('not_positive');
    for (const bad of [
      '1e400',
      '0x10',
      '+1',
      ' 1',
      '1 ',
      '1.',
      '.5',
      'NaN',
      'Infinity',
      '１２',
      '1,5',
      '',
      '01.5',
      '00',
    ]) {
      expect(err(parseAmount(bad, 'price', step(btc), 'price')), bad).toMatchObject({
        status: 400,
        code: 'invalid_decimal',
        field: 'price',
      });
    }
    for (const bad of [12.5, 1, true, null, undefined, [], {}])
      expect(err(parseAmount(bad, 'price', step(btc), 'price')).status).toBe(400);
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
      value: {
        market: btc,
        side: C.SIDE_BUY,
        type: C.TYPE_LIMIT,
        tif: C.TIF_GTC,
        postOnly: false,
        price: 10025n,
        quantity: 50000000n,
        clientOrderId: null,
        stp: C.STP_CANCEL_RESTING,
        stopPrice: 0n,
        oco: null,
        expiresAt: 0n,
        display: 0n,
      },
    });
  });

  it('a market order: no price, IOC by default, FOK allowed, GTC refused', () => {
    const m = { market: 'BTC-USD', side: 'sell', type: 'market', quantity: '1' };
    expect(validatePlace(m, markets)).toMatchObject({
      ok: true,
      value: { type: C.TYPE_MARKET, tif: C.TIF_IOC, price: 0n },
    });
    expect(validatePlace({ ...m, timeInForce: 'FOK' }, markets)).toMatchObject({ ok: true, value: { tif: C.TIF_FOK } });
    expect(err(validatePlace({ ...m, timeInForce: 'GTC' }, markets))).toMatchObject({ field: 'timeInForce' });
    expect(err(validatePlace({ ...m, price: '1' }, markets))).toMatchObject({ field: 'price' });
    expect(validatePlace({ ...m, price: null }, markets).ok).toBe(true); // null is absent
  });

  it('post-only needs a GTC limit order', () => {
    expect(validatePlace({ ...good, postOnly: true }, markets)).toMatchObject({ ok: true, value: { postOnly: true } });
    expect(err(validatePlace({ ...good, postOnly: true, timeInForce: 'IOC' }, markets))).toMatchObject({
      field: 'postOnly',
    });
    expect(err(validatePlace({ ...good, postOnly: 'true' }, markets))).toMatchObject({
      code: 'invalid_type',
      field: 'postOnly',
    });
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
      [{ ...good, type: 'stop' }, 400, 'invalid_value', 'type'],
      [{ ...good, price: undefined }, 400, 'missing_field', 'price'],
      [{ ...good, quantity: '0.000000001' }, 400, 'too_many_decimals', 'quantity'],
      [{ ...good, price: '92233720368547758.07', quantity: '0.00000002' }, 400, 'out_of_range', 'quantity'],
      [{ ...good, clientOrderId: 'has space' }, 400, 'invalid_value', 'clientOrderId'],
      [{ ...good, clientOrderId: 7 }, 400, 'invalid_type', 'clientOrderId'],
      [JSON.parse('{"__proto__": {"x": 1}, "market": "BTC-USD"}'), 400, 'unknown_field', '__proto__'],
    ];
    for (const [body, status, code, field] of cases) {
      expect(err(validatePlace(body, markets)), JSON.stringify(body)).toMatchObject({
        status,
        code,
        ...(field ? { field } : {}),
      });
    }
    expect(validatePlace({ ...good, selfTradePrevention: 'cancel_resting' }, markets).ok).toBe(true);
    expect(validatePlace({ ...good, clientOrderId: 'a-1:b_2/c.3' }, markets)).toMatchObject({
      ok: true,
      value: { clientOrderId: 'a-1:b_2/c.3' },
    });
  });
});

describe('advanced orders in POST /v1/orders', () => {
  const NOW = Date.UTC(2026, 10, 25, 10, 0, 0); // 2026-11-25T10:00:00Z
  const good = { market: 'BTC-USD', side: 'buy', type: 'limit', price: '100.25', quantity: '0.5' };
  const place = (body: Record<string, unknown>) => validatePlace(body, markets, NOW);
  const bad = (body: Record<string, unknown>) => err(place(body));

  it('stop-limit: price and stopPrice, GTC by default; IOC and FOK allowed', () => {
    const stop = { ...good, type: 'stop_limit', stopPrice: '101' };
    expect(place(stop)).toMatchObject({
      ok: true,
      value: { type: C.TYPE_STOP_LIMIT, tif: C.TIF_GTC, price: 10025n, stopPrice: 10100n, oco: null },
    });
    expect(place({ ...stop, timeInForce: 'IOC' })).toMatchObject({ ok: true, value: { tif: C.TIF_IOC } });
    expect(place({ ...stop, stopPrice: null })).toMatchObject({
      ok: false,
      error: { status: 400, code: 'missing_field', field: 'stopPrice' },
    });
    expect(bad({ ...stop, price: undefined })).toMatchObject({ code: 'missing_field', field: 'price' });
    for (const v of ['0', '-1', '1.001', 1, '1e2', '', 'x'.repeat(70)])
      expect(bad({ ...stop, stopPrice: v }), String(v)).toMatchObject({ status: 400, field: 'stopPrice' });
    expect(bad({ ...stop, postOnly: true })).toMatchObject({ field: 'postOnly' });
    expect(bad({ ...stop, displayQuantity: '0.1' })).toMatchObject({ field: 'displayQuantity' });
  });

  it('stop-market: stopPrice and no price, IOC by default, GTC refused', () => {
    const stop = { market: 'BTC-USD', side: 'sell', type: 'stop_market', stopPrice: '99.5', quantity: '1' };
    expect(place(stop)).toMatchObject({
      ok: true,
      value: { type: C.TYPE_STOP_MARKET, tif: C.TIF_IOC, price: 0n, stopPrice: 9950n },
    });
    expect(place({ ...stop, timeInForce: 'FOK' })).toMatchObject({ ok: true, value: { tif: C.TIF_FOK } });
    expect(bad({ ...stop, timeInForce: 'GTC' })).toMatchObject({ code: 'invalid_value', field: 'timeInForce' });
    expect(bad({ ...stop, price: '99' })).toMatchObject({ code: 'invalid_value', field: 'price' });
    expect(bad({ ...stop, stopPrice: undefined })).toMatchObject({ code: 'missing_field', field: 'stopPrice' });
  });

  it('stopPrice belongs to stop orders only', () => {
    expect(bad({ ...good, stopPrice: '101' })).toMatchObject({
      status: 400,
      code: 'invalid_value',
      field: 'stopPrice',
    });
    expect(bad({ market: 'BTC-USD', side: 'buy', type: 'market', quantity: '1', stopPrice: '1' })).toMatchObject({
      field: 'stopPrice',
    });
  });

  it('oco: a stop leg on a GTC limit, beyond the limit price; an optional leg price', () => {
    expect(place({ ...good, oco: { stopPrice: '110' } })).toMatchObject({
      ok: true,
      value: { oco: { stopPrice: 11000n, price: 0n }, stopPrice: 0n },
    });
    expect(place({ ...good, side: 'sell', oco: { stopPrice: '90', price: '89.5' } })).toMatchObject({
      ok: true,
      value: { oco: { stopPrice: 9000n, price: 8950n } },
    });
    expect(place({ ...good, oco: null })).toMatchObject({ ok: true, value: { oco: null } });
    const cases: [unknown, string, string][] = [
      [{ price: '1' }, 'missing_field', 'oco.stopPrice'],
      [{ stopPrice: 110 }, 'invalid_type', 'oco.stopPrice'],
      [{ stopPrice: '100.25' }, 'invalid_value', 'oco.stopPrice'], // not above a buy's limit
      [{ stopPrice: '99' }, 'invalid_value', 'oco.stopPrice'],
      [{ stopPrice: '110', price: '0' }, 'not_positive', 'oco.price'],
      [{ stopPrice: '110', price: '1.001' }, 'too_many_decimals', 'oco.price'],
      [{ stopPrice: '110', limit: '1' }, 'unknown_field', 'oco.limit'],
      [JSON.parse('{"stopPrice":"110","__proto__":1}'), 'unknown_field', 'oco.__proto__'],
      ['110', 'invalid_type', 'oco'],
      [['110'], 'invalid_type', 'oco'],
    ];
    for (const [oco, code, field] of cases)
      expect(bad({ ...good, oco }), JSON.stringify(oco)).toMatchObject({ status: 400, code, field });
    expect(bad({ ...good, side: 'sell', oco: { stopPrice: '101' } })).toMatchObject({ field: 'oco.stopPrice' }); // a sell's stop is below
    expect(bad({ ...good, timeInForce: 'IOC', oco: { stopPrice: '110' } })).toMatchObject({ field: 'oco' });
    expect(bad({ ...good, type: 'stop_limit', stopPrice: '1', oco: { stopPrice: '110' } })).toMatchObject({
      field: 'oco',
    });
    expect(bad({ ...good, oco: { stopPrice: '110' }, displayQuantity: '0.1' })).toMatchObject({
      field: 'displayQuantity',
    });
    expect(bad({ ...good, quantity: '1', oco: { stopPrice: '110', price: '92233720368547758.07' } })).toMatchObject({
      code: 'out_of_range',
      field: 'oco.price',
    });
  });

  it('displayQuantity: an iceberg GTC limit, at most the quantity, at most 100 slices', () => {
    expect(place({ ...good, displayQuantity: '0.1' })).toMatchObject({ ok: true, value: { display: 10000000n } });
    expect(place({ ...good, displayQuantity: '0.5' })).toMatchObject({ ok: true, value: { display: 50000000n } });
    expect(place({ ...good, displayQuantity: '0.005' })).toMatchObject({ ok: true, value: { display: 500000n } }); // exactly 100 slices
    expect(bad({ ...good, displayQuantity: '0.00499999' })).toMatchObject({
      code: 'out_of_range',
      field: 'displayQuantity',
    });
    expect(bad({ ...good, displayQuantity: '0.50000001' })).toMatchObject({
      code: 'out_of_range',
      field: 'displayQuantity',
    });
    for (const v of ['0', '-0.1', 0.1, '0.000000001', 'abc'])
      expect(bad({ ...good, displayQuantity: v }), String(v)).toMatchObject({ status: 400, field: 'displayQuantity' });
    expect(bad({ ...good, timeInForce: 'IOC', displayQuantity: '0.1' })).toMatchObject({ field: 'displayQuantity' });
    expect(
      bad({ market: 'BTC-USD', side: 'buy', type: 'market', quantity: '1', displayQuantity: '0.1' }),
    ).toMatchObject({ field: 'displayQuantity' });
  });

  it('selfTradePrevention: four modes, cancel_resting by default; FOK takes only cancel_resting', () => {
    const modes = {
      cancel_resting: C.STP_CANCEL_RESTING,
      cancel_incoming: C.STP_CANCEL_INCOMING,
      cancel_both: C.STP_CANCEL_BOTH,
      decrement: C.STP_DECREMENT,
    };
    for (const [name, code] of Object.entries(modes))
      expect(place({ ...good, selfTradePrevention: name })).toMatchObject({ ok: true, value: { stp: code } });
    expect(place({ ...good, selfTradePrevention: null })).toMatchObject({
      ok: true,
      value: { stp: C.STP_CANCEL_RESTING },
    });
    for (const v of ['CANCEL_BOTH', 'none', '', 2, true])
      expect(bad({ ...good, selfTradePrevention: v }), String(v)).toMatchObject({
        status: 400,
        field: 'selfTradePrevention',
      });
    expect(bad({ ...good, timeInForce: 'FOK', selfTradePrevention: 'decrement' })).toMatchObject({
      code: 'invalid_value',
      field: 'selfTradePrevention',
    });
    expect(place({ ...good, timeInForce: 'FOK', selfTradePrevention: 'cancel_resting' }).ok).toBe(true);
    expect(place({ ...good, timeInForce: 'IOC', selfTradePrevention: 'cancel_both' }).ok).toBe(true);
  });

  it('expiresAt: an ISO time after now, on a GTC limit or a stop; in ms inside', () => {
    expect(place({ ...good, expiresAt: '2026-11-25T10:00:01Z' })).toMatchObject({
      ok: true,
      value: { expiresAt: BigInt(NOW + 1000) },
    });
    expect(place({ ...good, expiresAt: '2026-11-25T11:00:00.250+01:00' })).toMatchObject({
      ok: true,
      value: { expiresAt: BigInt(NOW + 250) },
    });
    expect(
      place({ ...good, type: 'stop_market', price: undefined, stopPrice: '1', expiresAt: '2027-01-01T00:00:00Z' }).ok,
    ).toBe(true);
    expect(bad({ ...good, expiresAt: '2026-11-25T10:00:00Z' })).toMatchObject({
      status: 422,
      code: 'invalid_expiry',
      field: 'expiresAt',
    }); // now is not the future
    expect(bad({ ...good, expiresAt: '2020-01-01T00:00:00Z' })).toMatchObject({
      status: 422,
      code: 'invalid_expiry',
      field: 'expiresAt',
    });
    expect(bad({ ...good, expiresAt: '0001-01-01T00:00:00Z' })).toMatchObject({ status: 422, field: 'expiresAt' });
    expect(bad({ ...good, timeInForce: 'IOC', expiresAt: '2027-01-01T00:00:00Z' })).toMatchObject({
      status: 400,
      field: 'expiresAt',
    });
    expect(
      bad({ market: 'BTC-USD', side: 'buy', type: 'market', quantity: '1', expiresAt: '2027-01-01T00:00:00Z' }),
    ).toMatchObject({ status: 400, field: 'expiresAt' });
    for (const v of [
      1767225600000,
      '1767225600000',
      '2027-01-01',
      '2027-01-01T00:00Z',
      '2027-01-01T00:00:00',
      '2027-01-01 00:00:00Z',
      '2027-01-01t00:00:00z',
      '2027-13-01T00:00:00Z',
      '2027-02-29T00:00:00Z',
      '2027-04-31T00:00:00Z',
      '2027-01-01T24:00:00Z',
      '2027-01-01T00:60:00Z',
      '2027-01-01T00:00:60Z',
      '2027-01-01T00:00:00.1234567890Z',
      '2027-01-01T00:00:00+24:00',
      '+2027-01-01T00:00:00Z',
      '２０２７-01-01T00:00:00Z',
      [],
      {},
      true,
    ]) {
      expect(bad({ ...good, expiresAt: v }), JSON.stringify(v)).toMatchObject({ status: 400, field: 'expiresAt' });
    }
  });

  it('ISO times: zones, fractions (rounded up to the millisecond), leap days', () => {
    expect(parseTime('2028-02-29T12:00:00Z', 't')).toEqual({ ok: true, value: BigInt(Date.UTC(2028, 1, 29, 12)) });
    expect(parseTime('2026-11-25T10:00:00.0001Z', 't')).toEqual({ ok: true, value: BigInt(NOW + 1) });
    expect(parseTime('2026-11-25T10:00:00.999999999Z', 't')).toEqual({ ok: true, value: BigInt(NOW + 1000) });
    expect(parseTime('2026-11-25T05:30:00-04:30', 't')).toEqual({ ok: true, value: BigInt(NOW) });
    expect(parseTime('2000-02-29T00:00:00Z', 't').ok).toBe(true);
    expect(parseTime('1900-02-29T00:00:00Z', 't').ok).toBe(false);
    expect(parseTime('0050-01-01T00:00:00Z', 't')).toEqual({
      ok: true,
      value: BigInt(new Date('0050-01-01T00:00:00Z').getTime()),
    });
  });

  it('batches check advanced fields too, naming the order', () => {
    const r = validateBatch({ orders: [good, { ...good, oco: { stopPrice: '1' } }] }, markets, NOW);
    expect(err(r)).toMatchObject({ status: 400, field: 'orders[1].oco.stopPrice' });
    expect(
      err(validateBatch({ orders: [{ ...good, expiresAt: '2020-01-01T00:00:00Z' }] }, markets, NOW)),
    ).toMatchObject({ status: 422, field: 'orders[0].expiresAt' });
  });
});

describe('other inputs', () => {
  it('PATCH bodies: price and/or quantity (the new remaining), 0 = keep inside', () => {
    const now = { price: 10000n, remaining: 50000000n };
    expect(validateAmend({ quantity: '0.1' }, btc, now)).toEqual({
      ok: true,
      value: { price: 0n, quantity: 10000000n },
    });
    expect(validateAmend({ price: '99.5' }, btc, now)).toEqual({ ok: true, value: { price: 9950n, quantity: 0n } });
    expect(validateAmend({ price: '99.5', quantity: '2' }, btc, now)).toEqual({
      ok: true,
      value: { price: 9950n, quantity: 200000000n },
    });
    expect(validateAmend({ price: null, quantity: '2' }, btc, now)).toEqual({
      ok: true,
      value: { price: 0n, quantity: 200000000n },
    });
    expect(err(validateAmend({}, btc, now))).toMatchObject({ code: 'missing_field', field: 'quantity' });
    expect(err(validateAmend({ price: null }, btc, now))).toMatchObject({ code: 'missing_field', field: 'quantity' });
    expect(err(validateAmend({ quantity: '1', x: 1 }, btc, now))).toMatchObject({ code: 'unknown_field', field: 'x' });
    for (const v of ['0', '-1', '1.001', 1, '', 'NaN'])
      expect(err(validateAmend({ price: v }, btc, now)), String(v)).toMatchObject({ status: 400, field: 'price' });
    for (const v of ['0', '-1', '0.000000001', 1])
      expect(err(validateAmend({ quantity: v }, btc, now)), String(v)).toMatchObject({
        status: 400,
        field: 'quantity',
      });
    // the notional with what is kept
    expect(err(validateAmend({ price: '92233720368547758.07' }, btc, now))).toMatchObject({
      code: 'out_of_range',
      field: 'price',
    });
    expect(err(validateAmend({ quantity: '92233720368.54775807' }, btc, now))).toMatchObject({
      code: 'out_of_range',
      field: 'quantity',
    });
    expect(err(validateAmend([], btc, now))).toMatchObject({ code: 'invalid_body' });
  });

  it('order ids, integer query parameters, the orders query', () => {
    expect(parseOrderId('0123456789ABCDEF')).toEqual({
      ok: true,
      value: { id: 0x0123456789abcdefn, hex: '0123456789abcdef' },
    });
    for (const bad of ['', '123', 'zzzzzzzzzzzzzzzz', '0123456789abcdef0'])
      expect(err(parseOrderId(bad)).field).toBe('id');
    expect(parseIntParam(undefined, 'depth', 50, 1, 1000)).toEqual({ ok: true, value: 50 });
    expect(parseIntParam('7', 'depth', 50, 1, 1000)).toEqual({ ok: true, value: 7 });
    for (const bad of ['0', '1001', '-1', '1e3', 'x', '1.5', '99999999'])
      expect(err(parseIntParam(bad, 'depth', 50, 1, 1000)).field).toBe('depth');
    expect(parseOrdersQuery({ status: 'open', market: 'ETH-USD', limit: '5' }, markets)).toEqual({
      ok: true,
      value: { market: eth, status: 'open', limit: 5, before: null },
    });
    expect(parseOrdersQuery({ before: '00000000000000AB' }, markets)).toMatchObject({
      ok: true,
      value: { before: { id: 0xabn, hex: '00000000000000ab' } },
    });
    expect(err(parseOrdersQuery({ before: '12' }, markets)).field).toBe('before');
    for (const status of ['pending', 'expired', 'rejected'])
      expect(parseOrdersQuery({ status }, markets)).toMatchObject({ ok: true, value: { status } });
    expect(err(parseOrdersQuery({ status: 'closed' }, markets)).field).toBe('status');
  });

  it('stream messages', () => {
    expect(parseStreamMessage('{"op":"subscribe","channel":"book","market":"BTC-USD"}', markets)).toEqual({
      ok: true,
      value: { op: 'subscribe', channel: 'book', market: btc, token: null },
    });
    expect(parseStreamMessage('{"op":"subscribe","channel":"orders","token":"t"}', markets)).toMatchObject({
      ok: true,
      value: { market: null, token: 't' },
    });
    expect(err(parseStreamMessage('{"op":"subscribe","channel":"book"}', markets)).field).toBe('market');
    expect(err(parseStreamMessage('{"op":"sub","channel":"book","market":"BTC-USD"}', markets)).field).toBe('op');
    expect(err(parseStreamMessage('nope', markets)).code).toBe('invalid_json');
    expect(err(parseStreamMessage(new ArrayBuffer(3), markets)).code).toBe('invalid_json');
    expect(err(parseStreamMessage('x'.repeat(5000), markets)).status).toBe(413);
  });
});
