/**
 * The container gauges' sampling under faults a real engine cannot show on demand (a hang, a
 * failure, bursts of collections), with an in-process engine. The values themselves are
 * checked against real dockerd in test/e2e/telemetry-containers.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MeterProvider, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ContainerDetails, Engine } from "../engine/types.ts";
import { registerContainerGauges } from "./containers.ts";
import { PrometheusReader } from "./prometheus.ts";
import { CachedLoad, LoadTimeoutError } from "./cached-load.ts";
import { Logger } from "../log.ts";
import { parseExposition } from "../../test/e2e/_prometheus.ts";

const running: ContainerDetails = {
  id: "a".repeat(64),
  name: "myapp-1700000000-0",
  image: "registry.local/myapp:v1.0.0",
  state: "running",
  labels: { "dewy.app": "myapp", "dewy.replica": "0", "dewy.version": "v1.0.0" },
  ports: {},
  startedAt: "2026-01-02T03:04:05.5Z",
  exitCode: 0,
  oomKilled: false,
  restartCount: 2,
};

/** An engine that serves `containers`, counts list calls, and can hang or fail. */
function fakeEngine(containers: ContainerDetails[]) {
  const state = { lists: 0, mode: "ok" as "ok" | "hang" | "fail", aborted: 0 };
  const engine = {
    listContainers(_labels: Record<string, string>, options?: { signal?: AbortSignal }) {
      state.lists++;
      if (state.mode === "fail") return Promise.reject(new Error("engine socket refused"));
      if (state.mode === "hang") {
        return new Promise((_, reject) =>
          options?.signal?.addEventListener("abort", () => {
            state.aborted++;
            reject(options.signal!.reason);
          })
        );
      }
      return Promise.resolve(
        containers.map(({ id, name, image, state, labels }) => ({
          id,
          name,
          image,
          state,
          labels,
        })),
      );
    },
    inspectContainer: (id: string) => Promise.resolve(containers.find((c) => c.id === id)),
  } as unknown as Engine;
  return { engine, state };
}

function setup(
  containers: ContainerDetails[],
  cacheMs: number,
  timeoutMs: number,
  now?: () => number,
) {
  const lines: string[] = [];
  const logger = new Logger({ level: "debug", format: "json", write: (l) => lines.push(l) });
  const fake = fakeEngine(containers);
  // Wired as in production: the reader drops the series of containers not seen this cycle.
  let dropGone = (m: ResourceMetrics) => m;
  const prometheus = new PrometheusReader(undefined, (m) => dropGone(m));
  const provider = new MeterProvider({ readers: [prometheus.reader] });
  dropGone = registerContainerGauges(provider.getMeter("dewy"), {
    engine: fake.engine,
    app: "myapp",
    desiredReplicas: 3,
  }, {
    logger,
    cacheMs,
    timeoutMs,
    now,
  });
  return {
    ...fake,
    lines,
    scrape: async () => parseExposition(await prometheus.render()),
    provider,
  };
}

test("telemetry containers: gauges of a running container", async () => {
  const { scrape, provider } = setup([running], 1_000, 1_000);
  try {
    const s = await scrape();
    const c = `app="myapp",container="myapp-1700000000-0",replica="0"`;
    assert.equal(s.get(`dewy_container_status{${c},state="running"}`), 1);
    for (const other of ["created", "paused", "restarting", "exited", "dead"]) {
      assert.equal(s.get(`dewy_container_status{${c},state="${other}"}`), 0, other);
    }
    assert.equal(s.get(`dewy_container_restarts{${c}}`), 2);
    assert.equal(
      s.get(`dewy_container_started_timestamp{${c}}`),
      Date.parse(running.startedAt) / 1000,
    );
    const info =
      `app="myapp",container="myapp-1700000000-0",image="registry.local/myapp:v1.0.0",replica="0",version="v1.0.0"`;
    assert.equal(s.get(`dewy_container_info{${info}}`), 1);
    assert.equal(s.get(`dewy_container_desired_replicas{app="myapp"}`), 3);
    // Exit code and OOM only describe stopped containers.
    assert.equal(s.get(`dewy_container_last_terminated_exit_code{${c}}`), undefined);
    assert.equal(s.get(`dewy_container_oom_killed{${c}}`), undefined);
  } finally {
    await provider.shutdown();
  }
});

test("telemetry containers: collections within the cache window share one engine sample", async () => {
  let now = 0;
  const { scrape, state, provider } = setup([running], 300, 1_000, () => now);
  try {
    await Promise.all([scrape(), scrape(), scrape()]);
    now = 299;
    await scrape();
    assert.equal(state.lists, 1);
    now = 300;
    await scrape();
    assert.equal(state.lists, 2);
  } finally {
    await provider.shutdown();
  }
});

test("telemetry containers: a hung engine costs at most the timeout, is aborted and logged once", async () => {
  const { scrape, state, lines, provider } = setup([running], 0, 100);
  try {
    state.mode = "hang";
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const s = await scrape();
      assert.ok(Date.now() - started < 1_000, "scrape waited for the hung engine");
      assert.equal(s.get(`dewy_container_desired_replicas{app="myapp"}`), 3);
      assert.equal([...s.keys()].some((k) => k.startsWith("dewy_container_status")), false);
    }
    assert.equal(state.aborted, 3);
    const warnings = lines.filter((l) => l.includes("Container metrics unavailable"));
    assert.equal(warnings.length, 1, lines.join("\n"));
    assert.match(warnings[0], /did not answer within 100 ms/);

    state.mode = "ok";
    const s = await scrape();
    assert.equal(
      s.get(`dewy_container_restarts{app="myapp",container="myapp-1700000000-0",replica="0"}`),
      2,
    );
    state.mode = "fail";
    const failed = await scrape();
    // Nothing is emitted for a cycle the engine could not be read: no stale "running".
    assert.equal([...failed.keys()].some((k) => k.startsWith("dewy_container_status")), false);
    assert.equal(lines.filter((l) => l.includes("Container metrics unavailable")).length, 2);
    assert.match(lines.at(-1)!, /engine socket refused/);
  } finally {
    await provider.shutdown();
  }
});

test("telemetry containers: CachedLoad caches failures too and times out with a typed error", async () => {
  let calls = 0;
  let now = 0;
  const load = new CachedLoad({
    what: "thing",
    load: (signal) => {
      calls++;
      return new Promise<number>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      );
    },
    ttlMs: 1_000,
    timeoutMs: 20,
    now: () => now,
  });
  const first = await load.get();
  assert.equal(first.ok, false);
  assert.ok(!first.ok && first.error instanceof LoadTimeoutError);
  assert.equal((await load.get()).ok, false);
  assert.equal(calls, 1);
  now = 1_000;
  await load.get();
  assert.equal(calls, 2);
});

test("container gauges: a container that is gone leaves /metrics (the SDK alone would keep it)", async () => {
  const replaced = { ...running, id: "b".repeat(64), name: "myapp-1700000100-0" };
  const containers = [running];
  const { scrape, provider } = setup(containers, 0, 1_000);
  const names = async () =>
    new Set(
      [...(await scrape()).keys()]
        .filter((key) => key.startsWith("dewy_container_info{"))
        .map((key) => /container="([^"]*)"/.exec(key)?.[1]),
    );
  try {
    assert.deepEqual(await names(), new Set([running.name]));
    containers.splice(0, 1, replaced);
    assert.deepEqual(await names(), new Set([replaced.name]));
  } finally {
    await provider.shutdown();
  }
});
