/**
 * The rolling deploy: decide which replicas to start and which to retire, start the new ones
 * one by one (each healthy before it joins the rotation), then drain, stop and remove the old
 * ones. A failure drains and removes every new replica again; the old ones keep serving.
 *
 * @module
 */
import type { ContainerSummary } from "../engine/types.ts";
import { ROLLBACK_STOP_TIMEOUT_S, STOP_TIMEOUT_S } from "./replica.ts";
import { containerName } from "./labels.ts";
import type { ResolvedPort } from "./ports.ts";
import {
  type DeployContext,
  type DeployTarget,
  removeContainer,
  type Replica,
  startReplica,
} from "./replica.ts";
import { poolsOf, type ReplicaSet } from "./replica-set.ts";
import { soakReplica } from "./canary.ts";

/** What a rollout will do. */
export interface RolloutPlan {
  /** The version the new replicas run. */
  target: DeployTarget;
  /** Replica indices to start. */
  start: number[];
  /** Replicas in rotation to retire once the new ones are in. */
  retire: Replica[];
}

/**
 * Compare what serves with what should: replicas `0..replicas-1` of `target`. Returns
 * `undefined` when nothing is to be done: otherwise the missing indices are to be started and
 * every other replica (another version, a duplicate index) retired.
 */
export function planRollout(
  serving: Iterable<Replica>,
  target: DeployTarget,
  replicas: number,
): RolloutPlan | undefined {
  const current = new Map<number, Replica>();
  const retire: Replica[] = [];
  for (const r of serving) {
    const matches = r.digest === target.digest && r.version === target.version;
    if (matches && r.index >= 0 && r.index < replicas && !current.has(r.index)) {
      current.set(r.index, r);
    } else retire.push(r);
  }
  const start: number[] = [];
  for (let i = 0; i < replicas; i++) if (!current.has(i)) start.push(i);
  if (start.length === 0 && retire.length === 0) return undefined;
  return { target, start, retire };
}

/** Options of {@link rollout}. */
export interface RolloutOptions {
  /** Resolved `--port` mappings of the target image. */
  ports: readonly ResolvedPort[];
  /**
   * The replicas in rotation. New replicas join it; retired and rolled-back ones leave it
   * before they are stopped (so their exit is not mistaken for a crash).
   */
  serving: ReplicaSet;
  /** Running managed containers dewy does not track; removed after a successful deploy. */
  strays?: readonly ContainerSummary[];
  /** Aborts the rollout (shutdown): the new replicas are rolled back. */
  signal?: AbortSignal;
  /** Called when a new replica joins the rotation (it serves from then on). */
  onJoin?: (replica: Replica) => void;
}

/** Carry out `plan`. Resolves with the new replicas; rejects after rolling them back. */
export async function rollout(
  ctx: DeployContext,
  plan: RolloutPlan,
  options: RolloutOptions,
): Promise<Replica[]> {
  const { serving, signal } = options;
  poolsOf(ctx, options.ports); // fail before starting anything when a proxy is missing
  const deployedAt = unusedDeployTime(ctx, plan.start, serving);
  const drainMs = ctx.config.rollout.drainMs;
  const started: Replica[] = [];
  try {
    for (const index of plan.start) {
      signal?.throwIfAborted();
      const replica = await startReplica(ctx, {
        target: plan.target,
        index,
        ports: options.ports,
        deployedAt,
        signal,
      });
      started.push(replica);
      serving.join(replica, options.ports);
      options.onJoin?.(replica);
      // The first new replica serves beside the old ones before the rest follows.
      const { canary } = ctx.config.rollout;
      if (started.length === 1 && plan.retire.length > 0 && canary.soakMs > 0) {
        const backends = serving.backendsOf(replica);
        await soakReplica(ctx, { replica, backends, ports: options.ports }, { ...canary, signal });
      }
    }
  } catch (error) {
    await rollBack(ctx, started, serving, drainMs, signal);
    throw error;
  }
  const removed = await Promise.all([
    ...plan.retire.map(async (old) => {
      await serving.retire(old, drainMs, signal);
      ctx.logger.info("Removing old container", { container: old.name, version: old.version });
      return removeContainer(ctx, old, STOP_TIMEOUT_S);
    }),
    ...(options.strays ?? []).map((stray) => {
      ctx.logger.info("Removing untracked container", { container: stray.name });
      return removeContainer(ctx, stray, STOP_TIMEOUT_S);
    }),
  ]);
  ctx.logger.info("Container deployment completed", {
    version: plan.target.version,
    new_containers: started.length,
    removed_containers: removed.filter(Boolean).length,
  });
  return started;
}

/**
 * Now, or a later second when a replica in `serving` already has the name a new replica would
 * get (`<base>-<unixSeconds>-<i>`: a deploy within the same second as the one before).
 */
function unusedDeployTime(
  ctx: DeployContext,
  indices: readonly number[],
  serving: Iterable<Replica>,
): number {
  const base = ctx.config.run.name ?? ctx.config.app;
  const taken = new Set([...serving].map((r) => r.name));
  let at = ctx.clock.now();
  while (indices.some((i) => taken.has(containerName(base, at, i)))) at += 1000;
  return at;
}

/**
 * Take the new replicas out of rotation, let the connections they already accepted finish (up
 * to `drainMs`, none once `signal` aborted), then stop and remove them.
 */
async function rollBack(
  ctx: DeployContext,
  started: Replica[],
  serving: ReplicaSet,
  drainMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  await Promise.all(started.map(async (replica) => {
    await serving.retire(replica, drainMs, signal);
    ctx.logger.info("Rolling back container", { container: replica.name });
    return removeContainer(ctx, replica, ROLLBACK_STOP_TIMEOUT_S);
  }));
}
