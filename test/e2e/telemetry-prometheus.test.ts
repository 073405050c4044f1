/**
 * e2e: dewy's telemetry against a real Prometheus (Debian `prometheus` package). The proxy,
 * telemetry and admin API run in-process; Prometheus scrapes `/metrics` every second and the
 * five PromQL queries of the telemetry contract must return data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../_runtime.ts";
import { TcpProxy } from "../../src/proxy/proxy.ts";
import { Backend } from "../../src/proxy/backend.ts";
import { Telemetry } from "../../src/telemetry/telemetry.ts";
import { createAdminApp } from "../../src/admin/app.ts";
import { startAdminServer } from "../../src/admin/server.ts";
import { exchange, startEchoServer, waitFor } from "../_net.ts";
import {
  parseExposition,
  PROMTOOL_BIN,
  promtoolCheckMetrics,
  startPrometheus,
} from "./_prometheus.ts";

/** The queries users are promised (spec: telemetry.md, "What must work for a user"). */
const CONTRACT_QUERIES = [
  "rate(dewy_proxy_connections_total[5m])",
  "dewy_proxy_connections_active",
  "histogram_quantile(0.99, rate(dewy_proxy_connect_latency_bucket[5m]))",
  "increase(dewy_deployments_total[1h])",
  "rate(dewy_proxy_errors_total[5m])",
];

/** dewy's pieces wired as the deploy manager wires them, on free 127.0.0.1 ports. */
async function startDewyPieces() {
  const telemetry = new Telemetry({ version: "9.9.9", app: "promapp", env: () => undefined });
  const echo = await startEchoServer();
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", observer: telemetry });
  // No backend and no retry window: each client is one no_backend error at once.
  const orphan = new TcpProxy(runtime, {
    port: 0,
    hostname: "127.0.0.1",
    observer: telemetry,
    retryWindowMs: 0,
  });
  await proxy.start();
  await orphan.start();
  telemetry.registerProxyPort(proxy.port);
  telemetry.registerProxyPort(orphan.port);
  proxy.pool.add(new Backend("127.0.0.1", echo.port));
  const status = {
    app: "promapp",
    currentVersion: "v1",
    currentDigest: "",
    proxyBackends: 1,
    replicas: 1,
    busy: false,
  };
  const app = createAdminApp({
    status: () => status,
    containers: () => Promise.resolve([]),
    checkNow: () => Promise.resolve({ outcome: "up-to-date" }),
  }, { telemetry });
  const admin = await startAdminServer(runtime, app, { port: 0 });
  const close = async () => {
    proxy.close();
    orphan.close();
    await admin.server.close();
    await echo.close();
    await telemetry.shutdown(1_000);
  };
  return { telemetry, proxy, orphan, admin, close };
}

test("telemetry e2e: /metrics passes promtool check metrics", async () => {
  const dewy = await startDewyPieces();
  try {
    await exchange(dewy.proxy.port, "hello");
    await exchange(dewy.orphan.port, "nobody home");
    dewy.telemetry.deploymentSucceeded(7);
    dewy.telemetry.healthCheck(false);
    const res = await fetch(`http://127.0.0.1:${dewy.admin.port}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const check = await promtoolCheckMetrics(text);
    assert.equal(
      check.code,
      0,
      `promtool check metrics failed:\n${check.output}\n--- metrics ---\n${text}`,
    );
    assert.equal(check.output.trim(), "", "promtool reported lint problems");
    const s = parseExposition(text);
    const orphan = `proxy_port="${dewy.orphan.port}"`;
    assert.equal(s.get(`dewy_proxy_errors_total{error_type="no_backend",${orphan}}`), 1);
    assert.equal(s.get(`dewy_proxy_errors_total{error_type="max_connections",${orphan}}`), 0);
  } finally {
    await dewy.close();
  }
});

test("telemetry e2e: examples/prometheus.yml is a valid Prometheus config", () => {
  const file = fileURLToPath(new URL("../../examples/prometheus.yml", import.meta.url));
  const check = spawnSync(PROMTOOL_BIN, ["check", "config", file], { encoding: "utf8" });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});

test("telemetry e2e: a real Prometheus answers the five PromQL queries of the contract", async () => {
  const dewy = await startDewyPieces();
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    prometheus = await startPrometheus({ target: `127.0.0.1:${dewy.admin.port}`, intervalS: 1 });
    await prometheus.waitForData('up{job="dewy"} == 1', 20_000);
    // Traffic spread over several scrapes so rate() sees an increase between two samples.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) await exchange(dewy.proxy.port, `round ${round} conn ${i}`);
      await exchange(dewy.orphan.port, "no backend");
      if (round === 1) dewy.telemetry.deploymentSucceeded(12);
      await new Promise((r) => setTimeout(r, 1_100));
    }
    await waitFor(() => dewy.proxy.openConnections === 0, 5_000, "proxied connections to close");

    const results = new Map<string, number[]>();
    for (const promql of CONTRACT_QUERIES) {
      const samples = await prometheus.waitForData(promql, 20_000);
      results.set(promql, samples.map((s) => Number(s.value)));
    }
    const port = String(dewy.proxy.port);
    const rate = await prometheus.query(
      `rate(dewy_proxy_connections_total{proxy_port="${port}"}[5m])`,
    );
    assert.ok(Number(rate[0].value) > 0, `connection rate ${JSON.stringify(rate)}`);
    // The last scrape may predate the last close.
    await prometheus.waitForValue(`dewy_proxy_connections_active{proxy_port="${port}"}`, 0, 20_000);
    const [p99] = results.get(CONTRACT_QUERIES[2])!;
    assert.ok(p99 > 0 && p99 <= 5, `p99 connect latency ${p99}`);
    assert.ok(results.get(CONTRACT_QUERIES[3])!.some((v) => v > 0), "deployments increase");
    const errors = await prometheus.query(
      `sum(rate(dewy_proxy_errors_total{proxy_port="${dewy.orphan.port}"}[5m]))`,
    );
    assert.ok(Number(errors[0].value) > 0, `error rate ${JSON.stringify(errors)}`);
    // The port without errors still answers: 0, not an empty result.
    const quiet = await prometheus.query(
      `sum(rate(dewy_proxy_errors_total{proxy_port="${port}"}[5m]))`,
    );
    assert.equal(quiet.length, 1);
    assert.equal(Number(quiet[0].value), 0);
    const info = await prometheus.query('target_info{service_name="dewy"}');
    assert.equal(info[0]?.metric.service_version, "9.9.9");
  } finally {
    await prometheus?.close();
    await dewy.close();
  }
});
