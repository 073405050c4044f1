/**
 * The builders of complete configurations for tests: `dewy container` (a deploy-test base, two
 * replicas behind `/health`, no periodic check during a test, changed section by section) and
 * `dewy service`.
 *
 * @module
 */
import type { ContainerConfig } from "../src/config.ts";
import type { ServiceConfig } from "../src/service/config.ts";
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

/** A complete `dewy service` config for service `app` following `img://127.0.0.1:5000/app`. */
export function testServiceConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    image: parseImageUrl("img://127.0.0.1:5000/app"),
    service: "app",
    poll: { intervalMs: 3_600_000 },
    update: { timeoutMs: 120_000, monitorMs: 2_000 },
    hooks: { beforeDeploy: "", afterDeploy: "" },
    notifier: null,
    telemetry: null,
    admin: { port: 0 },
    engine: { kind: "docker", socketPath: "/var/run/docker.sock" },
    log: { level: "error", format: "text" },
    state: resolveStateDir(undefined, () => undefined, HOME_DIR),
    signatures: null,
    ...overrides,
  };
}
