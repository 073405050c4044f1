/**
 * Issue 19: dockerd with live-restore restarted under a request load (8 clients, half
 * keep-alive), once in steady state and once in the middle of a rollout: no request fails,
 * the rollout completes afterwards, no container is left over, and SIGTERM leaves nothing.
 * The engine is a private one (`test/services/live-engine.sh`): restarting it disturbs no
 * other test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dewyPorts,
  needsBinary,
  pushApp,
  removeTestApp,
  sleep,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";
import {
  answersAfter,
  liveEngineDown,
  liveEngineRestart,
  liveEngineUp,
  mixedLoad,
  onceForAllRuntimes,
  runningOf,
} from "./_outage.ts";

/** Wait until `check` holds, polling (bounded). */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

test(
  "engine restart: 0 failed requests in steady state and mid-rollout; rollout completes; SIGTERM leaves nothing",
  { ...needsBinary(), ...onceForAllRuntimes() },
  async () => {
    const repo = uniqueName("f19-restart");
    const digests = [pushApp(repo, "1.0.0")];
    const socket = liveEngineUp();
    const ports = await dewyPorts();
    const dewy = startDewyContainer(
      repo,
      ports,
      ["--interval", "2", "--drain-time", "10"],
      { DOCKER_HOST: `unix://${socket}` },
    );
    let load: ReturnType<typeof mixedLoad> | undefined;
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 120_000);
      // The proxy dials the replicas on the engine's bridge, not their published ports.
      const joined = dewy.lines.filter((l) => l.includes("Container added to load balancer"));
      assert.equal(joined.length, 2);
      for (const line of joined) assert.match(line, /backends=10\.219\.0\.\d+:8080/);

      load = mixedLoad(ports.port);
      await answersAfter(load, 200);
      await liveEngineRestart();
      await answersAfter(load, 400);
      assert.deepEqual(load.failures(), [], "requests failed across the steady-state restart");

      // A rollout to v1.1.0, and the engine restarted as soon as its first replica starts.
      digests.push(pushApp(repo, "1.1.0"));
      await dewy.waitForLine(/Starting container.*version=v1\.1\.0/, 60_000);
      await liveEngineRestart();
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.1\.0/, 120_000);
      await until(() => load!.results.at(-1) === "1.1.0", 30_000, "answers from v1.1.0");
      await answersAfter(load, 200);
      await load.stop();
      const notable = dewy.lines.filter((l) => / level=(WARN|ERROR) |left behind/.test(l));
      console.log(
        `[engine restart] ${load.results.length} requests, ${load.failures().length} failed; ` +
          `dewy's warnings and errors:\n${notable.join("\n")}`,
      );
      assert.ok(load.results.length > 1000, `only ${load.results.length} requests`);
      assert.deepEqual(
        load.failures(),
        [],
        `${load.failures().length} of ${load.results.length} requests failed`,
      );
      assert.ok(load.results.includes("1.0.0") && load.results.includes("1.1.0"));
      // Whatever the outage left over (a replica that could not be removed) is gone.
      await until(() => runningOf(socket, repo).length === 2, 30_000, "two containers left");

      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
      assert.deepEqual(runningOf(socket, repo), [], "SIGTERM left containers behind");
    } finally {
      await load?.stop();
      await dewy.stop("SIGKILL");
      liveEngineDown();
      await removeTestApp(repo, repo, digests);
    }
  },
);
