/**
 * The deploy manager's e2e suite, registered once per engine (`deploy.test.ts`: docker at
 * `ENGINE_SOCK`, `deploy-podman.test.ts`: podman at `PODMAN_SOCK`): the manager in-process
 * against the REAL engine and registry of `engine-up.sh`, the real registry client, the real
 * engine client and a real TcpProxy. Each test pushes its own repository with `push-app.sh`
 * and removes its containers and images in `finally`.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import process from "node:process";
import { runtime, testProbe } from "../_runtime.ts";
import { DockerEngineClient } from "../../src/engine/client.ts";
import { openImageRegistry } from "../../src/registry/oci-registry.ts";
import { TcpProxy } from "../../src/proxy/proxy.ts";
import type { Backend } from "../../src/proxy/backend.ts";
import { defaultContainerUser } from "../../src/deploy/container-user.ts";
import { DeployManager } from "../../src/deploy/manager.ts";
import { Logger } from "../../src/log.ts";
import type { ContainerConfig } from "../../src/config.ts";
import { parseImageUrl } from "../../src/registry/url.ts";
import { type ConfigOverrides, testConfig } from "../_config.ts";
import { hookRunner } from "../../src/hooks/run.ts";
import type { ImageRef } from "../../src/registry/url.ts";
import { homedir } from "node:os";

const REGISTRY = process.env.TEST_REGISTRY ?? "127.0.0.1:5000";
const SERVICES = new URL("../services/", import.meta.url).pathname;
const RUN = `${runtime.name}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
let repoCount = 0;

/** Push `repo:v<version>` of the test app; returns its digest. */
function pushApp(repo: string, version: string, ...flags: string[]): string {
  return execFileSync("bash", [`${SERVICES}push-app.sh`, repo, version, ...flags], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** One GET / over a new TCP connection (HTTP/1.0): the body, or throws. */
function getOnce(port: number, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    const timer = setTimeout(() => socket.destroy(new Error("timeout")), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
    socket.on("data", (chunk) => (data += chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const [head, body = ""] = data.split("\r\n\r\n");
      if (!/^HTTP\/1\.\d 200/.test(head)) {
        reject(new Error(`bad answer: ${JSON.stringify(data.slice(0, 80))}`));
      } else resolve(body.trim());
    });
  });
}

/** A GET / whose request ends only when `finish()` is called; resolves with the body. */
function slowRequest(port: number): { finish(): Promise<string>; abort(): void } {
  const socket = connect({ host: "127.0.0.1", port });
  socket.setEncoding("utf8");
  let data = "";
  const closed = new Promise<string>((resolve, reject) => {
    socket.on("data", (chunk) => (data += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(data));
  });
  closed.catch(() => {}); // read through finish()
  socket.on("connect", () => socket.write("GET / HTTP/1.0\r\n"));
  return {
    async finish() {
      socket.write("Host: 127.0.0.1\r\n\r\n");
      const answer = await Promise.race([
        closed,
        new Promise<string>((_, reject) =>
          setTimeout(() => reject(new Error("no answer in 5 s")), 5_000)
        ),
      ]);
      const [head, body = ""] = answer.split("\r\n\r\n");
      if (!/^HTTP\/1\.\d 200/.test(head)) {
        throw new Error(`bad answer: ${JSON.stringify(answer.slice(0, 80))}`);
      }
      return body.trim();
    },
    abort: () => socket.destroy(),
  };
}

/** A bounded load client: `workers` loops of new connections, paced to about `rate` req/s. */
function startLoad(port: number, options: { rate: number; workers: number; maxMs: number }) {
  const bodies = new Map<string, number>();
  const errors: string[] = [];
  let requests = 0;
  let stopped = false;
  const deadline = Date.now() + options.maxMs;
  const gapMs = (1000 * options.workers) / options.rate;
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      const started = Date.now();
      try {
        const body = await getOnce(port);
        bodies.set(body, (bodies.get(body) ?? 0) + 1);
      } catch (error) {
        errors.push((error as Error).message);
      }
      requests++;
      const wait = gapMs - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const done = Promise.all(Array.from({ length: options.workers }, worker));
  return {
    bodies,
    errors,
    get requests() {
      return requests;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

interface Rig {
  /** The engine's unix socket. */
  socketPath: string;
  app: string;
  repo: string;
  proxy: TcpProxy;
  engine: DockerEngineClient;
  manager: DeployManager;
  lines: string[];
  /** Count of log records with `msg` whose line also contains `needle`. */
  count(msg: string, needle?: string): number;
  /** Running managed containers of the app (names). */
  running(): Promise<string[]>;
  /** Stop the manager and proxy, remove leftovers and the repository's images. */
  close(): Promise<void>;
}

async function rig(socketPath: string, overrides: ConfigOverrides = {}): Promise<Rig> {
  const repo = `deploye2e-${RUN}-${++repoCount}`;
  const app = repo;
  const engine = new DockerEngineClient({ runtime, socketPath });
  const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", idleTimeoutMs: 0 });
  await proxy.start();
  const config = e2eConfig(repo, proxy.port, overrides);
  const lines: string[] = [];
  const logger = new Logger({ level: "debug", write: (line) => lines.push(line) });
  const manager = new DeployManager({
    settings: config,
    engine,
    registry: await openRegistry(config.image),
    proxies: new Map([[proxy.port, proxy]]),
    probeTcp: testProbe,
    logger,
    ...AS_DEWY,
  });
  const filter = { "dewy.app": app };
  return {
    socketPath,
    app,
    repo,
    proxy,
    engine,
    manager,
    lines,
    count: (msg, needle = "") =>
      lines.filter((l) => l.includes(`msg="${msg}"`) && l.includes(needle)).length,
    running: async () => (await engine.listContainers(filter)).map((c) => c.name).sort(),
    async close() {
      await manager.shutdown("SIGTERM");
      proxy.close();
      for (const c of await engine.listContainers(filter, { all: true })) {
        await engine.stopContainer(c.id, 1).catch(() => {});
        await engine.removeContainer(c.id).catch(() => {});
      }
      for (const image of await engine.listImages(`${REGISTRY}/${repo}`)) {
        await engine.removeImage(image.id).catch(() => {});
      }
    },
  };
}

/** Run `body` with a rig; on failure print the manager's log. */
async function withRig(
  socketPath: string,
  overrides: ConfigOverrides,
  body: (r: Rig) => Promise<void>,
): Promise<void> {
  const r = await rig(socketPath, overrides);
  try {
    await body(r);
  } catch (error) {
    console.error(r.lines.slice(-60).join("\n"));
    throw error;
  } finally {
    await r.close();
  }
}

async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Register the suite for the engine at `socketPath`; `kind` (docker, podman) names the tests
 * and their repositories.
 */
export function deploySuite(kind: string, socketPath: string): void {
  const name = (what: string) => `e2e deploy(${kind}): ${what}`;

  test(
    name("v1.0.0 on 2 replicas, then a rolling deploy to v1.1.0 under load with zero errors"),
    async () => {
      await withRig(socketPath, {}, async (r) => {
        const digest = pushApp(r.repo, "1.0.0");
        await r.manager.start();
        await r.manager.settled();
        const first = await r.running();
        assert.equal(first.length, 2, `running: ${first}`);
        assert.equal(r.proxy.pool.size, 2);
        assert.equal(await getOnce(r.proxy.port), "1.0.0");
        const status = r.manager.status();
        assert.equal(status.currentVersion, "v1.0.0");
        assert.equal(status.currentDigest, digest);
        const infos = await r.manager.containers();
        assert.equal(infos.length, 2);
        assert.ok(
          infos.every((i) =>
            i.image.endsWith(`@${digest}`) && i.labels["dewy.version"] === "v1.0.0"
          ),
        );

        pushApp(r.repo, "1.1.0");
        // A slow client on an old replica: it finishes its request only after that replica has
        // left the rotation, so it is answered only if the drain waits for it.
        await waitFor("the proxy to be idle", () => r.proxy.openConnections === 0);
        const slow = slowRequest(r.proxy.port);
        // Alone through the proxy, the slow client is the one connection its replica holds.
        let slowBackend: Backend | undefined;
        await waitFor("the slow client to reach an old replica", () => {
          slowBackend = r.proxy.pool.backends.find((b) => b.active > 0);
          return slowBackend !== undefined;
        }).catch((error) => {
          slow.abort();
          throw error;
        });
        const load = startLoad(r.proxy.port, { rate: 300, workers: 6, maxMs: 20_000 });
        try {
          await waitFor("the load to be answered", () => (load.bodies.get("1.0.0") ?? 0) >= 10);
          const check = r.manager.checkNow();
          await waitFor(
            "the old replicas to leave the rotation",
            () => r.proxy.pool.backends.every((b) => !first.includes(b.label)),
          );
          // The other old replica drained and went; the slow client's one waits for it.
          await waitFor("the other old replica to go", () => r.count("Removing old container") > 0);
          assert.equal(r.count("Removing old container"), 1);
          // Load connections it took last may still be open beside the slow client's.
          assert.ok(slowBackend!.active >= 1, "the slow client's connection was cut");
          assert.equal(
            await slow.finish(),
            "1.0.0",
            "the slow client on an old replica was cut off",
          );
          const result = await check;
          assert.equal(result.outcome, "deployed", String(result.error));
          await waitFor("the load to reach 1.1.0", () => (load.bodies.get("1.1.0") ?? 0) >= 10);
          // The deploy may finish within a second; keep loading until the sample is big enough.
          await waitFor("300 requests under load", () => load.requests >= 300);
        } finally {
          slow.abort();
          await load.stop();
        }
        console.error(
          `[deploy e2e] load during the deploy: ${load.requests} requests, ${load.errors.length} errors,`,
          Object.fromEntries(load.bodies),
        );
        assert.deepEqual(
          load.errors.slice(0, 5),
          [],
          `${load.errors.length} of ${load.requests} requests failed`,
        );
        assert.ok(load.requests >= 300, `only ${load.requests} requests sent`);
        assert.ok((load.bodies.get("1.0.0") ?? 0) > 0, "no answer from 1.0.0 during the deploy");
        assert.ok((load.bodies.get("1.1.0") ?? 0) > 0, "no answer from 1.1.0 after the deploy");
        for (let i = 0; i < 4; i++) assert.equal(await getOnce(r.proxy.port), "1.1.0");
        const second = await r.running();
        assert.equal(second.length, 2);
        assert.ok(second.every((n) => !first.includes(n)), "old containers still run");
        const all = await r.engine.listContainers({ "dewy.app": r.app }, { all: true });
        assert.equal(all.length, 2, "old containers were not removed");
        assert.equal(r.count("Removing old container"), 2);
      });
    },
  );

  test(
    name(
      "a version failing its health check is rolled back; the old keeps serving; no retry storm",
    ),
    async () => {
      await withRig(socketPath, {
        rollout: { healthTimeoutMs: 3_000 },
        poll: { intervalMs: 1_000 },
      }, async (r) => {
        pushApp(r.repo, "1.1.0");
        await r.manager.start();
        await r.manager.settled();
        const before = await r.running();
        assert.equal(before.length, 2);
        pushApp(r.repo, "1.2.0", "--fail-health");
        // A tick (every second) or this call deploys v1.2.0 and fails; a call during a tick's
        // attempt gets the check after it, which finds the version backing off.
        const result = await r.manager.checkNow();
        assert.ok(["failed", "backoff"].includes(result.outcome), result.outcome);
        assert.equal(r.count("Container deployment failed", "v1.2.0"), 1);
        assert.equal(r.count("Container deployment failed", "did not become healthy"), 1);
        assert.equal((await r.manager.checkNow()).outcome, "backoff");
        assert.deepEqual(await r.running(), before);
        assert.equal(r.proxy.pool.size, 2);
        for (let i = 0; i < 4; i++) assert.equal(await getOnce(r.proxy.port), "1.1.0");
        // Ticks every second: three of them find v1.2.0 backing off (30 s) and do not retry it.
        await waitFor(
          "three ticks during the back-off",
          () => r.count("Deploy of a failed version postponed") >= 3,
          15_000,
        );
        await r.manager.settled();
        assert.equal(
          r.count("Starting container", "v1.2.0"),
          1,
          "v1.2.0 was retried during its back-off",
        );
        const all = await r.engine.listContainers({ "dewy.app": r.app }, { all: true });
        assert.deepEqual(
          all.map((c) => c.name).sort(),
          before,
          "the failed replica was not removed",
        );
        assert.equal(r.manager.status().currentVersion, "v1.1.0");
      });
    },
  );

  test(
    name("a killed replica leaves the rotation and is replaced; shutdown removes every container"),
    async () => {
      await withRig(socketPath, {}, async (r) => {
        pushApp(r.repo, "1.0.0");
        await r.manager.start();
        await r.manager.settled();
        const before = await r.engine.listContainers({ "dewy.app": r.app });
        const victim = before.find((c) => c.labels["dewy.replica"] === "1")!;
        const kill = await runtime.unixFetch(r.socketPath)(
          `http://localhost/containers/${victim.id}/kill`,
          { method: "POST" },
        );
        await kill.body?.cancel();
        assert.equal(kill.status, 204);
        await waitFor(
          "the victim to leave the rotation",
          () => !r.proxy.pool.backends.some((b) => b.label === victim.name),
          5_000,
        );
        await waitFor("a replacement", async () => {
          const now = await r.engine.listContainers({ "dewy.app": r.app });
          return now.length === 2 && !now.some((c) => c.id === victim.id) &&
            r.proxy.pool.size === 2;
        });
        await r.manager.settled();
        const after = await r.engine.listContainers({ "dewy.app": r.app });
        const replacement = after.find((c) =>
          c.id !== before.find((b) => b.labels["dewy.replica"] === "0")!.id
        )!;
        assert.equal(replacement.labels["dewy.replica"], "1");
        assert.equal(replacement.image, victim.image);
        for (let i = 0; i < 4; i++) assert.equal(await getOnce(r.proxy.port), "1.0.0");
        assert.equal(
          (await r.engine.listContainers({ "dewy.app": r.app }, { all: true })).length,
          2,
          "the dead one is left",
        );

        await r.manager.shutdown("SIGTERM");
        assert.equal(r.proxy.pool.size, 0);
        assert.deepEqual(await r.engine.listContainers({ "dewy.app": r.app }, { all: true }), []);
      });
    },
  );

  test(name("a re-pushed tag (new digest, new EXPOSEd port) is redeployed by digest"), async () => {
    await withRig(socketPath, {}, async (r) => {
      const first = pushApp(r.repo, "1.0.0");
      await r.manager.start();
      await r.manager.settled();
      const before = await r.running();
      assert.equal((await r.manager.checkNow()).outcome, "up-to-date");
      const second = pushApp(r.repo, "1.0.0", "--port", "8081");
      assert.notEqual(second, first);
      const result = await r.manager.checkNow();
      assert.equal(result.outcome, "deployed", String(result.error));
      const after = await r.engine.listContainers({ "dewy.app": r.app });
      assert.equal(after.length, 2);
      assert.ok(after.every((c) => c.image.endsWith(`@${second}`) && !before.includes(c.name)));
      const details = await r.engine.inspectContainer(after[0].id);
      assert.ok(details?.ports["8081/tcp"], "the new EXPOSEd port was not published");
      assert.equal(await getOnce(r.proxy.port), "1.0.0");
      assert.equal(r.manager.status().currentDigest, second);
    });
  });

  test(
    name("dewy as root leaves User unset: the image's USER runs, -- -u still wins"),
    { skip: process.getuid?.() !== 0 && "dewy does not run as root here" },
    async () => {
      const userOf = async (r: Rig) => {
        const [container] = await r.engine.listContainers({ "dewy.app": r.app });
        const inspect = await runtime.unixFetch(socketPath)(
          `http://engine/containers/${container.id}/json`,
        );
        return ((await inspect.json()) as { Config: { User: string } }).Config.User;
      };
      await withRig(socketPath, { rollout: { replicas: 1 } }, async (r) => {
        pushApp(r.repo, "1.0.0", "--user", "1234:1234");
        await r.manager.start();
        await r.manager.settled();
        assert.equal(await userOf(r), "1234:1234", "the image's USER was overridden");
        assert.equal(await getOnce(r.proxy.port), "1.0.0");
      });
      await withRig(socketPath, { rollout: { replicas: 1 }, run: { user: "0:0" } }, async (r) => {
        pushApp(r.repo, "1.0.0", "--user", "1234:1234");
        await r.manager.start();
        await r.manager.settled();
        assert.equal(await userOf(r), "0:0", "-u 0:0 was not applied");
      });
    },
  );

  test(name("a restarted manager adopts the running replicas at once"), async () => {
    await withRig(socketPath, {}, async (r) => {
      pushApp(r.repo, "1.0.0");
      await r.manager.start();
      await r.manager.settled();
      const running = await r.running();
      // A second manager (dewy restarted) with its own proxy: serving right after start().
      const proxy = new TcpProxy(runtime, { port: 0, hostname: "127.0.0.1", idleTimeoutMs: 0 });
      await proxy.start();
      const second = new DeployManager({
        settings: e2eConfig(r.repo, proxy.port),
        engine: r.engine,
        registry: await openRegistry(parseImageUrl(`img://${REGISTRY}/${r.repo}`)),
        proxies: new Map([[proxy.port, proxy]]),
        probeTcp: testProbe,
        ...AS_DEWY,
      });
      try {
        await second.start();
        assert.equal(proxy.pool.size, 2);
        assert.equal(await getOnce(proxy.port), "1.0.0");
        assert.equal(second.status().currentVersion, "v1.0.0");
        assert.equal((await second.checkNow()).outcome, "up-to-date");
        assert.deepEqual(await r.running(), running, "the adopted replicas were replaced");
      } finally {
        await second.shutdown("SIGTERM");
        proxy.close();
      }
    });
  });
}

/** What dewy's entry injects: hooks run in its directory, containers as its uid:gid (unset as root). */
const AS_DEWY = {
  runHook: hookRunner(runtime),
  user: defaultContainerUser(runtime.uid(), runtime.gid()),
};

/** The registry of `image` with the test process's credentials, as dewy opens it. */
function openRegistry(image: ImageRef) {
  return openImageRegistry(image, { sources: { env: runtime.env, homeDir: homedir() } });
}

/** The config of a manager for `repo` behind a proxy on `proxyPort`. */
function e2eConfig(
  repo: string,
  proxyPort: number,
  overrides: ConfigOverrides = {},
): ContainerConfig {
  return testConfig({
    app: repo,
    image: parseImageUrl(`img://${REGISTRY}/${repo}`),
    ports: [{ proxyPort, containerPort: 0 }],
    admin: { port: 0 },
    log: { level: "debug" },
    ...overrides,
    rollout: { healthTimeoutMs: 10_000, drainMs: 5_000, ...overrides.rollout },
  });
}
