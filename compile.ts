/**
 * Builds dewy's release artefacts into `dist/`:
 *
 * - `dist/dewy`: one executable. `deno compile` where its runtime download is reachable,
 *   otherwise `bun build --compile` through `scripts/bun-build.ts` (works offline). It says
 *   which one it used.
 * - `dist/dewy.js`: the CLI bundled as an ES module for `node`, `bun run` and
 *   `deno run -A URL/dist/dewy.js` (no import map needed), with what it loads on demand in
 *   `dist/dewy-chunk-*.js` next to it (publish `dist/` as a whole); the npm package runs it.
 * - `dist/lib.js` (+ `lib-chunk-*.js`): `mod.ts` bundled as the npm package's library export.
 * - with `--release`: `dist/release/dewy-<version>-<os>-<arch>[-musl]` for every platform of
 *   {@link RELEASE_TARGETS}, cross-compiled, and their `SHA256SUMS`.
 *
 * Run: `node_modules/.bin/bun compile.ts` or `node_modules/.bin/deno run -A compile.ts`.
 * Options: `--only=bun|deno` forces a compiler; `--no-bundle` skips the bundles;
 * `--no-binary` skips `dist/dewy` (the npm package's `prepack`); `--release` adds the above.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { VERSION } from "./src/version.ts";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const bin = (name: string) => {
  const local = join(root, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
};
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
if (only !== undefined && only !== "bun" && only !== "deno") {
  console.error(`compile.ts: --only=${only} is not a compiler; use --only=bun or --only=deno`);
  process.exit(2);
}

function run(command: string, argv: string[], timeoutMs: number): { ok: boolean; output: string } {
  const result = spawnSync(command, argv, {
    cwd: root,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  return { ok: result.status === 0, output: result.error ? String(result.error) : output };
}

/** The innermost cause of a Deno error report (`    4: failed to lookup ...`), else its first line. */
function rootCause(output: string): string {
  const lines = output.split("Stack backtrace")[0].split("\n").map((l) => l.trim());
  const causes = lines.filter((l) => /^\d+: /.test(l));
  return (causes.at(-1)?.replace(/^\d+: /, "") ?? lines.find((l) => l.startsWith("error")) ??
    lines[0]) || "unknown error";
}

function sizeMiB(path: string): string {
  return (statSync(path).size / 1024 / 1024).toFixed(1);
}

function compileWithDeno(outfile: string, target?: string): { ok: boolean; output: string } {
  // `deno compile` downloads its `denort` runtime; on an offline machine this fails fast.
  return run(bin("deno"), [
    "compile",
    "-A",
    "--no-check",
    ...(target ? ["--target", target] : []),
    "--output",
    outfile,
    "src/entries/deno.ts",
  ], 180_000);
}

/** `bun build --compile`, for this machine or for `target` (Bun fetches that runtime from npm). */
function compileWithBun(outfile: string, target?: string): { ok: boolean; output: string } {
  return run(
    bin("bun"),
    [
      "scripts/bun-build.ts",
      "src/entries/bun.ts",
      outfile,
      `--compile${target ? `=${target}` : ""}`,
    ],
    300_000,
  );
}

/**
 * Bundle the CLI into `outfile` and the chunks next to it, each made runnable from a URL
 * ({@link portableRequire}); `files` lists them.
 */
function bundle(
  entry: string,
  outfile: string,
  ...flags: string[]
): { ok: boolean; output: string; files: string[] } {
  // target=node: Node built-ins stay `node:` imports, which Deno and Bun both provide.
  const built = run(bin("bun"), ["scripts/bun-build.ts", entry, outfile, ...flags], 120_000);
  if (!built.ok) return { ...built, files: [] };
  const files = built.output.split("\n").filter((line) => line.endsWith(".js"));
  if (!files.includes(outfile)) {
    return { ok: false, output: `the bundler did not report ${outfile}:\n${built.output}`, files };
  }
  const failed = files.map(portableRequire).find((result) => !result.ok);
  return { ...(failed ?? { ok: true, output: "" }), files };
}

/** How Bun's node-target bundle makes its `require` for the CommonJS dependencies. */
const BUNDLE_REQUIRE = "createRequire(import.meta.url)";

/**
 * Make the bundle runnable from a URL: Deno's `createRequire` refuses an http(s) module URL
 * (`deno run -A http://HOST/dist/dewy.js` failed with "The argument 'filename' must be a file
 * URL ..."). The bundle only requires Node built-ins, which resolve from any base, so a
 * remote bundle gets `file:///`. Fails when a non-built-in `require` would make that wrong.
 */
function portableRequire(file: string): { ok: boolean; output: string } {
  const code = readFileSync(file, "utf8");
  const required = [...code.matchAll(/__require\(([^)]*)\)/g)].map((m) => m[1]);
  const builtins = new Set(builtinModules.flatMap((name) => [`"${name}"`, `"node:${name}"`]));
  const other = required.filter((r) => !builtins.has(r));
  if (other.length > 0) {
    return {
      ok: false,
      output: `the bundle requires more than Node built-ins: ${[...new Set(other)].join(", ")}`,
    };
  }
  const base = `createRequire(import.meta.url.startsWith("file:") ? import.meta.url : "file:///")`;
  writeFileSync(file, code.replaceAll(BUNDLE_REQUIRE, base));
  return { ok: true, output: "" };
}

/**
 * The release platforms: file suffix, `bun build --target`, and `deno compile --target`
 * (Deno has no musl build).
 */
const RELEASE_TARGETS: { suffix: string; bun: string; deno?: string }[] = [
  { suffix: "linux-x64", bun: "bun-linux-x64", deno: "x86_64-unknown-linux-gnu" },
  { suffix: "linux-arm64", bun: "bun-linux-arm64", deno: "aarch64-unknown-linux-gnu" },
  { suffix: "linux-x64-musl", bun: "bun-linux-x64-musl" },
  { suffix: "darwin-x64", bun: "bun-darwin-x64", deno: "x86_64-apple-darwin" },
  { suffix: "darwin-arm64", bun: "bun-darwin-arm64", deno: "aarch64-apple-darwin" },
];

/** Build every release binary with `compiler`, then `SHA256SUMS` (`sha256sum -c` format). */
function release(compiler: string): void {
  const dir = join(dist, "release");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const target of RELEASE_TARGETS) {
    const name = `dewy-${VERSION}-${target.suffix}`;
    const out = join(dir, name);
    const built = compiler === "deno compile" && target.deno
      ? compileWithDeno(out, target.deno)
      : compileWithBun(out, target.bun);
    if (!built.ok) {
      console.error(`compile: building ${name} failed:\n${built.output}`);
      process.exit(1);
    }
    console.log(`compile: built ${out} (${sizeMiB(out)} MiB)`);
  }
  const sums = readdirSync(dir).sort().map((name) =>
    `${createHash("sha256").update(readFileSync(join(dir, name))).digest("hex")}  ${name}\n`
  );
  writeFileSync(join(dir, "SHA256SUMS"), sums.join(""));
  console.log(`compile: wrote ${join(dir, "SHA256SUMS")} (${sums.length} binaries)`);
}

/** Bundle `entry` into `dist/<name>.js` (+ chunks), or exit 1 saying why. */
function bundleOrExit(entry: string, name: string, ...flags: string[]): void {
  const js = join(dist, `${name}.js`);
  const built = bundle(entry, js, ...flags);
  if (!built.ok) {
    console.error(`compile: bundling ${js} failed:\n${built.output}`);
    process.exit(1);
  }
  console.log(
    `compile: built ${js} (${sizeMiB(js)} MiB, ${
      built.files.length - 1
    } chunks loaded on demand next to it)`,
  );
}

mkdirSync(dist, { recursive: true });
let compiler = "";
if (!args.includes("--no-binary") || args.includes("--release")) {
  const outfile = join(dist, "dewy");
  if (only !== "bun") {
    const deno = compileWithDeno(outfile);
    if (deno.ok) compiler = "deno compile";
    else if (only === "deno") {
      console.error(`compile: deno compile failed:\n${deno.output}`);
      process.exit(1);
    } else {
      console.error(
        `compile: deno compile is not available here (${
          rootCause(deno.output)
        }); using bun build --compile`,
      );
    }
  }
  if (!compiler) {
    const bun = compileWithBun(outfile);
    if (!bun.ok) {
      console.error(`compile: bun build --compile failed:\n${bun.output}`);
      process.exit(1);
    }
    compiler = "bun build --compile";
  }
  console.log(
    `compile: built ${outfile} (dewy ${VERSION}, ${sizeMiB(outfile)} MiB) with ${compiler}`,
  );
}

if (!args.includes("--no-bundle")) {
  bundleOrExit("src/entries/portable.ts", "dewy");
  bundleOrExit("mod.ts", "lib", "--library");
}
if (args.includes("--release")) release(compiler);
