/**
 * A rollback, for any deploy mode: choose the version (given, or the one deployed before the
 * current), check it exists, roll it out with the mode's own health-gated procedure, then pin
 * it. A version that is malformed or missing changes nothing.
 *
 * @module
 */
import { RegistryNotFoundError } from "../registry/errors.ts";
import { ControlRequestError, type DeployControl } from "./control.ts";
import type { DeployTrigger, Requester, VersionRef } from "./types.ts";

/** What a deploy mode offers the control layer. `DeployManager` implements it for containers. */
export interface ControlledMode {
  /** What serves now; `undefined` before the first deploy. */
  serving(): VersionRef | undefined;
  /** The digest and reference of tag `version`; rejects with `RegistryNotFoundError` when missing. */
  resolve(version: string, signal?: AbortSignal): Promise<VersionRef>;
  /**
   * Roll `target` out the way the mode deploys any version and, once it serves, run `then`
   * before any other deploy may start. Rejects when the rollout failed (the old version
   * kept serving).
   */
  rollout(target: VersionRef, trigger: DeployTrigger, then: () => Promise<void>): Promise<void>;
}

/** A rollback request. */
export interface RollbackRequest {
  /** The tag to go back to; absent = the version deployed before the current one. */
  version?: string;
  /** Who asked. */
  by: Requester;
  /** The operator's reason (may be empty). */
  reason: string;
  /** Aborts the registry lookup. */
  signal?: AbortSignal;
}

/** OCI tag grammar (distribution spec): what a registry could hold. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Roll back as `request` asks and pin the version. Resolves with it; rejects with
 * {@link ControlRequestError} for a malformed or missing version or when there is no earlier
 * one, or with the rollout's error.
 */
export async function rollBack(
  control: DeployControl,
  mode: ControlledMode,
  request: RollbackRequest,
): Promise<VersionRef> {
  const version = request.version ?? control.previousVersion(mode.serving()?.digest);
  if (version === undefined) {
    throw new ControlRequestError(
      409,
      "no earlier version in the deploy history; name one: dewy container rollback VERSION",
    );
  }
  if (!TAG.test(version)) {
    throw new ControlRequestError(
      400,
      `"${version}" is not a valid image tag (letters, digits, _ . -, at most 128); nothing changed`,
    );
  }
  let target: VersionRef;
  try {
    target = await mode.resolve(version, request.signal);
  } catch (error) {
    if (!(error instanceof RegistryNotFoundError)) throw error;
    throw new ControlRequestError(
      404,
      `version ${version} is not in the registry (${error.message}); nothing changed`,
      { cause: error },
    );
  }
  await mode.rollout(target, "rollback", () => control.pin(target, request));
  return target;
}
