/** The runtime contract on the `node:net` adapter, which runs on Node, Deno and Bun alike. */
import { runtimeContract } from "./contract.ts";

runtimeContract("node", async () => (await import("./node.ts")).nodeRuntime);
