/**
 * The adapter's `unixFetch` talks to the unix socket whatever proxy variables the operator
 * has set: Deno sends its unix-socket client through its proxy machinery, which would let
 * `NO_PROXY=localhost` (or `*`) bypass the socket.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../test/_runtime.ts";

const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

test("unixFetch: NO_PROXY=localhost or * and a dead HTTP_PROXY still reach the socket", async () => {
  const path = join(tmpdir(), `dewy-unix-${process.pid}-${Date.now()}.sock`);
  const server = http.createServer((request, response) => response.end(`pong ${request.url}`));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const saved = PROXY_VARIABLES.map((name) => [name, process.env[name]] as const);
  try {
    for (const noProxy of ["localhost,127.0.0.1", "*"]) {
      process.env.HTTP_PROXY = process.env.http_proxy = "http://127.0.0.1:9"; // nothing there
      process.env.NO_PROXY = process.env.no_proxy = noProxy;
      const response = await runtime.unixFetch(path)("http://localhost/_ping");
      // Deno writes the request target in absolute form (it treats the socket as a proxy).
      assert.match(
        await response.text(),
        /^pong (http:\/\/localhost)?\/_ping$/,
        `NO_PROXY=${noProxy}`,
      );
    }
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
