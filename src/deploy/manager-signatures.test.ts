import { test } from "node:test";
import assert from "node:assert/strict";
import { testProbe } from "../../test/_runtime.ts";
import { FakeEngine, FakeRegistry, publish, RecordingPool } from "../../test/_deploy-fakes.ts";
import { testConfig } from "../../test/_config.ts";
import { DeployManager } from "./manager.ts";
import { ManualClock } from "./clock.ts";
import { Logger } from "../log.ts";
import { RegistryUnavailableError } from "../registry/errors.ts";
import type { DeployGate, GateImage } from "./types.ts";

/** A gate that refuses the tags in `refused` and fails while `failure` is set. */
class FakeGate implements DeployGate {
  refused = new Set<string>();
  failure: Error | undefined;
  asked: string[] = [];
  audited: string[] = [];
  refusal(image: GateImage): Promise<Error | undefined> {
    this.asked.push(image.tag);
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(
      this.refused.has(image.tag) ? new Error(`${image.tag} unsigned`) : undefined,
    );
  }
  auditRunning(image: GateImage): Promise<void> {
    this.audited.push(image.tag);
    return Promise.resolve();
  }
  status() {
    return { enabled: true as const, keys: [] };
  }
}

async function withManager(
  fn: (h: {
    manager: DeployManager;
    engine: FakeEngine;
    registry: FakeRegistry;
    gate: FakeGate;
    pool: RecordingPool;
    lines: string[];
  }) => Promise<void>,
) {
  const engine = new FakeEngine();
  const registry = new FakeRegistry();
  const gate = new FakeGate();
  const pool = new RecordingPool([]);
  const lines: string[] = [];
  const manager = new DeployManager({
    settings: testConfig(),
    engine,
    registry,
    proxies: new Map([[18080, { pool }]]),
    probeTcp: testProbe,
    clock: new ManualClock(),
    logger: new Logger({ level: "debug", write: (line) => lines.push(line) }),
    user: "1000:1000",
    runHook: () => Promise.reject(new Error("no hooks in these tests")),
    signatures: gate,
  });
  try {
    await fn({ manager, engine, registry, gate, pool, lines });
  } finally {
    await manager.shutdown("SIGTERM");
    await engine.close();
  }
}

test("deploy signatures: a refused version is not deployed and the running one keeps serving", async () => {
  await withManager(async ({ manager, engine, registry, gate, pool }) => {
    publish(engine, registry, "v1.0.0", { version: "1.0.0" });
    await manager.start();
    await manager.settled();
    assert.equal(manager.status().currentVersion, "v1.0.0");
    publish(engine, registry, "v1.1.0", { version: "1.1.0" });
    gate.refused.add("v1.1.0");
    const result = await manager.checkNow();
    assert.equal(result.outcome, "refused");
    assert.match(String(result.error), /v1\.1\.0 unsigned/);
    assert.equal(manager.status().currentVersion, "v1.0.0");
    assert.equal(pool.size, 2);
    assert.equal(engine.running().length, 2);
    assert.deepEqual(gate.asked, ["v1.0.0", "v1.1.0"]);
    assert.equal(manager.status().verification?.enabled, true);
  });
});

test("deploy signatures: signatures that cannot be read fail the check, not the version", async () => {
  await withManager(async ({ manager, engine, registry, gate, lines }) => {
    publish(engine, registry, "v1.0.0", { version: "1.0.0" });
    gate.failure = new RegistryUnavailableError("registry 127.0.0.1:5000 is unreachable");
    await manager.start();
    await manager.settled();
    assert.equal(manager.status().currentVersion, "");
    assert.ok(lines.some((l) => /level=ERROR msg="Check failed; will retry".*unreachable/.test(l)));
    gate.failure = undefined;
    assert.equal((await manager.checkNow()).outcome, "deployed");
    // The version now runs: later checks audit it instead of gating it.
    assert.equal((await manager.checkNow()).outcome, "up-to-date");
    assert.deepEqual(gate.audited, ["v1.0.0"]);
  });
});

test("deploy signatures: a rollback to a refused version fails and changes nothing", async () => {
  await withManager(async ({ manager, engine, registry, gate }) => {
    publish(engine, registry, "v1.0.0", { version: "1.0.0" });
    await manager.start();
    await manager.settled();
    publish(engine, registry, "v1.1.0", { version: "1.1.0" });
    gate.refused.add("v0.9.0");
    const old = await manager.resolve("v1.0.0");
    publish(engine, registry, "v0.9.0", { version: "0.9.0" });
    const target = await manager.resolve("v0.9.0");
    let pinned = false;
    await assert.rejects(
      manager.rollout(target, "rollback", () => Promise.resolve(void (pinned = true))),
      /v0\.9\.0 unsigned/,
    );
    assert.equal(pinned, false);
    assert.equal(manager.serving()?.digest, old.digest);
  });
});
