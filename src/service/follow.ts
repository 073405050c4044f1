/**
 * Following one service update to its end: polls `UpdateStatus` until `completed`,
 * `rollback_completed`, `paused` or `rollback_paused`, or until the timeout, and logs the
 * tasks as they move (`2/3 tasks on v1.4.0`).
 *
 * @module
 */
import type { SwarmEngine, SwarmService, SwarmTask } from "../engine/swarm-types.ts";
import type { Clock } from "../deploy/clock.ts";
import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";
import { desiredReplicas, specImage } from "./spec.ts";

/** Gap between two reads of a service update's status: tasks move in seconds. */
export const SERVICE_UPDATE_POLL_MS = 1_000;

/** How a followed update ended. */
export type UpdateEnd =
  | "completed"
  | "rollback_completed"
  | "paused"
  | "rollback_paused"
  | "timeout";

/** States of `UpdateStatus` at which an update has stopped moving. */
const FINAL: ReadonlySet<string> = new Set([
  "completed",
  "rollback_completed",
  "paused",
  "rollback_paused",
]);

/** Options of {@link followUpdate}. */
export interface FollowOptions {
  swarm: SwarmEngine;
  /** Service id. */
  serviceId: string;
  /** The image the update is to (`REPO:TAG@sha256:…`). */
  image: string;
  /** The version shown in progress lines. */
  version: string;
  /** `UpdateStatus.StartedAt` before this update (`""` when none): an older status is not ours. */
  previousStartedAt: string;
  /** Give up after this long. */
  timeoutMs: number;
  /** Gap between two polls. */
  pollMs: number;
  clock: Clock;
  logger: Logger;
  /** Called with the running tasks after each poll (replica telemetry). */
  onTasks?: (running: number, desired: number | undefined) => void;
  signal: AbortSignal;
}

/** The result of {@link followUpdate}: how it ended and Swarm's last words on it. */
export interface FollowResult {
  end: UpdateEnd;
  message: string;
}

/** States of a task that ended badly (its message says why). */
const TASK_FAILED: ReadonlySet<string> = new Set(["failed", "rejected"]);

/** Why the update failed, in Swarm's words: the update status and the failed task's error. */
class FailureReason {
  #status = "";
  #task = "";

  /** Remember the status message of a failing update and the error of a failed new task. */
  see(service: SwarmService, tasks: readonly SwarmTask[], image: string): void {
    const status = service.updateStatus;
    if (status && status.state !== "updating" && status.state !== "completed" && !this.#status) {
      this.#status = status.message;
    }
    const failed = tasks.find((t) => t.image === image && TASK_FAILED.has(t.state) && t.message);
    if (failed && !this.#task) this.#task = `task ${failed.state}: ${failed.message}`;
  }

  /** The reason as one line (`fallback` when Swarm said nothing). */
  text(fallback: string): string {
    return [this.#status, this.#task].filter(Boolean).join("; ") || fallback;
  }
}

/** Tasks Swarm wants running, and how many of them run `image`. */
export function taskProgress(
  tasks: readonly SwarmTask[],
  image: string,
): { running: number; onImage: number } {
  let running = 0;
  let onImage = 0;
  for (const task of tasks) {
    if (task.desiredState !== "running" || task.state !== "running") continue;
    running++;
    if (task.image === image) onImage++;
  }
  return { running, onImage };
}

/** Whether `service`'s update status is one this update produced and has stopped at. */
function finished(service: SwarmService, previousStartedAt: string): FollowResult | undefined {
  const status = service.updateStatus;
  if (!status || status.startedAt === previousStartedAt || !FINAL.has(status.state)) {
    return undefined;
  }
  return { end: status.state as UpdateEnd, message: status.message };
}

/**
 * Poll the service until its update stopped moving or `timeoutMs` passed. A poll that fails
 * (engine busy, a manager election) is logged at debug and tried again at the next poll.
 * Rejects only when `signal` aborts.
 */
export async function followUpdate(options: FollowOptions): Promise<FollowResult> {
  const { swarm, serviceId, image, version, clock, logger, signal } = options;
  const deadline = clock.now() + options.timeoutMs;
  let shown = "";
  const reason = new FailureReason();
  for (;;) {
    signal.throwIfAborted();
    try {
      const [service, tasks] = await Promise.all([
        swarm.inspectService(serviceId, signal),
        swarm.listTasks(serviceId, signal),
      ]);
      if (service) {
        const desired = desiredReplicas(service.spec);
        const { running, onImage } = taskProgress(tasks, image);
        options.onTasks?.(running, desired);
        const progress = `${onImage}/${desired ?? running} tasks on ${version}`;
        if (progress !== shown && specImage(service.spec) === image) {
          shown = progress;
          logger.info("Service update progress", { progress, state: service.updateStatus?.state });
        }
        if (service.updateStatus?.startedAt !== options.previousStartedAt) {
          reason.see(service, tasks, image);
        }
        const result = finished(service, options.previousStartedAt);
        if (result) return { ...result, message: reason.text(result.message) };
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      logger.debug("Cannot read the service update's progress", { error: errorMessage(error) });
    }
    if (clock.now() >= deadline) {
      return {
        end: "timeout",
        message: reason.text(`not done after ${options.timeoutMs / 1000}s`),
      };
    }
    await clock.sleep(Math.min(options.pollMs, Math.max(0, deadline - clock.now())), signal);
  }
}
