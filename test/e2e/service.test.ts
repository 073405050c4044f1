/**
 * e2e: `dewy service` on the real engine in Swarm mode and the real registry of
 * `engine-up.sh`. The service manager (in process) follows a service from v1.0.0 to v1.1.0,
 * reports a crashing version that Swarm rolled back and does not retry it, and keeps a
 * replica change someone made during a check. The last test leaves the swarm (unless another
 * run's services still live in it) and checks that dewy then refuses to start.
 *
 * Needs: eval "$(bash test/services/engine-up.sh)"
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { runtime } from "../_runtime.ts";
import { Logger } from "../../src/log.ts";
import { DockerEngineClient } from "../../src/engine/client.ts";
import { DockerSwarmClient } from "../../src/engine/swarm.ts";
import { openImageRegistry } from "../../src/registry/mod.ts";
import { Telemetry } from "../../src/telemetry/telemetry.ts";
import type { Notifier } from "../../src/notify/types.ts";
import { parseImageUrl } from "../../src/registry/url.ts";
import type { ServiceConfig } from "../../src/service/config.ts";
import { hookRunner } from "../../src/hooks/run.ts";
import { ServiceManager } from "../../src/service/manager.ts";
import { openService } from "../../src/service/open.ts";
import { NotSwarmManagerError, SwarmUnsupportedError } from "../../src/service/errors.ts";
import { freePort, parseExposition } from "./_prometheus.ts";
import { engineSocket, httpGet, pushApp, REGISTRY, sleep, uniqueName } from "./_ship.ts";
import {
  createService,
  DOCKER_CLI,
  inspectService,
  joinSwarm,
  leaveSwarm,
  runningTaskImages,
  SERVICE_PREFIX,
  type ServiceOptions,
  swarmState,
  waitForTasks,
} from "./_swarm.ts";

/** Every service this file creates (removed at the end). */
const services: string[] = [];
const digests: Record<string, string> = {};

/** Push `version` of the test app to `repo` once; its digest. */
function push(repo: string, version: string, ...flags: string[]): string {
  digests[`${repo}:${version}`] ??= pushApp(repo, version, ...flags);
  return digests[`${repo}:${version}`];
}

/** `REPO:vX@sha256:…` of a pushed version. */
function pinned(repo: string, version: string): string {
  return `${REGISTRY}/${repo}:v${version}@${push(repo, version)}`;
}

/** A new service of `repo`'s v1.0.0, its name recorded for removal, running. */
async function newService(prefix: string, repo: string, options: ServiceOptions = {}) {
  const name = uniqueName(`${SERVICE_PREFIX}${prefix}`);
  services.push(name);
  createService(name, pinned(repo, "1.0.0"), options);
  await waitForTasks(name, 1);
  return name;
}

/** A notifier that keeps what it was given. */
function recordingNotifier(): Notifier & { messages: string[]; errors: string[] } {
  const messages: string[] = [];
  const errors: string[] = [];
  return {
    messages,
    errors,
    send: (m) => Promise.resolve(void messages.push(m)),
    sendImportant: (m) => Promise.resolve(void messages.push(m)),
    sendError: (e) => Promise.resolve(void errors.push((e as Error).message)),
    resetErrors: () => {},
    hookResult: () => Promise.resolve(),
    settled: () => Promise.resolve(true),
  };
}

function serviceConfig(
  repo: string,
  service: string,
  overrides: Partial<ServiceConfig> = {},
): ServiceConfig {
  return {
    image: parseImageUrl(`img://${REGISTRY}/${repo}`),
    service,
    poll: { intervalMs: 3_600_000 },
    update: { timeoutMs: 120_000, monitorMs: 2_000 },
    hooks: { beforeDeploy: "", afterDeploy: "" },
    notifier: null,
    telemetry: {},
    admin: { port: 0 },
    engine: "docker",
    log: { level: "debug", format: "json" },
    ...overrides,
  };
}

/** A service manager on `service`, with telemetry, a recording notifier and logger. */
async function manage(repo: string, service: string, overrides: Partial<ServiceConfig> = {}) {
  const config = serviceConfig(repo, service, overrides);
  const socketPath = engineSocket();
  const swarm = new DockerSwarmClient({ runtime, socketPath });
  const engine = new DockerEngineClient({ runtime, socketPath });
  const lines: string[] = [];
  const logger = new Logger({ level: "debug", format: "json", write: (l) => lines.push(l) });
  const opened = await openService({
    engineName: (await engine.version()).name,
    swarm,
    service,
    exampleImage: `${REGISTRY}/${repo}:TAG`,
  });
  const telemetry = new Telemetry({
    version: "test",
    app: service,
    env: () => undefined,
    command: "service",
    desiredReplicas: (): number | undefined => manager.desiredReplicas(),
  });
  const notifier = recordingNotifier();
  const manager = new ServiceManager({
    config,
    swarm,
    registry: await openImageRegistry(config.image, {
      sources: { env: (name) => process.env[name], homeDir: runtime.homeDir() },
      logger,
    }),
    service: opened,
    logger,
    observer: telemetry,
    notifier,
    runHook: hookRunner(runtime),
    pollMs: 250,
  });
  return { manager, telemetry, notifier, lines };
}

/** The value of one series on `/metrics`, labels sorted (undefined when absent). */
async function metric(telemetry: Telemetry, series: string): Promise<number | undefined> {
  return parseExposition(await telemetry.metricsText()).get(series);
}

/** Wait until the app on `port` answers `version` (a task restarting takes a moment). */
async function waitForAnswer(port: number, version: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = "";
  while (Date.now() < deadline) {
    last = await httpGet(port).then((r) => r.body, (e) => String(e));
    if (last === version) return;
    await sleep(250);
  }
  assert.fail(`port ${port} answers "${last}", not ${version}`);
}

test("service: joins a one-node swarm on the test engine", () => {
  joinSwarm();
  assert.ok(swarmState().manager);
});

test("service: follows a service from v1.0.0 to v1.1.0, keeping its update settings", async () => {
  const repo = uniqueName("svc");
  const port = await freePort();
  const name = await newService("follow", repo, { port });
  await waitForAnswer(port, "1.0.0");
  const { manager, telemetry, notifier, lines } = await manage(repo, name);
  try {
    assert.equal(manager.status().currentVersion, "v1.0.0");
    push(repo, "1.1.0");
    const result = await manager.checkNow();
    assert.equal(result.outcome, "deployed", JSON.stringify(result));
    assert.equal(result.version, "v1.1.0");
    const spec = inspectService(name).Spec;
    assert.equal(spec.TaskTemplate.ContainerSpec.Image, pinned(repo, "1.1.0"));
    assert.equal(spec.UpdateConfig?.FailureAction, "rollback");
    assert.ok((spec.UpdateConfig?.Monitor ?? 0) >= 2e9, `Monitor ${spec.UpdateConfig?.Monitor}`);
    assert.equal(spec.UpdateConfig?.Order, "stop-first", "the service's update order is kept");
    await waitForAnswer(port, "1.1.0");
    assert.deepEqual(runningTaskImages(name), [pinned(repo, "1.1.0")]);
    assert.ok(lines.some((l) => l.includes("1/1 tasks on v1.1.0")), lines.join("\n"));
    assert.equal(await metric(telemetry, 'dewy_deployments_total{command="service"}'), 1);
    assert.equal(await metric(telemetry, 'dewy_container_replicas{app="' + name + '"}'), 1);
    assert.equal(await metric(telemetry, 'dewy_container_desired_replicas{app="' + name + '"}'), 1);
    assert.match(notifier.messages.join("\n"), /updated to `v1\.1\.0`: `1\/1` tasks running/);
    const tasks = await manager.containers();
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].version, "v1.1.0");
    assert.equal(tasks[0].state, "running");
    assert.equal((await manager.checkNow()).outcome, "up-to-date");
  } finally {
    await manager.shutdown(undefined);
    await telemetry.shutdown();
  }
});

test("service: a version Swarm rolls back is reported once and not retried", async () => {
  const repo = uniqueName("svc");
  const port = await freePort();
  const name = await newService("crash", repo, { port });
  const { manager, telemetry, notifier, lines } = await manage(repo, name);
  try {
    push(repo, "1.2.0", "--crash");
    const result = await manager.checkNow();
    assert.equal(result.outcome, "failed", JSON.stringify(result));
    assert.match(String((result.error as Error).message), /rolled back by Swarm/);
    assert.equal(inspectService(name).Spec.TaskTemplate.ContainerSpec.Image, pinned(repo, "1.0.0"));
    await waitForAnswer(port, "1.0.0");
    assert.equal(await metric(telemetry, 'dewy_deployment_errors_total{command="service"}'), 1);
    assert.equal(await metric(telemetry, 'dewy_deployments_total{command="service"}'), 0);
    assert.equal(notifier.errors.length, 1);
    assert.match(notifier.errors[0], /v1\.2\.0 .*sha256:.*rolled back by Swarm/);
    const failed = lines.map((l) => JSON.parse(l)).find((r) => r.msg === "Service update failed");
    assert.ok(failed, lines.join("\n"));
    assert.equal(failed.version, "v1.2.0");
    const again = await manager.checkNow();
    assert.equal(again.outcome, "backoff", JSON.stringify(again));
    assert.equal(await metric(telemetry, 'dewy_deployment_errors_total{command="service"}'), 1);
    assert.equal(notifier.errors.length, 1, "the rejected version is not tried again");
    assert.equal(manager.status().currentVersion, "v1.0.0");
  } finally {
    await manager.shutdown(undefined);
    await telemetry.shutdown();
  }
});

test("service: a change made by someone else during a check is kept", async () => {
  const repo = uniqueName("svc");
  const name = await newService("race", repo);
  // The before-deploy hook runs after dewy read the service: the update dewy then sends
  // names an outdated version, and the replica change must survive it.
  const hook = `${DOCKER_CLI} service update -d --replicas 2 ${name}`;
  const { manager, telemetry, lines } = await manage(repo, name, {
    hooks: { beforeDeploy: hook, afterDeploy: "" },
  });
  try {
    push(repo, "1.1.0");
    const result = await manager.checkNow();
    assert.equal(result.outcome, "deployed", `${JSON.stringify(result)}\n${lines.join("\n")}`);
    const spec = inspectService(name).Spec;
    assert.equal(spec.Mode.Replicated?.Replicas, 2, "the replica change was overwritten");
    assert.equal(spec.TaskTemplate.ContainerSpec.Image, pinned(repo, "1.1.0"));
    assert.ok(lines.some((l) => l.includes("The service changed during the check")));
    await waitForTasks(name, 2);
    assert.deepEqual(runningTaskImages(name), [pinned(repo, "1.1.0"), pinned(repo, "1.1.0")]);
  } finally {
    await manager.shutdown(undefined);
    await telemetry.shutdown();
  }
});

test("service: Podman, which has no Swarm API, is refused in one line", {
  skip: process.env.PODMAN_SOCK ? undefined : "PODMAN_SOCK not set (engine-up.sh WITH_PODMAN=1)",
}, async () => {
  const socketPath = process.env.PODMAN_SOCK!;
  const engine = new DockerEngineClient({ runtime, socketPath });
  const swarm = new DockerSwarmClient({ runtime, socketPath });
  await assert.rejects(
    openService({
      engineName: (await engine.version()).name,
      swarm,
      service: "x",
      exampleImage: "",
    }),
    (error: Error) =>
      error instanceof SwarmUnsupportedError && /^Podman.* has no Swarm API/.test(error.message),
  );
});

test("service: leaves the swarm; dewy service then asks for a manager", async () => {
  leaveSwarm(services);
  if (swarmState().state !== "inactive") {
    console.warn("SKIP the not-a-manager check: another run's services keep the swarm");
    return;
  }
  const socketPath = engineSocket();
  await assert.rejects(
    openService({
      engineName: "Docker Engine",
      swarm: new DockerSwarmClient({ runtime, socketPath }),
      service: "x",
      exampleImage: "",
    }),
    (error: Error) =>
      error instanceof NotSwarmManagerError &&
      /^run dewy service on a Swarm manager/.test(error.message),
  );
});
