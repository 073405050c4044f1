import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineError } from "./errors.ts";
import { decodeNodes, decodeService, decodeSwarmInfo, decodeTasks } from "./swarm-decode.ts";

test("swarm decode: a manager, a worker and an engine without Swarm (Podman)", () => {
  assert.deepEqual(
    decodeSwarmInfo({ Swarm: { LocalNodeState: "active", ControlAvailable: true } }),
    {
      localNodeState: "active",
      controlAvailable: true,
    },
  );
  assert.deepEqual(decodeSwarmInfo({ Swarm: { LocalNodeState: "active" } }), {
    localNodeState: "active",
    controlAvailable: false,
  });
  assert.deepEqual(decodeSwarmInfo({ ID: "podman" }), {
    localNodeState: "inactive",
    controlAvailable: false,
  });
});

test("swarm decode: a service keeps its whole spec and its update status", () => {
  const spec = { Name: "web", TaskTemplate: { ContainerSpec: { Image: "a" } }, Custom: [1] };
  const service = decodeService({
    ID: "s1",
    Version: { Index: 42 },
    Spec: spec,
    PreviousSpec: { Name: "web" },
    UpdateStatus: { State: "paused", StartedAt: "2026-01-01T00:00:00Z", Message: "why" },
  }, "inspect service web");
  assert.deepEqual(service, {
    id: "s1",
    version: 42,
    spec,
    hasPreviousSpec: true,
    updateStatus: { state: "paused", startedAt: "2026-01-01T00:00:00Z", message: "why" },
  });
  assert.equal(
    decodeService({ ID: "s", Version: { Index: 1 }, Spec: {} }, "x").updateStatus,
    undefined,
  );
});

test("swarm decode: a service without Version.Index is a malformed answer", () => {
  assert.throws(
    () => decodeService({ ID: "s1", Spec: {} }, "inspect service web"),
    (e: Error) => e instanceof EngineError && /inspect service web.*Version\.Index/.test(e.message),
  );
});

test("swarm decode: tasks carry their error before their message", () => {
  const tasks = decodeTasks([{
    ID: "t1",
    NodeID: "n1",
    Slot: 2,
    DesiredState: "shutdown",
    Status: { State: "failed", Message: "started", Err: "task: non-zero exit (1)", Timestamp: "T" },
    Spec: { ContainerSpec: { Image: "app:v2@sha256:x" } },
  }], "list tasks");
  assert.deepEqual(tasks, [{
    id: "t1",
    nodeId: "n1",
    slot: 2,
    desiredState: "shutdown",
    state: "failed",
    message: "task: non-zero exit (1)",
    image: "app:v2@sha256:x",
    since: "T",
  }]);
  assert.throws(() => decodeTasks({}, "list tasks"), EngineError);
});

test("swarm decode: nodes by hostname", () => {
  assert.deepEqual(
    decodeNodes([{ ID: "n1", Description: { Hostname: "vm" } }, { ID: "n2" }], "x"),
    [
      { id: "n1", hostname: "vm" },
      { id: "n2", hostname: "" },
    ],
  );
});
