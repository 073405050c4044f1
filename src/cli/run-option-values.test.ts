/**
 * Options after `--` that would hand the container the host are refused like `--privileged`:
 * a bind of the host's root, of the engine's socket (or a folder holding it), and Podman's
 * `--network ns:PATH`, which joins another network namespace as `host` does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertConfigError, containerArgs } from "../../test/_cli-assert.ts";
import { runCli } from "../../test/_run-cli.ts";
import { hostEngineSockets } from "../engine/socket.ts";
import { parsePassthrough } from "./passthrough.ts";

/** The host's sockets when dewy's engine listens on /srv/engine-ci/engine.sock. */
const CI_SOCKETS = hostEngineSockets("/srv/engine-ci/engine.sock", () => undefined, 1000);

const run = (sockets: readonly string[] | undefined, ...words: string[]) =>
  parsePassthrough(words, { env: () => undefined, engineSockets: sockets });

test("run options: -v of the host's root is refused in every spelling", () => {
  for (const bind of ["/:/host", "/:/host:ro", "//:/host", "/.:/host", "/./:/host", "/usr/..:/h"]) {
    assertConfigError(() => run(undefined, "-v", bind), "-v", "host's root", "--privileged");
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
    assertConfigError(
      () => run(undefined, "--volume", bind),
      "--volume",
      "engine socket",
      "--privileged",
    );
  }
  assertConfigError(() => run(CI_SOCKETS, "-v", "/srv/engine-ci:/e"), "-v", "engine socket");
  assertConfigError(
    () => run(CI_SOCKETS, "-v", "/srv/engine-ci/engine.sock:/e.sock"),
    "-v",
    "engine socket",
  );
});

test("run options: ordinary binds and named volumes still pass", () => {
  const got = run(
    CI_SOCKETS,
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
    () => run(undefined, "--network", "ns:/proc/1/ns/net"),
    "--network",
    `"ns:/proc/1/ns/net"`,
  );
  assertConfigError(() => run(undefined, "--net=ns:/run/netns/x"), "--net", "127.0.0.1");
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

test("run options: rootless podman's socket under XDG_RUNTIME_DIR is refused too", () => {
  const sockets = hostEngineSockets(
    "/var/run/docker.sock",
    (name) => (name === "XDG_RUNTIME_DIR" ? "/run/user/1000" : undefined),
    1000,
  );
  assertConfigError(() => run(sockets, "-v", "/run/user/1000/podman:/p"), "-v", "engine socket");
});

test("run options: a tcp:// DOCKER_HOST exits 2 while parsing, before the engine is dialled", async () => {
  const out = await runCli(containerArgs(), { DOCKER_HOST: "tcp://127.0.0.1:2375" }, 30_000);
  assert.equal(out.code, 2, out.output);
  assert.match(out.output.trim(), /^[^\n]*DOCKER_HOST=tcp:\/\/127\.0\.0\.1:2375[^\n]*$/);
});
