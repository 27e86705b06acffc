// Starts a meshbook node on Deno:
//   deno run --allow-net --allow-read --allow-write --allow-env --allow-sys host-deno/main.ts [options]
//   (npm run start:deno -- [options]; --help lists them)
// Bare specifiers (hono, @assemblyscript/loader) resolve through the root node_modules:
// Deno 2 reads the root package.json and uses the npm-installed packages as they are.
import { runNode } from '../host-common/node.ts';
import { denoHost } from './ports.ts';

await runNode(denoHost());
