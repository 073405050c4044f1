/**
 * The replicas that serve, the version they run, and their backends in every proxy's rotation.
 * Only this set puts a replica into a rotation or takes it out, so what serves and what the
 * proxies dial agree.
 *
 * @module
 */
import { Backend } from "../proxy/backend.ts";
import type { BackendPool } from "../proxy/pool.ts";
import { timeLimit } from "./clock.ts";
import { endpointOf } from "./endpoint.ts";
import { MissingProxyError } from "./errors.ts";
import type { ResolvedPort } from "./ports.ts";
import type { DeployContext, DeployTarget, Replica } from "./replica.ts";

/** What the set needs: the proxies, and where rotation changes are reported. */
export type RotationContext = Pick<DeployContext, "proxies" | "logger" | "clock" | "observer">;

/** A replica's backend in one proxy's pool. */
interface Seat {
  pool: BackendPool;
  backend: Backend;
}

/** The proxy pools of every mapping; throws {@link MissingProxyError} for a port without one. */
export function poolsOf(
  ctx: Pick<DeployContext, "proxies">,
  ports: readonly ResolvedPort[],
): BackendPool[] {
  return ports.map((p) => {
    const proxy = ctx.proxies.get(p.proxyPort);
    if (!proxy) throw new MissingProxyError(p.proxyPort);
    return proxy.pool;
  });
}

/**
 * The serving replicas of one app.
 *
 * @example
 * ```ts
 * const serving = new ReplicaSet(ctx);
 * serving.join(replica, ports);         // healthy: into every proxy's rotation
 * await serving.retire(replica, 30_000); // out, and its open connections finish
 * ```
 */
export class ReplicaSet implements Iterable<Replica> {
  #ctx: RotationContext;
  #seats = new Map<Replica, Seat[]>();
  #version: DeployTarget | undefined;

  /** @param ctx proxies, logger, clock (drain time) and telemetry */
  constructor(ctx: RotationContext) {
    this.#ctx = ctx;
  }

  /** The version the set runs: the last one rolled out or adopted (what healing restores). */
  get version(): DeployTarget | undefined {
    return this.#version;
  }

  /** `target` now runs on the set: a rollout of it completed, or it was adopted. */
  runs(target: DeployTarget): void {
    this.#version = target;
  }

  /** Number of serving replicas. */
  get size(): number {
    return this.#seats.size;
  }

  /** Number of serving replicas with at least one backend in rotation. */
  get inRotation(): number {
    let count = 0;
    for (const seats of this.#seats.values()) if (seats.length > 0) count++;
    return count;
  }

  /** The serving replicas, in the order they joined. */
  [Symbol.iterator](): Iterator<Replica> {
    return this.#seats.keys();
  }

  /** The serving replica with container id `id`. */
  find(id: string): Replica | undefined {
    for (const replica of this.#seats.keys()) if (replica.id === id) return replica;
    return undefined;
  }

  /** The backends of `replica` in rotation, one per mapping; empty when it is not serving. */
  backendsOf(replica: Replica): Backend[] {
    return (this.#seats.get(replica) ?? []).map((s) => s.backend);
  }

  /**
   * Add a healthy `replica` and put it into the rotation of every mapping's proxy. Throws
   * {@link MissingProxyError}, changing nothing, when a mapping has no proxy.
   */
  join(replica: Replica, ports: readonly ResolvedPort[]): void {
    const pools = poolsOf(this.#ctx, ports);
    const seats = ports.map((p, i) => {
      const { host, port } = endpointOf(replica, p.containerPort);
      return { pool: pools[i], backend: pools[i].add(new Backend(host, port, replica.name)) };
    });
    this.#seats.set(replica, seats);
    this.#ctx.observer?.replicasChanged(1);
    this.#ctx.logger.info("Container added to load balancer", {
      container: replica.name,
      backends: seats.map((s) => s.backend.address).join(","),
    });
  }

  /** `replica` died or vanished: out of the set and every rotation now, nothing drained. */
  lose(replica: Replica, reason: string): void {
    for (const { pool, backend } of this.#leave(replica)) pool.remove(backend);
    this.#ctx.logger.warn("Container left the rotation", { container: replica.name, reason });
  }

  /**
   * Take `replica` out of the set and every rotation, and wait (up to `drainMs`, none once
   * `signal` aborted) until its open connections have finished. Resolves `true` when they did.
   */
  async retire(replica: Replica, drainMs: number, signal?: AbortSignal): Promise<boolean> {
    const seats = this.#leave(replica);
    const limit = timeLimit(this.#ctx.clock, drainMs, signal);
    const idle = await Promise.all(
      seats.map(({ pool, backend }) => pool.retire(backend, limit.signal)),
    );
    limit.clear();
    const drained = idle.every(Boolean);
    if (!drained) {
      this.#ctx.logger.warn("Drain time over, stopping container with open connections", {
        container: replica.name,
      });
    }
    return drained;
  }

  /** Retire every replica at once (shutdown). */
  async retireAll(drainMs: number): Promise<void> {
    await Promise.all([...this.#seats.keys()].map((r) => this.retire(r, drainMs)));
  }

  /**
   * Forget every replica without touching the rotations or the containers (a failed start-up
   * leaves them for the next dewy to adopt). Returns how many there were.
   */
  forget(): number {
    const count = this.#seats.size;
    this.#seats.clear();
    return count;
  }

  /** Remove `replica` from the set; returns its seats (the caller takes them out of rotation). */
  #leave(replica: Replica): Seat[] {
    const seats = this.#seats.get(replica) ?? [];
    this.#seats.delete(replica);
    if (seats.length > 0) this.#ctx.observer?.replicasChanged(-1);
    return seats;
  }
}
