// Starts a meshbook node on Bun:
//   bun host-bun/main.ts [options]     (npm run start:bun -- [options]; --help lists them)
import { runNode } from '../host-common/node.ts';
import { bunHost } from './ports.ts';

await runNode(bunHost());
