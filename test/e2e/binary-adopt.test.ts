/**
 * Issue 6, scenario 5: `kill -9` the compiled dewy while its replicas run, start it again:
 * it adopts the running replicas (same containers, no redeploy) and no connection fails
 * once it listens. A start that fails in between (no admin port) leaves them running.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { ADMIN_PORT_ATTEMPTS } from "../../src/admin/server.ts";
import {
  dewyPorts,
  exitWithin,
  getOnce,
  managedContainers,
  needsBinary,
  pushApp,
  removeTestApp,
  sleep,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

/** Listen on `count` ports from `first` on 127.0.0.1 (a port someone else holds is taken too). */
async function takePorts(first: number, count: number): Promise<net.Server[]> {
  const servers: net.Server[] = [];
  for (let port = first; port < first + count; port++) {
    const server = net.createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (listening) servers.push(server);
  }
  return servers;
}

test(
  "binary: after kill -9 a restarted dewy adopts the running replicas; no connection fails once it listens",
  needsBinary(),
  async () => {
    const repo = uniqueName("adopt-bin");
    const digests = [pushApp(repo, "1.0.0")];
    const ports = await dewyPorts();
    const { port } = ports;
    const extra = ["--interval", "60", "--drain-time", "1"];
    let dewy = startDewyContainer(repo, ports, extra);
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
      const before = managedContainers(repo).map((c) => c.Id).sort();
      assert.equal(before.length, 2);

      await dewy.stop("SIGKILL");
      assert.deepEqual(
        managedContainers(repo).map((c) => c.Id).sort(),
        before,
        "replicas survive kill -9",
      );
      assert.equal(await getOnce(port), "error:ECONNREFUSED", "nothing listens while dewy is down");

      // A start that fails (every admin port taken) exits 1 and leaves the replicas running.
      const taken = await takePorts(ports.adminPort, ADMIN_PORT_ATTEMPTS);
      try {
        const failing = startDewyContainer(repo, ports, extra);
        const code = await exitWithin(failing, 60_000);
        await failing.stop("SIGKILL");
        assert.equal(code, 1, failing.lines.join("\n"));
        assert.ok(failing.lines.some((l) => l.includes("Cannot start the admin API")));
      } finally {
        for (const server of taken) server.close();
      }
      assert.deepEqual(
        managedContainers(repo).map((c) => c.Id).sort(),
        before,
        "a failed start leaves the running replicas alone",
      );

      dewy = startDewyContainer(repo, ports, extra);
      // Hammer the port from the moment dewy starts; count what fails after the first accept
      // (up to 30 s for the binary to start listening, then 5 s of requests).
      const results: string[] = [];
      let deadline = Date.now() + 30_000;
      while (Date.now() < deadline && results.length < 400) {
        const result = await getOnce(port);
        if (result === "error:ECONNREFUSED" && results.length === 0) {
          await sleep(10); // not listening yet
          continue;
        }
        if (results.length === 0) deadline = Date.now() + 5_000;
        results.push(result);
      }
      assert.ok(results.length > 20, `only ${results.length} requests after dewy listened`);
      const failed = results.filter((r) => r !== "1.0.0");
      assert.deepEqual(
        failed,
        [],
        `${failed.length} of ${results.length} requests failed after restart`,
      );
      assert.deepEqual(
        managedContainers(repo).map((c) => c.Id).sort(),
        before,
        "adopted, not redeployed",
      );
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
      assert.deepEqual(managedContainers(repo), []);
    } finally {
      await dewy.stop("SIGKILL");
      await removeTestApp(repo, repo, digests);
    }
  },
);
