/**
 * Bundles a dewy entry with Bun's bundler, as an executable (`--compile`) or an ES module.
 * Run with Bun: `bun scripts/bun-build.ts ENTRY OUTFILE [--compile[=TARGET]] [--library]`.
 * `compile.ts` calls it. `--compile=bun-linux-arm64` (any `bun build --target`) cross-compiles;
 * `--library` bundles a module that is imported, not run: `import.meta.main` is false in it
 * (`mod.ts` would otherwise start the CLI when imported from the bundle).
 *
 * The ES module is split: what the entry imports only on demand (the telemetry pipeline, the
 * OTLP exporter with grpc-js, nodemailer) goes into chunk files next to it
 * (`<name>-chunk-<hash>.js`), loaded when first needed. Without splitting, `deno run` of the one
 * big file holds every dependency in memory: 49 MiB idle for the benchmark's proxy without
 * telemetry and 53 MiB with it, against 39 and 47 MiB split. Chunks of an earlier build are
 * removed first; the output files are printed, one per line.
 *
 * One fix-up is applied while bundling: `@opentelemetry/otlp-grpc-exporter-base` loads
 * `@grpc/grpc-js` through `createRequire(import.meta.url)` at run time, which a bundle cannot
 * follow (in the executable every OTLP export would fail with "Cannot find module
 * '@grpc/grpc-js'"). The plugin turns those calls into one static import, so grpc-js is
 * bundled like every other dependency.
 *
 * @module
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";

declare const Bun: {
  build(options: Record<string, unknown>): Promise<{
    success: boolean;
    logs: unknown[];
    outputs: { path: string }[];
  }>;
};

interface PluginBuilder {
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => Promise<{ contents: string; loader: string }>,
  ): void;
}

const GRPC_REQUIRE = /__require\(\s*["']@grpc\/grpc-js["']\s*\)/g;

/** Rewrites run-time `require("@grpc/grpc-js")` calls of the OTLP exporter into a static import. */
const staticGrpcRequire = {
  name: "static-grpc-require",
  setup(build: PluginBuilder) {
    build.onLoad({ filter: /otlp-grpc-exporter-base[\\/].*\.mjs$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      if (!GRPC_REQUIRE.test(source)) return { contents: source, loader: "js" };
      const contents = `import * as __staticGrpcJs from "@grpc/grpc-js";\n` +
        source.replace(GRPC_REQUIRE, "__staticGrpcJs");
      return { contents, loader: "js" };
    });
  },
};

const [entry, outfile, ...flags] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error(
    "usage: bun scripts/bun-build.ts ENTRY OUTFILE [--compile[=TARGET]] [--library]",
  );
  process.exit(2);
}
const compileFlag = flags.find((f) => f === "--compile" || f.startsWith("--compile="));
const compile = compileFlag !== undefined;
const compileTarget = compileFlag?.split("=")[1];
const outdir = dirname(outfile);
const chunkPrefix = `${basename(outfile, ".js")}-chunk-`;
if (!compile) {
  const stale = (await readdir(outdir).catch(() => [])).filter((f) => f.startsWith(chunkPrefix));
  await Promise.all(stale.map((f) => rm(join(outdir, f))));
}
const result = await Bun.build({
  entrypoints: [entry],
  target: compile ? "bun" : "node",
  ...(flags.includes("--library") ? { define: { "import.meta.main": "false" } } : {}),
  format: "esm",
  minify: { syntax: true },
  plugins: [staticGrpcRequire],
  ...(compile
    ? {
      compile: {
        outfile,
        autoloadDotenv: false,
        autoloadBunfig: false,
        ...(compileTarget ? { target: compileTarget } : {}),
      },
    }
    : {
      outdir,
      splitting: true,
      naming: { entry: basename(outfile), chunk: `${chunkPrefix}[hash].[ext]` },
    }),
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
for (const output of result.outputs) console.log(output.path);
