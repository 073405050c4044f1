/**
 * Operator control in the deploy loop, on the engine and registry fakes with a manual clock:
 * a paused check skips the newest version, a pinned dewy restores the pinned one, a
 * constraint that matches nothing warns, and the history records each deploy with its trigger.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testProbe } from "../../test/_runtime.ts";
import { testConfig } from "../../test/_config.ts";
import { FakeEngine, FakeRegistry, publish, RecordingPool } from "../../test/_deploy-fakes.ts";
import { DeployControl } from "../control/control.ts";
import { StateStore } from "../control/state-store.ts";
import { Logger } from "../log.ts";
import type { Notifier } from "../notify/types.ts";
import { ConstraintUnmatchedError } from "../registry/errors.ts";
import { ManualClock } from "./clock.ts";
import { DeployManager } from "./manager.ts";

/** A manager with control over a state folder; `engine` is shared across restarts. */
async function start(dir: string, engine: FakeEngine, registry: FakeRegistry) {
  const clock = new ManualClock();
  const lines: string[] = [];
  const notes: string[] = [];
  const note = (text: string) => (notes.push(text), Promise.resolve());
  const notifier = {
    send: (m: string) => note(m),
    sendImportant: (m: string) => note(m),
    sendError: (e: unknown) => note(`error ${(e as Error).message}`),
    resetErrors: () => {},
    hookResult: () => Promise.resolve(),
    settled: () => Promise.resolve(true),
  } as Notifier;
  const logger = new Logger({ level: "debug", write: (line) => lines.push(line) });
  const store = new StateStore({ path: dir, source: "--state-dir" }, "app");
  const control = new DeployControl({ store, state: await store.load(), clock, logger, notifier });
  const manager = new DeployManager({
    settings: testConfig(),
    engine,
    registry,
    proxies: new Map([[18080, { pool: new RecordingPool([]) }]]),
    probeTcp: testProbe,
    clock,
    notifier,
    logger,
    user: "1000:1000",
    runHook: () => Promise.reject(new Error("no hooks configured")),
    control,
  });
  await manager.start();
  await manager.settled();
  return { manager, control, lines, notes, clock };
}

test("control: paused, checks skip the newest version and keep the held one; resume deploys it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-control-"));
  const engine = new FakeEngine([]);
  const registry = new FakeRegistry();
  try {
    publish(engine, registry, "v1.0.0", { version: "1.0.0" });
    const d = await start(dir, engine, registry);
    await d.control.pause({ by: "cli", reason: "incident" }, d.manager.serving());
    publish(engine, registry, "v1.1.0", { version: "1.1.0" });
    for (let i = 0; i < 3; i++) assert.equal((await d.manager.checkNow()).outcome, "paused");
    assert.equal(d.manager.status().currentVersion, "v1.0.0");
    const skips = d.lines.filter((l) => /Deploy skipped: automatic deploys are paused/.test(l));
    assert.equal(skips.length, 3);
    assert.equal(
      d.notes.filter((n) => n.startsWith("Deploy of `v1.1.0` skipped")).length,
      1,
      "notified once",
    );
    await d.control.resume({ by: "api" });
    assert.equal((await d.manager.checkNow()).outcome, "deployed");
    await d.control.settled();
    assert.deepEqual(d.control.history().map((e) => [e.version, e.trigger, e.outcome]), [
      ["v1.0.0", "poll", "deployed"],
      ["v1.1.0", "api", "deployed"],
    ]);
    await d.manager.shutdown("SIGTERM");
    await d.control.settled(); // history writes done before the folder goes
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("control: a pinned dewy restarted with nothing running deploys the pinned version, not the newest", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-control-"));
  const engine = new FakeEngine([]);
  const registry = new FakeRegistry();
  try {
    publish(engine, registry, "v1.0.0", { version: "1.0.0" });
    let d = await start(dir, engine, registry);
    publish(engine, registry, "v1.1.0", { version: "1.1.0" });
    await d.manager.checkNow();
    await d.manager.rollout(
      await d.manager.resolve("v1.0.0"),
      "rollback",
      () => d.control.pin(d.manager.serving()!, { by: "cli", reason: "bad" }),
    );
    await d.manager.shutdown("SIGTERM"); // removes every container
    await d.control.settled();
    assert.deepEqual(engine.running(), []);

    d = await start(dir, engine, registry);
    assert.equal(d.manager.status().currentVersion, "v1.0.0");
    assert.equal(engine.running().length, 2);
    await d.control.settled();
    assert.deepEqual(d.control.history().map((e) => [e.version, e.trigger]), [
      ["v1.0.0", "poll"],
      ["v1.1.0", "api"],
      ["v1.0.0", "rollback"],
      ["v1.0.0", "rollback"],
    ]);
    await d.manager.shutdown("SIGTERM");
    await d.control.settled(); // history writes done before the folder goes
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("control: a constraint that matches no tag warns at each check, without an error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-control-"));
  const engine = new FakeEngine([]);
  const registry = new FakeRegistry();
  try {
    publish(engine, registry, "v1.0.0", { version: "1.0.0" });
    const d = await start(dir, engine, registry);
    registry.failure = new ConstraintUnmatchedError("127.0.0.1:5000/app", "^3", "v2.0.0");
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await d.manager.checkNow(), { outcome: "no-match", version: "v2.0.0" });
    }
    const warnings = d.lines.filter((l) =>
      /level=WARN msg="No tag matches the constraint"/.test(l)
    );
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /constraint=\^3 newest=v2\.0\.0 serving=v1\.0\.0/);
    assert.ok(!d.notes.some((n) => n.startsWith("error")), d.notes.join("\n"));
    assert.equal(d.manager.status().currentVersion, "v1.0.0");
    await d.manager.shutdown("SIGTERM");
    await d.control.settled(); // history writes done before the folder goes
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
