/** `--max-connections`: a whole number of at least 1, or absent (then from `ulimit -n`). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertConfigError, containerArgs, noEnv } from "../../test/_cli-assert.ts";
import { buildContainerConfig } from "./container-config.ts";
import { readFlags } from "./read-flags.ts";
import { defaultMaxConnections } from "../proxy/connection-cap.ts";

const build = (...extra: string[]) =>
  buildContainerConfig(readFlags(containerArgs(...extra).slice(1)), [], {
    env: noEnv,
    homeDir: "/home/dewy",
    uid: 1000,
  });

test("max connections: --max-connections N is taken, absent is left to the descriptor limit", () => {
  assert.equal(build("--max-connections", "500").proxy.maxConnections, 500);
  assert.equal(build().proxy.maxConnections, undefined);
  assertConfigError(() => build("--max-connections", "0"), "--max-connections");
  assertConfigError(() => build("--max-connections=many"), "--max-connections");
});

test("max connections: the default leaves a reserve and two descriptors per connection", () => {
  assert.equal(defaultMaxConnections(256), 96); // (256 - 64) / 2
  assert.equal(defaultMaxConnections(1024), 384); // (1024 - 256) / 2
  assert.equal(defaultMaxConnections(1_048_576), 523_776); // (1048576 - 1024) / 2
  assert.equal(defaultMaxConnections(10), 1);
  assert.equal(defaultMaxConnections(undefined), 10_000);
});
