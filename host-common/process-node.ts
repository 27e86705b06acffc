// The process port over node:process: arguments, environment, output, signals, exit. Node and
// Bun (which implements node:process natively) both use it; Deno has its own in host-deno.
import process from 'node:process';
import type { ProcessPort } from './ports.ts';

export function nodeProcessPort(runtime: ProcessPort['runtime'], runtimeVersion: string): ProcessPort {
  return {
    runtime,
    runtimeVersion,
    pid: process.pid,
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as { code?: string }).code === 'EPERM'; // exists, owned by another user
      }
    },
    args: process.argv.slice(2),
    env: process.env,
    stdout: (line) => void process.stdout.write(`${line}\n`),
    stderr: (line) => void process.stderr.write(`${line}\n`),
    onSignal: (signals, handler) => {
      for (const s of signals) process.on(s, () => handler(s));
    },
    exit: (code) => process.exit(code),
  };
}
