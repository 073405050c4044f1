/** `dewy.deploy.paused`: 0 while automatic deploys run, 1 while paused or pinned. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Telemetry } from "./telemetry.ts";

test("telemetry: dewy_deploy_paused follows pausedChanged, labelled with the app", async () => {
  const telemetry = new Telemetry({ version: "1.0.0", app: "api", env: () => undefined });
  const sample = async () =>
    (await telemetry.metricsText()).split("\n").find((l) => l.startsWith("dewy_deploy_paused{"));
  try {
    assert.match((await sample())!, /^dewy_deploy_paused\{app="api",.*\} 0$/);
    telemetry.pausedChanged(true);
    assert.match((await sample())!, /\} 1$/);
    telemetry.pausedChanged(false);
    assert.match((await sample())!, /\} 0$/);
    assert.match(await telemetry.metricsText(), /# TYPE dewy_deploy_paused gauge/);
  } finally {
    await telemetry.shutdown();
  }
});
