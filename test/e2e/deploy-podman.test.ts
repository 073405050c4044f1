/**
 * e2e: the deploy manager against podman's Docker-compatible socket (`PODMAN_SOCK`, from
 * `eval "$(WITH_PODMAN=1 bash test/services/engine-up.sh)"`); skipped when podman is not up.
 * See `_deploy-suite.ts`.
 */
import process from "node:process";
import { test } from "node:test";
import { deploySuite } from "./_deploy-suite.ts";

const socket = process.env.PODMAN_SOCK;
if (socket) {
  deploySuite("podman", socket);
} else {
  test("e2e deploy(podman): skipped, PODMAN_SOCK not set (WITH_PODMAN=1 engine-up.sh)", {
    skip: true,
  }, () => {});
}
