/**
 * The ends of an update a one-node test swarm cannot produce on demand: an update that
 * pauses although dewy asked for a rollback on failure (dewy must roll it back itself), and
 * one that never finishes (dewy gives up after --update-timeout and rolls it back). A scripted
 * Swarm stands in for the engine; the rest is the real rollout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type {
  ServiceSpec,
  ServiceUpdateOptions,
  SwarmEngine,
  SwarmService,
  SwarmTask,
  UpdateStatus,
} from "../engine/swarm-types.ts";
import { ManualClock } from "../deploy/clock.ts";
import { silentLogger } from "../log.ts";
import { testServiceConfig } from "../../test/_config.ts";
import { ServiceUpdateFailedError } from "./errors.ts";
import { rollOutService, type ServiceRolloutContext } from "./rollout.ts";

const OLD = "reg/app:v1@sha256:old";
const NEW = { version: "v2", digest: "sha256:new", image: "reg/app:v2@sha256:new" };

/** A service whose update status moves as `script` says after each update request. */
class ScriptedSwarm implements SwarmEngine {
  service: SwarmService = {
    id: "s1",
    version: 1,
    spec: { TaskTemplate: { ContainerSpec: { Image: OLD } } },
    hasPreviousSpec: false,
    updateStatus: { state: "completed", startedAt: "earlier", message: "update completed" },
  };
  requests: { image: string; version: number; rollback: boolean }[] = [];
  #script: UpdateStatus[];

  constructor(script: UpdateStatus[]) {
    this.#script = script;
  }
  swarmInfo() {
    return Promise.resolve({ localNodeState: "active", controlAvailable: true });
  }
  inspectService(): Promise<SwarmService | undefined> {
    return Promise.resolve(structuredClone(this.service));
  }
  updateService(_id: string, version: number, spec: ServiceSpec, options: ServiceUpdateOptions) {
    const image = spec.TaskTemplate?.ContainerSpec?.Image ?? "";
    this.requests.push({ image, version, rollback: options.rollback === true });
    this.service = {
      ...this.service,
      version: version + 1,
      spec: options.rollback ? { TaskTemplate: { ContainerSpec: { Image: OLD } } } : spec,
      hasPreviousSpec: !options.rollback,
      updateStatus: this.#script.shift(),
    };
    return Promise.resolve([]);
  }
  listTasks(): Promise<SwarmTask[]> {
    return Promise.resolve([]);
  }
  listNodes() {
    return Promise.resolve([]);
  }
}

function context(swarm: SwarmEngine, clock: ManualClock): ServiceRolloutContext {
  return {
    config: testServiceConfig({
      service: "web",
      update: { timeoutMs: 10_000, monitorMs: 1_000 },
    }),
    swarm,
    registry: { pullAuth: () => undefined },
    logger: silentLogger,
    clock,
    runHook: () => Promise.reject(new Error("no hooks in these tests")),
    pollMs: 1_000,
  };
}

/** Run the rollout to its end, moving the manual clock while it waits. */
async function drive(swarm: ScriptedSwarm, clock: ManualClock): Promise<unknown> {
  const signal = new AbortController().signal;
  let settled = false;
  const outcome = rollOutService(context(swarm, clock), NEW, swarm.service, signal).then(
    (seconds) => seconds,
    (error) => error,
  ).finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) await clock.advance(1_000);
  return await outcome;
}

test("service rollout: an update that pauses is rolled back by dewy and reported", async () => {
  const swarm = new ScriptedSwarm([
    { state: "paused", startedAt: "u1", message: "update paused due to failure of task t1" },
    { state: "rollback_completed", startedAt: "r1", message: "rollback completed" },
  ]);
  const error = await drive(swarm, new ManualClock());
  assert.ok(error instanceof ServiceUpdateFailedError, String(error));
  assert.equal(error.outcome, "paused");
  assert.match(error.message, /v2 \(sha256:new\) paused and was rolled back by dewy: .*task t1/);
  assert.deepEqual(swarm.requests, [
    { image: NEW.image, version: 1, rollback: false },
    { image: NEW.image, version: 2, rollback: true },
  ]);
  assert.equal(swarm.service.spec.TaskTemplate?.ContainerSpec?.Image, OLD);
});

test("service rollout: an update still running after --update-timeout is rolled back", async () => {
  const swarm = new ScriptedSwarm([
    { state: "updating", startedAt: "u1", message: "update in progress" },
    { state: "rollback_completed", startedAt: "r1", message: "rollback completed" },
  ]);
  const clock = new ManualClock();
  const started = clock.now();
  const error = await drive(swarm, clock);
  assert.ok(error instanceof ServiceUpdateFailedError, String(error));
  assert.equal(error.outcome, "timeout");
  assert.equal(swarm.requests.at(-1)?.rollback, true);
  assert.ok(clock.now() - started >= 10_000, "gave up before the timeout");
});

test("service rollout: a completed update resolves with its duration", async () => {
  const swarm = new ScriptedSwarm([
    { state: "completed", startedAt: "u1", message: "update completed" },
  ]);
  const seconds = await drive(swarm, new ManualClock());
  assert.equal(typeof seconds, "number");
  assert.equal(swarm.requests.length, 1);
});

test("service rollout: an old completed status is not taken for the new update's end", async () => {
  // The status read right after the request is still the previous update's.
  const swarm = new ScriptedSwarm([
    { state: "completed", startedAt: "earlier", message: "update completed" },
  ]);
  const clock = new ManualClock();
  const pending = rollOutService(
    context(swarm, clock),
    NEW,
    swarm.service,
    new AbortController().signal,
  );
  let done = false;
  void pending.finally(() => (done = true)).catch(() => {});
  await clock.advance(3_000);
  assert.equal(done, false, "an earlier update's completed status ended the follow");
  swarm.service.updateStatus = { state: "completed", startedAt: "u1", message: "update completed" };
  await clock.advance(2_000);
  assert.equal(typeof (await pending), "number");
});
