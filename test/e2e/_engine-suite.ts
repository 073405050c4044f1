/**
 * The engine client's e2e suite, registered once per engine: `engine.test.ts` runs it
 * against `ENGINE_SOCK` (docker by default), `engine-podman.test.ts` against `PODMAN_SOCK`.
 * Needs `eval "$(bash test/services/engine-up.sh)"` (WITH_PODMAN=1 for podman).
 *
 * The tests are flat and share one container through module state, in order: pull → create
 * → start → inspect → HTTP → list → events/stop → remove → images.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { runtime } from "../_runtime.ts";
import { DockerEngineClient } from "../../src/engine/client.ts";
import { EngineError } from "../../src/engine/errors.ts";
import type { EngineEvent, PullProgress } from "../../src/engine/types.ts";
import type { RunOptions } from "../../src/engine/types.ts";

const SERVICES = new URL("../services/", import.meta.url).pathname;

/** Run-time budget of one wait loop in these tests. */
const WAIT_MS = 15_000;

/** Poll `probe` every 100 ms until it returns a value, at most {@link WAIT_MS}. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what} (last error: ${last})`);
}

function runOptions(overrides: Partial<RunOptions> = {}): RunOptions {
  return { env: [], binds: [], extraHosts: [], labels: {}, ...overrides };
}

/**
 * Register the suite for the engine at `socketPath` (`undefined`: every test fails with how
 * to start it). `kind` only names the tests.
 */
export function engineSuite(kind: string, socketPath: string | undefined, missing: string): void {
  const registry = process.env.TEST_REGISTRY ?? "127.0.0.1:5000";
  const run = `${runtime.name}-${kind}-${Date.now().toString(36)}${
    Math.random().toString(36).slice(2, 6)
  }`;
  const repo = `enginetest-${run}`;
  const image = `${registry}/${repo}`;
  const version = "1.2.3";
  const labels = { "dewy.test": run, "dewy.app": repo };
  let shared: DockerEngineClient | undefined;
  const engine = () => {
    if (!socketPath) throw new Error(missing);
    return shared ??= new DockerEngineClient({ runtime, socketPath });
  };
  let digest = "";
  let containerId = "";

  test(`engine(${kind}): ping and version negotiate API 1.41`, async () => {
    const client = engine();
    await client.ping();
    const info = await client.version();
    assert.equal(info.apiVersion, "1.41");
    assert.match(info.name, kind === "podman" ? /Podman/ : /Engine/);
    assert.ok(info.version.length > 0);
  });

  test(`engine(${kind}): pull by tag reports progress and inspects the image`, async () => {
    digest = execFileSync("bash", [`${SERVICES}push-app.sh`, repo, version], { encoding: "utf8" })
      .trim();
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const client = engine();
    assert.equal(await client.inspectImage(`${image}:v${version}`), undefined);
    const events: PullProgress[] = [];
    await client.pull(`${image}:v${version}`, { onProgress: (p) => events.push(p) });
    assert.ok(events.length > 0, "no progress events");
    assert.ok(
      events.some((e) => e.layer !== undefined),
      `no layer events in ${JSON.stringify(events)}`,
    );
    const inspected = await client.inspectImage(`${image}:v${version}`);
    assert.ok(inspected, "image missing after pull");
    assert.deepEqual(inspected.exposedTcpPorts, [8080]);
    assert.ok(
      inspected.repoDigests.includes(`${image}@${digest}`),
      JSON.stringify(inspected.repoDigests),
    );
  });

  test(`engine(${kind}): pull by digest`, async () => {
    const client = engine();
    await client.pull(`${image}@${digest}`);
    const inspected = await client.inspectImage(`${image}@${digest}`);
    assert.ok(inspected?.repoDigests.includes(`${image}@${digest}`));
  });

  test(`engine(${kind}): pull from a registry with basic auth sends X-Registry-Auth`, async () => {
    const authRegistry = process.env.TEST_AUTH_REGISTRY ?? "127.0.0.1:5002";
    const ref = `${authRegistry}/${repo}:v${version}`;
    const client = engine();
    const refused = await client.pull(ref).then(() => undefined, (e) => e);
    assert.ok(refused instanceof EngineError, `pull without credentials: ${refused}`);
    assert.match(refused.message, /unauthorized|authentication required|no basic auth/i);
    const auth = {
      username: process.env.TEST_AUTH_USER ?? "dewy",
      password: process.env.TEST_AUTH_PASSWORD ?? "dewy-secret",
      serveraddress: authRegistry,
    };
    await client.pull(ref, { auth });
    const inspected = await client.inspectImage(ref);
    assert.ok(
      inspected?.repoDigests.includes(`${authRegistry}/${repo}@${digest}`),
      JSON.stringify(inspected),
    );
    await client.removeImage(ref);
  });

  test(`engine(${kind}): create with labels, env and a random 127.0.0.1 port`, async () => {
    containerId = await engine().createContainer({
      name: `${repo}-0`,
      image: `${image}@${digest}`,
      labels,
      publish: [8080],
      cmd: [],
      options: runOptions({
        env: ["EXTRA=1"],
        labels: { "user.label": "x" },
        restart: { name: "no" },
      }),
    });
    assert.match(containerId, /^[0-9a-f]{64}$/);
  });

  test(`engine(${kind}): a second container of the same name is an EngineError naming it`, async () => {
    const spec = {
      name: `${repo}-0`,
      image: `${image}@${digest}`,
      labels,
      publish: [],
      cmd: [],
      options: runOptions(),
    };
    const error = await engine().createContainer(spec).then(() => undefined, (e) => e);
    assert.ok(error instanceof EngineError, String(error));
    // Podman 4.3 answers a name conflict with 500 instead of Docker's 409.
    assert.equal(error.status, kind === "podman" ? 500 : 409);
    assert.match(
      error.message,
      new RegExp(`^Engine refused to create container ${repo}-0: ${error.status} .*already in use`),
    );
  });

  test(`engine(${kind}): start, inspect ports as numbers on 127.0.0.1, HTTP answers the version`, async () => {
    const client = engine();
    await client.startContainer(containerId);
    await client.startContainer(containerId); // already running: not an error
    const details = await client.inspectContainer(containerId);
    assert.ok(details);
    assert.equal(details.state, "running");
    assert.equal(details.name, `${repo}-0`);
    assert.equal(details.labels["dewy.test"], run);
    assert.equal(details.labels["user.label"], "x");
    assert.notEqual(details.startedAt, "");
    const port = details.ports["8080/tcp"];
    assert.equal(port?.hostIp, "127.0.0.1");
    assert.equal(typeof port.hostPort, "number");
    assert.ok(port.hostPort > 0);
    const body = await waitFor("the app to answer", async () => {
      const response = await fetch(`http://127.0.0.1:${port.hostPort}/`);
      return response.ok ? await response.text() : undefined;
    });
    assert.equal(body.trim(), version);
  });

  test(`engine(${kind}): listContainers by label`, async () => {
    const client = engine();
    const mine = await client.listContainers(labels);
    assert.deepEqual(mine.map((c) => c.id), [containerId]);
    assert.equal(mine[0].name, `${repo}-0`);
    assert.equal(mine[0].state, "running");
    assert.equal(mine[0].labels["dewy.app"], repo);
    assert.deepEqual(await client.listContainers({ ...labels, "dewy.test": "other" }), []);
  });

  /** Create (not start) `<repo>-<replica>` from the test image, labelled `dewy.replica`. */
  function createReplica(client: DockerEngineClient, replica: string, env: string[] = []) {
    return client.createContainer({
      name: `${repo}-${replica}`,
      image: `${image}@${digest}`,
      labels: { ...labels, "dewy.replica": replica },
      publish: [8080],
      cmd: [],
      options: runOptions({ env }),
    });
  }

  /**
   * Subscribe to the events of `filter` and wait until the engine delivers them: `create`
   * makes a container with those labels, whose create event proves the subscription is live
   * (engines do not replay events from before it).
   */
  async function subscribe(
    client: DockerEngineClient,
    filter: Record<string, string>,
    create: () => Promise<string>,
  ) {
    const seen: EngineEvent[] = [];
    const abort = new AbortController();
    const streaming = client.events(filter, (e) => seen.push(e), abort.signal);
    streaming.catch(() => {}); // surfaces through close()
    try {
      const created = await create();
      await waitFor(
        "the create event",
        () => seen.find((e) => e.action === "create" && e.id === created),
      );
      return {
        seen,
        created,
        close: async () => {
          abort.abort();
          await streaming;
        },
      };
    } catch (error) {
      abort.abort();
      throw error;
    }
  }

  test(`engine(${kind}): events report die when the container stops; stop is quick`, async () => {
    const client = engine();
    const events = await subscribe(client, labels, () => createReplica(client, "probe"));
    try {
      await client.removeContainer(events.created);
      const started = Date.now();
      await client.stopContainer(containerId, 10);
      assert.ok(Date.now() - started < 5_000, "stop took the full timeout: TERM ignored?");
      const die = await waitFor(
        "a die event",
        () => events.seen.find((e) => e.action === "die" && e.id === containerId),
      );
      assert.equal(die.labels["dewy.test"], run);
    } finally {
      await events.close();
    }
    const details = await client.inspectContainer(containerId);
    assert.equal(details?.state, "exited");
    await client.stopContainer(containerId, 10); // already stopped: not an error
  });

  test(`engine(${kind}): a crashing container reports die and its exit code`, async () => {
    const client = engine();
    const crashLabels = { ...labels, "dewy.replica": "crash" };
    const events = await subscribe(
      client,
      crashLabels,
      () => createReplica(client, "crash", ["APP_CRASH=1"]),
    );
    const crashed = events.created;
    try {
      await client.startContainer(crashed);
      const die = await waitFor(
        "a die event",
        () => events.seen.find((e) => e.action === "die" && e.id === crashed),
      );
      assert.equal(die.labels["dewy.replica"], "crash");
    } finally {
      await events.close();
    }
    const details = await waitFor("the exited state", async () => {
      const d = await client.inspectContainer(crashed);
      return d?.state === "exited" ? d : undefined;
    });
    assert.equal(details.exitCode, 1);
    assert.equal(details.oomKilled, false);
    // What it wrote to stderr, unframed from the engine's multiplexed log stream.
    assert.equal(await client.containerLogs(crashed, 30), "APP_CRASH=1: exiting with status 1\n");
    await client.removeContainer(crashed);
  });

  test(`engine(${kind}): remove, then inspect is undefined and repeats are no-ops`, async () => {
    const client = engine();
    await client.removeContainer(containerId);
    assert.equal(await client.inspectContainer(containerId), undefined);
    await client.removeContainer(containerId);
    await client.stopContainer(containerId, 1);
    assert.deepEqual(await client.listContainers(labels, { all: true }), []);
  });

  test(`engine(${kind}): listImages by repository, removeImage`, async () => {
    const client = engine();
    const images = await client.listImages(image);
    assert.equal(images.length, 1, JSON.stringify(images));
    assert.equal(images[0].id, (await client.inspectImage(`${image}@${digest}`))?.id);
    assert.ok(images[0].created > 1_600_000_000);
    await client.removeImage(images[0].id);
    assert.deepEqual(await client.listImages(image), []);
    await client.removeImage(images[0].id); // already gone: not an error
  });

  test(`engine(${kind}): pulling an image that does not exist is an EngineError naming it`, async () => {
    const missingImage = `${registry}/${repo}-missing:v9.9.9`;
    const error = await engine().pull(missingImage).then(() => undefined, (e) => e);
    assert.ok(error instanceof EngineError, String(error));
    assert.match(
      error.message,
      new RegExp(`pull ${missingImage.replace(/[.]/g, "\\.")}: .*(manifest unknown|not found)`),
    );
  });

  test(`engine(${kind}): creating from an absent image is an EngineError 404`, async () => {
    const spec = {
      name: `${repo}-absent`,
      image: `${registry}/${repo}-absent:v0`,
      labels,
      publish: [],
      cmd: [],
      options: runOptions(),
    };
    const error = await engine().createContainer(spec).then(() => undefined, (e) => e);
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.status, 404);
    assert.match(error.message, /^Engine refused to create container .*-absent: 404 /);
  });

  test(`engine(${kind}): cleanup of everything this suite made`, async () => {
    const client = engine();
    for (const c of await client.listContainers(labels, { all: true })) {
      await client.removeContainer(c.id);
    }
    for (const i of await client.listImages(image)) await client.removeImage(i.id);
    assert.deepEqual(await client.listContainers(labels, { all: true }), []);
    if (digest) {
      const deleted = await fetch(`http://${registry}/v2/${repo}/manifests/${digest}`, {
        method: "DELETE",
      });
      await deleted.body?.cancel();
      assert.equal(
        deleted.status,
        202,
        "could not delete the pushed test manifest from the registry",
      );
    }
  });
}
