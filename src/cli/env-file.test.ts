/**
 * `-- --env-file` takes regular files of at most 1 MiB: a device, a FIFO or a directory is
 * refused before it is opened (`/dev/zero` used to be read until 10+ GB of memory).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertConfigError, containerArgs } from "../../test/_cli-assert.ts";
import { runCli } from "../../test/_run-cli.ts";
import { ENV_FILE_MAX_BYTES } from "./env-file.ts";
import { parsePassthrough } from "./passthrough.ts";

const envFile = (path: string) =>
  parsePassthrough(["--env-file", path], { env: () => undefined }).env;

function withDir<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "dewy-env-file-"));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("env-file: /dev/zero, a FIFO and a directory are refused as not regular files", () => {
  assertConfigError(() => envFile("/dev/zero"), "--env-file", `"/dev/zero"`, "not a regular file");
  withDir((dir) => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    assertConfigError(() => envFile(fifo), "--env-file", "not a regular file");
    assertConfigError(() => envFile(dir), "--env-file", "not a regular file");
  });
});

test("env-file: a file over 1 MiB is refused; 1 MiB is read", () => {
  withDir((dir) => {
    const path = join(dir, "big.env");
    const line = "A=" + "x".repeat(ENV_FILE_MAX_BYTES - 3) + "\n";
    writeFileSync(path, line);
    assert.equal(envFile(path).length, 1);
    writeFileSync(path, line + "B=1\n");
    assertConfigError(() => envFile(path), "--env-file", "larger than 1 MiB");
  });
});

test("env-file: dewy container -- --env-file /dev/zero exits 2 at once with one line", async () => {
  const run = await runCli(containerArgs("--", "--env-file", "/dev/zero"), {}, 30_000);
  assert.equal(run.code, 2, run.output);
  assert.match(
    run.output.trim(),
    /^[^\n]*--env-file[^\n]*\/dev\/zero[^\n]*not a regular file[^\n]*$/,
  );
});
