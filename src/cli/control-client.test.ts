/**
 * `dewy container status|pause|resume|rollback|history` against a real admin API server (the
 * Hono app on the runtime's HTTP server) with the real control layer and state file; only the
 * deploy mode is a stand-in (its rollouts are recorded).
 */
import { test } from "node:test";
import * as net from "../../test/_node-net.ts";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../test/_runtime.ts";
import { createAdminApp } from "../admin/app.ts";
import { startAdminServer } from "../admin/server.ts";
import { controlActions } from "../control/actions.ts";
import { DeployControl } from "../control/control.ts";
import { StateStore } from "../control/state-store.ts";
import type { DeployTrigger, VersionRef } from "../control/types.ts";
import type { AdminSource } from "../admin/types.ts";
import { RegistryNotFoundError } from "../registry/errors.ts";
import type { Notifier } from "../notify/types.ts";
import { type ControlAction, runControlAction } from "./control-client.ts";

const V1: VersionRef = { version: "v1.0.0", digest: "sha256:" + "1".repeat(64), image: "r@1" };
const V2: VersionRef = { version: "v2.0.0", digest: "sha256:" + "2".repeat(64), image: "r@2" };

/** `POST path` with `Host: host` on a new connection; the answer's first line. */
function rawPost(port: number, path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    socket.setTimeout(5_000, () => socket.destroy(new Error("timeout")));
    socket.on("connect", () =>
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      ));
    socket.on("data", (chunk) => (data += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(data.split("\r\n")[0]));
  });
}

/** A dewy stand-in on a real admin server: real control and state file, recorded rollouts. */
async function startFakeDewy() {
  const dir = mkdtempSync(join(tmpdir(), "dewy-cli-"));
  const store = new StateStore({ path: dir, source: "--state-dir" }, "myapp");
  const sent: string[] = [];
  const notifier = {
    send: (m: string) => (sent.push(m), Promise.resolve()),
    sendImportant: (m: string) => (sent.push(m), Promise.resolve()),
  } as unknown as Notifier;
  const control = new DeployControl({ store, state: await store.load(), clock: Date, notifier });
  let serving: VersionRef | undefined = V2;
  const calls = { rollouts: [] as Array<[string, DeployTrigger]>, checks: 0 };
  const mode = {
    serving: () => serving,
    resolve: (version: string) => {
      const found = [V1, V2].find((v) => v.version === version);
      return found ? Promise.resolve(found) : Promise.reject(
        new RegistryNotFoundError(`tag not found: myapp:${version} on 127.0.0.1:5000`),
      );
    },
    rollout: async (target: VersionRef, trigger: DeployTrigger, then: () => Promise<void>) => {
      calls.rollouts.push([target.version, trigger]);
      serving = target;
      await then();
    },
    checkNow: () => {
      calls.checks++;
      return Promise.resolve();
    },
  };
  for (const v of [V1, V2]) {
    await control.record({
      version: v.version,
      digest: v.digest,
      startedAt: Date.parse("2026-12-06T20:00:00Z"),
      durationMs: 1500,
      outcome: "deployed",
      trigger: "poll",
    });
  }
  const source: AdminSource = {
    status: () => ({
      app: "myapp",
      currentVersion: serving?.version ?? "",
      currentDigest: serving?.digest ?? "",
      proxyBackends: 2,
      replicas: 2,
      busy: false,
      nextCheckAt: Date.parse("2026-12-06T21:00:10Z"),
    }),
    containers: () => Promise.resolve([]),
    checkNow: () => Promise.resolve({ outcome: "up-to-date" }),
  };
  const app = createAdminApp(source, { control: controlActions(control, mode) });
  const admin = await startAdminServer(runtime, app, { port: 0 });
  const cli = async (action: ControlAction) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runControlAction(action, {
      adminPort: admin.port,
      write: (l) => out.push(l),
      writeError: (l) => err.push(l),
    });
    return { code, out, err };
  };
  const close = async () => {
    await admin.server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { cli, calls, store, close, control, sent, port: admin.port };
}

test("control cli: status, pause with a reason, status again, resume (check at once)", async () => {
  const dewy = await startFakeDewy();
  try {
    const before = await dewy.cli({ action: "status" });
    assert.equal(before.code, 0, before.err.join("\n"));
    assert.ok(before.out.includes("app:         myapp"), before.out.join("\n"));
    assert.ok(before.out.some((l) => /^serving: +v2\.0\.0 \(sha256:222222222222\) on 2/.test(l)));
    assert.ok(before.out.includes("paused:      no (automatic deploys run)"));
    assert.ok(
      before.out.some((l) => /^last deploy: v2\.0\.0 deployed at 2026-12-06 20:00:00Z/.test(l)),
    );
    assert.ok(before.out.includes("next check:  2026-12-06 21:00:10Z"));

    const paused = await dewy.cli({ action: "pause", reason: "incident 42" });
    assert.deepEqual(paused, { code: 0, out: ["Paused automatic deploys of myapp"], err: [] });
    const after = await dewy.cli({ action: "status" });
    assert.ok(
      after.out.some((l) => /^paused: +yes, by CLI since .*: incident 42$/.test(l)),
      after.out.join("\n"),
    );
    assert.ok(
      after.out.includes("next check:  2026-12-06 21:00:10Z (while paused it deploys nothing new)"),
    );
    assert.equal(dewy.control.pauseState?.by, "cli");

    const resumed = await dewy.cli({ action: "resume" });
    assert.equal(resumed.code, 0);
    assert.equal(dewy.calls.checks, 1, "resume runs a check at once");
  } finally {
    await dewy.close();
  }
});

test("control cli: pause twice, resume while not paused, bad rollbacks: one line each, nothing changes", async () => {
  const dewy = await startFakeDewy();
  try {
    const notPaused = await dewy.cli({ action: "resume" });
    assert.deepEqual(notPaused.out, []);
    assert.equal(notPaused.code, 1);
    assert.deepEqual(notPaused.err, [
      "Error: resume refused: not paused; nothing changed (automatic deploys run)",
    ]);
    assert.equal((await dewy.cli({ action: "pause", reason: "first" })).code, 0);
    const saved = readFileSync(dewy.store.file, "utf8");
    const twice = await dewy.cli({ action: "pause", reason: "second" });
    assert.equal(twice.code, 1);
    assert.equal(twice.err.length, 1);
    assert.match(
      twice.err[0],
      /^Error: pause refused: already paused since .* \(first\); nothing changed/,
    );

    const malformed = await dewy.cli({ action: "rollback", version: "v1 0", reason: "" });
    assert.equal(malformed.code, 2);
    assert.match(
      malformed.err[0],
      /^Error: rollback to v1 0 refused: "v1 0" is not a valid image tag/,
    );
    const missing = await dewy.cli({ action: "rollback", version: "v0.9.0", reason: "" });
    assert.equal(missing.code, 1);
    assert.match(
      missing.err[0],
      /refused: version v0\.9\.0 is not in the registry \(tag not found/,
    );
    assert.equal(missing.err.length, 1);
    assert.deepEqual(dewy.calls.rollouts, []);
    assert.equal(readFileSync(dewy.store.file, "utf8"), saved, "the state file is unchanged");
  } finally {
    await dewy.close();
  }
});

test("control cli: rollback (default: the version before) pins it; history lists deploys in order", async () => {
  const dewy = await startFakeDewy();
  try {
    const rolled = await dewy.cli({ action: "rollback", reason: "v2 leaks memory" });
    assert.deepEqual(rolled.out, ["Rolled back myapp to v1.0.0; pinned there until resume"]);
    assert.deepEqual(dewy.calls.rollouts, [["v1.0.0", "rollback"]]);
    const status = await dewy.cli({ action: "status" });
    assert.ok(
      status.out.some((l) =>
        /^paused: +pinned at v1\.0\.0 after a rollback, by CLI since .*: v2 leaks memory$/.test(l)
      ),
      status.out.join("\n"),
    );
    const history = await dewy.cli({ action: "history" });
    assert.equal(history.code, 0);
    assert.match(history.out[0], /^STARTED +VERSION +DIGEST +DURATION +TRIGGER +OUTCOME$/);
    assert.match(
      history.out[1],
      /^2026-12-06 20:00:00Z +v1\.0\.0 +sha256:111111111111 +1\.5s +poll +deployed$/,
    );
    assert.match(history.out[2], /v2\.0\.0 .* poll +deployed$/);
  } finally {
    await dewy.close();
  }
});

test("control cli: no dewy on the ten ports is one error line naming them, exit 1", async () => {
  const err: string[] = [];
  const code = await runControlAction({ action: "status" }, {
    adminPort: 1,
    write: () => assert.fail("nothing to print"),
    writeError: (l) => err.push(l),
    timeoutMs: 300,
  });
  assert.equal(code, 1);
  assert.equal(err.length, 1);
  assert.match(err[0], /^Error: no running dewy instances found \(tried ports 1-10/);
});

test("control cli: notifications say who asked (CLI or API) and why", async () => {
  const dewy = await startFakeDewy();
  try {
    await dewy.cli({ action: "pause", reason: "incident 42" });
    const api = await fetch(`http://127.0.0.1:${dewy.port}/api/resume`, { method: "POST" });
    assert.equal(api.status, 200);
    await dewy.cli({ action: "rollback", reason: "v2 leaks" });
    await dewy.control.resume({ by: "api" });
    const long = await fetch(`http://127.0.0.1:${dewy.port}/api/pause?reason=${"x".repeat(500)}`, {
      method: "POST",
    });
    assert.equal(long.status, 200);
    assert.equal(dewy.control.pauseState?.reason, "x".repeat(200), "a reason is cut at 200");
    assert.deepEqual(dewy.sent.slice(0, 3), [
      "Automatic deploys paused by CLI (reason: incident 42); `v2.0.0` keeps serving",
      "Automatic deploys resumed by API (were paused (reason: incident 42))",
      "Rolled back to `v1.0.0` by CLI (reason: v2 leaks); pinned there until resume",
    ]);
  } finally {
    await dewy.close();
  }
});

test("control cli: a web page cannot pause or roll back (Origin, foreign Host); nothing changes", async () => {
  const dewy = await startFakeDewy();
  try {
    const base = `http://127.0.0.1:${dewy.port}`;
    const fromPage = await fetch(`${base}/api/pause?reason=x`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    assert.equal(fromPage.status, 403);
    await fromPage.body?.cancel();
    // fetch may not set Host; a raw request does, as a DNS-rebinding page's browser would.
    const rebound = await rawPost(dewy.port, "/api/rollback", `evil.example:${dewy.port}`);
    assert.match(rebound, /^HTTP\/1\.1 403 /);
    assert.equal(dewy.control.pauseState, undefined);
    assert.deepEqual(dewy.calls.rollouts, []);
  } finally {
    await dewy.close();
  }
});
