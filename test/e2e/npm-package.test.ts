/**
 * e2e: the npm package as a user gets it. `npm pack` (of the `dist/` that `compile.ts` built),
 * installed into an empty folder with the Node from npm first on PATH: it holds the bundle and
 * its launcher, not the compiled binary; `npx @dewy/dewy --version` runs on Node, the same bin
 * runs on Bun, the library export imports, an old Node gets one clear line, and
 * `npx @dewy/dewy container` deploys v1.0.0 of the test app on the real engine and removes it
 * on SIGTERM.
 *
 * Runs in the Node pass of `test/run.sh` (the package is the same whatever runs the tests).
 * Needs: eval "$(bash test/services/engine-up.sh)"
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { VERSION } from "../../src/version.ts";
import { runtimeName } from "../../src/runtime/detect.ts";
import {
  DEWY_BUNDLE,
  dewyPorts,
  httpGet,
  managedContainers,
  NODE_BIN,
  pushApp,
  removeTestApp,
  ROOT,
  run,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

const options = runtimeName !== "node"
  ? { skip: "the npm package is tested in the Node pass of test/run.sh" }
  : !existsSync(DEWY_BUNDLE) && process.env.CI !== "true"
  ? { skip: `${DEWY_BUNDLE} does not exist: build it with node_modules/.bin/bun compile.ts` }
  : {};

/** The command line of process `pid`. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Every process below `pid` (from /proc), children first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ")
      .filter(Boolean).map(Number);
  } catch { /* gone already */ }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** PATH with the Node from npm first, as for a user whose node is 24. */
const PATH = `${dirname(NODE_BIN)}:${process.env.PATH}`;

test(
  "npm package: npm pack, install into an empty folder, npx runs it on Node and Bun",
  options,
  async () => {
    const work = mkdtempSync(join(tmpdir(), "dewy-npm-"));
    const app = join(work, "app");
    const repo = uniqueName("npm-pkg");
    const digests: string[] = [];
    try {
      // --ignore-scripts: the prepack build already ran (test/run.sh built dist/).
      const tarball = join(
        work,
        execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], {
          cwd: ROOT,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        }).trim().split("\n").at(-1)!,
      );
      const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
      for (const file of ["package/bin/dewy.js", "package/dist/dewy.js", "package/dist/lib.js"]) {
        assert.ok(files.includes(file), `${file} is not in the package: ${files.join(" ")}`);
      }
      assert.ok(!files.includes("package/dist/dewy"), "the compiled binary is in the package");
      assert.ok(statSync(tarball).size < 5 * 1024 * 1024, `${tarball} is over 5 MiB`);

      mkdirSync(app);
      writeFileSync(join(app, "package.json"), '{ "private": true }\n');
      const env = { PATH, npm_config_update_notifier: "false" };
      const install = run("npm", ["install", "--no-audit", "--no-fund", tarball], {
        cwd: app,
        env,
        timeoutMs: 120_000,
      });
      assert.equal(install.code, 0, install.stderr);

      const npx = run("npx", ["--no-install", "@dewy/dewy", "--version"], { cwd: app, env });
      assert.equal(npx.code, 0, npx.stderr);
      assert.match(npx.stdout, new RegExp(`^dewy version: ${VERSION} \\(node 2\\d\\.`));
      const bin = join(app, "node_modules", ".bin", "dewy");
      const onBun = run(join(ROOT, "node_modules", ".bin", "bun"), [bin, "--version"], {
        cwd: app,
      });
      assert.match(onBun.stdout, new RegExp(`^dewy version: ${VERSION} \\(bun `), onBun.stderr);
      const library = run(NODE_BIN, [
        "-e",
        'import("@dewy/dewy").then((m) => console.log(typeof m.TcpProxy, m.VERSION))',
      ], { cwd: app });
      assert.equal(library.stdout.trim(), `function ${VERSION}`, library.stderr);
      // The machine's own node is 20: too old, and it says so in one line.
      const old = run("/usr/bin/node", [bin, "--version"], { cwd: app });
      if (
        /^v(1\d|20|21)\./.test(execFileSync("/usr/bin/node", ["--version"], { encoding: "utf8" }))
      ) {
        assert.equal(old.code, 1);
        assert.match(old.stderr.trim(), /^dewy needs Node >= 22\.15 \(this is v\d+[^)]*\); /);
      }

      digests.push(pushApp(repo, "1.0.0"));
      const ports = await dewyPorts();
      const npxDewy = ["bash", "-c", `cd '${app}' && exec npx --no-install @dewy/dewy "$@"`, "npx"];
      const dewy = startDewyContainer(repo, ports, ["--drain-time", "1"], { PATH }, npxDewy);
      // npx runs dewy through sh, which passes no signal on: Ctrl-C in a terminal reaches
      // dewy itself (the whole foreground group), so the test signals dewy's process.
      const dewyProcess = () =>
        descendants(dewy.child.pid!).find((p) => /\.bin\/dewy/.test(cmdline(p)));
      try {
        await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
        assert.deepEqual(await httpGet(ports.port), { status: 200, body: "1.0.0" });
        const pid = dewyProcess();
        assert.ok(pid, "no dewy process under npx");
        process.kill(pid, "SIGINT");
        assert.equal(await dewy.exited, 0, dewy.lines.join("\n"));
        assert.deepEqual(managedContainers(repo), [], "managed containers left after SIGINT");
      } finally {
        const pid = dewyProcess();
        if (pid) process.kill(pid, "SIGKILL");
        await dewy.stop("SIGKILL");
      }
    } finally {
      await removeTestApp(repo, repo, digests);
      rmSync(work, { recursive: true, force: true });
    }
  },
);
