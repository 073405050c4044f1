/**
 * e2e: dewy run straight from a URL, as `deno run -A https://HOST/dist/dewy.js` users do. The
 * test serves the repository folder over HTTP on 127.0.0.1 with the content types a web server
 * sends (.js application/javascript, .ts application/typescript) and runs the bundle
 * (`DEWY_BUNDLE`, default dist/dewy.js, built by compile.ts) with Deno and a fresh, empty
 * DENO_DIR, so nothing comes from a cache: `--version`, `--help`, and a deploy with telemetry on
 * the engine of `engine-up.sh` (the parts loaded on demand are chunk files next to the bundle,
 * fetched from the same URL); then the import-map variant
 * (`--import-map=URL/deno.json URL/mod.ts`). Only 127.0.0.1 is contacted.
 * Needs: eval "$(bash test/services/engine-up.sh)" for the deploy.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve } from "node:path";
import process from "node:process";
import { VERSION } from "../../src/version.ts";
import {
  dewyPorts,
  httpGet,
  managedContainers,
  pushApp,
  removeTestApp,
  ROOT,
  run,
  runAsync,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
const BUNDLE = resolve(process.env.DEWY_BUNDLE ?? `${ROOT}dist/dewy.js`);
const CONTENT_TYPES: Record<string, string> = {
  ".js": "application/javascript",
  ".ts": "application/typescript",
  ".json": "application/json",
};

const needsBundle = existsSync(BUNDLE) || process.env.CI === "true" ? {} : {
  skip:
    `${BUNDLE} does not exist: build it with node_modules/.bin/bun compile.ts (or set DEWY_BUNDLE)`,
};
if (needsBundle.skip) console.warn(`SKIP: ${needsBundle.skip}`);

/** A folder served over HTTP. */
interface ServedFolder {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** The paths requested so far, in order. */
  requested: string[];
  close(): Promise<void>;
}

/** Serve `folder` read-only on 127.0.0.1, recording the paths requested. */
async function serveFolder(folder: string): Promise<ServedFolder> {
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url!, "http://x").pathname);
    requested.push(pathname);
    const path = resolve(folder, `.${pathname}`);
    if (req.method !== "GET" || relative(folder, path).startsWith("..") || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(path);
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end(); // a folder
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    requested,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** The environment of a Deno with a fresh DENO_DIR whose npm lookups go to a closed port. */
type DenoEnv = Record<string, string>;

/**
 * Serve the repository on 127.0.0.1 and make a fresh DENO_DIR while `body` runs. npm lookups
 * go to a closed port on 127.0.0.1, so a run that would need the npm registry fails instead of
 * reaching out.
 */
async function withServedRepository<T>(
  body: (served: ServedFolder, deno: { env: DenoEnv; dir: string }) => Promise<T>,
): Promise<T> {
  const served = await serveFolder(ROOT);
  const denoDir = mkdtempSync(join(tmpdir(), "dewy-deno-dir-"));
  try {
    const env = { DENO_DIR: denoDir, NO_COLOR: "1", NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/" };
    return await body(served, { env, dir: denoDir });
  } finally {
    rmSync(denoDir, { recursive: true, force: true });
    await served.close();
  }
}

/** `deno run -A [flags] BASE/path args` with the repository served at BASE, to completion. */
function denoRunUrl(
  path: string,
  args: string[],
  options: { flags?: (base: string) => string[]; cwd?: string } = {},
) {
  return withServedRepository(async ({ base, requested }, deno) => {
    const flags = options.flags?.(base) ?? [];
    const result = await runAsync(DENO, ["run", "-A", ...flags, `${base}/${path}`, ...args], {
      env: deno.env,
      cwd: options.cwd ?? deno.dir,
      timeoutMs: 60_000,
    });
    return { ...result, requested };
  });
}

/**
 * The import-map variant: mod.ts with deno.json as import map, both from the URL, and the
 * checkout's node_modules for the npm packages (`--no-config`: the local deno.json is not
 * read). A user without node_modules gets the npm packages from the npm registry instead.
 */
const importMapFlags = (base: string) => [
  "--no-config",
  "--node-modules-dir=manual",
  `--import-map=${base}/deno.json`,
];

const bundlePath = relative(ROOT, BUNDLE);

test(
  "url: deno run -A http://…/dist/dewy.js --version (fresh DENO_DIR) fetches every chunk",
  needsBundle,
  async () => {
    assert.ok(!bundlePath.startsWith(".."), `DEWY_BUNDLE ${BUNDLE} must lie inside ${ROOT}`);
    const result = await denoRunUrl(bundlePath, ["--version"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), `dewy version: ${VERSION} (deno ${denoVersion()})`);
    // Deno fetches every chunk at start-up, even those loaded much later (the mail notifier's on
    // the first mail), so a running dewy never needs the URL's host again.
    const chunks = readdirSync(dirname(BUNDLE)).filter((f) => /^dewy-chunk-.*\.js$/.test(f));
    assert.ok(chunks.length > 0, `no chunk files next to ${BUNDLE}`);
    const bundleFolder = `/${relative(ROOT, dirname(BUNDLE))}/`;
    for (const chunk of chunks) {
      assert.ok(result.requested.includes(bundleFolder + chunk), `${chunk} was not fetched`);
    }
  },
);

test("url: deno run -A http://…/dist/dewy.js --help (fresh DENO_DIR)", needsBundle, async () => {
  const result = await denoRunUrl(bundlePath, ["--help"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage:\n {2}dewy container --registry img:\/\/HOST\/REPO/m);
  assert.match(result.stdout, /--otlp-endpoint HOST:PORT/);
});

test(
  "url: deno run -A http://…/dist/dewy.js container deploys, loads its telemetry chunk, SIGTERM cleans up",
  needsBundle,
  async () => {
    const repo = uniqueName("ship-url");
    const digests = [pushApp(repo, "1.0.0")];
    const ports = await dewyPorts();
    try {
      await withServedRepository(async ({ base }, { env }) => {
        // --no-config: a user's folder has no deno.json (the repository's would be found).
        const program = [DENO, "run", "-A", "--no-config", `${base}/${bundlePath}`];
        const dewy = startDewyContainer(repo, ports, ["--telemetry"], env, program);
        try {
          await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
          assert.deepEqual(await httpGet(ports.port), { status: 200, body: "1.0.0" });
          // The telemetry pipeline is a chunk of its own, fetched from the URL on start-up.
          const metrics = await httpGet(ports.adminPort, "/metrics");
          assert.equal(metrics.status, 200, metrics.body);
          const connections = metrics.body.split("\n").find((line) =>
            line.startsWith("dewy_proxy_connections_total{") &&
            line.includes(`proxy_port="${ports.port}"`)
          );
          assert.match(connections ?? "", / 1$/, metrics.body);
          assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
          assert.deepEqual(managedContainers(repo), [], "managed containers left after SIGTERM");
        } finally {
          await dewy.stop("SIGKILL");
        }
      });
    } finally {
      await removeTestApp(repo, repo, digests);
    }
  },
);

test("url: deno run -A --import-map=http://…/deno.json http://…/mod.ts --version and --help", async () => {
  const version = await denoRunUrl("mod.ts", ["--version"], { flags: importMapFlags, cwd: ROOT });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), `dewy version: ${VERSION} (deno ${denoVersion()})`);
  const help = await denoRunUrl("mod.ts", ["--help"], { flags: importMapFlags, cwd: ROOT });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage:\n {2}dewy container --registry img:\/\/HOST\/REPO/m);
});

/** The version of the Deno under test (`deno 2.9.6` → `2.9.6`). */
function denoVersion(): string {
  return /^deno (\S+)/.exec(run(DENO, ["--version"]).stdout)![1];
}
