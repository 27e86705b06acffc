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

export function rejectName(code: number): string {
  return REJECT_NAMES[code] ?? `reject_${code}`;
}

export function doneName(code: number): string {
  return DONE_NAMES[code] ?? `done_${code}`;
}
