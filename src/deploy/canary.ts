/**
 * The canary soak (`--canary-soak`): the first new replica of a rollout serves real traffic
 * beside the old ones before the rest of the rollout may go on. It is probed every
 * {@link CANARY_PROBE_INTERVAL_MS}, and the proxy counts its connections and failures (connect
 * failures, connections it closed or reset before sending a byte). It fails when it exits,
 * fails {@link CANARY_FAILED_PROBES} probes in a row, or its failure share exceeds
 * `--canary-max-failures` with at least {@link CANARY_MIN_FAILURES} failures; the rollout then
 * rolls back like any failed rollout.
 *
 * @module
 */
import { HEALTH_PROBE_TIMEOUT_MS } from "./health.ts";
import type { CanarySettings } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Backend, BackendTally } from "../proxy/backend.ts";
import type { Clock } from "./clock.ts";
import { probeOnce, probeTarget } from "./health.ts";
import type { ResolvedPort } from "./ports.ts";
import { endpointOf } from "./endpoint.ts";
import type { DeployContext, Replica } from "./replica.ts";

/** Gap between two health probes of the canary replica during its soak. */
const CANARY_PROBE_INTERVAL_MS = 2_000;
/** Consecutive failed probes that fail a canary. */
const CANARY_FAILED_PROBES = 3;
/** A canary fails by its failure share only from this many failed connections on. */
const CANARY_MIN_FAILURES = 5;

/** Which rule failed the canary. */
export type CanaryFailure = "exited" | "failed probes" | "failure share";

/** The canary replica failed its soak; the message says which rule and the numbers. */
export class CanaryFailedError extends Error {
  /** Which rule failed it. */
  readonly failure: CanaryFailure;
  /** @param container its name @param failure the rule @param detail the numbers */
  constructor(container: string, failure: CanaryFailure, detail: string) {
    super(
      `canary ${container} failed its soak (${failure}): ${detail}; ` +
        "its rollout is rolled back, the old replicas kept serving",
    );
    this.name = "CanaryFailedError";
    this.failure = failure;
  }
}

/** What the soak watches, injectable for tests. */
export interface CanaryWatch {
  /** Container name (logs, errors). */
  name: string;
  /** One health probe: `undefined` when it passed, else why it failed. */
  probe(): Promise<string | undefined>;
  /** Whether the container still runs. */
  running(): Promise<boolean>;
  /** The proxy's counts for its backends. */
  tallies: readonly BackendTally[];
}

/** Options of {@link soak}. */
export interface SoakOptions extends CanarySettings {
  /** Time source of the soak and its probe gaps. */
  clock: Clock;
  /** Progress and outcome. */
  logger: Logger;
  /** Aborts the soak (shutdown). */
  signal?: AbortSignal;
}

function counted(tallies: readonly BackendTally[]): { attempts: number; failures: number } {
  let attempts = 0;
  let failures = 0;
  for (const t of tallies) {
    attempts += t.attempts;
    failures += t.failures;
  }
  return { attempts, failures };
}

/** Resolve when the canary passed its soak; reject with {@link CanaryFailedError} when not. */
export async function soak(watch: CanaryWatch, options: SoakOptions): Promise<void> {
  const { clock, logger, signal } = options;
  const deadline = clock.now() + options.soakMs;
  logger.info("Canary soak started: the rest of the rollout waits", {
    container: watch.name,
    soak: `${options.soakMs / 1000}s`,
    max_failures: `${options.maxFailuresPercent}%`,
  });
  let failedProbes = 0;
  for (;;) {
    await clock.sleep(Math.min(CANARY_PROBE_INTERVAL_MS, deadline - clock.now()), signal);
    const { attempts, failures } = counted(watch.tallies);
    if (failures >= CANARY_MIN_FAILURES && failures * 100 > options.maxFailuresPercent * attempts) {
      const share = ((failures * 100) / attempts).toFixed(1);
      throw new CanaryFailedError(
        watch.name,
        "failure share",
        `${failures} of ${attempts} connections failed (${share}% > --canary-max-failures ` +
          `${options.maxFailuresPercent}%)`,
      );
    }
    const failure = await watch.probe();
    if (failure !== undefined) {
      if (!(await watch.running())) {
        throw new CanaryFailedError(watch.name, "exited", "the container stopped running");
      }
      if (++failedProbes >= CANARY_FAILED_PROBES) {
        throw new CanaryFailedError(
          watch.name,
          "failed probes",
          `${failedProbes} health probes in a row failed (last: ${failure})`,
        );
      }
      logger.warn("Canary health probe failed", { container: watch.name, error: failure });
    } else failedProbes = 0;
    if (clock.now() >= deadline) {
      logger.info("Canary soak passed: the rollout goes on", {
        container: watch.name,
        connections: attempts,
        failures,
      });
      return;
    }
  }
}

/** The replica a canary soak watches. */
export interface CanaryReplica {
  /** The replica, just put into rotation. */
  replica: Replica;
  /** Its backends in rotation (`ReplicaSet.backendsOf`). */
  backends: readonly Backend[];
  /** Its resolved `--port` mappings. */
  ports: readonly ResolvedPort[];
}

/**
 * Soak a replica just put into rotation: its backends are watched by the proxy for the
 * soak, probed like its health check. Call right after `ReplicaSet.join`, without awaiting
 * anything in between, so that no connection goes uncounted.
 */
export async function soakReplica(
  ctx: DeployContext,
  canary: CanaryReplica,
  settings: CanarySettings & { signal?: AbortSignal },
): Promise<void> {
  const { replica, backends, ports } = canary;
  const tallies = backends.map((b) => b.watch());
  const endpoint = endpointOf(replica, ports[0].containerPort);
  const path = ctx.config.rollout.healthPath;
  const probe = { endpoint, path, probeTcp: ctx.probeTcp, signal: settings.signal };
  try {
    await soak({
      name: replica.name,
      tallies,
      probe: async () => {
        const failure = await probeOnce(
          probe,
          probeTarget(endpoint, path),
          HEALTH_PROBE_TIMEOUT_MS,
        );
        ctx.observer?.healthCheck(failure === undefined);
        return failure;
      },
      running: async () =>
        (await ctx.engine.inspectContainer(replica.id, settings.signal))?.state === "running",
    }, { ...settings, clock: ctx.clock, logger: ctx.logger });
  } finally {
    for (const b of backends) b.unwatch();
  }
}
