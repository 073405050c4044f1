/**
 * The CLI's start and end as an operator sees them: a stop signal while the engine does not
 * answer, and a fatal error with `--log-format json`. A real unix socket that accepts and never
 * answers stands in for a hung engine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "../test/_node-net.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../test/e2e/_ship.ts";
import { cliCommand } from "../test/_run-cli.ts";

/** `dewy <args>` run from source on the runtime running the tests. */
function startCli(args: string[], env: Record<string, string>) {
  const [command, ...prefix] = cliCommand();
  return start(command, [...prefix, ...args], env);
}

const dewyArgs = ["container", "-r", "img://127.0.0.1:9/app", "-p", "18419", "-f", "json"];

/** A unix socket at `path` that accepts connections and never answers. */
async function hungEngine(path: string): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test("cli: SIGINT while the engine does not answer ends dewy at once, exit 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dewy-hung-"));
  const socket = join(dir, "engine.sock");
  const engine = await hungEngine(socket);
  try {
    const cli = startCli(dewyArgs, { DOCKER_HOST: `unix://${socket}` });
    await cli.waitForLine(/Connecting to the container engine/, 30_000);
    // Without the fix dewy waited for the engine request's 30 s timeout and exited 1.
    assert.equal(await cli.stop("SIGINT", 20_000), 0, cli.lines.join("\n"));
    await cli.waitForLine(
      /"msg":"Stopped before the container engine answered".*"signal":"SIGINT"/,
      1,
    );
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cli: with --log-format json a fatal error is a JSON record too", async () => {
  const cli = startCli(dewyArgs, { DOCKER_HOST: "unix:///nonexistent/dewy-test.sock" });
  assert.equal(await cli.exited, 1, cli.lines.join("\n"));
  const last = cli.lines.filter((l) => l.trim()).at(-1)!;
  const record = JSON.parse(last);
  assert.equal(record.level, "ERROR");
  assert.equal(record.msg, "Exiting on error");
  assert.equal(record.exit_code, 1);
  assert.match(record.error, /Cannot reach the container engine at \/nonexistent\/dewy-test\.sock/);
});

test("cli: registry credentials that cannot be used are a warning at start-up", async () => {
  const cli = startCli(dewyArgs, {
    DOCKER_HOST: "unix:///nonexistent/dewy-test.sock",
    DOCKER_USERNAME: "deployer",
    DOCKER_PASSWORD: "",
  });
  assert.equal(await cli.exited, 1, cli.lines.join("\n"));
  const warning = cli.lines.find((l) => l.includes("Registry credentials not used"));
  assert.ok(warning, cli.lines.join("\n"));
  assert.match(JSON.parse(warning).level, /^WARN/);
  assert.match(warning, /DOCKER_PASSWORD/);
});

test("cli: with -f json a bad flag is a JSON record too, exit 2", async () => {
  const cli = startCli([...dewyArgs, "--replicas", "many"], {});
  assert.equal(await cli.exited, 2, cli.lines.join("\n"));
  const records = cli.lines.filter((l) => l.trim()).map((l) => JSON.parse(l));
  assert.equal(records.length, 1, cli.lines.join("\n"));
  assert.equal(records[0].level, "ERROR");
  assert.equal(records[0].exit_code, 2);
  assert.match(records[0].error, /--replicas/);
});
