/**
 * e2e: the observable container gauges sampled from real dockerd (`ENGINE_SOCK`, started by
 * `eval "$(bash test/services/engine-up.sh)"`): a running and an exited managed container of
 * one app, read through `/metrics` exactly as a scraper sees them (and `promtool`-clean).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { runtime } from "../_runtime.ts";
import { DockerEngineClient } from "../../src/engine/client.ts";
import type { RunOptions } from "../../src/engine/types.ts";
import { createTelemetry } from "../../src/telemetry/create.ts";
import { parseExposition, promtoolCheckMetrics } from "./_prometheus.ts";

const socketPath = process.env.ENGINE_SOCK;
const image = `${process.env.TEST_IMAGE ?? "127.0.0.1:5000/app"}:v1.0.0`;

test("telemetry containers e2e: status, restarts, exit code, start time and info from dockerd", async () => {
  assert.ok(
    socketPath,
    'ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first',
  );
  const engine = new DockerEngineClient({ runtime, socketPath });
  const app = `gauges-${runtime.name}-${Date.now().toString(36)}`;
  const options: RunOptions = { env: [], binds: [], extraHosts: [], labels: {} };
  const ids: string[] = [];
  const telemetry = (await createTelemetry(
    {},
    { version: "1.0.0", env: () => undefined, app, containers: { engine, desiredReplicas: 2 } },
  ))!;
  try {
    await engine.pull(image);
    for (const [replica, cmd] of [["0", []], ["1", ["sh", "-c", "exit 3"]]] as const) {
      const id = await engine.createContainer({
        name: `${app}-${replica}`,
        image,
        labels: {
          "dewy.managed": "true",
          "dewy.app": app,
          "dewy.replica": replica,
          "dewy.version": "v1.0.0",
        },
        publish: [],
        cmd: [...cmd],
        options,
      });
      ids.push(id);
      await engine.startContainer(id);
    }
    // Wait (bounded) until the second container has exited.
    const deadline = Date.now() + 15_000;
    while ((await engine.inspectContainer(ids[1]))?.state !== "exited") {
      assert.ok(Date.now() < deadline, "the exit-3 container did not exit within 15 s");
      await new Promise((r) => setTimeout(r, 200));
    }
    const startedAt = (await engine.inspectContainer(ids[0]))!.startedAt;

    const text = await telemetry.metricsText();
    const lint = await promtoolCheckMetrics(text);
    assert.equal(lint.code, 0, lint.output);
    assert.equal(lint.output.trim(), "", "promtool reported lint problems");
    const s = parseExposition(text);
    const up = `app="${app}",container="${app}-0",replica="0"`;
    const down = `app="${app}",container="${app}-1",replica="1"`;
    assert.equal(s.get(`dewy_container_status{${up},state="running"}`), 1);
    assert.equal(s.get(`dewy_container_status{${up},state="exited"}`), 0);
    assert.equal(s.get(`dewy_container_status{${down},state="exited"}`), 1);
    assert.equal(s.get(`dewy_container_status{${down},state="running"}`), 0);
    assert.equal(s.get(`dewy_container_last_terminated_exit_code{${down}}`), 3);
    assert.equal(s.get(`dewy_container_oom_killed{${down}}`), 0);
    assert.equal(s.get(`dewy_container_last_terminated_exit_code{${up}}`), undefined);
    assert.equal(s.get(`dewy_container_restarts{${up}}`), 0);
    assert.equal(
      s.get(`dewy_container_started_timestamp{${up}}`),
      Date.parse(startedAt) / 1000,
    );
    const info = `app="${app}",container="${app}-0",image="${image}",replica="0",version="v1.0.0"`;
    assert.equal(s.get(`dewy_container_info{${info}}`), 1);
    assert.equal(s.get(`dewy_container_desired_replicas{app="${app}"}`), 2);
  } finally {
    for (const id of ids) await engine.removeContainer(id);
    await telemetry.shutdown(1_000);
  }
});
