// Run before `npm start` (and start:deno, start:bun): builds the WASM core when a fresh clone
// has not built it yet (core-as/build/ is not committed), so `npm install && npm start`
// works. Build output goes to stderr: stdout stays for the node's own lines.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wasm = `${root}core-as/build/release.wasm`;
if (!existsSync(wasm)) {
  process.stderr.write('meshbook: core-as/build/release.wasm is missing; building it (npm run build)\n');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !existsSync(wasm)) {
    process.stderr.write('meshbook: the build failed; see above\n');
    process.exit(1);
  }
}
