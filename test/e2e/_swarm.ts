/**
 * Swarm mode on the shared test engine, for the `dewy service` tests: join (or reuse) a
 * one-node swarm, create and remove services with the docker CLI, wait for their tasks, and
 * leave the swarm once no service is left, so that other tests see a plain engine again.
 *
 * Other helpers share this engine: only services named by the caller are removed, and the
 * swarm is left only when it holds no other service. Runs of these tests on one host take
 * turns ({@link lockSwarm}), so that one run's leave never pulls the swarm from under another.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { engineApi, engineSocket, run, type RunResult, sleep } from "./_ship.ts";

/** The docker CLI (the `docker` package of the test machine). */
export const DOCKER_CLI = "/usr/bin/docker";

/** Run the docker CLI against the test engine. */
export function docker(args: string[], timeoutMs = 60_000): RunResult {
  return run(DOCKER_CLI, args, { env: { DOCKER_HOST: `unix://${engineSocket()}` }, timeoutMs });
}

/**
 * `{ skip }` when the test engine cannot run Swarm mode: it refuses to join a swarm while
 * live-restore is on (see the README), or no engine is set up; else `{}`.
 */
export function swarmAvailable(): { skip?: string } {
  if (!process.env.ENGINE_SOCK) return { skip: "ENGINE_SOCK not set: run engine-up.sh" };
  const info = engineApi("GET", "/info") as { LiveRestoreEnabled?: boolean };
  if (!info.LiveRestoreEnabled) return {};
  const skip = "the test engine runs with live-restore, which Swarm mode refuses";
  console.warn(`SKIP the dewy service tests: ${skip}`);
  return { skip };
}

/** The engine's Swarm state (`inactive`, `active`, ...) and whether it is a manager. */
export function swarmState(): { state: string; manager: boolean } {
  const info = engineApi("GET", "/info") as {
    Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
  };
  return {
    state: info.Swarm?.LocalNodeState ?? "inactive",
    manager: info.Swarm?.ControlAvailable === true,
  };
}

/** Held while a run uses the swarm: another run's leave must not pull it from under this one. */
const LOCK_DIR = join(tmpdir(), "dewy-swarm-tests.lock");
/**
 * How long a run waits for another run's swarm tests (one runtime's pass takes 1.5 to 2.5
 * minutes): under the 3 minutes `test/run.sh` gives one test on Bun.
 */
const LOCK_WAIT_MS = 170_000;

/** Whether process `pid` lives. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Wait until no other run of these tests uses the swarm, then hold it (released by
 * {@link leaveSwarm}). A lock whose process is gone (a killed run) is taken over. Resolves
 * false when another run still holds it after {@link LOCK_WAIT_MS}: this run then shares the
 * swarm and leaves it to that run to leave.
 */
export async function lockSwarm(): Promise<boolean> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, "pid"), String(process.pid));
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
    const owner = Number(readFileSafe(join(LOCK_DIR, "pid")));
    if (owner === process.pid) return true;
    if (owner > 0 && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
    else if (Date.now() > deadline) {
      console.warn(`another run (pid ${owner}) still holds ${LOCK_DIR}: sharing its swarm`);
      return false;
    } else await sleep(1_000);
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // being written or removed by its owner: asked again in a second
  }
}

/**
 * Make the engine a one-node swarm manager on 127.0.0.1. A swarm left by an earlier run (or
 * made by a concurrent one) is used as it is.
 */
export function joinSwarm(): void {
  if (swarmState().manager) return;
  const result = docker(["swarm", "init", "--advertise-addr", "127.0.0.1"]);
  if (result.code !== 0 && !/already part of a swarm/.test(result.stderr)) {
    assert.fail(`docker swarm init failed: ${result.stderr.trim()}`);
  }
  assert.ok(swarmState().manager, "the engine is not a swarm manager after docker swarm init");
}

/** Prefix of every service these tests create. */
export const SERVICE_PREFIX = "f18-";

/** A run of these tests is over well before this: older services of theirs were left behind. */
const STALE_AFTER_MS = 30 * 60_000;

/**
 * Remove `services` (missing ones are fine) and test services a killed run left behind, then
 * leave the swarm unless another service still lives in it. Never throws: it runs last.
 */
export function leaveSwarm(services: readonly string[]): void {
  try {
    for (const name of services) docker(["service", "rm", name]);
    if (readFileSafe(join(LOCK_DIR, "pid")) !== String(process.pid)) {
      console.warn("swarm kept: another run of these tests holds it");
      return;
    }
    const listed = engineApi("GET", "/services") as { Spec: { Name: string }; CreatedAt: string }[];
    const left = listed.filter(({ Spec, CreatedAt }) => {
      const stale = Spec.Name.startsWith(SERVICE_PREFIX) &&
        Date.now() - Date.parse(CreatedAt) > STALE_AFTER_MS;
      if (stale) docker(["service", "rm", Spec.Name]);
      return !stale;
    });
    if (left.length > 0) {
      console.warn(`swarm kept: ${left.length} other service(s) still run in it`);
      return;
    }
    const result = docker(["swarm", "leave", "--force"]);
    if (result.code !== 0 && !/not part of a swarm/.test(result.stderr)) {
      console.warn(`docker swarm leave failed: ${result.stderr.trim()}`);
    }
  } catch (error) {
    console.warn(`leaving the swarm: ${(error as Error).message}`);
  }
}

/** Let the next run of these tests have the swarm (after {@link leaveSwarm} and its checks). */
export function unlockSwarm(): void {
  if (readFileSafe(join(LOCK_DIR, "pid")) === String(process.pid)) {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Options of {@link createService}. */
export interface ServiceOptions {
  /** Host port published in host mode for the app's 8080 (none when absent). */
  port?: number;
  /** Replicas (default 1). */
  replicas?: number;
  /** Extra `docker service create` flags. */
  extra?: string[];
}

/** `docker service create -d` a stop-first service of `image`; fails the test when refused. */
export function createService(name: string, image: string, options: ServiceOptions = {}): void {
  const args = [
    "service",
    "create",
    "-d",
    "--name",
    name,
    "--replicas",
    String(options.replicas ?? 1),
    "--update-order",
    "stop-first",
    ...(options.port ? ["--publish", `mode=host,target=8080,published=${options.port}`] : []),
    ...(options.extra ?? []),
    image,
  ];
  const result = docker(args);
  assert.equal(result.code, 0, `docker service create ${name}: ${result.stderr}`);
}

/** A service as the engine API shows it (only what the tests read). */
export interface ServiceView {
  ID: string;
  Version: { Index: number };
  Spec: {
    TaskTemplate: { ContainerSpec: { Image: string } };
    Mode: { Replicated?: { Replicas: number } };
    UpdateConfig?: { FailureAction?: string; Monitor?: number; Order?: string };
  };
  UpdateStatus?: { State: string };
}

/** `GET /services/{name}`. */
export function inspectService(name: string): ServiceView {
  return engineApi("GET", `/services/${name}`) as ServiceView;
}

/** Images of the tasks of `name` that run now. */
export function runningTaskImages(name: string): string[] {
  const filters = encodeURIComponent(
    JSON.stringify({ service: [name], "desired-state": ["running"] }),
  );
  const tasks = engineApi("GET", `/tasks?filters=${filters}`) as {
    Status: { State: string };
    Spec: { ContainerSpec: { Image: string } };
  }[];
  return tasks.filter((t) => t.Status.State === "running").map((t) => t.Spec.ContainerSpec.Image);
}

/** Wait (up to `timeoutMs`) until `count` tasks of `name` run; fails the test otherwise. */
export async function waitForTasks(name: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (runningTaskImages(name).length < count) {
    if (Date.now() > deadline) {
      assert.fail(`service ${name}: ${count} task(s) not running within ${timeoutMs} ms`);
    }
    await sleep(250);
  }
}
