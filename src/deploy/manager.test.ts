import { test } from "node:test";
import assert from "node:assert/strict";
import { testProbe } from "../../test/_runtime.ts";
import { DeployManager, type DeployManagerOptions } from "./manager.ts";
import { ManualClock } from "./clock.ts";
import {
  ContainerExitedError,
  HealthCheckError,
  HookFailedError,
  MissingProxyError,
  PortResolutionError,
} from "./errors.ts";
import type { HookResult } from "../hooks/result.ts";
import type { HookRun } from "../hooks/run.ts";
import type { DeployObserver } from "./types.ts";
import type { Channel, Notifier } from "../notify/types.ts";
import { RegistryRateLimitedError, RegistryUnavailableError } from "../registry/errors.ts";
import { EngineUnreachableError } from "../engine/errors.ts";
import { REGISTRY_MAX_PAUSE_MS } from "./policy.ts";
import { Logger, silentLogger } from "../log.ts";
import { ErrorLimitingNotifier } from "../notify/limiter.ts";
import type { Backend } from "../proxy/backend.ts";
import { type ConfigOverrides, testConfig } from "../../test/_config.ts";
import {
  drive,
  FakeEngine,
  FakeRegistry,
  publish,
  RecordingPool,
  until,
} from "../../test/_deploy-fakes.ts";

interface Harness {
  log: string[];
  lines: string[];
  engine: FakeEngine;
  registry: FakeRegistry;
  clock: ManualClock;
  pool: RecordingPool;
  /** The pool of proxy port 18081 (used when a test maps a second port). */
  second: RecordingPool;
  manager: DeployManager;
  events: { succeeded: number; failed: number; checks: boolean[]; replicas: number };
  notes: string[];
  hooks: HookRun[];
  done(): Promise<void>;
}

function harness(
  config: ConfigOverrides = {},
  extra: Partial<DeployManagerOptions> = {},
): Harness {
  const log: string[] = [];
  const lines: string[] = [];
  const engine = new FakeEngine(log);
  const registry = new FakeRegistry();
  const clock = new ManualClock();
  const pool = new RecordingPool(log);
  const second = new RecordingPool([]);
  const events = { succeeded: 0, failed: 0, checks: [] as boolean[], replicas: 0 };
  const observer: DeployObserver = {
    deploymentSucceeded: () => void events.succeeded++,
    deploymentFailed: () => void events.failed++,
    healthCheck: (ok) => void events.checks.push(ok),
    replicasChanged: (delta) => void (events.replicas += delta),
  };
  const notes: string[] = [];
  const note = (text: string) => {
    notes.push(text);
    return Promise.resolve();
  };
  const notifier: Notifier = {
    send: (m) => note(`send ${m}`),
    sendImportant: (m) => note(`important ${m}`),
    sendError: (e) => note(`error ${(e as Error).message}`),
    resetErrors: () => void notes.push("reset"),
    hookResult: (kind, r) => note(`hook ${kind} ${r.exitCode}`),
    settled: () => Promise.resolve(true),
  };
  const hooks: HookRun[] = [];
  const manager = new DeployManager({
    settings: testConfig(config),
    engine,
    registry,
    proxies: new Map([[18080, { pool }], [18081, { pool: second }]]),
    probeTcp: testProbe,
    clock,
    observer,
    notifier,
    logger: new Logger({ level: "debug", write: (line) => lines.push(line) }),
    user: "1000:1000",
    runHook: (options) => {
      hooks.push(options);
      return Promise.resolve(hookResult(options.command, 0));
    },
    ...extra,
  });
  return {
    log,
    lines,
    engine,
    registry,
    clock,
    pool,
    second,
    manager,
    events,
    notes,
    hooks,
    async done() {
      await manager.shutdown("SIGTERM");
      await engine.close();
    },
  };
}

function hookResult(command: string, exitCode: number): HookResult {
  return { command, exitCode, stdout: "", stderr: "", durationMs: 1, timedOut: false };
}

async function body(address: string): Promise<string> {
  const response = await fetch(`http://${address}/`);
  return (await response.text()).trim();
}

/** Let `ms` of manual time pass in 1 s steps, giving real I/O a turn after each. */
async function elapse(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    await clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function deployed(h: Harness, tag: string): Promise<void> {
  publish(h.engine, h.registry, tag, { version: tag.slice(1) });
  await h.manager.start();
  await h.manager.settled();
  assert.equal(h.manager.status().currentVersion, tag);
}

/** The labels dewy puts on replica `replica` of `version` of the app `app`. */
function managedLabels(version: string, replica: number, deployedAt?: string) {
  return {
    "dewy.managed": "true",
    "dewy.app": "app",
    "dewy.version": version,
    "dewy.replica": String(replica),
    ...(deployedAt ? { "dewy.deployed_at": deployedAt } : {}),
  };
}

test("deploy: the first check runs every replica, labelled, named and in the pool", async () => {
  const h = harness();
  try {
    const image = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    await h.manager.start();
    await h.manager.settled();
    assert.deepEqual(h.engine.running().length, 2);
    assert.equal(h.pool.size, 2);
    for (const backend of h.pool.backends) assert.equal(await body(backend.address), "1.0.0");
    const [name0, name1] = h.engine.running();
    assert.match(name0, /^app-\d+-0$/);
    assert.match(name1, /^app-\d+-1$/);
    const spec = h.engine.spec(name0);
    assert.equal(spec.image, image);
    assert.equal(spec.labels["dewy.managed"], "true");
    assert.equal(spec.labels["dewy.app"], "app");
    assert.equal(spec.labels["dewy.version"], "v1.0.0");
    assert.equal(spec.labels["dewy.replica"], "0");
    assert.match(
      spec.labels["dewy.deployed_at"],
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/,
    );
    assert.equal(spec.options.user, "1000:1000");
    assert.deepEqual(spec.publish, [8080]);
    const status = h.manager.status();
    assert.equal(status.proxyBackends, 2);
    assert.equal(status.replicas, 2);
    assert.equal(h.events.succeeded, 1);
    assert.equal(h.events.replicas, 2);
    assert.ok(
      h.notes.includes("important Container deployed successfully: `2/2` replicas of `v1.0.0`"),
    );
    assert.ok(h.notes.includes("send Pulled image for `v1.0.0`"));
    for (
      const msg of [
        "Pulling image",
        "Starting container",
        "Container started",
        "Performing health check",
        "Container added to load balancer",
        "Container deployment completed",
        "Container deployed successfully",
      ]
    ) {
      assert.ok(h.lines.some((l) => l.includes(`msg="${msg}"`)), `missing log ${msg}`);
    }
  } finally {
    await h.done();
  }
});

test("deploy: passthrough options, --user and --cmd reach the container spec", async () => {
  const h = harness({
    cmd: ["/start.sh", "--fast"],
    run: { env: ["A=1"], labels: { team: "x" }, user: "42:42", name: "web" },
    rollout: { replicas: 1 },
  });
  try {
    await deployed(h, "v1.0.0");
    const [name] = h.engine.running();
    assert.match(name, /^web-\d+-0$/);
    const spec = h.engine.spec(name);
    assert.deepEqual(spec.cmd, ["/start.sh", "--fast"]);
    assert.equal(spec.options.user, "42:42");
    assert.deepEqual(spec.options.env, ["A=1"]);
    assert.equal(spec.labels.team, "x");
  } finally {
    await h.done();
  }
});

test("deploy: rolling order puts every new replica in before an old one leaves", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const old = h.engine.running();
    h.log.length = 0;
    publish(h.engine, h.registry, "v1.1.0", { version: "1.1.0" });
    const result = await h.manager.checkNow();
    assert.equal(result.outcome, "deployed");
    const fresh = h.engine.running();
    assert.equal(fresh.length, 2);
    assert.ok(fresh.every((n) => !old.includes(n)));
    const at = (entry: string) => {
      const i = h.log.indexOf(entry);
      assert.ok(i >= 0, `missing ${entry} in ${h.log.join(" | ")}`);
      return i;
    };
    const lastAdd = Math.max(...fresh.map((n) => at(`add ${n}`)));
    for (const n of old) {
      assert.ok(at(`remove ${n}`) > lastAdd, `${n} left before the new replicas were in`);
      assert.ok(at(`stop ${n}`) > at(`remove ${n}`), `${n} stopped while in rotation`);
    }
    assert.ok(at(`add ${fresh[0]}`) < at(`create ${fresh[1]}`), "replicas start one by one");
    assert.equal(h.pool.size, 2);
    for (const b of h.pool.backends) assert.equal(await body(b.address), "1.1.0");
    assert.equal(h.manager.status().currentVersion, "v1.1.0");
    assert.equal(h.events.replicas, 2);
  } finally {
    await h.done();
  }
});

test("deploy: a failed health check rolls back and the old replicas keep serving", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const old = h.engine.running();
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0", failHealth: true });
    const result = await drive(h.clock, h.manager.checkNow(), 1);
    assert.equal(result.outcome, "failed");
    assert.ok(result.error instanceof HealthCheckError, String(result.error));
    assert.match((result.error as Error).message, /within 5s/);
    assert.deepEqual(h.engine.running(), old);
    assert.equal(h.engine.containers.size, 2, "the failed replica was removed");
    assert.equal(h.pool.size, 2);
    for (const b of h.pool.backends) assert.equal(await body(b.address), "1.0.0");
    assert.equal(h.manager.status().currentVersion, "v1.0.0");
    assert.equal(h.events.failed, 1);
    assert.ok(h.events.checks.includes(false));
    assert.ok(h.notes.some((n) => n.startsWith("error container app-")));
  } finally {
    await h.done();
  }
});

test("deploy: a replica that crashes at start fails the deploy at once", async () => {
  const h = harness({ rollout: { healthTimeoutMs: 3_600_000 } });
  try {
    await deployed(h, "v1.0.0");
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0", crash: true });
    const result = await h.manager.checkNow();
    assert.ok(result.error instanceof ContainerExitedError, String(result.error));
    assert.match((result.error as Error).message, /exit code 1.*"Output of the failed container"/);
    assert.equal(h.pool.size, 2);
    // Its output is logged before the container is removed, or nobody could read it.
    const output = h.lines.findIndex((l) => l.includes("Output of the failed container"));
    assert.match(h.lines[output], /fatal: DATABASE_URL is not set/);
    assert.ok(output < h.lines.findIndex((l) => l.includes("Container deployment failed")));
  } finally {
    await h.done();
  }
});

test("deploy: an image exposing two ports fails with both ports named", async () => {
  const h = harness();
  try {
    publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0", exposed: [80, 443] });
    const result = await h.manager.checkNow();
    assert.ok(result.error instanceof PortResolutionError);
    assert.match(
      (result.error as Error).message,
      /exposes TCP ports 80, 443.*--port PROXY:CONTAINER/,
    );
    assert.equal(h.engine.containers.size, 0);
  } finally {
    await h.done();
  }
});

test("back-off: a failed version is retried after 30 s, then 60 s, not on every tick", async () => {
  const h = harness({ rollout: { replicas: 1 }, poll: { intervalMs: 10_000 } });
  try {
    await deployed(h, "v1.0.0");
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0", failHealth: true });
    const attempts = () => h.log.filter((l) => l.startsWith("create ")).length - 1;
    const first = await drive(h.clock, h.manager.checkNow(), 1);
    assert.equal(first.outcome, "failed");
    assert.equal(attempts(), 1);
    // Ticks every 10 s: none may retry before the back-off (30 s from the failure) ends.
    await elapse(h.clock, 20_000);
    assert.equal(attempts(), 1, "retried during back-off");
    const during = await h.manager.checkNow();
    assert.equal(during.outcome, "backoff");
    assert.ok(during.retryAt! > h.clock.now());
    await elapse(h.clock, 20_000); // the retry (a tick after 30 s) fails within its 5 s health timeout
    assert.equal(attempts(), 2, "not retried after the back-off");
    await elapse(h.clock, 50_000);
    assert.equal(attempts(), 2, "the second back-off (60 s) was not honoured");
    assert.equal(h.pool.size, 1);
    assert.equal(h.manager.status().currentVersion, "v1.0.0");
  } finally {
    await h.done();
  }
});

test("back-off: the retries of a failing version are notified 1, 2, 3, then no more; a fix is", async () => {
  const errors: string[] = [];
  const important: string[] = [];
  const channel: Channel = {
    name: "recording",
    message: (text, priority) => {
      if (priority === "error") errors.push(text);
      if (priority === "important") important.push(text);
      return Promise.resolve();
    },
    hookResult: () => Promise.resolve(),
  };
  const notifier = new ErrorLimitingNotifier({ channel, quiet: false, logger: silentLogger });
  const h = harness({ rollout: { replicas: 1 }, poll: { intervalMs: 10_000 } }, { notifier });
  try {
    await deployed(h, "v1.0.0");
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0", failHealth: true });
    const attempts = () => h.log.filter((l) => l.startsWith("create ")).length - 1;
    // Failures at 0 s, then retries after 30 s, 60 s and 120 s of back-off, with ticks between.
    await drive(h.clock, h.manager.checkNow(), 1);
    await elapse(h.clock, 260_000);
    assert.equal(attempts(), 4, "four attempts of v2.0.0");
    await notifier.settled(1000);
    assert.deepEqual(errors.map((text) => /count: (\d+)/.exec(text)?.[1]), ["1", "2", "3"]);
    assert.match(errors[2], /No more error notifications/);
    assert.equal(h.manager.status().currentVersion, "v1.0.0");
    // A fixed version ends the errors: its deploy is notified, not muted by their count.
    important.length = 0;
    publish(h.engine, h.registry, "v2.0.1", { version: "2.0.1" });
    assert.equal((await drive(h.clock, h.manager.checkNow(), 1)).outcome, "deployed");
    await notifier.settled(1000);
    assert.equal(important.length, 1, important.join("\n"));
    assert.match(important[0], /v2\.0\.1/);
  } finally {
    await h.done();
  }
});

test("check: an up-to-date version is left alone and a re-pushed tag is redeployed", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const before = h.engine.running();
    assert.equal((await h.manager.checkNow()).outcome, "up-to-date");
    assert.deepEqual(h.engine.running(), before);
    const repushed = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0-rebuilt" });
    const result = await h.manager.checkNow();
    assert.equal(result.outcome, "deployed");
    const after = h.engine.running();
    assert.ok(after.every((n) => !before.includes(n)));
    assert.equal(h.engine.spec(after[0]).image, repushed);
    assert.equal(h.pool.size, 2);
    for (const b of h.pool.backends) assert.equal(await body(b.address), "1.0.0-rebuilt");
  } finally {
    await h.done();
  }
});

test("check: never two at once; ticks are skipped and checkNow calls share one follow-up", async () => {
  const h = harness({ poll: { intervalMs: 10_000 } });
  try {
    publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    let release!: () => void;
    h.registry.gate = new Promise((resolve) => (release = resolve));
    await h.manager.start();
    await until(() => h.registry.calls === 1);
    for (let i = 0; i < 5; i++) await h.clock.advance(10_000);
    assert.equal(h.registry.calls, 1, "a tick started a second check");
    assert.equal(h.manager.status().busy, true);
    const a = h.manager.checkNow();
    const b = h.manager.checkNow();
    assert.equal(a, b);
    h.registry.gate = undefined;
    release();
    assert.equal((await a).outcome, "up-to-date");
    assert.equal(h.registry.calls, 2);
    assert.equal(h.engine.running().length, 2);
  } finally {
    await h.done();
  }
});

test("check: a registry failure keeps the running version, is logged once per streak", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    h.registry.failure = new RegistryUnavailableError("registry 127.0.0.1:5000 is unreachable");
    for (let i = 0; i < 3; i++) assert.equal((await h.manager.checkNow()).outcome, "failed");
    const errors = h.lines.filter((l) => l.includes("level=ERROR") && l.includes("Check failed"));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /msg="Check failed; the running version keeps serving"/);
    assert.equal(
      h.lines.filter((l) => l.includes("level=DEBUG") && l.includes("Check failed again")).length,
      2,
    );
    assert.equal(h.notes.filter((n) => n.startsWith("error registry")).length, 3);
    assert.equal(h.pool.size, 2);
    assert.equal(h.engine.running().length, 2);
    h.registry.failure = undefined;
    assert.equal((await h.manager.checkNow()).outcome, "up-to-date");
    assert.ok(h.lines.some((l) => l.includes("Check succeeded again")));
    assert.equal(h.notes.at(-1), "reset");
  } finally {
    await h.done();
  }
});

test("check: while the registry fails, a replica that vanished unnoticed is still replaced", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    h.registry.failure = new RegistryUnavailableError("registry 127.0.0.1:5000 is unreachable");
    await h.engine.vanish(h.pool.backends[0].label);
    assert.equal((await h.manager.checkNow()).outcome, "failed");
    assert.equal(h.pool.size, 2);
    assert.equal(h.engine.running().length, 2);
    assert.ok(h.lines.some((l) => l.includes("Replacing missing replicas")));
  } finally {
    await h.done();
  }
});

test("heal: a heal that failed because the engine was away is retried at the next tick", async () => {
  const h = harness({ rollout: { replicas: 1 }, poll: { intervalMs: 10_000 } });
  try {
    await deployed(h, "v1.0.0");
    h.engine.down = new EngineUnreachableError("/run/docker.sock", "connection refused");
    await h.engine.kill(h.pool.backends[0].label); // dockerd restarts, the replica dies with it
    await until(() => h.lines.some((l) => l.includes("Check failed")));
    await h.manager.settled();
    assert.equal(h.pool.size, 0);
    h.engine.down = undefined; // the engine is back
    // No back-off for the version: the next tick (10 s) heals.
    await elapse(h.clock, 10_000);
    await h.manager.settled();
    assert.equal(h.pool.size, 1);
    assert.equal(h.engine.running().length, 1);
  } finally {
    await h.done();
  }
});

test("heal: a replica that dies while a new version is pulling is replaced at once", async () => {
  const h = harness({ rollout: { replicas: 1 } });
  try {
    await deployed(h, "v1.0.0");
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0" });
    let release!: () => void;
    const slowPull = new Promise<void>((resolve) => (release = resolve));
    const pull = h.engine.pull.bind(h.engine);
    let pulling = false;
    h.engine.pull = async (image, options) => {
      pulling = true;
      await slowPull;
      return pull(image, options);
    };
    const check = h.manager.checkNow();
    await until(() => pulling);
    await h.engine.kill(h.pool.backends[0].label); // v1 crashes during a long pull
    await until(() => h.pool.size === 1 && h.manager.status().replicas === 1);
    assert.equal(await body(h.pool.backends[0].address), "1.0.0");
    release();
    assert.equal((await check).outcome, "deployed");
    assert.equal(await body(h.pool.backends[0].address), "2.0.0");
  } finally {
    await h.done();
  }
});

test("shutdown: after a failed start-up the running replicas are left for the next dewy", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    await h.manager.shutdown(undefined, { leaveRunning: true });
    assert.equal(h.engine.running().length, 2);
    assert.ok(h.lines.some((l) => l.includes("Running replicas left for the next dewy")));
    // No signal came: the log says why, and no stop message is sent.
    assert.ok(
      h.lines.some((l) => /Shutting down deploy manager.*reason="start-up failed"/.test(l)),
    );
    assert.ok(!h.lines.some((l) => l.includes("signal=SIGTERM")));
    assert.ok(!h.notes.some((n) => n.includes("Stop receiving")), h.notes.join("\n"));
  } finally {
    await h.done();
  }
});

test("shutdown: a slow notifier holds shutdown for the notify timeout at most, queue included", async () => {
  // A Slack or SMTP server that takes 300 ms per message, with three messages still queued.
  const channel: Channel = {
    name: "slow",
    message: () => new Promise((resolve) => setTimeout(resolve, 300)),
    hookResult: () => new Promise((resolve) => setTimeout(resolve, 300)),
  };
  const notifier = new ErrorLimitingNotifier({ channel, quiet: false, logger: silentLogger });
  const h = harness({}, { notifier, notifyTimeoutMs: 500 });
  try {
    for (const text of ["pulled", "hook", "deployed"]) void notifier.send(text);
    await h.manager.shutdown("SIGTERM");
    assert.ok(h.lines.some((l) => l.includes("Notifications still pending at shutdown")));
  } finally {
    await h.done();
  }
});

test("shutdown: a container that cannot be stopped is removed by force", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    h.engine.stopContainer = () => Promise.reject(new Error("stop timed out"));
    assert.equal(await h.manager.shutdown("SIGTERM"), true, "nothing left behind");
    assert.equal(h.engine.containers.size, 0);
    assert.ok(h.lines.some((l) => l.includes("Cannot stop container, removing it by force")));
  } finally {
    await h.done();
  }
});

test("shutdown: containers that cannot be removed or listed are reported, and it says so", async () => {
  for (const fault of ["remove", "list"] as const) {
    const h = harness();
    try {
      await deployed(h, "v1.0.0");
      if (fault === "remove") {
        h.engine.stopContainer = () => Promise.reject(new Error("stop timed out"));
        h.engine.removeContainer = () => Promise.reject(new Error("device busy"));
      } else h.engine.listContainers = () => Promise.reject(new Error("engine gone"));
      assert.equal(await h.manager.shutdown("SIGTERM"), false, fault);
      const report = h.lines.find((l) => l.includes("Managed containers may be left behind"));
      assert.ok(report, h.lines.join("\n"));
      assert.match(report, fault === "remove" ? /removed=0 left=2/ : /left="unknown/);
      assert.ok(!h.lines.some((l) => l.includes("Managed containers removed")), fault);
    } finally {
      h.engine.containers.clear();
      await h.done();
    }
  }
});

test("shutdown: after stopChecks no check runs and a replica that dies is not replaced", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const creates = () => h.log.filter((l) => l.startsWith("create ")).length;
    const created = creates();
    h.manager.stopChecks();
    assert.equal((await h.manager.checkNow()).outcome, "stopped");
    await h.engine.kill(h.pool.backends[0].label);
    await until(() => h.pool.size === 1);
    await h.manager.settled();
    assert.equal(h.engine.running().length, 1);
    assert.equal(creates(), created);
  } finally {
    await h.done();
  }
});

test("check: a failure while nothing serves yet says the check will be retried", async () => {
  const h = harness();
  try {
    h.registry.failure = new RegistryUnavailableError("registry 127.0.0.1:5000 is unreachable");
    await h.manager.start();
    await h.manager.settled();
    const errors = h.lines.filter((l) => l.includes("level=ERROR") && l.includes("Check failed"));
    assert.equal(errors.length, 1, h.lines.join("\n"));
    assert.match(errors[0], /msg="Check failed; will retry"/);
    assert.doesNotMatch(errors[0], /keeps serving/);
    assert.equal(h.engine.running().length, 0);
  } finally {
    await h.done();
  }
});

test("check: an engine failure keeps the proxy serving", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    publish(h.engine, h.registry, "v1.1.0", { version: "1.1.0" });
    h.engine.down = new EngineUnreachableError("/run/docker.sock", "connect ENOENT");
    const result = await h.manager.checkNow();
    assert.equal(result.outcome, "failed");
    assert.equal(h.pool.size, 2);
    for (const b of h.pool.backends) assert.equal(await body(b.address), "1.0.0");
    h.engine.down = undefined;
    assert.equal((await h.manager.checkNow()).outcome, "deployed");
  } finally {
    await h.done();
  }
});

test("check: a 429 from the registry pauses checks for Retry-After", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    h.registry.failure = new RegistryRateLimitedError("rate limited", 60_000);
    const limited = await h.manager.checkNow();
    assert.equal(limited.outcome, "rate-limited");
    assert.equal(limited.retryAt, h.clock.now() + 60_000);
    h.registry.failure = undefined;
    const calls = h.registry.calls;
    await h.clock.advance(59_000);
    assert.equal((await h.manager.checkNow()).outcome, "rate-limited");
    assert.equal(h.registry.calls, calls, "the registry was asked during Retry-After");
    await h.clock.advance(1_000);
    assert.equal((await h.manager.checkNow()).outcome, "up-to-date");
    assert.equal(h.registry.calls, calls + 1);
  } finally {
    await h.done();
  }
});

test("check: a Retry-After beyond an hour pauses the checks for an hour", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    h.registry.failure = new RegistryRateLimitedError("rate limited", 99_999_999_000);
    const limited = await h.manager.checkNow();
    assert.equal(limited.retryAt, h.clock.now() + REGISTRY_MAX_PAUSE_MS);
    assert.ok(h.lines.some((l) => l.includes("Checks paused by the registry's rate limit")));
  } finally {
    await h.done();
  }
});

test("adoption: running managed containers are back in the pool before the first check", async () => {
  const h = harness();
  try {
    const image = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    await h.engine.pull(image);
    const at = "2026-01-01T00:00:00Z";
    await h.engine.seed("app-1767225600-0", image, managedLabels("v1.0.0", 0, at));
    await h.engine.seed("app-1767225600-1", image, managedLabels("v1.0.0", 1, at));
    await h.engine.seed("other-1", image, { "dewy.managed": "true", "dewy.app": "other" });
    h.registry.gate = new Promise(() => {}); // the first check never finishes
    await h.manager.start();
    assert.equal(h.pool.size, 2);
    assert.deepEqual(h.pool.backends.map((b) => b.label).sort(), [
      "app-1767225600-0",
      "app-1767225600-1",
    ]);
    assert.equal(h.manager.status().currentVersion, "v1.0.0");
    assert.equal(await body(h.pool.backends[0].address), "1.0.0");
  } finally {
    h.registry.gate = undefined;
    await h.done();
  }
});

test("adoption: of two versions left running, the one deployed last is current", async () => {
  const h = harness({ rollout: { replicas: 1 } });
  try {
    const v1 = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    const v2 = publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0" });
    await h.engine.pull(v1);
    await h.engine.pull(v2);
    // v1 at 00:00 UTC written in +09:00, v2 an hour later in UTC: as text v1 sorts last.
    await h.engine.seed(
      "app-1767225600-0",
      v1,
      managedLabels("v1.0.0", 0, "2026-01-01T09:00:00+09:00"),
    );
    await h.engine.seed("app-1767229200-0", v2, managedLabels("v2.0.0", 0, "2026-01-01T01:00:00Z"));
    h.registry.gate = new Promise(() => {}); // the first check never finishes
    await h.manager.start();
    assert.equal(h.manager.status().currentVersion, "v2.0.0");
  } finally {
    h.registry.gate = undefined;
    await h.done();
  }
});

test("adoption: an adopted version that is current is not redeployed", async () => {
  const h = harness({ rollout: { replicas: 1 } });
  try {
    const image = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    await h.engine.pull(image);
    await h.engine.seed("app-1767225600-0", image, managedLabels("v1.0.0", 0));
    await h.manager.start();
    await h.manager.settled();
    assert.deepEqual(h.engine.running(), ["app-1767225600-0"]);
    assert.equal(h.events.succeeded, 0);
  } finally {
    await h.done();
  }
});

test("self-heal: a killed replica leaves the rotation at once and is replaced", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const victim = h.pool.backends.find((b) => b.label.endsWith("-1"))!;
    const image = h.engine.spec(victim.label).image;
    await h.engine.kill(victim.label);
    assert.ok(!h.pool.backends.includes(victim), "the dead replica is still in rotation");
    await until(() => h.pool.size === 2);
    await h.manager.settled();
    const replacement = h.pool.backends.find((b) => b !== victim && b.label.endsWith("-1"));
    assert.ok(replacement, `no replica 1 in ${h.pool.backends.map((b) => b.label)}`);
    const spec = h.engine.spec(replacement.label);
    assert.equal(spec.image, image);
    assert.equal(spec.labels["dewy.replica"], "1");
    assert.equal(await body(replacement.address), "1.0.0");
    assert.equal(
      h.log.filter((l) => l === `pull ${image}`).length,
      1,
      "the image was pulled again",
    );
    assert.ok(h.log.includes(`remove ${victim.label}`), "the dead container was not removed");
    assert.ok(
      h.lines.some((l) => l.includes('msg="Container exited"') && l.includes("exit_code=137")),
    );
    assert.equal(h.events.replicas, 2);
  } finally {
    await h.done();
  }
});

test("self-heal: a replica removed while dewy's events were missed is replaced at the next check", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const victim = h.pool.backends[0];
    const id = [...h.engine.containers.values()].find((c) => c.name === victim.label)!.id;
    h.engine.containers.delete(id); // vanished without an event
    const result = await h.manager.checkNow();
    assert.equal(result.outcome, "healed");
    assert.equal(h.pool.size, 2);
    assert.ok(!h.pool.backends.includes(victim));
  } finally {
    await h.done();
  }
});

test("hooks: a failing before-deploy hook aborts the deploy; hooks get app, version, image", async () => {
  const hooks: HookRun[] = [];
  let exitCode = 1;
  const h = harness(
    { hooks: { beforeDeploy: "./migrate.sh", afterDeploy: "./warm.sh" }, rollout: { replicas: 1 } },
    {
      runHook: (options) => {
        hooks.push(options);
        const code = options.command === "./migrate.sh" ? exitCode : 0;
        return Promise.resolve(hookResult(options.command, code));
      },
    },
  );
  try {
    const image = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    await h.manager.start();
    await h.manager.settled();
    const failed = await h.manager.checkNow();
    assert.equal(failed.outcome, "backoff");
    assert.equal(h.engine.containers.size, 0, "a container was started despite the failed hook");
    assert.deepEqual(hooks.map((o) => o.command), ["./migrate.sh"]);
    assert.deepEqual(hooks[0].context, { app: "app", version: "v1.0.0", image });
    assert.ok(
      h.notes.some((n) => n.includes('before-deploy hook "./migrate.sh" failed with exit code 1')),
    );
    assert.ok(h.notes.includes("hook Before Deploy 1"));
    exitCode = 0;
    await h.clock.advance(30_000);
    assert.equal((await h.manager.checkNow()).outcome, "deployed");
    assert.deepEqual(hooks.map((o) => o.command), ["./migrate.sh", "./migrate.sh", "./warm.sh"]);
    assert.ok(h.log.indexOf(`create ${h.engine.running()[0]}`) >= 0);
  } finally {
    await h.done();
  }
});

test("hooks: HookFailedError names the command and the exit code", () => {
  assert.match(
    new HookFailedError("./x.sh", 3, false).message,
    /"\.\/x\.sh" failed with exit code 3/,
  );
  assert.match(new HookFailedError("./x.sh", 1, true).message, /timed out/);
});

test("health: without a health path a TCP accept makes a replica ready", async () => {
  const h = harness({ rollout: { healthPath: "", replicas: 1 } });
  try {
    await deployed(h, "v1.0.0");
    assert.equal(h.pool.size, 1);
    assert.ok(h.lines.some((l) => l.includes("tcp://127.0.0.1:")));
  } finally {
    await h.done();
  }
});

test("shutdown: every managed container is stopped and removed, the pool emptied, and it is notified", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    await h.manager.shutdown("SIGTERM");
    assert.equal(h.engine.containers.size, 0);
    assert.equal(h.pool.size, 0);
    assert.equal(h.events.replicas, 0);
    assert.equal(h.notes.at(-1), "send Stop receiving by `terminated` signal");
    assert.equal((await h.manager.checkNow()).outcome, "stopped");
  } finally {
    await h.done();
  }
});

test("shutdown: an in-flight deploy is aborted and its new replicas removed", async () => {
  const h = harness({ rollout: { healthTimeoutMs: 3_600_000 } });
  try {
    await deployed(h, "v1.0.0");
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0", failHealth: true });
    const check = h.manager.checkNow();
    await until(() =>
      h.log.some((l) => l.startsWith("create app-") && h.engine.running().length === 3)
    );
    await h.manager.shutdown("SIGINT");
    assert.equal((await check).outcome, "stopped");
    assert.equal(h.engine.containers.size, 0);
    assert.equal(h.notes.at(-1), "send Stop receiving by `interrupt` signal");
  } finally {
    await h.done();
  }
});

test("containers(): running managed containers with the admin API fields", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    const infos = await h.manager.containers();
    assert.equal(infos.length, 2);
    const [first] = infos;
    assert.match(first.name, /^app-\d+-0$/);
    assert.equal(first.status, "running");
    assert.match(first.ip_port, /^127\.0\.0\.1:\d+$/);
    assert.ok(h.pool.backends.some((b) => b.address === first.ip_port));
    assert.equal(first.deployed_at, first.labels["dewy.deployed_at"]);
    assert.ok(first.started_at.length > 0);
    assert.match(first.image, /@sha256:/);
    assert.equal(first.id.length, 64);
  } finally {
    await h.done();
  }
});

test("drain: an old replica is stopped only after its open connections finished", async () => {
  const h = harness({ rollout: { drainMs: 30_000, replicas: 1 } });
  try {
    await deployed(h, "v1.0.0");
    const [old] = h.pool.backends;
    assert.ok(old.acquire()); // a connection through the proxy is still open
    publish(h.engine, h.registry, "v1.1.0", { version: "1.1.0" });
    const sleeping = h.clock.pendingSleeps;
    const check = h.manager.checkNow();
    // The drain waits on the clock for its time limit; nothing else moves until it ends.
    await until(() => h.log.includes(`remove ${old.label}`) && h.clock.pendingSleeps > sleeping);
    assert.ok(!h.log.includes(`stop ${old.label}`), "stopped while a connection was open");
    assert.equal(h.engine.running().length, 2);
    old.release(); // the connection ends
    assert.equal((await check).outcome, "deployed");
    assert.ok(h.log.includes(`stop ${old.label}`));
    assert.equal(h.engine.running().length, 1);
  } finally {
    await h.done();
  }
});

test("drain: a rollback lets the connections a new replica already took finish", async () => {
  const h = harness({ rollout: { drainMs: 30_000, replicas: 2 } });
  try {
    await deployed(h, "v1.0.0");
    const v2 = publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0" });
    let fresh: Backend | undefined;
    const add = h.pool.add.bind(h.pool);
    h.pool.add = (backend) => {
      if (!fresh && h.engine.spec(backend.label).image === v2) {
        fresh = backend;
        backend.acquire(); // a client reached the first new replica and is mid-request
        h.engine.local.get(v2)!.crash = true; // the second new replica exits at start
      }
      return add(backend);
    };
    const sleeping = h.clock.pendingSleeps;
    const check = h.manager.checkNow();
    // The drain waits on the clock for its time limit; nothing else moves until it ends.
    await until(() =>
      fresh !== undefined && h.log.includes(`remove ${fresh.label}`) &&
      h.clock.pendingSleeps > sleeping
    );
    assert.ok(!h.log.includes(`stop ${fresh!.label}`), "rolled back while a connection was open");
    fresh!.release(); // the connection ends
    assert.equal((await check).outcome, "failed");
    assert.ok(h.log.includes(`stop ${fresh!.label}`));
    assert.equal(h.manager.status().currentVersion, "v1.0.0");
    assert.equal(h.pool.size, 2);
  } finally {
    await h.done();
  }
});

test("drain: an old replica whose connections outlive --drain-time is stopped anyway", async () => {
  const h = harness({ rollout: { drainMs: 200, replicas: 1 } });
  try {
    await deployed(h, "v1.0.0");
    const [old] = h.pool.backends;
    assert.ok(old.acquire()); // never released
    publish(h.engine, h.registry, "v1.1.0", { version: "1.1.0" });
    assert.equal((await drive(h.clock, h.manager.checkNow(), 1)).outcome, "deployed");
    assert.ok(h.log.includes(`stop ${old.label}`));
    assert.ok(h.lines.some((l) => l.includes("Drain time over")));
  } finally {
    await h.done();
  }
});

test("deploy: with two --port mappings every replica is behind both proxies", async () => {
  const h = harness({
    ports: [{ proxyPort: 18080, containerPort: 0 }, { proxyPort: 18081, containerPort: 8080 }],
  });
  try {
    await deployed(h, "v1.0.0");
    assert.equal(h.pool.size, 2);
    assert.equal(h.second.size, 2);
    assert.deepEqual(h.engine.spec(h.engine.running()[0]).publish, [8080]);
    assert.equal(h.manager.status().proxyBackends, 4);
    assert.equal(h.manager.status().replicas, 2);
    assert.equal(await body(h.second.backends[0].address), "1.0.0");
  } finally {
    await h.done();
  }
});

test("deploy: a --port without a proxy fails before any container starts", async () => {
  const h = harness({ ports: [{ proxyPort: 19999, containerPort: 0 }] });
  try {
    publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    const result = await h.manager.checkNow();
    assert.ok(result.error instanceof MissingProxyError);
    assert.match((result.error as Error).message, /no TCP proxy listens on port 19999/);
    assert.equal(h.engine.containers.size, 0);
  } finally {
    await h.done();
  }
});

test("adoption: an unhealthy running container stays out of rotation and goes at the next deploy", async () => {
  const h = harness({ rollout: { replicas: 1, healthTimeoutMs: 2_000 } });
  try {
    const sick = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0", failHealth: true });
    await h.engine.pull(sick);
    await h.engine.seed("app-1767225600-0", sick, managedLabels("v1.0.0", 0));
    publish(h.engine, h.registry, "v1.1.0", { version: "1.1.0" });
    let release!: () => void;
    h.registry.gate = new Promise((resolve) => (release = resolve)); // hold the first check
    await drive(h.clock, h.manager.start());
    assert.equal(h.pool.size, 0);
    assert.ok(h.lines.some((l) => l.includes("Cannot adopt running container")));
    h.registry.gate = undefined;
    release();
    await drive(h.clock, h.manager.settled());
    assert.equal(h.manager.status().currentVersion, "v1.1.0");
    assert.equal(h.pool.size, 1);
    assert.deepEqual(h.engine.running().length, 1);
    assert.ok(!h.engine.running().includes("app-1767225600-0"), "the unhealthy container was left");
    assert.ok(h.lines.some((l) => l.includes("Removing untracked container")));
  } finally {
    await h.done();
  }
});

test("deploy: a new version within the same second as the last deploy gets unused names", async () => {
  const h = harness();
  try {
    publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    assert.equal((await h.manager.checkNow()).outcome, "deployed");
    const old = h.engine.running();
    publish(h.engine, h.registry, "v1.1.0", { version: "1.1.0" });
    const result = await h.manager.checkNow(); // the manual clock has not moved
    assert.equal(result.outcome, "deployed", String(result.error));
    const fresh = h.engine.running();
    assert.equal(fresh.length, 2);
    assert.ok(fresh.every((n) => !old.includes(n)));
  } finally {
    await h.done();
  }
});

test("shutdown: a deploy whose before-deploy hook ends after stopChecks is not rolled out", async () => {
  let inHook = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const commands: string[] = [];
  const h = harness({ hooks: { beforeDeploy: "./migrate.sh", afterDeploy: "./warm.sh" } }, {
    runHook: async (options) => {
      commands.push(options.command);
      if (options.context.version === "v2.0.0" && options.command === "./migrate.sh") {
        inHook = true;
        await gate;
      }
      return hookResult(options.command, 0);
    },
  });
  try {
    await deployed(h, "v1.0.0");
    commands.length = 0;
    publish(h.engine, h.registry, "v2.0.0", { version: "2.0.0" });
    const check = h.manager.checkNow();
    await until(() => inHook);
    const creates = h.log.filter((l) => l.startsWith("create ")).length;
    h.manager.stopChecks(); // SIGTERM: the proxies drain now, up to --drain-time
    release();
    assert.equal((await check).outcome, "stopped");
    assert.equal(h.log.filter((l) => l.startsWith("create ")).length, creates);
    assert.deepEqual(commands, ["./migrate.sh"], "no after-deploy hook during shutdown");
    assert.equal(h.events.failed, 0);
  } finally {
    await h.done();
  }
});

test("shutdown: a check whose registry call fails after stopChecks heals nothing", async () => {
  const h = harness();
  try {
    await deployed(h, "v1.0.0");
    let release!: () => void;
    h.registry.gate = new Promise<void>((resolve) => (release = resolve));
    const calls = h.registry.calls;
    const check = h.manager.checkNow();
    await until(() => h.registry.calls > calls);
    await h.engine.vanish(h.pool.backends[0].label);
    const creates = h.log.filter((l) => l.startsWith("create ")).length;
    h.manager.stopChecks();
    h.registry.failure = new RegistryUnavailableError("registry 127.0.0.1:5000 is unreachable");
    release();
    await check;
    assert.equal(h.log.filter((l) => l.startsWith("create ")).length, creates);
  } finally {
    h.registry.gate = undefined;
    h.registry.failure = undefined;
    await h.done();
  }
});

test("adoption: a check asked for while adopting waits for it (no hook for the running version)", async () => {
  const h = harness({ rollout: { replicas: 1 }, hooks: { beforeDeploy: "./migrate.sh" } });
  try {
    const image = publish(h.engine, h.registry, "v1.0.0", { version: "1.0.0" });
    await h.engine.pull(image);
    await h.engine.seed("app-1767225600-0", image, managedLabels("v1.0.0", 0));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inspect = h.engine.inspectContainer.bind(h.engine);
    h.engine.inspectContainer = async (id) => {
      await gate; // adoption takes a while
      return inspect(id);
    };
    const started = h.manager.start();
    const check = h.manager.checkNow(); // POST /api/deploy: the admin API is already up
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await started;
    assert.equal((await check).outcome, "up-to-date");
    await h.manager.settled();
    assert.deepEqual(h.engine.running(), ["app-1767225600-0"]);
    assert.deepEqual(h.hooks, []);
  } finally {
    await h.done();
  }
});

test("heal: an engine restart that kills every replica is reported once per failure streak", async () => {
  const h = harness({ rollout: { replicas: 3 } });
  try {
    await deployed(h, "v1.0.0");
    h.engine.down = new EngineUnreachableError("/run/docker.sock", "connection refused");
    for (const backend of [...h.pool.backends]) await h.engine.kill(backend.label);
    await until(() => h.pool.size === 0);
    await h.manager.settled();
    const errors = h.lines.filter((l) =>
      l.includes("level=ERROR") && /Replacing replicas failed|Check failed/.test(l)
    );
    assert.equal(errors.length, 1, errors.join("\n"));
  } finally {
    h.engine.down = undefined;
    await h.done();
  }
});
