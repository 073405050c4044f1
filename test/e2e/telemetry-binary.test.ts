/**
 * e2e: telemetry of the compiled binary (`DEWY_BIN`) through a real deploy. dewy runs as a user
 * runs it (`--telemetry --otlp-endpoint ... --otlp-insecure`) against the engine and registry
 * of `engine-up.sh`; a real Prometheus scrapes its admin port and answers the contract's PromQL
 * with data from a real rolling deploy; SIGTERM makes the final OTLP flush reach a real
 * receiver (the export interval is ten minutes, so that flush is the only export).
 *
 * The version is pushed only after Prometheus has seen `dewy_deployments_total` at 0, and the
 * deploy is triggered with `POST /api/deploy?wait=true`: Prometheus counts no increase for a
 * counter whose first sample is already 1.
 *
 * Needs: eval "$(bash test/services/engine-up.sh)" and dist/dewy (bun compile.ts).
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPrometheus } from "./_prometheus.ts";
import { lastMetric, startOtlpReceiver } from "./_otlp-receiver.ts";
import {
  dewyPorts,
  httpGet,
  needsBinary,
  pushApp,
  removeTestApp,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

test(
  "telemetry binary: a real deploy shows in Prometheus and in the OTLP flush at SIGTERM",
  needsBinary(),
  async () => {
    const repo = uniqueName("telemetry-bin");
    const digests: string[] = [];
    const { port, adminPort } = await dewyPorts();
    const receiver = await startOtlpReceiver();
    const dewy = startDewyContainer(repo, { port, adminPort }, [
      ...["--telemetry", "--otlp-endpoint", `localhost:${receiver.port}`, "--otlp-insecure"],
      ...["--drain-time", "1", "--interval", "3600"],
    ], { OTEL_METRIC_EXPORT_INTERVAL: "600000" });
    let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
    try {
      await dewy.waitForLine(/Telemetry enabled/, 30_000);
      prometheus = await startPrometheus({ target: `127.0.0.1:${adminPort}`, intervalS: 1 });
      await prometheus.waitForData(`dewy_deployments_total{command="container"} == 0`, 20_000);
      digests.push(pushApp(repo, "1.0.0"));
      const deploy = await fetch(`http://127.0.0.1:${adminPort}/api/deploy?wait=true`, {
        method: "POST",
        signal: AbortSignal.timeout(90_000),
      });
      assert.deepEqual(await deploy.json(), { outcome: "deployed", version: "v1.0.0" });
      assert.equal(deploy.status, 200);
      // Traffic spread over several scrapes, so rate() sees increases.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) assert.equal((await httpGet(port)).body, "1.0.0");
        await new Promise((r) => setTimeout(r, 1_100));
      }

      const value = async (promql: string) =>
        Number((await prometheus!.waitForData(promql, 20_000))[0].value);
      assert.ok(await value(`increase(dewy_deployments_total[1h])`) > 0);
      assert.ok(await value(`rate(dewy_proxy_connections_total{proxy_port="${port}"}[5m])`) > 0);
      const p99 = await value(
        `histogram_quantile(0.99, rate(dewy_proxy_connect_latency_bucket[5m]))`,
      );
      assert.ok(p99 > 0 && p99 <= 5, `p99 ${p99}`);
      assert.equal(
        await value(`sum(rate(dewy_proxy_errors_total{proxy_port="${port}"}[5m]))`),
        0,
      );
      // Gauges: the last scrape may predate the end of the deploy (container states are
      // sampled at most every 5 s), so they are awaited rather than read once.
      const settles = (promql: string, expected: number) =>
        prometheus!.waitForValue(promql, expected, 20_000);
      await settles(`dewy_proxy_connections_active{proxy_port="${port}"}`, 0);
      await settles(`dewy_proxy_backends{proxy_port="${port}"}`, 2);
      await settles(`dewy_container_replicas{app="${repo}"}`, 2);
      await settles(`sum(dewy_container_status{app="${repo}",state="running"})`, 2);
      assert.ok(await value(`dewy_healthchecks_total`) >= 2);
      assert.equal(await value(`dewy_deployment_duration_count{command="container"}`), 1);
      assert.equal(receiver.exports.length, 0, "exported before the (10 min) interval");

      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
      assert.equal(receiver.exports.length, 1, "the final flush at SIGTERM");
      const deployments = lastMetric(receiver.exports, "dewy.deployments.total")!;
      assert.equal(deployments.points[0].value, 1);
      assert.equal(deployments.resource["service.name"], "dewy");
      const connections = lastMetric(receiver.exports, "dewy.proxy.connections.total")!;
      assert.ok(connections.points[0].value! >= 12, JSON.stringify(connections.points));
      assert.equal(lastMetric(receiver.exports, "dewy.deployment.duration")!.points[0].count, 1);
    } finally {
      await dewy.stop("SIGKILL");
      await prometheus?.close();
      await receiver.close();
      await removeTestApp(repo, repo, digests);
    }
  },
);
