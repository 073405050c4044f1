import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime, testProbe } from "../_runtime.ts";
import { ManualClock, realClock } from "../../src/deploy/clock.ts";
import { FailureBackoff } from "../../src/deploy/backoff.ts";
import { planRollout } from "../../src/deploy/rollout.ts";
import type { Replica } from "../../src/deploy/replica.ts";
import type { DeployObserver } from "../../src/deploy/types.ts";
import { publishedPorts, resolvePorts } from "../../src/deploy/ports.ts";
import { containerName, digestOf, replicaIndexOf, rfc3339 } from "../../src/deploy/labels.ts";
import { waitHealthy, type WaitHealthyOptions } from "../../src/deploy/health.ts";
import { ensureImage } from "../../src/deploy/pull.ts";
import { pruneImages, reapExited } from "../../src/deploy/cleanup.ts";
import { watchContainerExits } from "../../src/deploy/events.ts";
import {
  ContainerExitedError,
  HealthCheckError,
  PortResolutionError,
} from "../../src/deploy/errors.ts";
import { Logger, silentLogger } from "../../src/log.ts";
import type { Engine, EngineEvent } from "../../src/engine/types.ts";
import { drive, FakeEngine } from "../_deploy-fakes.ts";
import { testConfig } from "../_config.ts";

const V1 = { version: "v1", digest: "sha256:1", image: "r/app@sha256:1" };
const V2 = { version: "v2", digest: "sha256:2", image: "r/app@sha256:2" };

function replica(index: number, target = V1, id = `${target.version}-${index}`): Replica {
  return { ...target, id, name: id, index, hostPorts: new Map() };
}

test("plan: nothing to do when every index runs the target", () => {
  assert.equal(planRollout([replica(0), replica(1)], V1, 2), undefined);
});

test("plan: a new version starts every index and retires every old replica", () => {
  const old = [replica(0), replica(1)];
  const plan = planRollout(old, V2, 2)!;
  assert.deepEqual(plan.start, [0, 1]);
  assert.deepEqual(plan.retire, old);
  assert.equal(plan.target, V2);
});

test("plan: a missing index is started; duplicates, other versions and surplus indices retire", () => {
  const dup = replica(0, V1, "dup");
  const other = replica(1, { ...V1, digest: "sha256:re-pushed" });
  const surplus = replica(5);
  const plan = planRollout([replica(0), dup, other, surplus], V1, 2)!;
  assert.deepEqual(plan.start, [1]);
  assert.deepEqual(plan.retire, [dup, other, surplus]);
});

test("back-off: 30 s, doubling per failure, capped at 30 min; success forgets", () => {
  const backoff = new FailureBackoff();
  const waits = [];
  for (let i = 0; i < 9; i++) waits.push(backoff.failed("d", 0));
  assert.deepEqual(waits, [
    30_000,
    60_000,
    120_000,
    240_000,
    480_000,
    960_000,
    1_800_000,
    1_800_000,
    1_800_000,
  ]);
  assert.equal(backoff.retryAt("d", 1_799_999), 1_800_000);
  assert.equal(backoff.retryAt("d", 1_800_000), undefined);
  assert.equal(backoff.retryAt("other", 0), undefined);
  backoff.failed("d", 0);
  backoff.succeeded("d");
  assert.equal(backoff.retryAt("d", 0), undefined);
  assert.equal(new FailureBackoff({ baseMs: 10, maxMs: 15 }).failed("x", 100), 110);
});

test("clock: a manual clock wakes sleepers in deadline order only when advanced", async () => {
  const clock = new ManualClock(1_000);
  const woke: string[] = [];
  void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
  void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(woke, []);
  await clock.advance(200);
  assert.deepEqual(woke, ["a@1100"]);
  assert.equal(clock.now(), 1_200);
  await clock.advance(100);
  assert.deepEqual(woke, ["a@1100", "b@1300"]);
});

test("clock: sleeps reject with the abort reason, on both clocks", async () => {
  const clock = new ManualClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(1_000, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(sleeping, /stop/);
  const real = new AbortController();
  const realSleep = realClock.sleep(5_000, real.signal); // resolves (fails) if abort is ignored
  real.abort(new Error("halt"));
  await assert.rejects(realSleep, /halt/);
  await assert.rejects(realClock.sleep(1, real.signal), /halt/);
});

test("ports: explicit ports stay, auto ports take the single EXPOSEd port", () => {
  const ports = resolvePorts(
    [{ proxyPort: 80, containerPort: 0 }, { proxyPort: 81, containerPort: 9000 }],
    "img",
    [8080],
  );
  assert.deepEqual(ports, [{ proxyPort: 80, containerPort: 8080 }, {
    proxyPort: 81,
    containerPort: 9000,
  }]);
  assert.deepEqual(publishedPorts([...ports, { proxyPort: 82, containerPort: 8080 }]), [
    8080,
    9000,
  ]);
  assert.deepEqual(resolvePorts([{ proxyPort: 80, containerPort: 3000 }], "img", []), [{
    proxyPort: 80,
    containerPort: 3000,
  }]);
});

test("ports: no or several EXPOSEd ports is an error naming the image and the ports", () => {
  assert.throws(
    () => resolvePorts([{ proxyPort: 80, containerPort: 0 }], "r/app@sha256:1", []),
    (e: Error) => {
      assert.ok(e instanceof PortResolutionError);
      assert.match(
        e.message,
        /image r\/app@sha256:1 exposes no TCP port: .*--port PROXY:CONTAINER/,
      );
      return true;
    },
  );
  assert.throws(
    () => resolvePorts([{ proxyPort: 80, containerPort: 0 }], "img", [80, 443]),
    /TCP ports 80, 443/,
  );
});

test("labels: names, timestamps, digests and replica indices", () => {
  assert.equal(containerName("web", 1_767_225_600_999, 3), "web-1767225600-3");
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  assert.equal(rfc3339(at, 0), "2026-01-02T03:04:05Z");
  assert.equal(rfc3339(at, 9 * 60), "2026-01-02T12:04:05+09:00");
  assert.equal(rfc3339(at, -(3 * 60 + 30)), "2026-01-01T23:34:05-03:30");
  // Without an offset: the host's, naming the same instant.
  assert.equal(Date.parse(rfc3339(at)), at - 678);
  assert.equal(digestOf("127.0.0.1:5000/app@sha256:abc"), "sha256:abc");
  assert.equal(digestOf("127.0.0.1:5000/app:v1"), "");
  assert.equal(replicaIndexOf({ "dewy.replica": "2" }), 2);
  assert.equal(replicaIndexOf({ "dewy.replica": "x" }), -1);
  assert.equal(replicaIndexOf({}), -1);
});

/** A health endpoint answering `status` (and counting requests). */
async function endpoint(status: number) {
  let hits = 0;
  const server = await runtime.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      hits++;
      return new Response(status === 204 ? null : "x", {
        status,
        headers: status >= 300 && status < 400 ? { location: "/elsewhere" } : {},
      });
    },
  });
  return { server, hits: () => hits };
}

function runningEngine(state = "running"): Engine {
  return {
    inspectContainer: () =>
      Promise.resolve({
        state,
        exitCode: state === "running" ? 0 : 3,
        oomKilled: state === "exited",
      }),
  } as unknown as Engine;
}

/** Wait for replica `app-1-0` on `hostPort` at `/health` (5 s, manual clock) with `options`. */
function waitOn(hostPort: number, options: Partial<WaitHealthyOptions> = {}): Promise<void> {
  return waitHealthy({
    container: { id: "c", name: "app-1-0" },
    hostPort,
    path: "/health",
    timeoutMs: 5_000,
    engine: runningEngine(),
    probeTcp: testProbe,
    clock: new ManualClock(),
    ...options,
  });
}

/** An observer that records each health check's result in `checks`. */
function recording(checks: boolean[]): DeployObserver {
  return {
    healthCheck: (ok) => checks.push(ok),
    deploymentFailed() {},
    deploymentSucceeded() {},
    replicasChanged() {},
  };
}

test("health: 2xx and 3xx pass at the first probe", async () => {
  for (const status of [200, 204, 302]) {
    const { server } = await endpoint(status);
    try {
      const checks: boolean[] = [];
      await waitOn(server.port, { observer: recording(checks) });
      assert.deepEqual(checks, [true], `status ${status}`);
    } finally {
      await server.close();
    }
  }
});

test("health: failing probes repeat every second until --health-timeout, then a clear error", async () => {
  const { server, hits } = await endpoint(503);
  try {
    const clock = new ManualClock();
    const started = clock.now();
    const waiting = waitOn(server.port, { clock });
    await assert.rejects(drive(clock, waiting), (e: Error) => {
      assert.ok(e instanceof HealthCheckError);
      assert.match(
        e.message,
        /app-1-0 did not become healthy at http:\/\/127\.0\.0\.1:\d+\/health within 5s \(last probe: HTTP 503\)/,
      );
      return true;
    });
    assert.equal(clock.now() - started, 5_000);
    assert.equal(hits(), 6, "one probe at 0 s and one per second up to the deadline at 5 s");
  } finally {
    await server.close();
  }
});

test("health: --health-timeout bounds each probe too: an answer long after the budget fails", async () => {
  // The app answers 200, but only after 2.5 s: past a 1 s budget and the 1 s grace of its probe.
  const server = await runtime.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Promise((resolve) => setTimeout(() => resolve(new Response("ok")), 2_500)),
  });
  try {
    const checks: boolean[] = [];
    const waiting = waitOn(server.port, {
      timeoutMs: 1_000,
      clock: realClock,
      observer: recording(checks),
    });
    await assert.rejects(waiting, (e: Error) => {
      assert.ok(e instanceof HealthCheckError, String(e));
      assert.match(e.message, /within 1s \(last probe: .*(timed out|abort)/i);
      return true;
    });
    assert.deepEqual(checks, [false]);
  } finally {
    await server.close();
  }
});

test("health: the last probe is at the deadline, so an app ready in the last second passes", async () => {
  let hits = 0;
  const server = await runtime.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response("x", { status: ++hits === 1 ? 503 : 200 }),
  });
  try {
    const clock = new ManualClock();
    const started = clock.now();
    const waiting = waitOn(server.port, { timeoutMs: 1_000, clock });
    await drive(clock, waiting);
    assert.equal(hits, 2);
    assert.equal(clock.now() - started, 1_000);
  } finally {
    await server.close();
  }
});

test("health: a container that exited fails at once; TCP probes need an accepted connection", async () => {
  const closed = await endpoint(200);
  const port = closed.server.port;
  await closed.server.close();
  const base = {
    container: { id: "c", name: "app-1-0" },
    hostPort: port,
    path: "",
    timeoutMs: 3_600_000,
    probeTcp: testProbe,
    clock: new ManualClock(),
  };
  await assert.rejects(waitHealthy({ ...base, engine: runningEngine("exited") }), (e: Error) => {
    assert.ok(e instanceof ContainerExitedError);
    assert.match(e.message, /app-1-0 is exited \(exit code 3, killed for lack of memory\)/);
    return true;
  });
  const open = await endpoint(200);
  try {
    await waitHealthy({ ...base, hostPort: open.server.port, engine: runningEngine() });
  } finally {
    await open.server.close();
  }
});

test("health: aborting the wait rejects with the abort reason", async () => {
  const { server } = await endpoint(500);
  try {
    const controller = new AbortController();
    const clock = new ManualClock();
    const waiting = waitHealthy({
      container: { id: "c", name: "n" },
      hostPort: server.port,
      path: "/",
      timeoutMs: 60_000,
      engine: runningEngine(),
      probeTcp: testProbe,
      clock,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error("shutting down"));
    await assert.rejects(waiting, /shutting down/);
  } finally {
    await server.close();
  }
});

test("pull: progress is logged with layers and bytes, at most once per interval; present digests are not pulled", async () => {
  const lines: string[] = [];
  const logger = new Logger({ write: (l) => lines.push(l) });
  const clock = new ManualClock();
  let pulls = 0;
  const present = new Set<string>();
  const engine = {
    inspectImage: (ref: string) =>
      Promise.resolve(
        present.has(ref) ? { id: "i", exposedTcpPorts: [8080], repoDigests: [] } : undefined,
      ),
    pull: async (
      ref: string,
      options: {
        onProgress: (
          p: { layer?: string; status: string; current?: number; total?: number },
        ) => void;
      },
    ) => {
      pulls++;
      for (let i = 1; i <= 10; i++) {
        await clock.advance(500);
        options.onProgress({ layer: "a", status: "Downloading", current: i * 100, total: 1000 });
        options.onProgress({ layer: "b", status: i === 10 ? "Pull complete" : "Waiting" });
      }
      present.add(ref);
    },
  } as unknown as Engine;
  const first = await ensureImage({ engine, image: "r@sha256:1", logger, clock });
  assert.deepEqual(first, { pulled: true, exposedTcpPorts: [8080] });
  const progress = lines.filter((l) => l.includes('msg="Pull progress"'));
  assert.equal(progress.length, 2, "5 s of progress every 0.5 s logs twice at a 2 s interval");
  assert.match(progress[0], /layers=2 layers_done=0 bytes=400 bytes_total=1000/);
  assert.match(
    lines.find((l) => l.includes('msg="Image pulled"'))!,
    /layers_done=1 bytes=1000 bytes_total=1000 duration_ms=5000/,
  );
  assert.ok(lines[0].includes('msg="Pulling image" image=r@sha256:1'));
  const second = await ensureImage({ engine, image: "r@sha256:1", logger: silentLogger, clock });
  assert.equal(second.pulled, false);
  assert.equal(pulls, 1);
});

/** The `Image pulled` log line of a pull whose engine streams `events`. */
async function pulledLine(
  events: { layer?: string; status: string; current?: number; total?: number }[],
): Promise<string> {
  const lines: string[] = [];
  let present = false;
  const engine = {
    inspectImage: () =>
      Promise.resolve(present ? { id: "i", exposedTcpPorts: [], repoDigests: [] } : undefined),
    pull: (_ref: string, options: { onProgress: (p: (typeof events)[number]) => void }) => {
      events.forEach((event) => options.onProgress(event));
      present = true;
      return Promise.resolve();
    },
  } as unknown as Engine;
  const logger = new Logger({ write: (l) => lines.push(l) });
  await ensureImage({ engine, image: "acme/app:v2", logger, clock: new ManualClock() });
  return lines.find((l) => l.includes('msg="Image pulled"'))!;
}

test("pull: layers that already exist are logged as cached, without zero byte counts", async () => {
  // What dockerd streams when every layer is on the host already.
  const pulled = await pulledLine([
    { layer: "v2", status: "Pulling from acme/app" },
    ...["l1", "l2", "l3", "l4"].map((layer) => ({ layer, status: "Already exists" })),
    { status: "Digest: sha256:1" },
    { status: "Status: Downloaded newer image for acme/app:v2" },
  ]);
  assert.match(pulled, / layers=4 cached=4 duration_ms=/, pulled);
  assert.doesNotMatch(pulled, /bytes|layers_done/, pulled);
});

test("pull: a partly cached image logs cached, done and downloaded bytes", async () => {
  const pulled = await pulledLine([
    { layer: "v2", status: "Pulling from acme/app" },
    { layer: "l1", status: "Already exists" },
    { layer: "l2", status: "Downloading", current: 50, total: 100 },
    { layer: "l2", status: "Download complete" },
    { layer: "l2", status: "Pull complete" },
  ]);
  assert.match(pulled, / layers=2 cached=1 layers_done=2 bytes=100 bytes_total=100 /, pulled);
});

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
    const inUse = replica(0, { version: "v", digest: "sha256:1", image: refs[0] });
    assert.equal(await pruneImages(ctx, "r", [inUse], 2), 1);
    assert.deepEqual([...engine.local.keys()].sort(), [refs[0], refs[2], refs[3]]);
  } finally {
    await engine.close();
  }
});

test("events: exits are reported and a broken stream is re-subscribed after a pause", async () => {
  const clock = new ManualClock();
  const controller = new AbortController();
  const gone: string[] = [];
  let subscriptions = 0;
  let emit: (e: EngineEvent) => void = () => {};
  const engine = {
    events: (
      labels: Record<string, string>,
      onEvent: (e: EngineEvent) => void,
      signal: AbortSignal,
    ) => {
      subscriptions++;
      assert.deepEqual(labels, { "dewy.managed": "true", "dewy.app": "app" });
      if (subscriptions === 1) return Promise.reject(new Error("engine restarted"));
      emit = onEvent;
      return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    },
  } as unknown as Engine;
  const lines: string[] = [];
  const watching = watchContainerExits({
    engine,
    app: "app",
    onGone: (id, action) => gone.push(`${action} ${id}`),
    clock,
    logger: new Logger({ write: (l) => lines.push(l) }),
    signal: controller.signal,
  });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(subscriptions, 1);
  assert.ok(
    lines.some((l) => l.includes("Engine event stream failed") && l.includes("engine restarted")),
  );
  await clock.advance(5_000);
  assert.equal(subscriptions, 2);
  emit({ action: "start", id: "a", labels: {} });
  emit({ action: "die", id: "a", labels: {} });
  emit({ action: "destroy", id: "b", labels: {} });
  assert.deepEqual(gone, ["die a", "destroy b"]);
  controller.abort();
  await watching;
});
