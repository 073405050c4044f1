import { test } from "node:test";
import assert from "node:assert/strict";
import type { Replica } from "./replica.ts";
import { pruneImages, reapExited } from "./cleanup.ts";
import { silentLogger } from "../log.ts";
import { FakeEngine } from "../../test/_deploy-fakes.ts";
import { testConfig } from "../../test/_config.ts";

test("cleanup: exited containers are reaped; images beyond the newest kept ones are pruned, never one in use", async () => {
  const engine = new FakeEngine();
  try {
    const refs = ["r@sha256:1", "r@sha256:2", "r@sha256:3", "r@sha256:4"];
    for (const ref of refs) {
      engine.remote.set(ref, { version: ref });
      await engine.pull(ref);
    }
    const labels = { "dewy.managed": "true", "dewy.app": "app" };
    await engine.seed("app-1-0", refs[0], labels);
    const exited = await engine.seed("app-1-1", refs[1], labels);
    await engine.stopContainer(exited);
    await engine.seed("other-1-0", refs[1], { "dewy.managed": "true", "dewy.app": "other" });
    const ctx = { engine, logger: silentLogger, config: testConfig() };
    assert.equal(await reapExited(ctx), 1);
    assert.deepEqual([...engine.containers.values()].map((c) => c.name).sort(), [
      "app-1-0",
      "other-1-0",
    ]);
    const inUse: Replica = {
      id: "v-0",
      name: "v-0",
      index: 0,
      hostPorts: new Map(),
      version: "v",
      digest: "sha256:1",
      image: refs[0],
    };
    assert.equal(await pruneImages(ctx, "r", [inUse], 2), 1);
    assert.deepEqual([...engine.local.keys()].sort(), [refs[0], refs[2], refs[3]]);
  } finally {
    await engine.close();
  }
});
