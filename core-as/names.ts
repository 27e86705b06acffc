// Names for the numbered codes, in one place: tests, vectors and the HTTP API map codes to
// these snake_case names and back. Derived from codes.ts so a new code cannot be forgotten.
import * as C from './codes.ts';

function namesOf(prefix: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [key, value] of Object.entries(C)) {
    // record layout constants share the CMD_/EV_ prefixes
    if (key.includes('_OFF_') || key.endsWith('_SIZE')) continue;
    if (key.startsWith(prefix) && typeof value === 'number') out[value] = key.slice(prefix.length).toLowerCase();
  }
  return out;
}

export const COMMAND_NAMES = namesOf('CMD_');
export const EVENT_NAMES = namesOf('EV_');
export const REJECT_NAMES = namesOf('REJ_');
export const DONE_NAMES = namesOf('DONE_');
export const SIDE_NAMES = namesOf('SIDE_'); //   buy, sell
export const TYPE_NAMES = namesOf('TYPE_'); //   limit, market, stop_limit, stop_market
export const TIF_NAMES = namesOf('TIF_'); //     gtc, ioc, fok
export const STP_NAMES = namesOf('STP_'); //     cancel_resting, cancel_incoming, cancel_both, decrement
/** Flags are bits: each name is keyed by its bit's value (post_only 1, oco 2). */
export const FLAG_NAMES = namesOf('FLAG_');

/** The inverse of a names table: name -> code. */
export function codesOf(names: Record<number, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(names).map(([code, name]) => [name, Number(code)]));
}

/** The names of the bits set in `flags`, lowest bit first; undefined if a set bit has no name. */
export function flagNames(flags: number): string[] | undefined {
  const out: string[] = [];
  for (let bit = 1; bit <= flags; bit *= 2) {
    if ((flags & bit) === 0) continue;
    const name = FLAG_NAMES[bit];
    if (name === undefined) return undefined;
    out.push(name);
  }
  return out;
}

export function rejectName(code: number): string {
  return REJECT_NAMES[code] ?? `reject_${code}`;
}

export function doneName(code: number): string {
  return DONE_NAMES[code] ?? `done_${code}`;
}
