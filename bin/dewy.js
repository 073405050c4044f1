#!/usr/bin/env node
// The `dewy` command of the npm package (`npx @dewy/dewy`, `bunx @dewy/dewy`): runs the bundled
// CLI, dist/dewy.js, on the Node or Bun executing this file. Plain JavaScript that any Node
// parses, so that an old Node gets one clear line instead of a syntax error.
import process from "node:process";

const [major, minor] = process.versions.node.split(".").map(Number);
if (
  !("Bun" in globalThis) && !("Deno" in globalThis) && (major < 22 || (major === 22 && minor < 15))
) {
  console.error(
    `dewy needs Node >= 22.15 (this is ${process.version}); upgrade Node, or run it with bunx`,
  );
  process.exit(1);
}
await import("../dist/dewy.js");
