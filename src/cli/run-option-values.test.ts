/**
 * Options after `--` that would hand the container the host are refused like `--privileged`:
 * a bind of the host's root, of the engine's socket (or a folder holding it), and Podman's
 * `--network ns:PATH`, which joins another network namespace as `host` does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertConfigError, containerArgs } from "../../test/_cli-assert.ts";
import { runCli } from "../../test/_run-cli.ts";
import { parsePassthrough } from "./passthrough.ts";

const run = (env: Record<string, string>, ...words: string[]) =>
  parsePassthrough(words, { env: (name) => env[name] });

test("run options: -v of the host's root is refused in every spelling", () => {
  for (const bind of ["/:/host", "/:/host:ro", "//:/host", "/.:/host", "/./:/host", "/usr/..:/h"]) {
    assertConfigError(() => run({}, "-v", bind), "-v", "host's root", "--privileged");
  }
});

test("run options: a bind of the engine socket or a folder holding it is refused", () => {
  const refused = [
    "/var/run/docker.sock:/var/run/docker.sock",
    "/run/docker.sock:/docker.sock:ro",
    "/run/podman/podman.sock:/run/podman.sock",
    "/run:/host-run",
    "/var/run:/host-run",
    "/srv/engine/docker.sock:/d.sock",
  ];
  for (const bind of refused) {
    assertConfigError(() => run({}, "--volume", bind), "--volume", "engine socket", "--privileged");
  }
  const env = { DOCKER_HOST: "unix:///srv/engine-ci/engine.sock" };
  assertConfigError(() => run(env, "-v", "/srv/engine-ci:/e"), "-v", "engine socket");
  assertConfigError(
    () => run(env, "-v", "/srv/engine-ci/engine.sock:/e.sock"),
    "-v",
    "engine socket",
  );
});

test("run options: ordinary binds and named volumes still pass", () => {
  const got = run(
    { DOCKER_HOST: "unix:///srv/engine-ci/engine.sock" },
    "-v",
    "/srv/data:/data",
    "-v",
    "/var/lib/app:/app:ro",
    "-v",
    "cache:/cache",
    "-v",
    "/srv/engine-cache:/c",
  );
  assert.deepEqual(got.binds, [
    "/srv/data:/data",
    "/var/lib/app:/app:ro",
    "cache:/cache",
    "/srv/engine-cache:/c",
  ]);
});

test("run options: --network ns:PATH is refused as host is", () => {
  assertConfigError(
    () => run({}, "--network", "ns:/proc/1/ns/net"),
    "--network",
    `"ns:/proc/1/ns/net"`,
  );
  assertConfigError(() => run({}, "--net=ns:/run/netns/x"), "--net", "127.0.0.1");
});

test("run options: dewy container --runtime podman -- --network=ns:... exits 2 with one line", async () => {
  const out = await runCli(
    containerArgs("--runtime", "podman", "--", "--network=ns:/proc/1/ns/net"),
    {},
    30_000,
  );
  assert.equal(out.code, 2, out.output);
  assert.match(out.output.trim(), /^[^\n]*--network[^\n]*ns:\/proc\/1\/ns\/net[^\n]*$/);
});
