// The node's log: one JSON object per line on standard error, so standard output carries
// only the lines scripts read (the generated token, the `listening` line).

import type { LogLevel } from './config.ts';
import type { Logger } from './ports.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function jsonLogger(
  level: LogLevel,
  write: (line: string) => void,
  now: () => number = () => Date.now(),
): Logger {
  const min = ORDER[level];
  const at = (name: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[name] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ time: new Date(now()).toISOString(), level: name, msg: message, ...fields });
    } catch {
      line = JSON.stringify({
        time: new Date(now()).toISOString(),
        level: name,
        msg: message,
        fields: 'unserialisable',
      });
    }
    write(line);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
