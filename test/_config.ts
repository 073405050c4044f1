/**
 * The one builder of a complete `dewy container` configuration for tests: a deploy-test base
 * (two replicas behind `/health`, no periodic check during a test), changed section by section.
 *
 * @module
 */
import type { ContainerConfig } from "../src/config.ts";
import { resolveStateDir } from "../src/control/state-store.ts";
import { parseImageUrl } from "../src/registry/url.ts";

/** The home folder the CLI tests give the parser. */
export const HOME_DIR = "/home/dewy";

/** Sections whose overrides are merged into the base section instead of replacing it. */
type Section = "rollout" | "poll" | "hooks" | "proxy" | "admin" | "log" | "run";

/** What a test changes: whole top-level values, or some fields of a section. */
export type ConfigOverrides =
  & Partial<Omit<ContainerConfig, Section>>
  & { [K in Section]?: Partial<ContainerConfig[K]> };

const SECTIONS: readonly Section[] = ["rollout", "poll", "hooks", "proxy", "admin", "log", "run"];

/** A complete config for app `app` pulled from `img://127.0.0.1:5000/app`, with `overrides`. */
export function testConfig(overrides: ConfigOverrides = {}): ContainerConfig {
  const base: ContainerConfig = {
    app: "app",
    image: parseImageUrl("img://127.0.0.1:5000/app"),
    engine: { kind: "docker", socketPath: "/var/run/docker.sock" },
    ports: [{ proxyPort: 18080, containerPort: 0 }],
    cmd: [],
    run: { env: [], binds: [], extraHosts: [], labels: {} },
    rollout: {
      replicas: 2,
      healthPath: "/health",
      healthTimeoutMs: 5_000,
      drainMs: 1_000,
      canary: { soakMs: 0, maxFailuresPercent: 1 },
    },
    poll: { intervalMs: 3_600_000 },
    hooks: { beforeDeploy: "", afterDeploy: "" },
    proxy: { idleTimeoutMs: 0, retryWindowMs: 2_000 },
    admin: { port: 17_539 },
    notifier: null,
    telemetry: null,
    log: { level: "error", format: "text" },
    // What the CLI resolves for HOME_DIR without --state-dir or $STATE_DIRECTORY.
    state: resolveStateDir(undefined, () => undefined, HOME_DIR),
    signatures: null,
  };
  const merged = { ...base, ...overrides } as ContainerConfig;
  for (const key of SECTIONS) {
    if (overrides[key]) Object.assign(merged, { [key]: { ...base[key], ...overrides[key] } });
  }
  return merged;
}
