// Assertions for conformance cases: plain functions that throw, so every runtime's test
// runner can execute the cases without its own assertion library.
export class CheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckError';
  }
}

export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckError(message);
}

export function checkEqual<T>(actual: T, expected: T, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new CheckError(`${what}: expected ${e}, got ${a}`);
}
