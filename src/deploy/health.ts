/**
 * Readiness of a replica: an HTTP GET of `--health-path` (2xx/3xx pass) or, without a health
 * path, a TCP connection that is accepted. Probes repeat every {@link HEALTH_PROBE_INTERVAL_MS}
 * until one passes or `--health-timeout` (the total budget; a probe started near its end gets
 * at most one more second) runs out; a container that exits meanwhile fails at once.
 *
 * @module
 */
import type { Engine } from "../engine/types.ts";
import { errorMessage } from "../errors.ts";
import type { Clock } from "./clock.ts";
import { ContainerExitedError, HealthCheckError } from "./errors.ts";
import type { DeployObserver, TcpProbe } from "./types.ts";
import { type Endpoint, endpointText } from "./endpoint.ts";

/** Gap between two health probes of one replica: one per second. */
const HEALTH_PROBE_INTERVAL_MS = 1_000;
/** Timeout of one probe at a container's engine address: on a reachable bridge it is instant. */
const DIRECT_PROBE_MS = 1_000;
/** Timeout of one health probe (HTTP request or TCP connect). */
export const HEALTH_PROBE_TIMEOUT_MS = 5_000;
/**
 * A TCP health probe (no `--health-path`) counts as passed only when the connection is still
 * open this long after connecting: docker-proxy accepts and then closes at once while the app
 * behind it is not listening yet.
 */
export const TCP_PROBE_SETTLE_MS = 200;

/** Options of {@link waitHealthy}. */
export interface WaitHealthyOptions {
  /** The container being checked. */
  container: { id: string; name: string };
  /** Where to probe: the published loopback port (or wherever the replica is dialled). */
  endpoint: Endpoint;
  /** The container's engine address, tried first at each probe; absent: `endpoint` only. */
  direct?: Endpoint;
  /** HTTP path (`/health`); `""` probes a TCP accept instead. */
  path: string;
  /** Total time the replica gets. */
  timeoutMs: number;
  /** Asked whether the container still runs after a failed probe. */
  engine: Engine;
  /** Dials the TCP probe. */
  probeTcp: TcpProbe;
  /** Time source for the budget and the gap between probes. */
  clock: Clock;
  /** Told about every probe. */
  observer?: DeployObserver;
  /** Aborts the wait (shutdown). */
  signal?: AbortSignal;
}

/** The probe target as text, for logs and errors. */
export function probeTarget(endpoint: Endpoint, path: string): string {
  return path ? `http://${endpointText(endpoint)}${path}` : `tcp://${endpointText(endpoint)}`;
}

/**
 * Resolve once the replica passes a probe, with the endpoint where it passed: `direct` when
 * the app answered there, else `endpoint`. Rejects with {@link HealthCheckError} when the
 * budget runs out, {@link ContainerExitedError} when the container stops running, or the
 * abort reason.
 */
export async function waitHealthy(options: WaitHealthyOptions): Promise<Endpoint> {
  const { clock, signal, direct } = options;
  const target = probeTarget(options.endpoint, options.path);
  const directTarget = direct && probeTarget(direct, options.path);
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    // A probe gets the budget left, and at least one probe interval so the last one (at the
    // deadline) can still pass: a slow app is given up at most 1 s past --health-timeout,
    // not a whole probe timeout (5 s) past it.
    const left = deadline - clock.now();
    const timeoutMs = Math.min(HEALTH_PROBE_TIMEOUT_MS, Math.max(left, HEALTH_PROBE_INTERVAL_MS));
    // Only an answer at the address counts: some runtimes report an unreachable host as
    // refused. After a pass at the published port it is asked once more (the app just came up).
    const atAddress = async () =>
      direct !== undefined &&
      await probeOnce(
          { ...options, endpoint: direct },
          directTarget!,
          Math.min(timeoutMs, DIRECT_PROBE_MS),
        ) === undefined;
    if (await atAddress()) {
      options.observer?.healthCheck(true);
      return direct!;
    }
    const failure = await probeOnce(options, target, timeoutMs);
    options.observer?.healthCheck(failure === undefined);
    if (failure === undefined) return await atAddress() ? direct! : options.endpoint;
    await assertRunning(options);
    const rest = deadline - clock.now();
    if (rest <= 0) {
      throw new HealthCheckError(options.container.name, target, options.timeoutMs, failure);
    }
    await clock.sleep(Math.min(HEALTH_PROBE_INTERVAL_MS, rest), signal);
  }
}

/**
 * One probe of `target` (see {@link probeTarget}), given `timeoutMs`: `undefined` when it
 * passed, else why it failed. Rejects only when `signal` aborted.
 */
export async function probeOnce(
  options: Pick<WaitHealthyOptions, "endpoint" | "path" | "probeTcp" | "signal">,
  target: string,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    if (!options.path) {
      const { host, port } = options.endpoint;
      const serving = await options.probeTcp(host, port, timeoutMs);
      return serving ? undefined : "nothing serves the port yet (refused, or closed at once)";
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(target, {
      redirect: "manual",
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 400 ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    options.signal?.throwIfAborted();
    return errorMessage(error);
  }
}

async function assertRunning(options: WaitHealthyOptions): Promise<void> {
  const details = await options.engine.inspectContainer(options.container.id, options.signal);
  if (details?.state === "running") return;
  throw ContainerExitedError.of(options.container.name, details);
}
