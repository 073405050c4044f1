/**
 * e2e: dewy's OTLP/gRPC push against a real OTLP receiver (grpc-js + the official protos),
 * plaintext and TLS, periodic and final flush, and an unreachable collector.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtime } from "../_runtime.ts";
import { TcpProxy } from "../../src/proxy/proxy.ts";
import { Backend } from "../../src/proxy/backend.ts";
import { Telemetry } from "../../src/telemetry/telemetry.ts";
import { parseOtlpEndpoint } from "../../src/telemetry/otlp-endpoint.ts";
import {
  CONNECT_LATENCY_BUCKETS,
  DEPLOYMENT_DURATION_BUCKETS,
} from "../../src/telemetry/instruments.ts";
import { Logger } from "../../src/log.ts";
import { exchange, refusedPort, startEchoServer, startServer, waitFor } from "../_net.ts";
import {
  BUN,
  lastMetric,
  makeTlsFiles,
  type ReceivedMetric,
  startOtlpReceiver,
} from "./_otlp-receiver.ts";

/** Every synchronous instrument of the contract: name → [kind, unit]. */
const CONTRACT: Record<string, [string, string]> = {
  "dewy.proxy.connections.total": ["sum", "{connection}"],
  "dewy.proxy.connections.active": ["sum", "{connection}"],
  "dewy.proxy.connection.duration": ["histogram", "s"],
  "dewy.proxy.connect.latency": ["histogram", "s"],
  "dewy.proxy.bytes.transferred": ["sum", "By"],
  "dewy.proxy.errors.total": ["sum", "{error}"],
  "dewy.proxy.backends": ["sum", "{backend}"],
  "dewy.deployments.total": ["sum", "{deployment}"],
  "dewy.deployment.duration": ["histogram", "s"],
  "dewy.deployment.errors.total": ["sum", "{error}"],
  "dewy.healthchecks.total": ["sum", "{check}"],
  "dewy.healthchecks.failures.total": ["sum", "{check}"],
  "dewy.container.replicas": ["sum", "{replica}"],
};
const UP_DOWN = new Set([
  "dewy.proxy.connections.active",
  "dewy.proxy.backends",
  "dewy.container.replicas",
]);

function capturingLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: new Logger({ level: "debug", format: "json", write: (l) => lines.push(l) }),
  };
}

function telemetryFor(
  endpoint: string,
  env: Record<string, string>,
  insecure: boolean,
  logger?: Logger,
) {
  return new Telemetry({
    version: "4.5.6",
    app: "otlpapp",
    env: (name) => env[name],
    otlp: parseOtlpEndpoint(endpoint, { insecure }),
    logger,
  });
}

const hasMetric = (name: string) => (exports: ReceivedMetric[][]) =>
  lastMetric(exports, name) !== undefined;

test("otlp e2e: plaintext periodic export carries every instrument with names, units, attributes, buckets", async () => {
  const receiver = await startOtlpReceiver();
  const telemetry = telemetryFor(`localhost:${receiver.port}`, {
    OTEL_METRIC_EXPORT_INTERVAL: "300",
    OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s3cret,tenant=a%20b",
  }, true);
  const echo = await startEchoServer();
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", observer: telemetry });
  try {
    await proxy.start();
    telemetry.registerProxyPort(proxy.port);
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    for (let i = 0; i < 3; i++) await exchange(proxy.port, "ping");
    await waitFor(() => proxy.openConnections === 0, 5_000, "connections to close");
    telemetry.deploymentSucceeded(42);
    telemetry.deploymentFailed();
    telemetry.healthCheck(false);
    telemetry.replicasChanged(1);
    // Periodic: at least two exports arrive without any explicit flush, the later with all data.
    await receiver.waitFor(
      (e) =>
        e.length >= 2 && lastMetric(e, "dewy.deployment.duration") !== undefined &&
        lastMetric(e, "dewy.proxy.connections.total")?.points[0]?.value === 3,
      10_000,
      "two periodic exports with the workload",
    );

    for (const [name, [kind, unit]] of Object.entries(CONTRACT)) {
      const metric = lastMetric(receiver.exports, name);
      assert.ok(metric, `${name} not received`);
      assert.equal(metric.kind, kind, name);
      assert.equal(metric.unit, unit, name);
      assert.equal(metric.scope, "github.com/linyows/dewy", name);
      if (kind === "sum") {
        assert.equal(metric.isMonotonic, !UP_DOWN.has(name), `${name} monotonic`);
      }
      if (kind !== "gauge") {
        assert.equal(metric.temporality, "AGGREGATION_TEMPORALITY_CUMULATIVE", name);
      }
    }
    const connections = lastMetric(receiver.exports, "dewy.proxy.connections.total")!;
    assert.deepEqual(connections.points[0].attributes, { proxy_port: proxy.port });
    assert.equal(typeof connections.points[0].attributes.proxy_port, "number");
    assert.equal(
      lastMetric(receiver.exports, "dewy.proxy.bytes.transferred")!.points[0].value,
      3 * 4 * 2,
    );
    const latency = lastMetric(receiver.exports, "dewy.proxy.connect.latency")!;
    assert.deepEqual(latency.points[0].explicitBounds, CONNECT_LATENCY_BUCKETS);
    assert.equal(latency.points[0].count, 3);
    const durations = lastMetric(receiver.exports, "dewy.proxy.connection.duration")!;
    assert.deepEqual(durations.points[0].attributes, { proxy_port: proxy.port });
    assert.equal(durations.points[0].count, 3);
    const deploy = lastMetric(receiver.exports, "dewy.deployment.duration")!;
    assert.deepEqual(deploy.points[0].explicitBounds, DEPLOYMENT_DURATION_BUCKETS);
    assert.deepEqual(deploy.points[0].attributes, { command: "container" });
    assert.equal(deploy.points[0].sum, 42);
    assert.equal(lastMetric(receiver.exports, "dewy.deployment.errors.total")!.points[0].value, 1);
    assert.deepEqual(
      lastMetric(receiver.exports, "dewy.container.replicas")!.points[0].attributes,
      { app: "otlpapp" },
    );
    assert.equal(connections.resource["service.name"], "dewy");
    assert.equal(connections.resource["service.version"], "4.5.6");
    const headers = receiver.headers.at(-1)!;
    assert.equal(headers["x-api-key"], "s3cret");
    assert.equal(headers["tenant"], "a b");
    assert.match(headers["user-agent"], /^dewy\/4\.5\.6 /);
    assert.ok(telemetry.otlpStats!.succeeded >= 2);
    assert.equal(telemetry.otlpStats!.failed, 0);
  } finally {
    proxy.close();
    await echo.close();
    await telemetry.shutdown(2_000);
    await receiver.close();
  }
});

test("otlp e2e: shutdown() delivers a final flush within its bound", async () => {
  const receiver = await startOtlpReceiver();
  // Default interval (15 s): nothing is pushed before shutdown.
  const telemetry = telemetryFor(`localhost:${receiver.port}`, {}, true);
  try {
    telemetry.deploymentSucceeded(5);
    telemetry.healthCheck(true);
    assert.equal(receiver.exports.length, 0);
    const started = Date.now();
    await telemetry.shutdown(10_000);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(receiver.exports.length, 1);
    assert.equal(lastMetric(receiver.exports, "dewy.deployments.total")!.points[0].value, 1);
    assert.equal(lastMetric(receiver.exports, "dewy.healthchecks.total")!.points[0].value, 1);
    assert.equal(telemetry.otlpStats!.succeeded, 1);
  } finally {
    await receiver.close();
  }
});

test("otlp e2e: shutdown() gives up after its bound when the collector hangs", async () => {
  // A peer that accepts TCP and never answers: a hung collector (a real one cannot be made to hang).
  const blackHole = await startServer(() => {});
  const { lines, logger } = capturingLogger();
  const telemetry = telemetryFor(`localhost:${blackHole.port}`, {}, true, logger);
  try {
    telemetry.deploymentSucceeded(1);
    const started = Date.now();
    await telemetry.shutdown(500);
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 5_000, `shutdown took ${took} ms`);
    assert.ok(lines.some((l) => l.includes("Telemetry shutdown timed out")), lines.join("\n"));
  } finally {
    await blackHole.close();
  }
});

test("otlp e2e: TLS with OTEL_EXPORTER_OTLP_CERTIFICATE reaches a localhost receiver", async () => {
  const tls = makeTlsFiles();
  const receiver = await startOtlpReceiver({ tls });
  const { lines, logger } = capturingLogger();
  const telemetry = telemetryFor(
    `localhost:${receiver.port}`,
    { OTEL_EXPORTER_OTLP_CERTIFICATE: tls.caPath },
    false,
    logger,
  );
  try {
    telemetry.deploymentSucceeded(1);
    await telemetry.flush();
    await receiver.waitFor(hasMetric("dewy.deployments.total"), 5_000, "a TLS export");
    assert.equal(telemetry.otlpStats!.succeeded, 1);
    assert.equal(telemetry.otlpStats!.failed, 0, lines.join("\n"));
  } finally {
    await telemetry.shutdown(2_000);
    await receiver.close();
    tls.remove();
  }
});

test("otlp e2e: TLS is the default — an untrusted certificate or a plaintext collector fails, logged once", async () => {
  const tls = makeTlsFiles();
  const tlsReceiver = await startOtlpReceiver({ tls });
  const plainReceiver = await startOtlpReceiver();
  const untrusted = capturingLogger();
  const plain = capturingLogger();
  // No CA given: system roots do not trust the test CA.
  const a = telemetryFor(`localhost:${tlsReceiver.port}`, {}, false, untrusted.logger);
  // No --otlp-insecure against a plaintext collector.
  const b = telemetryFor(`localhost:${plainReceiver.port}`, {}, false, plain.logger);
  try {
    for (let i = 0; i < 2; i++) {
      await a.flush();
      await b.flush();
    }
    assert.equal(tlsReceiver.exports.length, 0);
    assert.equal(plainReceiver.exports.length, 0);
    assert.equal(a.otlpStats!.failed, 2);
    assert.equal(b.otlpStats!.failed, 2);
    for (const { lines } of [untrusted, plain]) {
      assert.equal(
        lines.filter((l) => l.includes("OTLP metrics export failed")).length,
        1,
        lines.join("\n"),
      );
    }
  } finally {
    await a.shutdown(2_000);
    await b.shutdown(2_000);
    await tlsReceiver.close();
    await plainReceiver.close();
    tls.remove();
  }
});

test("otlp e2e: an unreachable collector blocks neither start-up nor the proxy; recovery is logged", async () => {
  const port = await refusedPort();
  const { lines, logger } = capturingLogger();
  const started = Date.now();
  const telemetry = telemetryFor(
    `localhost:${port}`,
    { OTEL_METRIC_EXPORT_INTERVAL: "200" },
    true,
    logger,
  );
  assert.ok(Date.now() - started < 5_000, "creating telemetry waited for the collector");
  const echo = await startEchoServer();
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", observer: telemetry });
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
  try {
    await proxy.start();
    proxy.pool.add(new Backend("127.0.0.1", echo.port));
    for (let i = 0; i < 5; i++) {
      const { received } = await exchange(proxy.port, `req ${i}`);
      assert.equal(received.toString(), `req ${i}`);
    }
    await waitFor(() => telemetry.otlpStats!.failed >= 3, 10_000, "three failed exports");
    assert.equal(
      lines.filter((l) => l.includes("OTLP metrics export failed")).length,
      1,
      lines.join("\n"),
    );
    assert.match(
      lines.find((l) => l.includes("OTLP metrics export failed"))!,
      new RegExp(`localhost:${port}`),
    );

    receiver = await startOtlpReceiver({ port });
    await receiver.waitFor(
      (e) => lastMetric(e, "dewy.proxy.connections.total")?.points[0]?.value === 5,
      15_000,
      "the export after the collector came up",
    );
    await waitFor(
      () => lines.some((l) => l.includes("OTLP metrics export recovered")),
      5_000,
      "recovery log",
    );
  } finally {
    proxy.close();
    await echo.close();
    await telemetry.shutdown(2_000);
    await receiver?.close();
  }
});

test("otlp e2e: a bun --compile'd single binary exports without node_modules", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-otlp-bin-"));
  const receiver = await startOtlpReceiver();
  try {
    const module = (path: string) =>
      JSON.stringify(fileURLToPath(new URL(`../../src/telemetry/${path}`, import.meta.url)));
    writeFileSync(
      join(dir, "probe.ts"),
      `import { Telemetry } from ${module("telemetry.ts")};
import { parseOtlpEndpoint } from ${module("otlp-endpoint.ts")};
const otlp = parseOtlpEndpoint(process.argv[2], { insecure: true });
const t = new Telemetry({ version: "7.7.7", app: "bin", env: () => undefined, otlp });
t.deploymentSucceeded(2);
const text = await t.metricsText();
await t.shutdown(5000);
console.log(JSON.stringify({ stats: t.otlpStats, prometheus: text.includes("dewy_deployments_total") }));
`,
    );
    // The same build step as compile.ts uses for dist/dewy.
    const buildScript = fileURLToPath(new URL("../../scripts/bun-build.ts", import.meta.url));
    const build = spawnSync(BUN, [buildScript, "probe.ts", "probe", "--compile"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(build.status, 0, build.stderr);
    rmSync(join(dir, "probe.ts"));
    // Run from the temp folder: no node_modules anywhere up the tree.
    const run = spawnSync(join(dir, "probe"), [`localhost:${receiver.port}`], {
      cwd: dir,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      stats: { succeeded: 1, failed: 0 },
      prometheus: true,
    });
    await receiver.waitFor(hasMetric("dewy.deployments.total"), 5_000, "the binary's export");
    assert.equal(
      lastMetric(receiver.exports, "dewy.deployments.total")!.resource["service.version"],
      "7.7.7",
    );
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
