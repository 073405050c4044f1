/**
 * e2e: examples/grafana-dashboard.json. Its shape is import-ready (every panel on the
 * `datasource` variable), and every PromQL expression in it returns numeric data from a REAL
 * Prometheus that scraped the compiled binary (`DEWY_BIN`) while it carried a workload on the
 * real engine and registry: proxied requests before and after the first version existed, two
 * successful deployments and one that failed its health check.
 *
 * Needs: eval "$(bash test/services/engine-up.sh)" and the Debian `prometheus` package.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type PrometheusServer, startPrometheus } from "./_prometheus.ts";
import {
  dewyPorts,
  httpGet,
  needsBinary,
  pushApp,
  removeTestApp,
  ROOT,
  sleep,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

/** The parts of a Grafana dashboard this test reads. */
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

const DASHBOARD = JSON.parse(readFileSync(`${ROOT}examples/grafana-dashboard.json`, "utf8"));
const PANELS: Panel[] = (DASHBOARD.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
const QUERY_PANELS = PANELS.filter((p) => p.type !== "row");
const EXPRESSIONS = QUERY_PANELS.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** The queries of the telemetry contract, which the dashboard must show as written. */
const CONTRACT_QUERIES = [
  "rate(dewy_proxy_connections_total[5m])",
  "dewy_proxy_connections_active",
  "histogram_quantile(0.99, rate(dewy_proxy_connect_latency_bucket[5m]))",
  "increase(dewy_deployments_total[1h])",
  "rate(dewy_proxy_errors_total[5m])",
];

test("dashboard: import-ready, every panel on the datasource variable, the contract's queries and the deploy and container panels", () => {
  const variable = DASHBOARD.templating.list.find((v: { type: string }) => v.type === "datasource");
  assert.equal(variable?.query, "prometheus");
  assert.equal(DASHBOARD.uid, "dewy-container");
  const ids = PANELS.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, "panel ids must be unique");
  for (const panel of QUERY_PANELS) {
    assert.equal(panel.datasource?.uid, `\${${variable.name}}`, `${panel.title}: datasource`);
    assert.ok(panel.targets?.length, `${panel.title}: no query`);
    for (const target of panel.targets!) {
      assert.equal(target.datasource?.uid, panel.datasource!.uid);
    }
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title}: wider than the grid`);
  }
  for (const query of CONTRACT_QUERIES) assert.ok(EXPRESSIONS.includes(query), `missing ${query}`);
  for (
    const metric of [
      "dewy_deployments_total",
      "dewy_deployment_errors_total",
      "dewy_deployment_duration_bucket",
      "dewy_container_replicas",
      "dewy_container_desired_replicas",
      "dewy_container_status",
      "dewy_container_restarts",
      "dewy_deploy_paused",
    ]
  ) {
    assert.ok(EXPRESSIONS.some((e) => e.includes(metric)), `no panel shows ${metric}`);
  }
});

/** `POST /api/deploy?wait=true` on the admin API; the HTTP status. */
async function deployNow(admin: string): Promise<number> {
  const res = await fetch(`${admin}/api/deploy?wait=true`, {
    method: "POST",
    signal: AbortSignal.timeout(90_000),
  });
  await res.body?.cancel();
  return res.status;
}

/** GET / through the proxy every `gapMs` until stopped (bounded); counts answers and failures. */
function trafficLoop(port: number, gapMs: number, maxMs: number) {
  const counts = { ok: 0, failed: 0 };
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const done = (async () => {
    while (!stopped && Date.now() < deadline) {
      const answer = await httpGet(port).catch(() => undefined);
      if (answer?.status === 200) counts.ok++;
      else counts.failed++;
      await sleep(gapMs);
    }
  })();
  return {
    counts,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

test(
  "dashboard: every query returns data from a real Prometheus scraping dewy under a workload",
  needsBinary(),
  async () => {
    const repo = uniqueName("ship-dash");
    const digests: string[] = [];
    const { port, adminPort } = await dewyPorts();
    const admin = `http://127.0.0.1:${adminPort}`;
    // The repository is empty at start-up: the first connections find no backend (proxy errors,
    // at once: without a retry window a client is not held until a backend comes).
    const dewy = startDewyContainer(repo, { port, adminPort }, [
      ...["--health-timeout", "3", "--telemetry", "--interval", "1h", "--drain-time", "1"],
      ...["--proxy-retry-window", "0"],
    ]);
    let prometheus: PrometheusServer | undefined;
    const traffic = trafficLoop(port, 200, 120_000);
    try {
      await dewy.waitForLine(/msg="Admin API started"/, 30_000);
      prometheus = await startPrometheus({ target: `127.0.0.1:${adminPort}`, intervalS: 1 });
      await prometheus.waitForData('up{job="dewy"} == 1', 20_000);
      // Each phase lasts until Prometheus has scraped what it produced.
      await prometheus.waitForData("sum(dewy_proxy_errors_total) > 0", 20_000);
      digests.push(pushApp(repo, "1.0.0"));
      assert.equal(await deployNow(admin), 200, "deploy v1.0.0");
      await prometheus.waitForData("sum(dewy_proxy_connections_total) > 0", 20_000);
      digests.push(pushApp(repo, "1.1.0"));
      assert.equal(await deployNow(admin), 200, "deploy v1.1.0");
      digests.push(pushApp(repo, "1.2.0", "--fail-health"));
      assert.equal(await deployNow(admin), 500, "deploy of v1.2.0 (fails its health check)");
      await prometheus.waitForData("sum(dewy_deployment_errors_total) >= 1", 20_000);
      await traffic.stop();
      assert.ok(traffic.counts.ok > 0 && traffic.counts.failed > 0, JSON.stringify(traffic.counts));
      // The paused panel: 0 until an operator pauses, then 1.
      await prometheus.waitForData("max(dewy_deploy_paused) == 0", 20_000);
      const paused = await fetch(`${admin}/api/pause?reason=dashboard`, { method: "POST" });
      assert.equal(paused.status, 200, await paused.text());
      await prometheus.waitForData("max by (instance, app) (dewy_deploy_paused) == 1", 20_000);

      for (const expr of EXPRESSIONS) {
        const samples = await prometheus.waitForData(expr, 20_000);
        assert.ok(samples.length > 0, expr);
      }
      const total = async (expr: string) =>
        (await prometheus!.query(expr)).reduce((sum, s) => sum + Number(s.value), 0);
      assert.ok(await total("increase(dewy_deployments_total[1h])") > 0, "deployments");
      assert.ok(await total("increase(dewy_deployment_errors_total[1h])") > 0, "deployment errors");
      assert.ok(await total("rate(dewy_proxy_errors_total[5m])") > 0, "proxy errors");
      assert.equal(await total("dewy_container_replicas"), 2);
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
    } finally {
      await traffic.stop();
      await prometheus?.close();
      await dewy.stop("SIGKILL");
      await removeTestApp(repo, repo, digests);
    }
  },
);
