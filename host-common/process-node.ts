// The process port over node:process: arguments, environment, output, signals, exit. Node and
// Bun (which implements node:process natively) both use it; Deno has its own in host-deno.
import { createServer } from 'node:net';
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
    claimName: (name) =>
      new Promise((resolve, reject) => {
        const server = createServer((socket) => socket.destroy());
        server.once('error', (err: Error & { code?: string }) => {
          if (err.code === 'EADDRINUSE') resolve('held');
          else if (process.platform !== 'linux') resolve('unsupported');
          else reject(err);
        });
        server.listen(`\0${name}`, () => {
          server.unref(); // holding the name must not keep the process alive
          resolve({ release: () => new Promise((done) => server.close(() => done())) });
        });
      }),
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
