// The committed vectors themselves: exactly what tools/make-vectors.ts builds from the
// scenarios (nobody edited a JSON file by hand, nothing is stale or missing), and together
// they cover what issues 4 and 8 ask for — every order type and time in force, post-only, OCO,
// every self-trade prevention mode, reduce, cancel, amend, icebergs, expiries, every event
// kind, reject and done reason, extremes, several markets, start snapshots, and every clock
// operation with results and refusals.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VECTORS } from '../runners/harness.ts';
import { loadVectors } from '../cases/vectors.ts';
import type { BookVector, ClockVector } from '../lib/vector.ts';
import { COMMANDS, DONES, EVENTS, FLAGS, REJECTS, STPS } from '../lib/vector-codec.ts';
import { buildVectors, formatJson } from '../tools/make-vectors.ts';

const vectors = loadVectors(DEFAULT_VECTORS);
const books = vectors.filter((v): v is BookVector => v.kind === 'book');
const clocks = vectors.filter((v): v is ClockVector => v.kind === 'clock');
const events = books.flatMap((v) => v.steps.flatMap((s) => s.events.map((e) => ({ e, s, v }))));

describe('the committed vectors', () => {
  it('are exactly what make-vectors builds from the scenarios', () => {
    const built = buildVectors();
    const files = readdirSync(DEFAULT_VECTORS)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(built.map((v) => `${v.name}.json`).sort());
    for (const v of built)
      expect(readFileSync(join(DEFAULT_VECTORS, `${v.name}.json`), 'utf8'), v.name).toBe(`${formatJson(v)}\n`);
  });

  it('number at least 120', () => expect(vectors.length).toBeGreaterThanOrEqual(120));

  it('produce every event kind, reject reason and done reason', () => {
    const kinds = new Set(events.map(({ e }) => e.kind));
    const rejects = new Set(events.filter(({ e }) => e.kind === 'rejected').map(({ e }) => e.reason));
    const dones = new Set(events.filter(({ e }) => e.kind === 'done').map(({ e }) => e.reason));
    expect([...kinds].sort()).toEqual(Object.keys(EVENTS).sort());
    expect([...rejects].sort()).toEqual(Object.keys(REJECTS).sort());
    expect([...dones].sort()).toEqual(Object.keys(DONES).sort());
  });

  it('accept every order type with every time in force it allows, post-only and OCO', () => {
    const accepted = new Set<string>();
    for (const { e, s } of events) {
      if (e.kind !== 'accepted') continue;
      const c = s.commands[e.cmd as number];
      accepted.add(`${c.type}/${c.tif}${Array.isArray(c.flags) ? c.flags.map((f) => `/${f}`).join('') : ''}`);
    }
    const combos = [
      'limit/gtc',
      'limit/ioc',
      'limit/fok',
      'market/ioc',
      'market/fok',
      'limit/gtc/post_only',
      'limit/gtc/oco',
      'stop_limit/gtc',
      'stop_limit/ioc',
      'stop_limit/fok',
      'stop_market/ioc',
      'stop_market/fok',
    ];
    for (const combo of combos) expect(accepted, combo).toContain(combo);
  });

  it('use every self-trade prevention mode and flag, icebergs, expiries and command times', () => {
    const commands = books.flatMap((v) => v.steps.flatMap((s) => s.commands));
    const stps = new Set(commands.map((c) => c.stp ?? 'cancel_resting'));
    expect([...stps].filter((s) => typeof s === 'string').sort()).toEqual(Object.keys(STPS).sort());
    const flags = new Set(commands.flatMap((c) => (Array.isArray(c.flags) ? c.flags : [])));
    expect([...flags].sort()).toEqual(Object.keys(FLAGS).sort());
    for (const field of ['time', 'stopPrice', 'display', 'expiresAt', 'ocoPrice'] as const)
      expect(
        commands.some((c) => c[field] !== undefined),
        field,
      ).toBe(true);
  });

  it('trade, cancel, reduce, amend, prevent self-trades and restore snapshots, on one and on several markets', () => {
    const ops = new Set(books.flatMap((v) => v.steps.flatMap((s) => s.commands.map((c) => c.op))));
    expect([...ops].filter((op) => typeof op === 'string').sort()).toEqual(Object.keys(COMMANDS).sort());
    expect(events.some(({ e }) => e.kind === 'done' && e.reason === 'self_trade')).toBe(true);
    expect(books.filter((v) => v.start).length).toBeGreaterThanOrEqual(2);
    expect(books.filter((v) => v.markets > 1 && v.after.depth.length > 1).length).toBeGreaterThanOrEqual(3);
    expect(books.some((v) => v.maxOrders !== undefined)).toBe(true);
    expect(books.some((v) => v.after.orders.some((o) => o.pending))).toBe(true);
    expect(books.some((v) => v.after.orders.some((o) => o.visible !== o.remaining && !o.pending))).toBe(true);
  });

  it('reach the i64 and u64 limits', () => {
    const text = JSON.stringify(books);
    for (const extreme of ['9223372036854775807', '-9223372036854775808', '18446744073709551615'])
      expect(text).toContain(`"${extreme}"`);
  });

  it('run every clock operation to a result and to a refusal', () => {
    const ops = clocks.flatMap((v) => v.ops);
    for (const op of ['lamportTick', 'lamportMerge', 'vcTick', 'vcMerge', 'vcCompare']) {
      expect(
        ops.some((o) => o.op === op && o.error === undefined),
        `${op} result`,
      ).toBe(true);
      expect(
        ops.some((o) => o.op === op && o.error === 'ClockError'),
        `${op} refusal`,
      ).toBe(true);
    }
    const relations = new Set(ops.filter((o) => o.op === 'vcCompare' && o.result).map((o) => o.result));
    expect([...relations].sort()).toEqual(['after', 'before', 'concurrent', 'equal']);
  });
});
