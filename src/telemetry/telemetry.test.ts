import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "../../test/_node-net.ts";
import { runtime } from "../../test/_runtime.ts";
import { TcpProxy } from "../proxy/proxy.ts";
import { Backend } from "../proxy/backend.ts";
import { Telemetry } from "./telemetry.ts";
import { createTelemetry } from "./create.ts";
import { parseOtlpEndpoint } from "./otlp-endpoint.ts";
import { ConfigError } from "../errors.ts";
import { refusedPort, startEchoServer, waitFor } from "../../test/_net.ts";
import { envOf, noEnv } from "../../test/_env.ts";
import { parseExposition } from "../../test/e2e/_prometheus.ts";

function newTelemetry(env = noEnv): Telemetry {
  return new Telemetry({ version: "1.2.3", app: "myapp", env });
}

async function samples(telemetry: Telemetry): Promise<Map<string, number>> {
  return parseExposition(await telemetry.metricsText());
}

/** Send `payload` through `port`, read the echo until the peer closes; resolves the bytes read. */
function echoThrough(port: number, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("echo through proxy timed out"));
    }, 10_000);
    socket.on("data", (d: Buffer) => (received += d.length));
    socket.on("error", () => {});
    socket.on("end", () => socket.end());
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.end(payload);
  });
}

test("telemetry: off (no --telemetry, no --otlp-endpoint) creates nothing", async () => {
  assert.equal(await createTelemetry(null, { version: "1", env: noEnv, app: "myapp" }), undefined);
});

test("telemetry: --telemetry or an OTLP endpoint alone turns it on", async () => {
  const deps = { version: "1", env: noEnv, app: "myapp", proxyPorts: [8080, 8443] };
  const prom = await createTelemetry({}, deps);
  // Shutting down exports once more: to a refused port, not to a collector on this machine.
  const endpoint = `127.0.0.1:${await refusedPort()}`;
  const otlp = await createTelemetry(
    { otlp: parseOtlpEndpoint(endpoint, { insecure: true }) },
    deps,
  );
  try {
    assert.ok(prom instanceof Telemetry);
    assert.equal(prom.otlpStats, undefined);
    assert.ok(otlp instanceof Telemetry);
    assert.equal(otlp.otlpEndpoint, endpoint);
    // OTLP-only still serves the Prometheus exposition.
    assert.match(await otlp.metricsText(), /^dewy_deployments_total\{/m);
    // The configured proxy ports' counters exist at 0 from the start.
    const s = await samples(prom);
    assert.equal(s.get(`dewy_proxy_errors_total{error_type="no_backend",proxy_port="8080"}`), 0);
    assert.equal(s.get(`dewy_proxy_connections_total{proxy_port="8443"}`), 0);
  } finally {
    await prom?.shutdown(100);
    await otlp?.shutdown(100);
  }
});

test("telemetry: counters and gauges exist at 0 from start-up, histograms from their first value", async () => {
  const telemetry = newTelemetry();
  try {
    telemetry.registerProxyPort(8080);
    const s = await samples(telemetry);
    for (
      const name of [
        "dewy_proxy_connections_total",
        "dewy_proxy_connections_active",
        "dewy_proxy_bytes_transferred_total",
        "dewy_proxy_backends",
      ]
    ) {
      assert.equal(s.get(`${name}{proxy_port="8080"}`), 0, name);
    }
    for (const cause of ["no_backend", "connect_failed", "max_connections"]) {
      const series = `dewy_proxy_errors_total{error_type="${cause}",proxy_port="8080"}`;
      assert.equal(s.get(series), 0, series);
    }
    // Histograms have a series from the first value on (histogram_quantile of zeros is NaN).
    for (const histogram of ["dewy_proxy_connect_latency", "dewy_proxy_connection_duration"]) {
      assert.equal(s.get(`${histogram}_count{proxy_port="8080"}`), undefined, histogram);
    }
    assert.equal(s.get(`dewy_deployments_total{command="container"}`), 0);
    assert.equal(s.get(`dewy_deployment_errors_total{command="container"}`), 0);
    assert.equal(s.get(`dewy_healthchecks_total{}`), 0);
    assert.equal(s.get(`dewy_healthchecks_failures_total{}`), 0);
    assert.equal(s.get(`dewy_container_replicas{app="myapp"}`), 0);
  } finally {
    await telemetry.shutdown(100);
  }
});

test("telemetry: proxy instruments after 10 echoed connections, a refused dial and no backend", async () => {
  const telemetry = newTelemetry();
  const echo = await startEchoServer();
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", observer: telemetry });
  // No retry window: each client there is one dial (or none) and one error.
  const empty = new TcpProxy(runtime, {
    port: 0,
    hostname: "127.0.0.1",
    observer: telemetry,
    retryWindowMs: 0,
  });
  try {
    await proxy.start();
    await empty.start();
    telemetry.registerProxyPort(proxy.port);
    telemetry.registerProxyPort(empty.port);
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    let sent = 0;
    let received = 0;
    for (let i = 0; i < 10; i++) {
      const payload = Buffer.alloc(1000 + i * 100, i);
      sent += payload.length;
      received += await echoThrough(proxy.port, payload);
    }
    assert.equal(received, sent);
    await waitFor(() => proxy.openConnections === 0, 5_000, "proxy connections to close");

    // No backend at all: the client is refused service.
    await echoThrough(empty.port, Buffer.from("x"));
    // A backend that refuses: connect_failed, and the latency of the failed dial is recorded.
    empty.pool.add(new Backend("127.0.0.1", await refusedPort()));
    await echoThrough(empty.port, Buffer.from("y"));
    await waitFor(() => empty.openConnections === 0, 5_000, "empty proxy connections to close");

    const s = await samples(telemetry);
    const p = `proxy_port="${proxy.port}"`;
    const e = `proxy_port="${empty.port}"`;
    assert.equal(s.get(`dewy_proxy_connections_total{${p}}`), 10);
    assert.equal(s.get(`dewy_proxy_connections_active{${p}}`), 0);
    assert.equal(s.get(`dewy_proxy_bytes_transferred_total{${p}}`), sent + received);
    assert.equal(s.get(`dewy_proxy_connect_latency_count{${p}}`), 10);
    assert.equal(s.get(`dewy_proxy_connect_latency_bucket{le="+Inf",${p}}`), 10);
    assert.equal(s.get(`dewy_proxy_connection_duration_count{${p}}`), 10);
    assert.ok(s.get(`dewy_proxy_connection_duration_sum{${p}}`)! > 0);
    for (const cause of ["no_backend", "connect_failed", "max_connections"]) {
      assert.equal(s.get(`dewy_proxy_errors_total{error_type="${cause}",${p}}`), 0, cause);
    }
    assert.equal(s.get(`dewy_proxy_backends{${p}}`), 1);

    assert.equal(s.get(`dewy_proxy_connections_total{${e}}`), 2);
    assert.equal(s.get(`dewy_proxy_connections_active{${e}}`), 0);
    assert.equal(s.get(`dewy_proxy_errors_total{error_type="no_backend",${e}}`), 1);
    assert.equal(s.get(`dewy_proxy_errors_total{error_type="connect_failed",${e}}`), 1);
    assert.equal(s.get(`dewy_proxy_errors_total{error_type="max_connections",${e}}`), 0);
    assert.equal(s.get(`dewy_proxy_connect_latency_count{${e}}`), 1);
    assert.equal(s.get(`dewy_proxy_bytes_transferred_total{${e}}`), 0);
  } finally {
    proxy.close();
    empty.close();
    await echo.close();
    await telemetry.shutdown(100);
  }
});

test("telemetry: connect latency and deployment duration use the contract's buckets", async () => {
  const telemetry = newTelemetry();
  try {
    telemetry.backendConnected(9000, 0.02);
    telemetry.deploymentSucceeded(12);
    const s = await samples(telemetry);
    const latencyBounds = [...s.keys()]
      .filter((k) => k.startsWith("dewy_proxy_connect_latency_bucket{"))
      .map((k) => /le="([^"]+)"/.exec(k)![1]);
    assert.deepEqual(latencyBounds, [
      "0.001",
      "0.005",
      "0.01",
      "0.025",
      "0.05",
      "0.1",
      "0.25",
      "0.5",
      "1",
      "5",
      "+Inf",
    ]);
    assert.equal(s.get(`dewy_proxy_connect_latency_bucket{le="0.01",proxy_port="9000"}`), 0);
    assert.equal(s.get(`dewy_proxy_connect_latency_bucket{le="0.025",proxy_port="9000"}`), 1);
    const deployBounds = [...s.keys()]
      .filter((k) => k.startsWith("dewy_deployment_duration_bucket{"))
      .map((k) => /le="([^"]+)"/.exec(k)![1]);
    assert.deepEqual(deployBounds, ["1", "5", "10", "30", "60", "120", "300", "600", "+Inf"]);
    assert.equal(s.get(`dewy_deployment_duration_bucket{command="container",le="10"}`), 0);
    assert.equal(s.get(`dewy_deployment_duration_bucket{command="container",le="30"}`), 1);
  } finally {
    await telemetry.shutdown(100);
  }
});

test("telemetry: deployment, health-check and replica instruments", async () => {
  const telemetry = newTelemetry();
  try {
    telemetry.deploymentSucceeded(3);
    telemetry.deploymentSucceeded(4);
    telemetry.deploymentFailed();
    telemetry.healthCheck(true);
    telemetry.healthCheck(false);
    telemetry.healthCheck(true);
    telemetry.replicasChanged(2);
    telemetry.replicasChanged(-1);
    telemetry.backendsChanged(8080, 2);
    telemetry.backendsChanged(8080, -1);
    const s = await samples(telemetry);
    assert.equal(s.get(`dewy_deployments_total{command="container"}`), 2);
    assert.equal(s.get(`dewy_deployment_duration_count{command="container"}`), 2);
    assert.equal(s.get(`dewy_deployment_duration_sum{command="container"}`), 7);
    assert.equal(s.get(`dewy_deployment_errors_total{command="container"}`), 1);
    assert.equal(s.get(`dewy_healthchecks_total{}`), 3);
    assert.equal(s.get(`dewy_healthchecks_failures_total{}`), 1);
    assert.equal(s.get(`dewy_container_replicas{app="myapp"}`), 1);
    assert.equal(s.get(`dewy_proxy_backends{proxy_port="8080"}`), 1);
  } finally {
    await telemetry.shutdown(100);
  }
});

test("telemetry: exposition names are the ones the contract's PromQL uses", async () => {
  const telemetry = newTelemetry();
  try {
    telemetry.registerProxyPort(8080);
    telemetry.backendConnected(8080, 0.001);
    telemetry.connectionClosed(8080, 1, 1, 1);
    telemetry.deploymentSucceeded(1);
    const text = await telemetry.metricsText();
    const names = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`),
    );
    for (
      const expected of [
        "dewy_proxy_connections_total counter",
        "dewy_proxy_connections_active gauge",
        "dewy_proxy_connection_duration histogram",
        "dewy_proxy_connect_latency histogram",
        "dewy_proxy_bytes_transferred_total counter",
        "dewy_proxy_errors_total counter",
        "dewy_proxy_backends gauge",
        "dewy_deployments_total counter",
        "dewy_deployment_duration histogram",
        "dewy_deployment_errors_total counter",
        "dewy_healthchecks_total counter",
        "dewy_healthchecks_failures_total counter",
        "dewy_container_replicas gauge",
      ]
    ) {
      assert.ok(names.has(expected), `missing ${expected} in:\n${[...names].join("\n")}`);
    }
    assert.match(text, /^dewy_proxy_connect_latency_bucket\{/m);
    assert.doesNotMatch(text, /_total_total|_seconds|_bytes_total/);
    assert.match(text, /otel_scope_name="github\.com\/linyows\/dewy"/);
  } finally {
    await telemetry.shutdown(100);
  }
});

test("telemetry: resource carries service name, version and OTEL_RESOURCE_ATTRIBUTES", async () => {
  const telemetry = newTelemetry(
    envOf({ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=a%20b" }),
  );
  const renamed = newTelemetry(envOf({ OTEL_SERVICE_NAME: "edge-dewy" }));
  try {
    const s = await samples(telemetry);
    assert.equal(
      s.get(
        `target_info{deployment_environment="prod",service_name="dewy",service_version="1.2.3",team="a b"}`,
      ),
      1,
      [...s.keys()].filter((k) => k.startsWith("target_info")).join(", "),
    );
    assert.match(
      await renamed.metricsText(),
      /^target_info\{service_name="edge-dewy",service_version="1\.2\.3"\} 1$/m,
    );
    assert.throws(
      () => newTelemetry(envOf({ OTEL_RESOURCE_ATTRIBUTES: "novalue" })),
      (e: unknown) =>
        e instanceof ConfigError && /OTEL_RESOURCE_ATTRIBUTES entry "novalue"/.test(e.message),
    );
  } finally {
    await telemetry.shutdown(100);
    await renamed.shutdown(100);
  }
});

test("telemetry: bad OTLP environment is a ConfigError naming the variable", () => {
  const make = (env: Record<string, string>) => () =>
    new Telemetry({
      version: "1",
      app: "a",
      env: envOf(env),
      otlp: parseOtlpEndpoint("localhost:4317"),
    });
  assert.throws(
    make({ OTEL_METRIC_EXPORT_INTERVAL: "soon" }),
    (e: unknown) =>
      e instanceof ConfigError && e.flag === "OTEL_METRIC_EXPORT_INTERVAL" &&
      e.message.includes('"soon"'),
  );
  assert.throws(
    make({ OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "-5" }),
    (e: unknown) => e instanceof ConfigError && e.flag === "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
  );
  assert.throws(
    make({ OTEL_EXPORTER_OTLP_HEADERS: "api-key" }),
    (e: unknown) =>
      e instanceof ConfigError && e.flag === "OTEL_EXPORTER_OTLP_HEADERS" &&
      e.message.includes('entry "api-key" is not key=value'),
  );
  assert.throws(
    make({ OTEL_EXPORTER_OTLP_CERTIFICATE: "/nonexistent/ca.pem" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith("OTEL_EXPORTER_OTLP_CERTIFICATE=/nonexistent/ca.pem: cannot read"),
  );
});

test("telemetry: a header grpc-js refuses stops createTelemetry (start-up), not the first export", async () => {
  const insecure = { insecure: true };
  await assert.rejects(
    createTelemetry({ otlp: parseOtlpEndpoint("localhost:4317", insecure) }, {
      version: "1",
      env: envOf({ OTEL_EXPORTER_OTLP_HEADERS: "bad key=1" }),
      app: "a",
    }),
    (e: unknown) =>
      e instanceof ConfigError && e.flag === "--otlp-endpoint" &&
      /Metadata key "bad key" contains illegal characters/.test(e.message) &&
      e.message.includes("check OTEL_EXPORTER_OTLP_HEADERS"),
  );
  // Its shutdown exports once more: to a refused port, not to a collector on this machine.
  const fine = await createTelemetry({
    otlp: parseOtlpEndpoint(`127.0.0.1:${await refusedPort()}`, insecure),
  }, {
    version: "1",
    env: envOf({ OTEL_EXPORTER_OTLP_HEADERS: "api-key=s3cret" }),
    app: "a",
  });
  assert.ok(fine);
  await fine.shutdown(1000);
});

test("telemetry: plaintext OTLP to an IP endpoint is fine", async () => {
  // Shutting down exports once more: to a port just free on 127.0.0.1, not to a collector's 4317.
  const endpoint = `[::1]:${await refusedPort()}`;
  const plaintext = new Telemetry({
    version: "1",
    app: "a",
    env: noEnv,
    otlp: parseOtlpEndpoint(endpoint, { insecure: true }),
  });
  assert.equal(plaintext.otlpEndpoint, endpoint);
  await plaintext.shutdown(100);
});
