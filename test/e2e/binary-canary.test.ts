/**
 * Issue 16's canary soak on the compiled binary, the real engine and registry, under a
 * request loop: a version that cuts every third request unanswered (its health check passes)
 * is rolled back within the soak, costing at most the connections the canary took; a good
 * version passes the soak and is deployed, costing none.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  dewyPorts,
  managedContainers,
  needsBinary,
  pushApp,
  removeTestApp,
  requestLoop,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

/** `POST /api/deploy?wait=true`: the HTTP status and the answer. */
async function deployNow(adminPort: number): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/api/deploy?wait=true`, {
    method: "POST",
    signal: AbortSignal.timeout(180_000),
  });
  return { status: res.status, body: await res.json() };
}

test(
  "binary canary: a version failing under traffic is rolled back within the soak; a good one passes and is deployed",
  needsBinary(),
  async () => {
    const repo = uniqueName("f16-canary");
    const digests = [pushApp(repo, "1.0.0")];
    const ports = await dewyPorts();
    const state = mkdtempSync(join(tmpdir(), "dewy-f16-"));
    const dewy = startDewyContainer(repo, ports, [
      ...["--interval", "1h", "--drain-time", "2", "--state-dir", state],
      ...["--canary-soak", "8"],
    ]);
    const concurrency = 2;
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);

      // v1.1.0 passes /health but cuts every third GET /cgi-bin/version before a byte.
      digests.push(pushApp(repo, "1.1.0", "--drop-every", "3"));
      let loop = requestLoop(ports.port, { path: "/cgi-bin/version", concurrency });
      const failed = await deployNow(ports.adminPort);
      await loop.stop();
      assert.equal(failed.status, 500, JSON.stringify(failed.body));
      assert.match(failed.body.error, /canary .* failed its soak \(failure share\): \d+ of \d+/);
      const line = await dewy.waitForLine(/Container deployment failed.*failure share/);
      const [, took] = /\d+ of (\d+) connections failed/.exec(line)!;
      // The canary's connections counted at the check, plus those still open then.
      const lost = loop.failures().length;
      assert.ok(lost > 0, "the faulty canary did serve some traffic");
      assert.ok(
        lost <= Number(took) + concurrency,
        `${lost} failed requests, the canary took ${took}`,
      );
      assert.ok(dewy.lines.some((l) => /Canary soak started/.test(l)));
      assert.ok(!dewy.lines.some((l) => /Canary soak passed/.test(l)));
      const versions = () =>
        managedContainers(repo).filter((c) => c.State === "running")
          .map((c) => c.Labels["dewy.version"]).sort();
      assert.deepEqual(versions(), ["v1.0.0", "v1.0.0"], "rolled back");

      // v1.2.0 is sound: it passes the soak, the rollout goes on; no request fails.
      digests.push(pushApp(repo, "1.2.0"));
      loop = requestLoop(ports.port, { path: "/cgi-bin/version", concurrency });
      const passed = await deployNow(ports.adminPort);
      await loop.stop();
      assert.equal(passed.status, 200, JSON.stringify(passed.body));
      assert.equal(passed.body.outcome, "deployed", dewy.lines.join("\n"));
      assert.ok(dewy.lines.some((l) => /Canary soak passed.*failures=0/.test(l)));
      assert.deepEqual(loop.failures(), [], `${loop.failures().length} of ${loop.results.length}`);
      assert.ok(loop.results.filter((r) => r === "1.2.0").length > 0);
      assert.deepEqual(versions(), ["v1.2.0", "v1.2.0"]);

      const history = await fetch(`http://127.0.0.1:${ports.adminPort}/api/history`);
      const entries = (await history.json()).history as Array<Record<string, string>>;
      assert.deepEqual(entries.map((e) => [e.version, e.outcome]), [
        ["v1.0.0", "deployed"],
        ["v1.1.0", "rolled back"],
        ["v1.2.0", "deployed"],
      ]);
      assert.match(entries[1].reason, /failure share/);
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
    } finally {
      await dewy.stop("SIGKILL");
      await removeTestApp(repo, repo, digests);
      rmSync(state, { recursive: true, force: true });
    }
  },
);
