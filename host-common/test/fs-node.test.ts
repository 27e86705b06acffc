// nodeFileSystem against the FileSystem port's shared checks (ports-suite/file-system.ts),
// which the conformance suite also runs against each runtime's host.
import process from 'node:process';
import { tmpdir } from 'node:os';
import { describe, it } from 'vitest';
import { nodeFileSystem } from '../fs-node.ts';
import { fileSystemChecks, runFileSystemCheck } from './ports-suite/file-system.ts';

describe('nodeFileSystem', () => {
  for (const check of fileSystemChecks) {
    it.runIf(check.platform === undefined || check.platform === process.platform)(check.name, () =>
      runFileSystemCheck(check, nodeFileSystem, tmpdir()),
    );
  }
});
