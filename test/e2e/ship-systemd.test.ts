/**
 * e2e: examples/dewy.service, the systemd unit of the telemetry docs. `systemd-analyze verify`
 * accepts it, and its ExecStart command line, run through the compiled binary (`DEWY_BIN`)
 * against the test engine, starts dewy: the admin API answers /metrics and /api/status, the
 * unreachable registry is logged as a JSON error while dewy keeps running, and SIGTERM exits 0.
 *
 * The command line is used as written except the binary path, the proxy port (8080 becomes a
 * free port, so parallel runs do not collide) and the registry's host: ghcr.io becomes a closed
 * port on 127.0.0.1, so the test sends nothing off this machine. Needs:
 * eval "$(bash test/services/engine-up.sh)"
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_PORT_ATTEMPTS } from "../../src/admin/server.ts";
import { ADMIN_PORT } from "../../src/cli/flags.ts";
import { freePort } from "./_prometheus.ts";
import { DEWY_BIN, ENGINE_SOCK, needsBinary, ROOT, run, start } from "./_ship.ts";

const UNIT_FILE = `${ROOT}examples/dewy.service`;
const UNIT = readFileSync(UNIT_FILE, "utf8");
const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";

/** The argv of the unit's ExecStart (continuation lines joined; the unit uses no quoting). */
function execStart(unit: string): string[] {
  const match = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit);
  assert.ok(match, `no ExecStart= in ${UNIT_FILE}`);
  const line = match[1].replace(/\\\n/g, " ");
  assert.doesNotMatch(line, /["'$%]/, "the ExecStart parser of this test does not handle quoting");
  return line.trim().split(/\s+/);
}

test("ship systemd: ExecStart is the command line of the telemetry docs", () => {
  assert.deepEqual(execStart(UNIT), [
    "/usr/local/bin/dewy",
    "container",
    ...["--telemetry", "--otlp-endpoint", "localhost:4317"],
    ...["--registry", "img://ghcr.io/myorg/myapp", "--port", "8080", "--health-path", "/health"],
    ...["--replicas", "2", "--log-format", "json", "--log-level", "info"],
  ]);
  assert.match(UNIT, /^Restart=always$/m);
});

test("ship systemd: systemd-analyze verify accepts the unit", {
  skip: run("sh", ["-c", `test -x ${SYSTEMD_ANALYZE}`]).code === 0
    ? undefined
    : `${SYSTEMD_ANALYZE} is missing (Debian package systemd)`,
}, () => {
  // verify checks that ExecStart's binary exists: point it at one that does.
  const dir = mkdtempSync(join(tmpdir(), "dewy-unit-"));
  try {
    const unit = join(dir, "dewy.service");
    writeFileSync(unit, UNIT.replace(/^ExecStart=\S+/m, "ExecStart=/bin/true"));
    const result = run(SYSTEMD_ANALYZE, ["verify", unit]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      `${result.stdout}${result.stderr}`.trim(),
      "",
      "systemd-analyze reported problems",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "ship systemd: the unit's command starts dewy, which reports the unreachable registry, serves the admin API and stops on SIGTERM",
  needsBinary(),
  async () => {
    assert.ok(
      ENGINE_SOCK,
      'ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first',
    );
    const [, ...args] = execStart(UNIT);
    let port = await freePort();
    while (port >= ADMIN_PORT && port < ADMIN_PORT + ADMIN_PORT_ATTEMPTS) port = await freePort();
    args[args.indexOf("--port") + 1] = String(port);
    const registry = `127.0.0.1:${await freePort()}`; // nothing listens there
    const url = args.indexOf("--registry") + 1;
    args[url] = args[url].replace("ghcr.io", registry);
    const dewy = start(DEWY_BIN, args, { DOCKER_HOST: `unix://${ENGINE_SOCK}` });
    try {
      const started = JSON.parse(await dewy.waitForLine(/"msg":"Admin API started"/, 30_000));
      const admin = started.address as string;
      assert.match(admin, /^http:\/\/127\.0\.0\.1:175(39|4\d)$/);

      const failure = JSON.parse(await dewy.waitForLine(/"level":"ERROR".*127\.0\.0\.1/, 60_000));
      assert.ok(failure.error.includes(registry), failure.error);

      const status = await fetch(`${admin}/api/status`);
      assert.equal(status.status, 200);
      const body = await status.json();
      assert.equal(body.name, "myapp");
      assert.equal(body.replicas, 0);
      const metrics = await fetch(`${admin}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^dewy_container_desired_replicas\{.*app="myapp".*\} 2$/m);

      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
      for (const line of dewy.lines.filter((l) => l.trim())) {
        assert.doesNotThrow(
          () => JSON.parse(line),
          `--log-format json printed a non-JSON line: ${line}`,
        );
      }
    } finally {
      await dewy.stop("SIGKILL");
    }
  },
);
