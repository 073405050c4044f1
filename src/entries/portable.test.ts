/**
 * The heavy dependencies stay out of dewy's static import graph, so they cost memory only when
 * used: the OpenTelemetry SDK and exporters (telemetry on), grpc-js (`--otlp-endpoint`),
 * nodemailer (a mail notifier), @sigstore (`--verify-key`). A static import creeping back in
 * would load them in every dewy; `deno info --json` shows the graph with dynamic edges marked.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HEAVY = /@opentelemetry\/|@grpc\/grpc-js|nodemailer|@sigstore\//;

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

/** Every module `entry` loads, following static imports only or dynamic ones too. */
function reachable(entry: string, withDynamic: boolean): Set<string> {
  const out = execFileSync(`${ROOT}node_modules/.bin/deno`, ["info", "--json", entry], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const graph = JSON.parse(out) as { roots: string[]; modules: ModuleInfo[] };
  const modules = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...graph.roots];
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code && (withDynamic || !dep.isDynamic)) queue.push(dep.code.specifier);
    }
  }
  return seen;
}

test("lazy imports: dewy's static graph holds no OpenTelemetry, grpc-js or nodemailer", () => {
  const entry = "src/entries/portable.ts";
  const eager = [...reachable(entry, false)].filter((s) => HEAVY.test(s));
  assert.deepEqual(eager, [], "loaded by every dewy although only some need them");
  // The graph does contain them behind dynamic imports, so the check above can see them.
  const all = [...reachable(entry, true)].join("\n");
  for (
    const name of ["@opentelemetry/sdk-metrics", "@grpc/grpc-js", "nodemailer", "@sigstore/verify"]
  ) {
    assert.ok(all.includes(name), `${name} not found in the graph at all`);
  }
});
