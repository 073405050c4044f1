import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveEngineSocket } from "./socket.ts";
import { ConfigError } from "../errors.ts";
import { envOf } from "../../test/_env.ts";

test("engine socket: DOCKER_HOST unix:// wins for both runtimes", () => {
  assert.equal(
    resolveEngineSocket("docker", envOf({ DOCKER_HOST: "unix:///run/x.sock" }), 1000),
    "/run/x.sock",
  );
  assert.equal(
    resolveEngineSocket("podman", envOf({ DOCKER_HOST: "unix:///run/y.sock" }), 1000),
    "/run/y.sock",
  );
});

test("engine socket: runtime defaults; podman's depends on the uid", () => {
  assert.equal(resolveEngineSocket("docker", envOf({}), 1000), "/var/run/docker.sock");
  const xdg = envOf({ XDG_RUNTIME_DIR: "/run/user/1000" });
  assert.equal(resolveEngineSocket("podman", xdg, 0), "/run/podman/podman.sock");
  assert.equal(resolveEngineSocket("podman", xdg, 1000), "/run/user/1000/podman/podman.sock");
  assert.equal(
    resolveEngineSocket("podman", envOf({}), 1001),
    "/run/user/1001/podman/podman.sock",
  );
});

test("engine socket: a tcp:// DOCKER_HOST is a ConfigError naming it", () => {
  assert.throws(
    () => resolveEngineSocket("docker", envOf({ DOCKER_HOST: "tcp://10.0.0.1:2375" }), 0),
    (e: unknown) =>
      e instanceof ConfigError && e.flag === "DOCKER_HOST" &&
      /tcp:\/\/10\.0\.0\.1:2375/.test(e.message),
  );
});
