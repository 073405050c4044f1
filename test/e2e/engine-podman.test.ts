/**
 * e2e: the same engine client suite against podman's Docker-compatible socket. Runs when
 * `PODMAN_SOCK` is set (`eval "$(WITH_PODMAN=1 bash test/services/engine-up.sh)"`), else skips.
 */
import process from "node:process";
import { test } from "node:test";
import { engineSuite } from "./_engine-suite.ts";

if (process.env.PODMAN_SOCK) {
  engineSuite("podman", process.env.PODMAN_SOCK, "");
} else {
  test(
    "engine(podman): skipped, PODMAN_SOCK not set (WITH_PODMAN=1 engine-up.sh)",
    { skip: true },
    () => {},
  );
}
