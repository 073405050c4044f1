/**
 * e2e: the test app and `test/services/push-app.sh` that every deploy e2e test relies on,
 * checked on the real engine of `ENGINE_SOCK` through the engine client: the version is
 * served, `--fail-health` / `APP_FAIL_HEALTH=1` fail `/health`, `--crash` exits 1,
 * `--port` moves and EXPOSEs the port, and SIGTERM stops it in well under a second.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { runtime } from "../_runtime.ts";
import { DockerEngineClient } from "../../src/engine/client.ts";

const SOCKET = process.env.ENGINE_SOCK;
const REGISTRY = process.env.TEST_REGISTRY ?? "127.0.0.1:5000";
const RUN = `${runtime.name}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const REPO = `enginetest-app-${RUN}`;
const LABELS = { "dewy.test": `app-${RUN}` };
/** Digests pushed to the registry by this file, deleted again by {@link cleanup}. */
const pushed: string[] = [];

function engine(): DockerEngineClient {
  if (!SOCKET) {
    throw new Error('ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first');
  }
  return new DockerEngineClient({ runtime, socketPath: SOCKET });
}

/** push-app.sh REPO VERSION FLAGS → the pulled `repo@digest` reference. */
async function pushAndPull(version: string, flags: string[] = []): Promise<string> {
  const script = new URL("../services/push-app.sh", import.meta.url).pathname;
  const digest = execFileSync("bash", [script, REPO, version, ...flags], { encoding: "utf8" })
    .trim();
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  pushed.push(digest);
  const ref = `${REGISTRY}/${REPO}@${digest}`;
  await engine().pull(ref);
  return ref;
}

/** Create and start a container of `image`, publishing `port`; returns its id and host port. */
async function run(
  image: string,
  port: number,
  env: string[] = [],
): Promise<{ id: string; hostPort: number }> {
  const client = engine();
  const id = await client.createContainer({
    name: `${REPO}-${Math.random().toString(36).slice(2, 8)}`,
    image,
    labels: LABELS,
    publish: [port],
    cmd: [],
    options: { env, binds: [], extraHosts: [], labels: {} },
  });
  await client.startContainer(id);
  const details = await client.inspectContainer(id);
  return { id, hostPort: details?.ports[`${port}/tcp`]?.hostPort ?? 0 };
}

/** GET `path` on the app until it answers (at most 10 s); returns status and body. */
async function get(hostPort: number, path: string): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${hostPort}${path}`);
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function cleanup(): Promise<void> {
  const client = engine();
  for (const c of await client.listContainers(LABELS, { all: true })) {
    await client.removeContainer(c.id);
  }
  for (const i of await client.listImages(`${REGISTRY}/${REPO}`)) await client.removeImage(i.id);
  for (const digest of pushed.splice(0)) {
    const deleted = await fetch(`http://${REGISTRY}/v2/${REPO}/manifests/${digest}`, {
      method: "DELETE",
    });
    await deleted.body?.cancel();
  }
}

test("test app: serves its version and /health, stops quickly on SIGTERM", async () => {
  try {
    const image = await pushAndPull("4.0.0");
    const { id, hostPort } = await run(image, 8080);
    assert.deepEqual(await get(hostPort, "/"), { status: 200, body: "4.0.0\n" });
    assert.deepEqual(await get(hostPort, "/health"), { status: 200, body: "ok\n" });
    const started = Date.now();
    await engine().stopContainer(id, 10);
    // Well under the 10 s stop timeout (an ignored SIGTERM), with room for a loaded engine.
    assert.ok(Date.now() - started < 8_000, `stop took ${Date.now() - started} ms`);
    assert.equal((await engine().inspectContainer(id))?.exitCode, 0);
  } finally {
    await cleanup();
  }
});

test("test app: APP_FAIL_HEALTH=1 at run time and --fail-health baked in both fail /health", async () => {
  try {
    const healthy = await pushAndPull("4.1.0");
    const byEnv = await run(healthy, 8080, ["APP_FAIL_HEALTH=1"]);
    assert.equal((await get(byEnv.hostPort, "/health")).status, 404);
    const baked = await pushAndPull("4.2.0", ["--fail-health"]);
    const byImage = await run(baked, 8080);
    assert.equal((await get(byImage.hostPort, "/health")).status, 404);
    assert.deepEqual(await get(byImage.hostPort, "/"), { status: 200, body: "4.2.0\n" });
  } finally {
    await cleanup();
  }
});

test("test app: --crash exits 1 at start", async () => {
  try {
    const image = await pushAndPull("4.3.0", ["--crash"]);
    const { id } = await run(image, 8080);
    const deadline = Date.now() + 10_000;
    let details = await engine().inspectContainer(id);
    while (details?.state !== "exited" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      details = await engine().inspectContainer(id);
    }
    assert.equal(details?.state, "exited");
    assert.equal(details?.exitCode, 1);
  } finally {
    await cleanup();
  }
});

test("test app: --port moves the listen port and the EXPOSE", async () => {
  try {
    const image = await pushAndPull("4.4.0", ["--port", "9090"]);
    assert.deepEqual((await engine().inspectImage(image))?.exposedTcpPorts, [9090]);
    const { hostPort } = await run(image, 9090);
    assert.deepEqual(await get(hostPort, "/"), { status: 200, body: "4.4.0\n" });
  } finally {
    await cleanup();
  }
});
