import { test } from "node:test";
import assert from "node:assert/strict";
import { runtime, testProbe } from "../../test/_runtime.ts";
import { ManualClock, realClock } from "./clock.ts";
import type { DeployObserver } from "./types.ts";
import { waitHealthy, type WaitHealthyOptions } from "./health.ts";
import { ContainerExitedError, HealthCheckError } from "./errors.ts";
import type { Engine } from "../engine/types.ts";
import { drive } from "../../test/_deploy-fakes.ts";
import { refusedPort } from "../../test/_net.ts";

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
function waitOn(hostPort: number, options: Partial<WaitHealthyOptions> = {}): Promise<unknown> {
  return waitHealthy({
    container: { id: "c", name: "app-1-0" },
    endpoint: { host: "127.0.0.1", port: hostPort },
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
    endpoint: { host: "127.0.0.1", port },
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
    const endpoint = { host: "127.0.0.1", port: open.server.port };
    await waitHealthy({ ...base, endpoint, engine: runningEngine() });
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
      endpoint: { host: "127.0.0.1", port: server.port },
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

test("health: the engine address is used when the app answers there, else the published port", async () => {
  const published = await endpoint(200);
  const atAddress = await endpoint(200);
  const refusedAt = { host: "127.0.0.1", port: await refusedPort() };
  try {
    const base = {
      container: { id: "c", name: "app-1-0" },
      endpoint: { host: "127.0.0.1", port: published.server.port },
      path: "/health",
      timeoutMs: 5_000,
      engine: runningEngine(),
      probeTcp: testProbe,
      clock: new ManualClock(),
    };
    const direct = { host: "127.0.0.1", port: atAddress.server.port };
    assert.equal(await waitHealthy({ ...base, direct }), direct);
    assert.equal(published.hits(), 0, "the published port is not probed once the address answers");
    // Unreachable (some runtimes call that refused): the published port decides.
    assert.equal(await waitHealthy({ ...base, direct: refusedAt }), base.endpoint);
    assert.equal(published.hits(), 1);
    assert.equal(await waitHealthy(base), base.endpoint, "no address: the published port");
  } finally {
    await published.server.close();
    await atAddress.server.close();
  }
});
