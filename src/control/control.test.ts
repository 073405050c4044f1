/** Operator control without a deploy mode: the state file, pause/resume/pin, history, rollback. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { Logger } from "../log.ts";
import type { Notifier } from "../notify/types.ts";
import { historyEntry } from "./history.ts";
import { RegistryNotFoundError } from "../registry/errors.ts";
import { ControlRequestError, DeployControl } from "./control.ts";
import { type ControlledMode, rollBack } from "./rollback.ts";
import { resolveStateDir, StateFileError, StateStore } from "./state-store.ts";
import type { DeployTrigger, HistoryEntry, VersionRef } from "./types.ts";

const V1: VersionRef = { version: "v1.0.0", digest: "sha256:1", image: "r/app@sha256:1" };
const V2: VersionRef = { version: "v2.0.0", digest: "sha256:2", image: "r/app@sha256:2" };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "dewy-state-"));
}

async function openControl(dir: string, app = "app") {
  const store = new StateStore({ path: dir, source: "--state-dir" }, app);
  const paused: boolean[] = [];
  const control = new DeployControl({
    store,
    state: await store.load(),
    clock: { now: () => 1_700_000_000_000 },
    observer: { pausedChanged: (p) => paused.push(p) },
  });
  return { store, control, paused };
}

function entry(version: VersionRef, outcome: HistoryEntry["outcome"]): HistoryEntry {
  return {
    version: version.version,
    digest: version.digest,
    startedAt: 1,
    durationMs: 2,
    outcome,
    trigger: "poll",
  };
}

test("state dir: --state-dir, then $STATE_DIRECTORY (first entry), $XDG_STATE_HOME, ~/.local/state", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(resolveStateDir("/x", env({ STATE_DIRECTORY: "/s" }), "/h").path, "/x");
  assert.deepEqual(resolveStateDir(undefined, env({ STATE_DIRECTORY: "/s:/t" }), "/h"), {
    path: "/s",
    source: "$STATE_DIRECTORY",
  });
  assert.equal(resolveStateDir(undefined, env({ XDG_STATE_HOME: "/x" }), "/h").path, "/x/dewy");
  assert.equal(resolveStateDir(undefined, env({}), "/h").path, "/h/.local/state/dewy");
});

test("state: pause, pin and history survive a new process (file per app, no temporary left)", async () => {
  const dir = tempDir();
  try {
    const first = await openControl(dir);
    await first.control.record(entry(V1, "deployed"));
    await first.control.record(entry(V2, "deployed"));
    await first.control.pin(V1, { by: "cli", reason: "bad v2" });
    const other = await openControl(dir, "other"); // another app on the same host
    await other.control.pause({ by: "api", reason: "" }, undefined);

    const again = await openControl(dir);
    assert.equal(again.control.pauseState?.kind, "pin");
    assert.deepEqual(again.control.held(), V1);
    assert.deepEqual(again.control.history().map((e) => e.version), ["v1.0.0", "v2.0.0"]);
    assert.deepEqual(again.paused, [true], "the gauge starts at paused");
    assert.deepEqual(readdirSync(dir).sort(), ["app.json", "other.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("state: pause twice and resume while not paused are refused; nothing changes", async () => {
  const dir = tempDir();
  try {
    const { control, store, paused } = await openControl(dir);
    await assert.rejects(
      control.resume({ by: "cli" }),
      (e: unknown) =>
        e instanceof ControlRequestError && e.status === 409 && /not paused/.test(e.message),
    );
    await control.pause({ by: "cli", reason: "incident 42" }, V2);
    const saved = readFileSync(store.file, "utf8");
    await assert.rejects(
      control.pause({ by: "api", reason: "again" }, V2),
      (e: unknown) =>
        e instanceof ControlRequestError && e.status === 409 &&
        /already paused since .*\(incident 42\)/.test(e.message),
    );
    assert.equal(readFileSync(store.file, "utf8"), saved, "the file is unchanged");
    assert.equal(control.pauseState?.reason, "incident 42");
    await control.resume({ by: "cli" });
    assert.equal(control.held(), undefined);
    assert.deepEqual(paused, [false, true, false]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("state: history keeps the last 50; previousVersion skips the current digest and failures", async () => {
  const dir = tempDir();
  try {
    const { control } = await openControl(dir);
    for (let i = 0; i < 55; i++) {
      await control.record({ ...entry(V1, "deployed"), version: `v1.0.${i}`, digest: `d${i}` });
    }
    assert.equal(control.history().length, 50);
    assert.equal(control.history()[0].version, "v1.0.5");
    await control.record(entry(V2, "failed"));
    assert.equal(control.previousVersion("d54"), "v1.0.53");
    assert.equal(control.previousVersion(undefined), "v1.0.54");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("state: a directory that cannot be written fails at load with one line naming it", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, "file"), "");
    const store = new StateStore({ path: join(dir, "file", "sub"), source: "--state-dir" }, "app");
    await assert.rejects(
      store.load(),
      (e: unknown) =>
        e instanceof StateFileError && e instanceof ConfigError && e.flag === "--state-dir" &&
        e.message.includes(join(dir, "file", "sub", "app.json")) && !e.message.includes("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("state: a damaged file is refused (a lost pin would deploy the newest), naming the file", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, "app.json"), "{ not json");
    const store = new StateStore({ path: dir, source: "--state-dir" }, "app");
    await assert.rejects(store.load(), /state file .*app\.json is damaged/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A mode whose registry knows `tags` and whose rollouts are recorded. */
function fakeMode(serving: VersionRef | undefined, tags: VersionRef[]) {
  const rollouts: Array<[string, DeployTrigger]> = [];
  const mode: ControlledMode = {
    serving: () => serving,
    resolve: (version) => {
      const found = tags.find((t) => t.version === version);
      return found
        ? Promise.resolve(found)
        : Promise.reject(new RegistryNotFoundError(`tag not found: app:${version}`));
    },
    rollout: async (target, trigger, then) => {
      rollouts.push([target.version, trigger]);
      serving = target;
      await then();
    },
  };
  return { mode, rollouts };
}

test("rollback: default is the version before the current one; it is pinned afterwards", async () => {
  const dir = tempDir();
  try {
    const { control } = await openControl(dir);
    await control.record(entry(V1, "deployed"));
    await control.record(entry(V2, "deployed"));
    const { mode, rollouts } = fakeMode(V2, [V1, V2]);
    assert.deepEqual(await rollBack(control, mode, { by: "cli", reason: "r" }), V1);
    assert.deepEqual(rollouts, [["v1.0.0", "rollback"]]);
    assert.equal(control.pauseState?.kind, "pin");
    assert.deepEqual(control.held(), V1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rollback: a malformed, a missing or no earlier version is refused; nothing changes", async () => {
  const dir = tempDir();
  try {
    const { control, store } = await openControl(dir);
    const { mode, rollouts } = fakeMode(V2, [V1, V2]);
    const before = readFileSync(store.file, "utf8");
    const refused = (status: number, pattern: RegExp) => (e: unknown) =>
      e instanceof ControlRequestError && e.status === status && pattern.test(e.message) &&
      !e.message.includes("\n");
    await assert.rejects(
      rollBack(control, mode, { by: "cli", reason: "" }),
      refused(409, /no earlier version/),
    );
    await assert.rejects(
      rollBack(control, mode, { version: "v1 0", by: "cli", reason: "" }),
      refused(400, /"v1 0" is not a valid image tag/),
    );
    await assert.rejects(
      rollBack(control, mode, { version: "v0.9.0", by: "api", reason: "" }),
      refused(404, /version v0\.9\.0 is not in the registry/),
    );
    assert.deepEqual(rollouts, []);
    assert.equal(control.pauseState, undefined);
    assert.equal(readFileSync(store.file, "utf8"), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("history entry: deployed, rolled back (a new replica had served) or failed, with the reason", () => {
  const base = { target: V2, trigger: "poll" as const, startedAt: 1_000, endedAt: 3_500 };
  assert.deepEqual(historyEntry(base), {
    version: "v2.0.0",
    digest: "sha256:2",
    startedAt: 1_000,
    durationMs: 2_500,
    outcome: "deployed",
    trigger: "poll",
  });
  const error = new Error("canary app-1-0 failed its soak (failure share):\n 6 of 40");
  assert.equal(historyEntry({ ...base, error, served: true }).outcome, "rolled back");
  const failed = historyEntry({ ...base, error });
  assert.equal(failed.outcome, "failed");
  assert.equal(failed.reason, "canary app-1-0 failed its soak (failure share): 6 of 40");
});

test("skipped: logged at each paused check, notified once per version and pause", async () => {
  const dir = tempDir();
  try {
    const store = new StateStore({ path: dir, source: "--state-dir" }, "app");
    const sent: string[] = [];
    const logged: string[] = [];
    const notifier = {
      send: (m: string) => (sent.push(m), Promise.resolve()),
      sendImportant: (m: string) => (sent.push(`important: ${m}`), Promise.resolve()),
    } as unknown as Notifier;
    const logger = new Logger({ level: "info", write: (line: string) => logged.push(line) });
    const control = new DeployControl({
      store,
      state: await store.load(),
      clock: Date,
      notifier,
      logger,
    });
    control.skipped(V2); // not paused: nothing
    await control.pause({ by: "cli", reason: "incident" }, V1);
    control.skipped(V2);
    control.skipped(V2);
    assert.equal(
      logged.filter((l) => /Deploy skipped: automatic deploys are paused/.test(l)).length,
      2,
    );
    assert.deepEqual(sent, [
      "important: Automatic deploys paused by CLI (reason: incident); `v1.0.0` keeps serving",
      "Deploy of `v2.0.0` skipped: automatic deploys are paused (reason: incident)",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("state: a history entry saved while a pin is saved loses neither (changes run in turn)", async () => {
  const dir = tempDir();
  try {
    const { control, store } = await openControl(dir);
    await Promise.all([
      control.record(entry(V2, "deployed")),
      control.pin(V1, { by: "cli", reason: "r" }),
      control.record(entry(V1, "deployed")),
    ]);
    assert.equal(control.pauseState?.kind, "pin");
    assert.equal(control.history().length, 2);
    const saved = JSON.parse(readFileSync(store.file, "utf8"));
    assert.equal(saved.pause.kind, "pin");
    assert.deepEqual(saved.history.map((e: HistoryEntry) => e.version), ["v2.0.0", "v1.0.0"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
