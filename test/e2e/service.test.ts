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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testServiceConfig } from "../_config.ts";
import { runtime } from "../_runtime.ts";
import { generateKey } from "../_cosign.ts";
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
import {
  DEWY_BIN,
  dewyPorts,
  engineSocket,
  httpGet,
  needsBinary,
  pushApp,
  REGISTRY,
  run,
  runAsync,
  sleep,
  start,
  uniqueName,
} from "./_ship.ts";
import {
  createService,
  DOCKER_CLI,
  inspectService,
  joinSwarm,
  leaveSwarm,
  lockSwarm,
  runningTaskImages,
  SERVICE_PREFIX,
  type ServiceOptions,
  swarmAvailable,
  swarmState,
  unlockSwarm,
  waitForTasks,
} from "./_swarm.ts";

const swarm = swarmAvailable();
const binary = swarm.skip ? swarm : needsBinary();

/** `POST` to the admin API; the body. */
async function httpPost(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    signal: AbortSignal.timeout(120_000),
  });
  return await res.text();
}

/** Where the service managers of these tests keep pause, pin and history. */
const stateDir = mkdtempSync(join(tmpdir(), "dewy-service-test-"));
/** Every service this file creates (removed at the end). */
const services: string[] = [];
const digests: Record<string, string> = {};

/**
 * Push `version` of the test app to `repo` once; its digest. A build that loses its base layer
 * to another test's image removal on the shared engine is tried once more.
 */
function push(repo: string, version: string, ...flags: string[]): string {
  const key = `${repo}:${version}`;
  try {
    digests[key] ??= pushApp(repo, version, ...flags);
  } catch {
    digests[key] = pushApp(repo, version, ...flags);
  }
  return digests[key];
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
  return testServiceConfig({
    image: parseImageUrl(`img://${REGISTRY}/${repo}`),
    service,
    telemetry: {},
    engine: { kind: "docker", socketPath: engineSocket() },
    log: { level: "debug", format: "json" },
    state: { path: stateDir, source: "--state-dir" },
    ...overrides,
  });
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

test("service: joins a one-node swarm on the test engine", swarm, async () => {
  await lockSwarm();
  joinSwarm();
  assert.ok(swarmState().manager);
});

test(
  "service: follows a service from v1.0.0 to v1.1.0, keeping its update settings",
  swarm,
  async () => {
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
      assert.equal(
        await metric(telemetry, 'dewy_container_desired_replicas{app="' + name + '"}'),
        1,
      );
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
  },
);

test("service: a version Swarm rolls back is reported once and not retried", swarm, async () => {
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

test("service: a change made by someone else during a check is kept", swarm, async () => {
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

/** Run the compiled binary as `dewy service ...` on the test engine (bounded). */
function dewyService(args: string[], env: Record<string, string> = {}) {
  return run(DEWY_BIN, ["service", ...args], {
    env: { DOCKER_HOST: `unix://${engineSocket()}`, ...env },
    timeoutMs: 60_000,
  });
}

/** The JSON of one admin API GET. */
async function adminJson(port: number, path: string): Promise<Record<string, unknown>> {
  const { status, body } = await httpGet(port, path);
  assert.equal(status, 200, `${path}: ${body}`);
  return JSON.parse(body);
}

test("service binary: bad input is one line and exit 2", needsBinary(), () => {
  const base = ["--registry", `img://${REGISTRY}/app`, "--service", "web"];
  for (
    const [args, pattern] of [
      [
        [...base, "--port", "8080"],
        /^Error: --port does not apply to dewy service: .*--publish-add/,
      ],
      [[...base, "--replicas", "3"], /^Error: --replicas .*docker service scale NAME=N/],
      [[...base, "--", "-e", "A=1"], /^Error: dewy service takes no docker run options after --/],
      [["--registry", `img://${REGISTRY}/app`], /^Error: missing --service: /],
      [[...base, "--update-timeout", "soon"], /--update-timeout/],
    ] as const
  ) {
    const result = dewyService([...args]);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr.trim(), pattern);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
  const container = run(DEWY_BIN, ["container", ...base, "--port", "8080"]);
  assert.equal(container.code, 2);
  assert.match(container.stderr, /--service belongs to dewy service/);
});

test(
  "service binary: a missing service is exit 1 with the docker service create line",
  binary,
  () => {
    const result = dewyService([
      "--registry",
      `img://${REGISTRY}/app`,
      "--service",
      uniqueName(`${SERVICE_PREFIX}missing`),
    ]);
    assert.equal(result.code, 1, result.stderr);
    const last = result.stderr.trim().split("\n").at(-1)!;
    assert.match(
      last,
      /^Error: service f18-missing-\S+ does not exist: create it first, e\.g\. docker service create --name f18-missing-\S+ .*127\.0\.0\.1:5000\/app:TAG$/,
    );
  },
);

test("service binary: Podman is refused in one line (no Swarm API)", {
  ...binary,
  skip: binary.skip ?? (process.env.PODMAN_SOCK ? undefined : "PODMAN_SOCK not set"),
}, () => {
  const result = run(DEWY_BIN, [
    "service",
    "--registry",
    `img://${REGISTRY}/app`,
    "--service",
    "web",
    "--runtime",
    "podman",
  ], { env: { DOCKER_HOST: `unix://${process.env.PODMAN_SOCK}` }, timeoutMs: 60_000 });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr.trim().split("\n").at(-1)!, /^Error: Podman.* has no Swarm API/);
});

test(
  "service binary: follows v1.0.0 to v1.1.0; status, tasks, metrics; pause, rollback, resume",
  binary,
  async () => {
    const repo = uniqueName("svc");
    const { port, adminPort } = await dewyPorts();
    const name = await newService("binary", repo, { port });
    const state = mkdtempSync(join(tmpdir(), "dewy-service-binary-"));
    const dewy = start(DEWY_BIN, [
      "service",
      "--registry",
      `img://${REGISTRY}/${repo}`,
      "--service",
      name,
      "--interval",
      "1",
      "--health-timeout",
      "1",
      "--admin-port",
      String(adminPort),
      "--telemetry",
      "--state-dir",
      state,
      "--log-format",
      "json",
    ], { DOCKER_HOST: `unix://${engineSocket()}` });
    const cli = (...args: string[]) =>
      runAsync(DEWY_BIN, ["service", ...args, "--admin-port", String(adminPort)]);
    try {
      await dewy.waitForLine(/"msg":"Dewy started".*"running":"v1\.0\.0"/);
      push(repo, "1.1.0");
      await dewy.waitForLine(/"msg":"Service updated successfully".*"version":"v1\.1\.0"/, 90_000);
      await waitForAnswer(port, "1.1.0");
      assert.equal(
        inspectService(name).Spec.TaskTemplate.ContainerSpec.Image,
        pinned(repo, "1.1.0"),
      );
      assert.ok(dewy.lines.some((l) => l.includes('"progress":"1/1 tasks on v1.1.0"')));

      const status = await adminJson(adminPort, "/api/status");
      assert.equal(status.current_version, "v1.1.0");
      assert.equal(status.current_digest, push(repo, "1.1.0"));
      assert.equal(status.service, name);
      assert.equal(status.replicas, 1);
      assert.equal(status.desired_replicas, 1);
      const { containers } = await adminJson(adminPort, "/api/containers") as {
        containers: { node: string; state: string; version: string; since: string }[];
      };
      assert.equal(containers.length, 1);
      assert.equal(containers[0].state, "running");
      assert.equal(containers[0].version, "v1.1.0");
      assert.ok(containers[0].node.length > 0 && Date.parse(containers[0].since) > 0);
      const metrics = parseExposition((await httpGet(adminPort, "/metrics")).body);
      assert.equal(metrics.get('dewy_deployments_total{command="service"}'), 1);
      assert.equal(metrics.get(`dewy_container_replicas{app="${name}"}`), 1);

      const paused = await cli("pause", "--reason", "e2e");
      assert.equal(paused.code, 0, paused.stderr);
      push(repo, "1.2.0");
      const held = await httpPost(adminPort, "/api/deploy?wait=true");
      assert.match(held, /"outcome":"paused"/);
      assert.equal(
        inspectService(name).Spec.TaskTemplate.ContainerSpec.Image,
        pinned(repo, "1.1.0"),
      );

      const rolledBack = await cli("rollback", "v1.0.0", "--reason", "e2e");
      assert.equal(rolledBack.code, 0, rolledBack.stderr + rolledBack.stdout);
      assert.equal(
        inspectService(name).Spec.TaskTemplate.ContainerSpec.Image,
        pinned(repo, "1.0.0"),
      );
      await waitForAnswer(port, "1.0.0");
      const shown = await cli("status");
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /v1\.0\.0/);
      assert.match(shown.stdout, /pinned/i);

      const resumed = await cli("resume");
      assert.equal(resumed.code, 0, resumed.stderr);
      await dewy.waitForLine(/"msg":"Service updated successfully".*"version":"v1\.2\.0"/, 90_000);
      await waitForAnswer(port, "1.2.0");
      const history = await cli("history");
      assert.equal(history.code, 0, history.stderr);
      const order = ["v1.1.0", "v1.0.0", "v1.2.0"].map((v) => history.stdout.indexOf(v));
      assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), history.stdout);

      assert.equal(await dewy.stop("SIGTERM"), 0);
      assert.equal(runningTaskImages(name).length, 1, "the service keeps running after dewy stops");
    } finally {
      await dewy.stop("SIGKILL");
      rmSync(state, { recursive: true, force: true });
    }
  },
);

test(
  "service binary: with --verify-key an unsigned version is refused and not deployed",
  binary,
  async () => {
    const repo = uniqueName("svc");
    const { adminPort } = await dewyPorts();
    const name = await newService("verify", repo);
    const state = mkdtempSync(join(tmpdir(), "dewy-service-verify-"));
    const key = join(state, "cosign.pub");
    writeFileSync(key, generateKey().pem);
    push(repo, "1.1.0");
    const dewy = start(DEWY_BIN, [
      "service",
      "--registry",
      `img://${REGISTRY}/${repo}`,
      "--service",
      name,
      "--verify-key",
      key,
      "--admin-port",
      String(adminPort),
      "--telemetry",
      "--state-dir",
      state,
      "--log-format",
      "json",
    ], { DOCKER_HOST: `unix://${engineSocket()}` });
    try {
      const line = await dewy.waitForLine(/"msg":"Version refused: no valid signature/);
      assert.match(line, /"version":"v1\.1\.0"/);
      const answer = JSON.parse(await httpPost(adminPort, "/api/deploy?wait=true"));
      assert.equal(answer.outcome, "refused");
      assert.equal(
        inspectService(name).Spec.TaskTemplate.ContainerSpec.Image,
        pinned(repo, "1.0.0"),
      );
      const status = await adminJson(adminPort, "/api/status");
      assert.equal((status.verification as { enabled: boolean }).enabled, true);
      const metrics = parseExposition((await httpGet(adminPort, "/metrics")).body);
      assert.equal(metrics.get('dewy_deployment_errors_total{command="service"}'), 1);
      assert.equal(dewy.lines.filter((l) => l.includes("Version refused")).length, 1);
    } finally {
      await dewy.stop("SIGTERM");
      rmSync(state, { recursive: true, force: true });
    }
  },
);

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

test("service: leaves the swarm; dewy service then asks for a manager", swarm, async () => {
  try {
    leaveSwarm(services);
    rmSync(stateDir, { recursive: true, force: true });
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
    if (binary.skip) return;
    const result = dewyService(["--registry", `img://${REGISTRY}/app`, "--service", "web"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr.trim().split("\n").at(-1)!,
      /^Error: run dewy service on a Swarm manager \(Swarm is inactive here/,
    );
  } finally {
    unlockSwarm();
  }
});
