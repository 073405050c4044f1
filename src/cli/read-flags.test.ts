/** A flag that takes one value, given twice, is refused instead of silently taking the last. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertConfigError, containerArgs, noEnv } from "../../test/_cli-assert.ts";
import { runCli } from "../../test/_run-cli.ts";
import { buildContainerConfig } from "./container-config.ts";
import { readFlags } from "./read-flags.ts";

const build = (...args: string[]) =>
  buildContainerConfig(readFlags(args), [], { env: noEnv, homeDir: "/home/dewy", uid: 1000 });

test("flags twice: -r A -r B and --replicas 2 --replicas 3 are refused, naming the flag", () => {
  assertConfigError(
    () => build("-r", "img://127.0.0.1:5000/a", "-r", "img://127.0.0.1:5000/b", "-p", "8080"),
    "--registry",
    "--registry (-r) is given 2 times",
  );
  assertConfigError(
    () => build(...containerArgs("--replicas", "2", "--replicas=3").slice(1)),
    "--replicas",
    "given 2 times",
  );
  assertConfigError(
    () => build(...containerArgs("--name", "a", "-n", "b").slice(1)),
    "--name",
    "given 2 times",
  );
});

test("flags twice: repeatable flags (-p, --cmd) still take every value", () => {
  const config = build(...containerArgs("-p", "9090:80", "--cmd", "a", "--cmd", "b").slice(1));
  assert.deepEqual(config.ports.map((p) => p.proxyPort), [8080, 9090]);
  assert.deepEqual(config.cmd, ["a", "b"]);
});

test("flags twice: dewy container --replicas 2 --replicas 3 exits 2 with one line", async () => {
  const run = await runCli(containerArgs("--replicas", "2", "--replicas", "3"), {}, 30_000);
  assert.equal(run.code, 2, run.output);
  assert.match(run.output.trim(), /^[^\n]*--replicas is given 2 times[^\n]*$/);
});
