/** The runtime contract on the `node:net` adapter, which runs on Node, Deno and Bun alike. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";
import { runtimeContract } from "./contract.ts";
import { runtimeName } from "./detect.ts";

runtimeContract("node", async () => (await import("./node.ts")).nodeRuntime);

test(
  "node adapter: a closed stderr pipe does not end the process",
  { skip: runtimeName === "node" ? undefined : "Node's own EPIPE behaviour" },
  async () => {
    const adapter = JSON.stringify(new URL("./node.ts", import.meta.url).href);
    const child = spawn(process.execPath, [
      "--input-type=module",
      "-e",
      `await import(${adapter});
for (let i = 0; i < 40; i++) {
  console.error("line " + i);
  await new Promise((r) => setTimeout(r, 5));
}`,
    ], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.destroy(); // the reader goes away before the first line
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  },
);
