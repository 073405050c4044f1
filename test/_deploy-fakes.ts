/**
 * Test doubles for the deploy manager's unit tests: an in-memory container engine whose
 * "containers" are real HTTP servers on 127.0.0.1 (so health probes and the proxy are real),
 * a settable registry, a recording pool, and a config builder.
 *
 * @module
 */
import { runtime } from "./_runtime.ts";
import type {
  ContainerDetails,
  ContainerSummary,
  CreateContainerSpec,
  Engine,
  EngineEvent,
  ImageSummary,
  PullProgress,
} from "../src/engine/types.ts";
import type { HttpServer } from "../src/runtime/types.ts";
import type { ImageRegistry, LatestImage } from "../src/registry/types.ts";
import { RegistryNotFoundError } from "../src/registry/errors.ts";
import type { Backend } from "../src/proxy/backend.ts";
import { BackendPool } from "../src/proxy/pool.ts";
import type { ManualClock } from "../src/deploy/clock.ts";

/** An image the fake registry can serve and the fake engine can run. */
export interface FakeImage {
  /** Text served at `/`. */
  version: string;
  /** `/health` answers 404. */
  failHealth?: boolean;
  /** The container exits with code 1 at start. */
  crash?: boolean;
  /** Exposed TCP ports (default [8080]). */
  exposed?: number[];
}

interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: string;
  exitCode: number;
  startedAt: string;
  publish: number[];
  server?: HttpServer;
  spec: CreateContainerSpec;
}

let nextId = 0;

/** An in-memory {@link Engine}; every operation is appended to {@link FakeEngine.log}. */
export class FakeEngine implements Engine {
  /** Images pullable from "the registry", by pinned reference. */
  readonly remote = new Map<string, FakeImage>();
  /** Images present on the engine. */
  readonly local = new Map<string, FakeImage & { id: string; created: number }>();
  readonly containers = new Map<string, FakeContainer>();
  /** `create <name>`, `start <name>`, `stop <name>`, `remove <name>`, `pull <ref>`, `kill <name>`. */
  readonly log: string[];
  /** When set, every call rejects with it (engine down). */
  down: Error | undefined;
  /** Every app server started, so that {@link close} stops them all whatever became of them. */
  #servers = new Set<HttpServer>();
  #listeners = new Set<{ labels: Record<string, string>; onEvent: (e: EngineEvent) => void }>();

  /** @param log shared timeline (pools append to it too) */
  constructor(log: string[] = []) {
    this.log = log;
  }

  /** Rejects when the engine is {@link down}. */
  #check(): Promise<void> {
    return this.down ? Promise.reject(this.down) : Promise.resolve();
  }

  async ping(): Promise<void> {
    await this.#check();
  }
  async version() {
    await this.#check();
    return { name: "Fake Engine", version: "0", apiVersion: "1.41" };
  }
  async pull(image: string, options?: { onProgress?: (p: PullProgress) => void }): Promise<void> {
    await this.#check();
    this.log.push(`pull ${image}`);
    const found = this.remote.get(image);
    if (!found) throw new Error(`manifest for ${image} not found`);
    options?.onProgress?.({ layer: "l1", status: "Downloading", current: 10, total: 20 });
    options?.onProgress?.({ layer: "l1", status: "Pull complete" });
    this.local.set(image, { ...found, id: `img-${++nextId}`, created: nextId });
  }
  async inspectImage(image: string) {
    await this.#check();
    const found = this.local.get(image);
    return found &&
      { id: found.id, exposedTcpPorts: found.exposed ?? [8080], repoDigests: [image] };
  }
  async listContainers(
    labels: Record<string, string>,
    options?: { all?: boolean },
  ): Promise<ContainerSummary[]> {
    await this.#check();
    return [...this.containers.values()]
      .filter((c) => (options?.all || c.state === "running") && matches(c.labels, labels))
      .map((c) => ({ id: c.id, name: c.name, image: c.image, state: c.state, labels: c.labels }));
  }
  async createContainer(spec: CreateContainerSpec): Promise<string> {
    await this.#check();
    if ([...this.containers.values()].some((c) => c.name === spec.name)) {
      throw new Error(`Conflict. The container name "/${spec.name}" is already in use`);
    }
    if (!this.local.has(spec.image)) throw new Error(`No such image: ${spec.image}`);
    const id = `c${++nextId}`.padEnd(64, "0");
    this.containers.set(id, {
      id,
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      state: "created",
      exitCode: 0,
      startedAt: "",
      publish: spec.publish,
      spec,
    });
    this.log.push(`create ${spec.name}`);
    return id;
  }
  async startContainer(id: string): Promise<void> {
    await this.#check();
    const c = this.#get(id);
    const image = this.local.get(c.image)!;
    this.log.push(`start ${c.name}`);
    c.startedAt = new Date().toISOString();
    if (image.crash) {
      c.state = "exited";
      c.exitCode = 1;
      this.#emit("die", c);
      return;
    }
    await c.server?.close(); // a restart: the old process's server goes
    c.server = await this.#serve(image);
    c.state = "running";
  }
  async #serve(image: { version: string; failHealth?: boolean }): Promise<HttpServer> {
    const server = await runtime.serveHttp({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const path = new URL(request.url).pathname;
        if (path === "/health") {
          return new Response(image.failHealth ? "no" : "ok", {
            status: image.failHealth ? 404 : 200,
          });
        }
        return new Response(`${image.version}\n`);
      },
    });
    const tracked: HttpServer = {
      port: server.port,
      close: () => (this.#servers.delete(tracked), server.close()),
    };
    this.#servers.add(tracked);
    return tracked;
  }
  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    await this.#check();
    const c = this.containers.get(id);
    if (!c) return undefined;
    const ports: ContainerDetails["ports"] = {};
    if (c.server) {
      for (const p of c.publish) {
        ports[`${p}/tcp`] = { hostIp: "127.0.0.1", hostPort: c.server.port };
      }
    }
    return {
      id: c.id,
      name: c.name,
      image: c.image,
      state: c.state,
      labels: c.labels,
      ports,
      startedAt: c.startedAt,
      exitCode: c.exitCode,
      oomKilled: false,
      restartCount: 0,
    };
  }
  /** A crashing image "printed" why; every other container printed its version at start. */
  async containerLogs(id: string): Promise<string> {
    await this.#check();
    const c = this.#get(id);
    const image = this.local.get(c.image)!;
    return image.crash
      ? "listening on :8080\nfatal: DATABASE_URL is not set\n"
      : `serving ${image.version}\n`;
  }
  async stopContainer(id: string): Promise<void> {
    await this.#check();
    const c = this.containers.get(id);
    if (!c) return;
    this.log.push(`stop ${c.name}`);
    await this.#exit(c, 0);
  }
  async removeContainer(id: string): Promise<void> {
    await this.#check();
    const c = this.containers.get(id);
    if (!c) return;
    this.log.push(`remove ${c.name}`);
    await this.#exit(c, 137);
    this.containers.delete(id);
    this.#emit("destroy", c);
  }
  async events(
    labels: Record<string, string>,
    onEvent: (e: EngineEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#check();
    const listener = { labels, onEvent };
    this.#listeners.add(listener);
    await new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true })
    );
    this.#listeners.delete(listener);
  }
  async listImages(): Promise<ImageSummary[]> {
    await this.#check();
    return [...this.local.values()].map((i) => ({
      id: i.id,
      created: i.created,
    }));
  }
  async removeImage(id: string): Promise<void> {
    await this.#check();
    for (const [ref, i] of this.local) if (i.id === id) this.local.delete(ref);
  }

  /** Kill a container behind the manager's back (like `docker kill`). */
  async kill(name: string): Promise<void> {
    const c = [...this.containers.values()].find((x) => x.name === name)!;
    this.log.push(`kill ${c.name}`);
    await this.#exit(c, 137);
  }

  /** Remove a container without any event (as if the event stream had missed it). */
  async vanish(name: string): Promise<void> {
    const c = [...this.containers.values()].find((x) => x.name === name)!;
    this.log.push(`vanish ${c.name}`);
    await c.server?.close();
    this.containers.delete(c.id);
  }

  /** Names of running containers, sorted. */
  running(): string[] {
    return [...this.containers.values()].filter((c) => c.state === "running").map((c) => c.name)
      .sort();
  }

  /** The create spec of a container by name. */
  spec(name: string): CreateContainerSpec {
    return [...this.containers.values()].find((c) => c.name === name)!.spec;
  }

  /** Stop every server still running (test clean-up). */
  async close(): Promise<void> {
    for (const server of [...this.#servers]) await server.close();
  }

  /** Run a container as if an earlier dewy had started it. */
  async seed(name: string, image: string, labels: Record<string, string>): Promise<string> {
    const id = await this.createContainer({
      name,
      image,
      labels,
      publish: [8080],
      cmd: [],
      options: { env: [], binds: [], extraHosts: [], labels: {} },
    });
    await this.startContainer(id);
    return id;
  }

  async #exit(c: FakeContainer, code: number): Promise<void> {
    if (c.state !== "running") return;
    await c.server?.close();
    c.server = undefined;
    c.state = "exited";
    c.exitCode = code;
    this.#emit("die", c);
  }

  #get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return c;
  }

  #emit(action: string, c: FakeContainer): void {
    for (const l of this.#listeners) {
      if (matches(c.labels, l.labels)) l.onEvent({ action, id: c.id, labels: c.labels });
    }
  }
}

function matches(have: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** A registry whose newest image the test sets; `latest()` can be made to fail or block. */
export class FakeRegistry implements ImageRegistry {
  current: LatestImage | undefined;
  /** When set, `latest()` rejects with it. */
  failure: Error | undefined;
  /** When set, `latest()` waits for it. */
  gate: Promise<void> | undefined;
  calls = 0;
  /** Every image offered so far, by tag (what `resolve()` finds). */
  offered = new Map<string, LatestImage>();

  /** Offer `tag` with `digest` (pinned reference `127.0.0.1:5000/app@digest`). */
  offer(tag: string, digest: string): LatestImage {
    this.current = {
      tag,
      digest,
      registry: "127.0.0.1:5000",
      repository: "app",
      reference: `127.0.0.1:5000/app:${tag}`,
      pinnedReference: `127.0.0.1:5000/app@${digest}`,
    };
    this.offered.set(tag, this.current);
    return this.current;
  }

  resolve(tag: string): Promise<LatestImage> {
    const image = this.offered.get(tag);
    if (!image) return Promise.reject(new RegistryNotFoundError(`tag not found: app:${tag}`));
    return Promise.resolve(image);
  }

  async latest(signal?: AbortSignal): Promise<LatestImage> {
    this.calls++;
    if (this.gate) {
      await Promise.race([
        this.gate,
        new Promise((_, reject) =>
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true })
        ),
      ]);
    }
    if (this.failure) throw this.failure;
    if (!this.current) throw new Error("no tags");
    return this.current;
  }

  pullAuth() {
    return undefined;
  }
}

/** Publish `image` as `tag` on both fakes; returns the pinned reference. */
export function publish(
  engine: FakeEngine,
  registry: FakeRegistry,
  tag: string,
  image: FakeImage,
): string {
  const digest = `sha256:${tag.replace(/\W/g, "")}${Math.random().toString(16).slice(2)}`.padEnd(
    71,
    "0",
  );
  const latest = registry.offer(tag, digest);
  engine.remote.set(latest.pinnedReference, image);
  return latest.pinnedReference;
}

/** A pool that appends `add <label>` / `remove <label>` to a shared timeline. */
export class RecordingPool extends BackendPool {
  #log: string[];
  /** @param log shared timeline */
  constructor(log: string[]) {
    super();
    this.#log = log;
  }
  override add(backend: Backend): Backend {
    this.#log.push(`add ${backend.label}`);
    return super.add(backend);
  }
  override remove(backend: Backend): boolean {
    const removed = super.remove(backend);
    if (removed) this.#log.push(`remove ${backend.label}`);
    return removed;
  }
}

/**
 * Advance `clock` a second at a time until `promise` settles. Before each step the code under
 * test gets real time for its I/O, until it sleeps on the clock again (at most 2 s), so a slow
 * probe on a loaded machine never sees time jump while it is still in flight. `background` is
 * the number of sleeps that are always pending besides (1 for a started manager's tick).
 */
export async function drive<T>(
  clock: ManualClock,
  promise: Promise<T>,
  background = 0,
  maxSteps = 400,
): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => {}); // rejections reach the caller through the returned promise
  for (let i = 0; i < maxSteps && !settled; i++) {
    const patience = Date.now() + 2_000;
    do await new Promise((resolve) => setTimeout(resolve, 5)); while (
      !settled && clock.pendingSleeps <= background && Date.now() < patience
    );
    if (!settled) await clock.advance(1_000);
  }
  return watched;
}

/** Poll `condition` (real time, bounded) until it holds. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
