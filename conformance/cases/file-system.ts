// The FileSystem port's shared checks (host-common/test/ports-suite/file-system.ts) against
// the file system each runtime's host really uses: host-node's and host-deno's (node:fs,
// which Deno runs through its Node compatibility), host-bun's (node:fs, reads through
// Bun.file). One case per check, the same names on every runtime.
import { tmpdir } from 'node:os';
import process from 'node:process';
import { fileSystemChecks, runFileSystemCheck } from '../../host-common/test/ports-suite/file-system.ts';
import type { FileSystem, Host } from '../../host-common/ports.ts';
import type { Case, Runtime } from '../case.ts';

/** The runtime's host file system. The path is built at run time so that no runtime type-checks or loads another's host. */
async function hostFileSystem(runtime: Runtime): Promise<FileSystem> {
  const factory = { node: 'nodeHost', deno: 'denoHost', bun: 'bunHost' }[runtime];
  const module = (await import(`../../host-${runtime}/ports.ts`)) as Record<string, () => Host>;
  return module[factory]().fs;
}

export const fileSystemCases: Case[] = fileSystemChecks.map((check) => ({
  name: `file system port: ${check.name}`,
  group: 'ports',
  skip: () =>
    check.platform !== undefined && check.platform !== process.platform ? `only on ${check.platform}` : undefined,
  run: async (ctx) => runFileSystemCheck(check, await hostFileSystem(ctx.runtime), tmpdir()),
}));
