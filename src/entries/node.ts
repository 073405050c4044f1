/**
 * Entry for Node alone (`node src/entries/node.ts`): the CLI on the `node:net` adapter only.
 *
 * @module
 */
import { nodeRuntime } from "../runtime/node.ts";
import { main } from "../main.ts";

nodeRuntime.exit(await main(nodeRuntime));
