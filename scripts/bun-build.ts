/**
 * Bundles a dewy entry with Bun's bundler, as an executable (`--compile`) or an ES module.
 * Run with Bun: `bun scripts/bun-build.ts ENTRY OUTFILE [--compile]`. `compile.ts` calls it.
 *
 * One fix-up is applied while bundling: `@opentelemetry/otlp-grpc-exporter-base` loads
 * `@grpc/grpc-js` through `createRequire(import.meta.url)` at run time, which a bundle cannot
 * follow (in the executable every OTLP export would fail with "Cannot find module
 * '@grpc/grpc-js'"). The plugin turns those calls into one static import, so grpc-js is
 * bundled like every other dependency.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import process from "node:process";

declare const Bun: {
  build(options: Record<string, unknown>): Promise<{ success: boolean; logs: unknown[] }>;
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
  console.error("usage: bun scripts/bun-build.ts ENTRY OUTFILE [--compile]");
  process.exit(2);
}
const compile = flags.includes("--compile");
const result = await Bun.build({
  entrypoints: [entry],
  target: compile ? "bun" : "node",
  format: "esm",
  minify: { syntax: true },
  plugins: [staticGrpcRequire],
  ...(compile
    ? { compile: { outfile, autoloadDotenv: false, autoloadBunfig: false } }
    : { outdir: dirname(outfile), naming: basename(outfile) }),
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
