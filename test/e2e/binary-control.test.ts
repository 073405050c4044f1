/**
 * Issue 16 on the compiled binary, the real engine and registry: version constraints, pause
 * and resume, rollback under a request loop (0 failed), the pin across `kill -9` and across
 * SIGTERM and start, the history in order, and the bad inputs that change nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEWY_BIN,
  type DewyPorts,
  dewyPorts,
  getOnce,
  managedContainers,
  needsBinary,
  pushApp,
  removeTestApp,
  requestLoop,
  runAsync,
  type Running,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

/** `dewy container <words> --admin-port N` as the operator types it. */
function dewyCli(ports: DewyPorts, ...words: string[]) {
  return runAsync(DEWY_BIN, ["container", ...words, "--admin-port", String(ports.adminPort)], {
    timeoutMs: 180_000,
  });
}

/** `GET /api/status`. */
async function status(ports: DewyPorts): Promise<Record<string, any>> {
  const res = await fetch(`http://127.0.0.1:${ports.adminPort}/api/status`);
  return await res.json();
}

/** The versions the app's containers run (engine labels), sorted. */
function runningVersions(app: string): string[] {
  return managedContainers(app).filter((c) => c.State === "running")
    .map((c) => c.Labels["dewy.version"]).sort();
}

/** Resolve once `pattern` has matched `count` lines of `dewy`'s output. */
async function linesMatching(dewy: Running, pattern: RegExp, count: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = dewy.lines.filter((l) => pattern.test(l));
    if (seen.length >= count) return seen;
    if (Date.now() > deadline) {
      throw new Error(
        `${seen.length} of ${count} lines matching ${pattern}:\n${dewy.lines.join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  "binary control: constraint=^1.0 stays on 1.x while v2.0.0 exists; a range matching nothing warns at each check",
  needsBinary(),
  async () => {
    const repo = uniqueName("f16-constraint");
    const digests = [pushApp(repo, "1.0.0"), pushApp(repo, "2.0.0")];
    const ports = await dewyPorts();
    const state = mkdtempSync(join(tmpdir(), "dewy-f16-"));
    const flags = ["--interval", "1", "--drain-time", "1", "--state-dir", state];
    // startDewyContainer gives --registry img://REGISTRY/<repo argument>.
    const ranged = (range: string) => `${repo}?constraint=${range}`;
    let dewy = startDewyContainer(ranged("^1.0"), ports, [...flags, "-l", "debug"]);
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
      digests.push(pushApp(repo, "1.1.0"));
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.1\.0/, 90_000);
      const from = dewy.lines.length;
      // Three more checks that saw v1.1.0 as the newest candidate, v2.0.0 existing.
      await linesMatching(dewy, /Found latest image.*tag=v1\.1\.0/, 4);
      assert.ok(!dewy.lines.slice(from).some((l) => /version=v2\.0\.0/.test(l)));
      assert.deepEqual(runningVersions(repo), ["v1.1.0", "v1.1.0"]);
      assert.equal((await status(ports)).current_version, "v1.1.0");
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));

      // A range no tag is in: a warning per check naming the newest outside; nothing deployed.
      dewy = startDewyContainer(ranged("^3"), ports, flags);
      const warned = await linesMatching(dewy, /level=WARN.*No tag matches the constraint/, 2);
      assert.match(warned[0], /constraint=\^3/);
      assert.match(warned[0], /newest=v2\.0\.0/);
      assert.deepEqual(managedContainers(repo), []);
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));

      // A range that does not parse, or with --calver: exit 2, one line naming it.
      for (
        const [registry, extra, named] of [
          [ranged("%5E%5E1"), [], /constraint "\^\^1" is not a semver range/],
          [ranged("^1"), ["--calver", "YYYY.0M.0D"], /no calendar-version range syntax/],
        ] as const
      ) {
        const bad = startDewyContainer(registry, ports, [...extra, ...flags]);
        assert.equal(await bad.exited, 2);
        const errors = bad.lines.filter((l) => l.startsWith("Error:"));
        assert.equal(errors.length, 1, bad.lines.join("\n"));
        assert.match(errors[0], named);
      }
    } finally {
      await dewy.stop("SIGKILL");
      await removeTestApp(repo, repo, digests);
      rmSync(state, { recursive: true, force: true });
    }
  },
);

test(
  "binary control: pause holds, resume deploys, rollback under load fails 0 requests and stays pinned across kill -9 and SIGTERM; history in order",
  needsBinary(),
  async () => {
    const repo = uniqueName("f16-control");
    const digests = [pushApp(repo, "1.0.0")];
    const ports = await dewyPorts();
    const state = mkdtempSync(join(tmpdir(), "dewy-f16-"));
    const flags = ["--interval", "2", "--drain-time", "1", "--state-dir", state];
    let dewy = startDewyContainer(repo, ports, flags);
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
      digests.push(pushApp(repo, "1.1.0"));
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.1\.0/, 90_000);

      // Pause, then push: three checks skip v1.2.0 (three intervals), nothing is deployed.
      const paused = await dewyCli(ports, "pause", "--reason", "incident 42");
      assert.equal(paused.code, 0, paused.stderr);
      const pausedStatus = await status(ports);
      assert.equal(pausedStatus.paused, true);
      assert.equal(pausedStatus.pause.reason, "incident 42");
      assert.equal(pausedStatus.pause.by, "cli");
      digests.push(pushApp(repo, "1.2.0"));
      await linesMatching(
        dewy,
        /Deploy skipped: automatic deploys are paused.*version=v1\.2\.0/,
        3,
      );
      assert.deepEqual(runningVersions(repo), ["v1.1.0", "v1.1.0"]);
      assert.ok(!dewy.lines.some((l) => /Starting container deployment.*version=v1\.2\.0/.test(l)));

      const twice = await dewyCli(ports, "pause");
      assert.equal(twice.code, 1);
      assert.match(
        twice.stderr.trim(),
        /^Error: pause refused: already paused since .*\(incident 42\)[^\n]*$/,
      );
      const shown = await dewyCli(ports, "status");
      assert.match(shown.stdout, /paused: +yes, by CLI since .*: incident 42/);

      assert.equal((await dewyCli(ports, "resume")).code, 0);
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.2\.0/, 90_000);
      const notPaused = await dewyCli(ports, "resume");
      assert.equal(notPaused.code, 1);
      assert.match(notPaused.stderr.trim(), /^Error: resume refused: not paused[^\n]*$/);

      // Bad rollbacks: one line each, nothing changes.
      const missing = await dewyCli(ports, "rollback", "v0.0.9");
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr.trim(),
        /^Error: rollback to v0\.0\.9 refused: version v0\.0\.9 is not in the registry[^\n]*$/,
      );
      const malformed = await dewyCli(ports, "rollback", "v1.0.0:latest");
      assert.equal(malformed.code, 2);
      assert.match(malformed.stderr.trim(), /is not a valid image tag[^\n]*$/);
      assert.equal((await status(ports)).paused, false);
      assert.deepEqual(runningVersions(repo), ["v1.2.0", "v1.2.0"]);

      // Rollback (to the version before: v1.1.0) while a request loop runs: 0 failed.
      const loop = requestLoop(ports.port, { concurrency: 2, maxMs: 120_000 });
      const rolled = await dewyCli(ports, "rollback", "--reason", "v1.2.0 leaks");
      await loop.stop();
      assert.equal(rolled.code, 0, rolled.stderr);
      assert.match(rolled.stdout, /Rolled back .* to v1\.1\.0; pinned there until resume/);
      assert.deepEqual(
        loop.failures(),
        [],
        `${loop.failures().length} of ${loop.results.length} failed`,
      );
      assert.ok(loop.results.length > 20, `only ${loop.results.length} requests`);
      assert.equal(
        loop.results.at(-1),
        "1.1.0",
        `${loop.results.length} ${loop.results.slice(-20).join(" ")}\n${
          dewy.lines.slice(-40).join("\n")
        }`,
      );
      const pinned = await status(ports);
      assert.equal(pinned.pinned, true);
      assert.equal(pinned.pause.version, "v1.1.0");
      assert.deepEqual(runningVersions(repo), ["v1.1.0", "v1.1.0"]);

      // kill -9 and start: the pinned version is adopted, not v1.2.0.
      const before = managedContainers(repo).map((c) => c.Id).sort();
      await dewy.stop("SIGKILL");
      dewy = startDewyContainer(repo, ports, flags);
      await linesMatching(
        dewy,
        /Deploy skipped: automatic deploys are pinned.*version=v1\.2\.0/,
        2,
      );
      assert.deepEqual(managedContainers(repo).map((c) => c.Id).sort(), before, "adopted");
      assert.equal((await status(ports)).pinned, true);
      assert.equal(await getOnce(ports.port), "1.1.0");

      // SIGTERM (containers removed) and start: the pinned version is deployed again.
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
      assert.deepEqual(managedContainers(repo), []);
      dewy = startDewyContainer(repo, ports, flags);
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.1\.0/, 90_000);
      await linesMatching(
        dewy,
        /Deploy skipped: automatic deploys are pinned.*version=v1\.2\.0/,
        1,
      );
      assert.ok(!dewy.lines.some((l) => /Starting container.*version=v1\.2\.0/.test(l)));
      assert.deepEqual(runningVersions(repo), ["v1.1.0", "v1.1.0"]);

      const history = await dewyCli(ports, "history");
      assert.equal(history.code, 0, history.stderr);
      // Deploys that worked, in order (a try the shared engine broke may come between them).
      const rows = history.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s{2,}/))
        .filter((r) => r[5] === "deployed");
      assert.deepEqual(rows.map((r) => [r[1], r[4], r[5]]), [
        ["v1.0.0", "poll", "deployed"],
        ["v1.1.0", "poll", "deployed"],
        ["v1.2.0", "api", "deployed"],
        ["v1.1.0", "rollback", "deployed"],
        ["v1.1.0", "rollback", "deployed"],
      ], `${history.stdout}\n${dewy.lines.join("\n")}`);
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
    } finally {
      await dewy.stop("SIGKILL");
      await removeTestApp(repo, repo, digests);
      rmSync(state, { recursive: true, force: true });
    }
  },
);

test(
  "binary control: a state directory that cannot be written: one line naming it, exit 2, nothing started",
  needsBinary(),
  async () => {
    const repo = uniqueName("f16-state");
    const ports = await dewyPorts();
    const dewy = startDewyContainer(repo, ports, ["--state-dir", "/dev/null/dewy"]);
    try {
      assert.equal(await dewy.exited, 2);
      const errors = dewy.lines.filter((l) => l.startsWith("Error:"));
      assert.equal(errors.length, 1, dewy.lines.join("\n"));
      assert.match(errors[0], /cannot write the state file \/dev\/null\/dewy\/.*--state-dir/);
      assert.deepEqual(managedContainers(repo), []);
    } finally {
      await dewy.stop("SIGKILL");
    }
  },
);
