// Starts a meshbook node on Node.js (>= 22; npm scripts bring Node 24):
//   node host-node/main.ts [options]     (npm start -- [options]; --help lists them)
import { runNode } from '../host-common/node.ts';
import { nodeHost } from './ports.ts';

await runNode(nodeHost());
