// The import rules of dewy, checked by dependency-cruiser in test/run.sh (`.ci/check-imports.sh`).
// Cruised: src/ (tests excluded: they may reach anything), mod.ts, compile.ts, scripts/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No file reaches itself through its imports (type-only imports count too).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-cycle",
      comment: "The folders of src/ import each other one way only.",
      severity: "error",
      scope: "folder",
      from: { path: "^src/" },
      to: { path: "^src/", circular: true },
    },
    {
      name: "runtime-is-the-bottom",
      comment: "src/runtime/ (the adapters) takes nothing from the rest of src/ but types.",
      severity: "error",
      from: { path: "^src/runtime/" },
      to: { path: "^src/", pathNot: "^src/runtime/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "root-base-is-low",
      comment: "The shared basics at the root of src/ (errors, log, version, config, body) take only types from its folders.",
      severity: "error",
      from: { path: "^src/(errors|log|version|config|body)\\.ts$" },
      to: { path: "^src/[^/]+/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "net-http-only-in-runtime",
      comment: "Sockets and HTTP servers are the runtime adapters' job (Runtime in src/runtime/types.ts).",
      severity: "error",
      from: { pathNot: "^src/runtime/" },
      to: { dependencyTypes: ["core"], path: "^(node:)?(net|http|https|http2)$" },
    },
    {
      name: "cli-only-from-entries",
      comment: "The command line is parsed at the top: only the entries, src/main.ts and mod.ts import src/cli/.",
      severity: "error",
      from: { pathNot: ["^src/cli/", "^src/entries/", "^src/main\\.ts$", "^mod\\.ts$"] },
      to: { path: "^src/cli/" },
    },
    {
      name: "main-only-from-entries",
      comment: "src/main.ts is the program: only the entries and mod.ts run it.",
      severity: "error",
      from: { pathNot: ["^src/entries/", "^mod\\.ts$"] },
      to: { path: "^src/main\\.ts$" },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves (bare names through node_modules, relative ones with .ts).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["\\.test\\.ts$", "^test/", "^bench/"] },
    // `import type` is a dependency too: it shapes the layering even though it is erased.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
