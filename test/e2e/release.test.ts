/**
 * e2e: the release binaries of `compile.ts --release` (`dist/release/`), run where they can run
 * here: linux-x64 directly, linux-x64-musl through musl's loader (Debian's `musl`; libstdc++
 * and libgcc_s from Debian with `_musl-compat.c` preloaded, as Alpine's gcompat would),
 * linux-arm64 under `qemu-aarch64-static` with arm64's libc (`libc6:arm64`); the darwin ones
 * are checked as Mach-O files of their CPU. `SHA256SUMS` verifies with `sha256sum -c`.
 * test/install.sh installs musl, musl-tools, qemu-user-static and libc6:arm64.
 *
 * Runs in the Node pass of `test/run.sh` (the binaries do not depend on the test runtime).
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { VERSION } from "../../src/version.ts";
import { runtimeName } from "../../src/runtime/detect.ts";
import { ROOT, run } from "./_ship.ts";

const DIR = join(ROOT, "dist", "release");
const NAMES = ["linux-x64", "linux-arm64", "linux-x64-musl", "darwin-x64", "darwin-arm64"]
  .map((platform) => `dewy-${VERSION}-${platform}`);
const options = runtimeName !== "node"
  ? { skip: "the release binaries are tested in the Node pass of test/run.sh" }
  : !existsSync(DIR) && process.env.CI !== "true"
  ? { skip: `${DIR} does not exist: node_modules/.bin/bun compile.ts --release` }
  : {};

/** `--version` and `--help` of one release binary, run as `prefix... binary`. */
function assertRuns(name: string, prefix: string[] = [], env: Record<string, string> = {}) {
  const command = [...prefix, join(DIR, name)];
  const version = run(command[0], [...command.slice(1), "--version"], { env });
  assert.equal(version.code, 0, `${name} --version: ${version.stderr}`);
  assert.match(version.stdout, new RegExp(`^dewy version: ${VERSION.replaceAll(".", "\\.")} \\(`));
  const help = run(command[0], [...command.slice(1), "--help"], { env });
  assert.equal(help.code, 0, `${name} --help: ${help.stderr}`);
  assert.match(help.stdout, /dewy container list/);
}

test("release: every platform's binary is there and SHA256SUMS verifies them", options, () => {
  assert.deepEqual(readdirSync(DIR).sort(), [...NAMES, "SHA256SUMS"].sort());
  const sums = readFileSync(join(DIR, "SHA256SUMS"), "utf8").trim().split("\n");
  assert.deepEqual(sums.map((line) => line.split(/\s+/)[1]).sort(), [...NAMES].sort());
  const check = run("sha256sum", ["-c", "SHA256SUMS"], { cwd: DIR });
  assert.equal(check.code, 0, check.stdout + check.stderr);
  for (const name of NAMES) assert.match(check.stdout, new RegExp(`^${name}: OK$`, "m"));
});

test("release: linux-x64 runs --version and --help", options, () => {
  assertRuns(`dewy-${VERSION}-linux-x64`);
});

test("release: linux-arm64 runs --version and --help under qemu", options, () => {
  const name = `dewy-${VERSION}-linux-arm64`;
  assert.match(execFileSync("file", ["-b", join(DIR, name)], { encoding: "utf8" }), /aarch64/);
  assertRuns(name, ["qemu-aarch64-static"]);
});

test("release: linux-x64-musl runs --version and --help on musl's loader", options, () => {
  const name = `dewy-${VERSION}-linux-x64-musl`;
  const elf = execFileSync("file", ["-b", join(DIR, name)], { encoding: "utf8" });
  assert.match(elf, /interpreter \/lib\/ld-musl-x86_64\.so\.1/);
  const libs = mkdtempSync(join(tmpdir(), "dewy-musl-"));
  try {
    const shim = join(libs, "libglibc-compat.so");
    execFileSync("musl-gcc", [
      "-shared",
      "-fPIC",
      "-o",
      shim,
      join(ROOT, "test/e2e/_musl-compat.c"),
    ]);
    // Debian's libstdc++ names glibc's loader; an empty library of that name satisfies musl.
    execFileSync("musl-gcc", [
      ...["-shared", "-fPIC", "-Wl,-soname,ld-linux-x86-64.so.2", "-o"],
      ...[join(libs, "ld-linux-x86-64.so.2"), "-x", "c", "/dev/null"],
    ]);
    for (const lib of ["libstdc++.so.6", "libgcc_s.so.1"]) {
      execFileSync("cp", [`/usr/lib/x86_64-linux-gnu/${lib}`, libs]);
    }
    assertRuns(name, [], { LD_PRELOAD: shim, LD_LIBRARY_PATH: libs });
  } finally {
    rmSync(libs, { recursive: true, force: true });
  }
});

test("release: the darwin binaries are Mach-O executables of their CPU", options, () => {
  for (const [platform, cpu] of [["darwin-x64", /x86_64/], ["darwin-arm64", /arm64/]] as const) {
    const description = execFileSync("file", ["-b", join(DIR, `dewy-${VERSION}-${platform}`)], {
      encoding: "utf8",
    });
    assert.match(description, /^Mach-O 64-bit/);
    assert.match(description, cpu);
  }
});
