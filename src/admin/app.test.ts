import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "../../test/_node-net.ts";
import { runtime } from "../../test/_runtime.ts";
import { createAdminApp } from "./app.ts";
import { ADMIN_HOST, startAdminServer } from "./server.ts";
import type { AdminSource } from "./types.ts";
import type { CheckResult, ContainerInfo } from "../deploy/types.ts";
import { RuntimeFailure } from "../errors.ts";
import { ADMIN_CHECK_INTERVAL_MS } from "./check-limiter.ts";
import { ManualClock } from "../deploy/clock.ts";
import { Telemetry } from "../telemetry/telemetry.ts";
import { closeServer, connects } from "../../test/_net.ts";

const container: ContainerInfo = {
  id: "f".repeat(64),
  name: "myapp-1721370000-0",
  image: "ghcr.io/o/myapp:v1.2.3",
  status: "running",
  ip_port: "127.0.0.1:49153",
  started_at: "2026-11-25T16:00:00.123456789Z",
  deployed_at: "2026-11-25T16:00:00Z",
  labels: { "dewy.app": "myapp", "dewy.managed": "true" },
};

/**
 * A source shaped like the deploy manager; `checks` counts checkNow() calls, which settle
 * with `result` (pass a pending promise to hold the check).
 */
function source(
  overrides: Partial<AdminSource> = {},
  result: CheckResult | Promise<CheckResult> = { outcome: "up-to-date", version: "v1.2.3" },
) {
  const calls = { checks: 0, busy: false };
  const base: AdminSource = {
    status: () => ({
      app: "myapp",
      currentVersion: "v1.2.3",
      currentDigest: "sha256:" + "a".repeat(64),
      proxyBackends: 2,
      replicas: 2,
      busy: calls.busy,
    }),
    containers: () => Promise.resolve([container]),
    checkNow: () => {
      calls.checks++;
      calls.busy = true;
      return Promise.resolve(result);
    },
    ...overrides,
  };
  return { source: base, calls };
}

const get = (app: ReturnType<typeof createAdminApp>, path: string, method = "GET") =>
  app.fetch(new Request(`http://localhost${path}`, { method }));

test("admin: GET /api/status has the original's shape (command as integer) plus dewy's fields", async () => {
  const res = await get(createAdminApp(source().source), "/api/status");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  const text = await res.text();
  assert.ok(
    text.startsWith(
      '{"command":2,"current_version":"v1.2.3","is_running":false,"name":"myapp","proxy_backends":2,',
    ),
    text,
  );
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(JSON.parse(text), {
    command: 2,
    current_version: "v1.2.3",
    is_running: false,
    name: "myapp",
    proxy_backends: 2,
    current_digest: "sha256:" + "a".repeat(64),
    replicas: 2,
    deploying: false,
    paused: false,
    pinned: false,
    pause: null,
    last_check: null,
    last_deploy: null,
    last_error: null,
    next_check: null,
    verification: { enabled: false },
  });
});

test("admin: GET /api/containers lists containers, [] when none, 500 JSON when the engine fails", async () => {
  const listed = await get(createAdminApp(source().source), "/api/containers");
  assert.equal(listed.status, 200);
  assert.deepEqual(await listed.json(), { containers: [container] });

  const none = await get(
    createAdminApp(source({ containers: () => Promise.resolve([]) }).source),
    "/api/containers",
  );
  assert.equal(await none.text(), '{"containers":[]}\n');

  const failing =
    source({ containers: () => Promise.reject(new Error("engine socket /run/x.sock refused")) })
      .source;
  const broken = await get(createAdminApp(failing), "/api/containers");
  assert.equal(broken.status, 500);
  assert.deepEqual(await broken.json(), {
    error: "cannot list containers: engine socket /run/x.sock refused",
  });
});

test("admin: POST /api/deploy starts a check and answers 202 at once", async () => {
  let release!: () => void;
  const check = new Promise<CheckResult>((resolve) =>
    release = () => resolve({ outcome: "up-to-date", version: "v1.2.3" })
  );
  // The check stays pending through both requests; a timer releases it after 2 s so an API
  // that waits for it answers late (and fails below) rather than never.
  let released = false;
  const timer = setTimeout(() => {
    released = true;
    release();
  }, 2_000);
  const { source: src, calls } = source({}, check);
  const clock = new ManualClock();
  const app = createAdminApp(src, { clock });
  const first = await get(app, "/api/deploy", "POST");
  assert.equal(released, false, "the 202 came only after the check finished");
  assert.equal(first.status, 202);
  assert.deepEqual(await first.json(), {
    status: "accepted",
    queued: false,
    message: "registry check started",
  });
  await clock.advance(ADMIN_CHECK_INTERVAL_MS); // past the rate limit: a check of its own
  const second = await get(app, "/api/deploy", "POST");
  assert.equal(second.status, 202);
  assert.deepEqual(await second.json(), {
    status: "accepted",
    queued: true,
    message: "a check is running; another one follows it",
  });
  assert.equal(released, false, "the second 202 came only after the check finished");
  assert.equal(calls.checks, 2);
  clearTimeout(timer);
  release();
});

test("admin: POST /api/deploy?wait=true answers with the finished check's outcome", async () => {
  const done = await get(
    createAdminApp(source({}, { outcome: "deployed", version: "v2.0.0" }).source),
    "/api/deploy?wait=true",
    "POST",
  );
  assert.equal(done.status, 200);
  assert.deepEqual(await done.json(), { outcome: "deployed", version: "v2.0.0" });

  const failed = {
    outcome: "failed",
    error: new Error("registry 127.0.0.1:5000 unreachable"),
  } as const;
  const res = await get(createAdminApp(source({}, failed).source), "/api/deploy?wait=true", "POST");
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), {
    outcome: "failed",
    error: "registry 127.0.0.1:5000 unreachable",
  });

  const backoff = { outcome: "backoff", version: "v3", retryAt: Date.UTC(2026, 0, 1) } as const;
  const later = await get(
    createAdminApp(source({}, backoff).source),
    "/api/deploy?wait=true",
    "POST",
  );
  assert.deepEqual(await later.json(), {
    outcome: "backoff",
    version: "v3",
    retry_at: "2026-01-01T00:00:00.000Z",
  });
});

test("admin: wrong method is 405 with Allow, unknown path is 404, both JSON", async () => {
  const { source: src, calls } = source();
  const app = createAdminApp(src);
  const deployGet = await get(app, "/api/deploy");
  assert.equal(deployGet.status, 405);
  assert.equal(deployGet.headers.get("allow"), "POST");
  assert.deepEqual(await deployGet.json(), {
    error: "method GET not allowed on /api/deploy; use POST",
  });
  assert.equal(calls.checks, 0);

  const statusPost = await get(app, "/api/status", "POST");
  assert.equal(statusPost.status, 405);
  assert.equal(statusPost.headers.get("allow"), "GET, HEAD");

  const unknown = await get(app, "/api/nope");
  assert.equal(unknown.status, 404);
  const body = await unknown.json();
  assert.equal(body.error, "not found: /api/nope");
  assert.equal((await get(app, "/api/status/")).status, 404, "paths are exact");
});

test("admin: /metrics is 404 with telemetry off and the exposition with it on", async () => {
  const off = await get(createAdminApp(source().source), "/metrics");
  assert.equal(off.status, 404);

  const telemetry = new Telemetry({ version: "1.0.0", app: "myapp", env: () => undefined });
  try {
    telemetry.registerProxyPort(8080);
    const on = await get(createAdminApp(source().source, { telemetry }), "/metrics");
    assert.equal(on.status, 200);
    assert.equal(on.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.match(
      await on.text(),
      /^dewy_proxy_errors_total\{proxy_port="8080",error_type="no_backend",otel_scope_name="github\.com\/linyows\/dewy"\} 0$/m,
    );
  } finally {
    await telemetry.shutdown(100);
  }
});

/** Hold `port` on 127.0.0.1; resolves undefined when something else already holds it. */
async function occupy(port: number): Promise<net.Server | undefined> {
  const server = net.createServer();
  return await new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(port, ADMIN_HOST, () => resolve(server));
  });
}

test("admin: server binds 127.0.0.1 and falls back to the next free port", async () => {
  const blocker = (await occupy(0))!;
  const taken = (blocker.address() as net.AddressInfo).port;
  const admin = await startAdminServer(runtime, createAdminApp(source().source), {
    port: taken,
    attempts: 10,
  });
  try {
    assert.ok(admin.port > taken && admin.port <= taken + 9, `bound ${admin.port}, taken ${taken}`);
    const res = await fetch(`http://127.0.0.1:${admin.port}/api/status`);
    assert.equal((await res.json()).name, "myapp");
    // Another loopback address reaches a server bound to 0.0.0.0, but not one on 127.0.0.1.
    assert.equal(await connects("127.0.0.2", admin.port), false, "reachable on 127.0.0.2");
  } finally {
    await admin.server.close();
    await closeServer(blocker);
  }
});

test("admin: server fails with a RuntimeFailure naming the range when all ports are taken", async () => {
  const first = (await occupy(0))!;
  const port = (first.address() as net.AddressInfo).port;
  const second = await occupy(port + 1); // undefined: already taken by someone else, equally good
  try {
    await assert.rejects(
      startAdminServer(runtime, createAdminApp(source().source), { port, attempts: 2 }),
      (e: unknown) =>
        e instanceof RuntimeFailure &&
        e.message.includes(`ports ${port}-${port + 1} on 127.0.0.1 are all unavailable`) &&
        e.message.includes("--admin-port"),
    );
  } finally {
    await closeServer(first);
    await closeServer(second);
  }
});
