/**
 * e2e: the deploy manager against the real dockerd + registry of
 * `eval "$(bash test/services/engine-up.sh)"` (`ENGINE_SOCK`); see `_deploy-suite.ts`.
 */
import process from "node:process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { deploySuite } from "./_deploy-suite.ts";

const socket = process.env.ENGINE_SOCK;
if (socket) {
  deploySuite("docker", socket);
} else {
  test("e2e deploy(docker): the engine is up", () => {
    assert.fail('ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first');
  });
}
